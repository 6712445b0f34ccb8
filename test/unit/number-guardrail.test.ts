import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkNumbers, findNumbers, numbersOf } from '../../lib/llm/number-guardrail';

/** [text, value, unit]: the text holds exactly one number, written as the whole text. */
type Single = [string, number, number];

function assertSingle([text, value, unit]: Single): void {
  const found = findNumbers(text);
  assert.equal(found.length, 1, `${text}: ${JSON.stringify(found)}`);
  assert.deepEqual(found[0], { text, value, unit, index: 0 }, text);
}

function values(text: string): number[] {
  return findNumbers(text).map((written) => written.value);
}

test('plain numbers: thousands separators, no separators, decimals, any suffix', () => {
  const cases: Single[] = [
    ['1,200,000원', 1_200_000, 1],
    ['1200000', 1_200_000, 1],
    ['1.2', 1.2, 0.1],
    ['12.345', 12.345, 0.001],
    ['1,234,567.5원', 1_234_567.5, 0.1],
  ];
  cases.forEach(assertSingle);
  // Only 원 and % join the written text; other suffixes are read past.
  assert.deepEqual(findNumbers('12건'), [{ text: '12', value: 12, unit: 1, index: 0 }]);
  assert.deepEqual(findNumbers('6개월'), [{ text: '6', value: 6, unit: 1, index: 0 }]);
});

test('Korean magnitude units, small ones combined with big ones, glued or after a space', () => {
  const cases: Single[] = [
    ['120만', 1_200_000, 1e4],
    ['120만 원', 1_200_000, 1e4],
    ['120 만원', 1_200_000, 1e4],
    ['3천만원', 30_000_000, 1e7],
    ['1.2백만', 1_200_000, 1e5],
    ['1.1백만', 1_100_000, 1e5],
    ['12백만원', 12_000_000, 1e6],
    ['5천원', 5_000, 1e3],
    ['3십만원', 300_000, 1e5],
    ['1.2억', 120_000_000, 1e7],
    ['1,234억원', 123_400_000_000, 1e8],
    ['2조원', 2e12, 1e12],
  ];
  cases.forEach(assertSingle);
});

test('compound amounts in descending units are one number, precise to their last group', () => {
  const cases: Single[] = [
    ['1억 2천만원', 120_000_000, 1e7],
    ['1억2,345만6,789원', 123_456_789, 1],
    ['1억 2,345만 6,789원', 123_456_789, 1],
    ['3억 500만원', 305_000_000, 1e4],
    ['2억 원', 200_000_000, 1e8],
    ['1억 2천 5백만원', 125_000_000, 1e6],
    ['2천5백만원', 25_000_000, 1e6],
    ['1백 2십만원', 1_200_000, 1e5],
    ['1만 5천원', 15_000, 1e3],
    ['1조 2천억원', 1.2e12, 1e11],
  ];
  cases.forEach(assertSingle);
});

test('numbers that do not continue an amount stay separate', () => {
  const cases: [string, number[]][] = [
    ['3억 5건', [300_000_000, 5]],
    ['5천 3건', [5_000, 3]],
    ['1억, 2천만원', [100_000_000, 20_000_000]],
    ['2억 2024년', [200_000_000, 2024]],
    ['1만 2만', [10_000, 20_000]],
    ['1억 3억', [100_000_000, 300_000_000]],
    ['1.5억 2천만원', [150_000_000, 20_000_000]],
    ['1,2,3', [1, 2, 3]],
    ['5 조정', [5]],
  ];
  for (const [text, expected] of cases) assert.deepEqual(values(text), expected, text);
});

test('a number inside a sentence keeps its index and its written text', () => {
  const text = '이번 달 매출은 1억 2천만원이고 비용은 3,500,000원입니다.';
  assert.deepEqual(findNumbers(text), [
    { text: '1억 2천만원', value: 120_000_000, unit: 1e7, index: text.indexOf('1억') },
    { text: '3,500,000원', value: 3_500_000, unit: 1, index: text.indexOf('3,500,000') },
  ]);
});

test('dates and times are read as their parts', () => {
  const cases: [string, number[]][] = [
    ['2024-07-10', [2024, 7, 10]],
    ['2024.07.10', [2024, 7, 10]],
    ['2024/07/10', [2024, 7, 10]],
    ['2024. 7. 10.', [2024, 7, 10]],
    ['2024년 6월 30일', [2024, 6, 30]],
    ['2024-06', [2024, 6]],
    ['2024.06', [2024, 6]],
    ['14:30', [14, 30]],
  ];
  for (const [text, expected] of cases) assert.deepEqual(values(text), expected, text);
  assert.deepEqual(findNumbers('기한 2024.07.10'), [
    { text: '2024', value: 2024, unit: 1, index: 3 },
    { text: '07', value: 7, unit: 1, index: 8 },
    { text: '10', value: 10, unit: 1, index: 11 },
  ]);
  assert.deepEqual(values('2024.5억'), [202_450_000_000], 'a unit makes a date-like numeral an amount');
});

test('identifiers are skipped; citation marks and article numbers are plain numbers', () => {
  const cases: [string, number[]][] = [
    ['F1', []],
    ['gpt-4.1 모델', []],
    ['전표 V-2024-0012', []],
    ['3kg', []],
    ['gpt-4.1이 쓴 120만원', [1_200_000]],
    ['법인세법 §25④', [25]],
    ['시행령 §50의2', [50, 2]],
    ['법인세법 제25조 제4항', [25, 4]],
  ];
  for (const [text, expected] of cases) assert.deepEqual(values(text), expected, text);
});

test('percentages are flagged and keep the percent sign in their text', () => {
  assert.deepEqual(findNumbers('80%'), [{ text: '80%', value: 80, unit: 1, index: 0, percent: true }]);
  assert.deepEqual(findNumbers('12.5 %'), [{ text: '12.5 %', value: 12.5, unit: 0.1, index: 0, percent: true }]);
  assert.deepEqual(findNumbers('30퍼센트'), [{ text: '30퍼센트', value: 30, unit: 1, index: 0, percent: true }]);
});

test('Hangul numerals are read, alone or after digits; native numerals before a counter', () => {
  const cases: Single[] = [
    ['삼천만원', 30_000_000, 1e7],
    ['천만원', 10_000_000, 1e7],
    ['만원', 10_000, 1e4],
    ['삼백만', 3_000_000, 1e6],
    ['천사백이십만원', 14_200_000, 1e5],
    ['일억 이천만원', 120_000_000, 1e7],
    ['일억이천만원', 120_000_000, 1e7],
    ['1억 오천만원', 150_000_000, 1e7],
    ['2천오백만원', 25_000_000, 1e6],
    ['1억 천만원', 110_000_000, 1e7],
    ['십이만원', 120_000, 1e4],
    ['오십만 원', 500_000, 1e5],
  ];
  cases.forEach(assertSingle);
  const counted: [string, number[]][] = [
    ['이십오일까지', [25]],
    ['오백만이 넘는', [5_000_000]],
    ['세 건', [3]],
    ['두 가지', [2]],
    ['열 번', [10]],
  ];
  for (const [text, expected] of counted) assert.deepEqual(values(text), expected, text);
});

test('words that start like Hangul numerals are words: a Hangul amount stands apart, and units alone need 원', () => {
  for (const text of [
    '만약에',
    '만일',
    '천만에요',
    '천천히',
    '백업',
    '조치완료',
    '구조를',
    '일조하다',
    '이천시',
    '오만한',
    '사업',
    '이번 달',
    '일부',
    '부가가치세 건',
    '한 건도 없습니다',
  ]) {
    assert.deepEqual(findNumbers(text), [], text);
  }
});

test('full-width digits are read as digits and keep their written text; digits of other scripts never match', () => {
  assert.deepEqual(findNumbers('１２０만원'), [{ text: '１２０만원', value: 1_200_000, unit: 1e4, index: 0 }]);
  assert.deepEqual(findNumbers('１９１，７８０원'), [{ text: '１９１，７８０원', value: 191_780, unit: 1, index: 0 }]);
  assert.deepEqual(findNumbers('８０％'), [{ text: '８０％', value: 80, unit: 1, index: 0, percent: true }]);
  const [arabic] = findNumbers('٣٠٠ 원');
  assert.ok(Number.isNaN(arabic!.value));
  assert.equal(checkNumbers('٣٠٠ 원', new Set([300])).ok, false);
});

test('a minus, a triangle or 마이너스 makes a number negative; a hyphen between words or numbers does not', () => {
  for (const text of ['-5,000,000원', '−5,000,000원', '△5,000,000원', '▲ 5,000,000원', '마이너스 500만원', '(-5,000,000원)']) {
    const [n] = findNumbers(text);
    assert.equal(n?.negative, true, text);
    assert.equal(n.text, text.replace(/^\(|\)$/g, ''), text);
  }
  for (const text of ['3-5개월', 'F-1 5건', '2024-07-10'])
    assert.ok(
      findNumbers(text).every((n) => !n.negative),
      text,
    );
});

test('known gaps: circled numbers are not read', () => {
  assert.deepEqual(findNumbers('①'), []);
});

test('checkNumbers accepts faithful renderings of 1,200,000 and rejects invented ones', () => {
  const allowed = new Set([1_200_000]);
  for (const text of ['1,200,000원', '1200000원', '120만원', '120만 원', '1.2백만', '12십만원', '1백 2십만원']) {
    assert.deepEqual(checkNumbers(text, allowed), { ok: true, unknown: [] }, text);
  }
  for (const text of ['1,300,000원', '150만원', '130만원', '1,200,001원', '12만원']) {
    const verdict = checkNumbers(text, allowed);
    assert.equal(verdict.ok, false, text);
    assert.deepEqual(
      verdict.unknown.map((written) => written.text),
      [text],
    );
  }
});

test('checkNumbers allows rounding to the written precision, no more', () => {
  const allowed = new Set([1_234_567]);
  for (const text of ['1,234,567원', '123만원', '1.2백만', '1.23백만']) assert.equal(checkNumbers(text, allowed).ok, true, text);
  for (const text of ['1,234,000원', '1,234,568원', '120만원', '1.4백만', '1.3백만']) assert.equal(checkNumbers(text, allowed).ok, false, text);
});

test('checkNumbers applies the same rule to decimals, one unit exclusive', () => {
  assert.equal(checkNumbers('12.3', new Set([12.345])).ok, true);
  assert.equal(checkNumbers('12.35', new Set([12.345])).ok, true);
  assert.equal(checkNumbers('12.5', new Set([12.345])).ok, false);
  assert.equal(checkNumbers('12.3', new Set([12.4])).ok, false, 'a difference of exactly one unit');
});

test('checkNumbers matches a percentage against the ratio or the figure', () => {
  assert.equal(checkNumbers('한도의 80%', new Set([0.8])).ok, true);
  assert.equal(checkNumbers('한도의 80%', new Set([80])).ok, true);
  assert.equal(checkNumbers('12.5%', new Set([0.125])).ok, true);
  assert.equal(checkNumbers('한도의 80%', new Set([0.85])).ok, false);
  assert.equal(checkNumbers('80', new Set([0.8])).ok, false, 'only a percentage stands for a ratio');
});

test('checkNumbers keeps signs: a negative writing needs a negative number, and a negative number a negative writing', () => {
  assert.equal(checkNumbers('-5,000,000원', new Set([5_000_000])).ok, false);
  assert.equal(checkNumbers('△500만원', new Set([5_000_000])).ok, false);
  assert.equal(checkNumbers('-5,000,000원', new Set([-5_000_000])).ok, true);
  assert.equal(checkNumbers('5,000,000원', new Set([-5_000_000])).ok, false);
});

test('checkNumbers may allow different numbers at different places of the text', () => {
  const text = '가지급금 5,000만원, 기업업무추진비 1,420만원';
  const allowedAt = (index: number) => new Set(index < text.indexOf('기업') ? [50_000_000] : [14_200_000]);
  assert.equal(checkNumbers(text, allowedAt).ok, true);
  assert.deepEqual(
    checkNumbers('가지급금 1,420만원, 기업업무추진비 5,000만원', allowedAt).unknown.map((n) => n.text),
    ['1,420만원', '5,000만원'],
  );
});

test('checkNumbers allows zero only when the data holds zero', () => {
  assert.equal(checkNumbers('가산세 0원', new Set([0.4, 1])).ok, false);
  assert.equal(checkNumbers('가산세 0원', new Set([0])).ok, true);
  assert.equal(checkNumbers('0%', new Set([0])).ok, true);
  assert.deepEqual(checkNumbers('특이사항이 없습니다.', new Set()), { ok: true, unknown: [] });
});

/** A findings-like document, its message strings rendered from their '{amount}원' templates. */
const doc = {
  companyId: 'C001',
  period: '2024-06',
  riskLevel: 'HIGH',
  metrics: { revenueMonth: 52_000_000, expenseMonth: 31_500_000, lineCount: 412, ytdMonths: ['2024-05', '2024-06'] },
  findings: [
    {
      ruleId: 'ENT-LIMIT',
      severity: 'HIGH',
      amount: 14_200_000,
      threshold: 12_000_000,
      basis: '법인세법 §25④, 시행령 §42',
      message: '기업업무추진비 누계 14,200,000원이 손금 한도 12,000,000원을 초과했습니다.',
      evidence: [{ date: '2024-06-14', account: '813', amount: -3_500_000, memo: '거래처 접대 3,500,000원' }],
    },
    {
      ruleId: 'VAT-DUE',
      severity: 'MEDIUM',
      dueDate: '2024-07-25',
      warnRatio: 0.8,
      reviewed: true,
      note: null,
      message: '부가가치세 예정신고 기한은 2024-07-25입니다.',
    },
  ],
};

test('numbersOf collects numeric values and the numbers written in strings, nested, with their signs', () => {
  const found = [...numbersOf(doc)].sort((a, b) => a - b);
  assert.deepEqual(found, [-3_500_000, 0.8, 5, 6, 7, 14, 25, 42, 412, 813, 2024, 3_500_000, 12_000_000, 14_200_000, 31_500_000, 52_000_000]);
  assert.deepEqual(numbersOf([-3, { nested: ['1.5억', '△200만원'] }]), new Set([-3, 150_000_000, -2_000_000]));
  assert.deepEqual(numbersOf({ flag: true, none: null, nan: Number.NaN }), new Set());
});

test('a Korean paragraph with one invented number: the verdict names exactly that one', () => {
  const paragraph =
    '2024년 6월 기업업무추진비 누계는 1,420만원으로 손금 한도 1,200만원을 넘었습니다(법인세법 §25④). ' +
    '6월 14일 거래처 접대비 350만 원이 포함되어 있으며, 한도를 넘은 220만원은 손금불산입 대상입니다. ' +
    '부가가치세 예정신고는 2024. 7. 25.까지이며, 이번 달 매출 5.2천만원 대비 비용은 3,150만원(계정 813)입니다. ' +
    '경고 수준은 한도의 80%입니다.';
  const verdict = checkNumbers(paragraph, numbersOf(doc));
  assert.equal(verdict.ok, false);
  assert.deepEqual(verdict.unknown, [{ text: '220만원', value: 2_200_000, unit: 1e4, index: paragraph.indexOf('220만원') }]);
  assert.deepEqual(checkNumbers(paragraph.replace('220만원', '초과분'), numbersOf(doc)), { ok: true, unknown: [] });
});
