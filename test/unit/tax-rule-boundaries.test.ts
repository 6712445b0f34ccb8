// Every tax rule of docs/spec/tax-rules.md at its boundary: a case that just does not trigger it and one that does,
// with the amounts, thresholds and accrued interest checked to the won against values worked out by hand. The ledgers
// are small CSV exports (columns of docs/spec/erp-input-format.md) written to a temporary data directory, loaded with
// the real parser and mapper into an OxigraphStore, and checked to pass data quality before any rule reads them.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Company } from '../../lib/domain/company';
import type { Finding } from '../../lib/domain/findings';
import { loadStandardChart } from '../../lib/erp/chart';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { ledgerGraphIri } from '../../lib/rdf/iris';
import { TaxRuleEngine } from '../../lib/rules/tax-rule-engine';
import { LedgerValidator } from '../../lib/validation/ledger-validator';
import { loadLedgerGraphs } from '../support/ledger-graphs';

const ROOT = resolve(__dirname, '../..');
const SHAPES_DIR = join(ROOT, 'shapes');
const STANDARD_CHART = join(ROOT, 'ontology/accounts.csv');
const BANK = '103'; // 보통예금: the other side of every crafted voucher

// ---------------------------------------------------------------------------------------------------------------
// Crafted books: company masters and their monthly journals, registered at module load and written in `before`.

interface Line {
  account: string;
  debit?: number;
  credit?: number;
  memo?: string;
  /** 증빙구분: 1 세금계산서, 3 신용카드, 9 없음. */
  proof?: number;
  counterparty?: string;
}
/** A balanced voucher on one day of its month. */
interface Voucher {
  day: number;
  lines: Line[];
}
type LineDetails = Pick<Line, 'memo' | 'proof' | 'counterparty'>;

/** `account` debited, paid from 보통예금 (an expense, a loan to an insider, a repaid deposit). */
const pay = (day: number, account: string, amount: number, details: LineDetails = {}): Voucher => ({
  day,
  lines: [
    { account, debit: amount, ...details },
    { account: BANK, credit: amount },
  ],
});
/** `account` credited, received into 보통예금 (a sale, an insider's deposit, a repaid loan, a refund). */
const receive = (day: number, account: string, amount: number, details: LineDetails = {}): Voucher => ({
  day,
  lines: [
    { account: BANK, debit: amount },
    { account, credit: amount, ...details },
  ],
});

type Master = Partial<Omit<Company, 'id'>>;
interface Book {
  master: Master;
  /** Vouchers by period YYYY-MM. */
  months: Record<string, Voucher[]>;
}
const books = new Map<string, Book>();

const store = new OxigraphStore();
let companies: Map<string, Company>;
let engine: TaxRuleEngine;

/** Registers a company with its ledgers; its findings can be read once the suite's `before` has loaded it. */
function book(id: string, months: Record<string, Voucher[]>, master: Master = {}) {
  assert.ok(!books.has(id), `book ${id} registered twice`);
  books.set(id, { master, months });
  const findings = (period: string) => engine.evaluate(store, { company: companies.get(id)!, period });
  return {
    findings,
    /** The findings of one rule, as [severity, amount, threshold] (plus accrued interest when the rule reports it). */
    async rule(period: string, ruleId: string) {
      return (await findings(period))
        .filter((f) => f.ruleId === ruleId)
        .map((f) => [f.severity, f.amount, f.threshold, ...(f.accruedInterest === undefined ? [] : [f.accruedInterest])]);
    },
  };
}

function companyJson(id: string, master: Master): Company {
  return {
    id,
    name: `(주)경계 ${id}`,
    bizRegNo: '291-41-77767',
    sme: true,
    fiscalYearStartMonth: 1,
    industry: '서비스',
    reportRecipients: ['cfo@example.kr'],
    vehicles: [],
    openingBalances: {},
    ...master,
  };
}

/** The journal CSV of one month: vouchers numbered per day, every text cell quoted. */
function ledgerCsv(period: string, vouchers: Voucher[], names: ReadonlyMap<string, { name: string }>): string {
  const cell = (v: string | number | undefined) => (v === undefined || v === 0 ? '' : `"${String(v).replace(/"/g, '""')}"`);
  const perDay = new Map<number, number>();
  const rows = vouchers.flatMap(({ day, lines }) => {
    const number = (perDay.get(day) ?? 0) + 1;
    perDay.set(day, number);
    const date = `${period}-${String(day).padStart(2, '0')}`;
    return lines.map((l) =>
      [date, String(number).padStart(5, '0'), l.account, names.get(l.account)!.name, l.debit, l.credit, l.counterparty, l.memo, l.proof]
        .map(cell)
        .join(','),
    );
  });
  return ['전표일자,전표번호,계정코드,계정과목,차변,대변,거래처,적요,증빙구분', ...rows].join('\n');
}

/** [date|account|amount] of each evidence line. */
const evidenceKeys = (f: Finding | undefined) => f?.evidence.map((l) => `${l.date}|${l.account}|${l.amount}`);

// ---------------------------------------------------------------------------------------------------------------
// ENT-LIMIT: L = (base + f(Rg) + 0.1 × (f(R) − f(Rg))) × m / 12, rounded down; MEDIUM when E > 0.8 L, HIGH when E > L.
// Revenue is split over the first month of the year and the report month (with a sales return there, and
// interest income that is not revenue); E is 1,000,000 of 513 in the first month plus 813 in the report month.

interface EntLimitGroup {
  name: string;
  master: Master;
  period: string;
  revenueYtd: number;
  /** L, worked out by hand. */
  limit: number;
  /** YTD entertainment E and the severity it must get (undefined: no finding). */
  cases: [number, 'MEDIUM' | 'HIGH' | undefined][];
}

const ENT_LIMIT_GROUPS: EntLimitGroup[] = [
  {
    // m = 3, R = 1,000,000,000 × 12 / 3 = 4,000,000,000, f(R) = 0.003 R = 12,000,000.
    // L = (36,000,000 + 12,000,000) × 3 / 12 = 12,000,000; 0.8 L = 9,600,000.
    name: 'an SME',
    master: { sme: true },
    period: '2025-03',
    revenueYtd: 1_000_000_000,
    limit: 12_000_000,
    cases: [
      [9_600_000, undefined],
      [9_600_001, 'MEDIUM'],
      [12_000_000, 'MEDIUM'],
      [12_000_001, 'HIGH'],
    ],
  },
  {
    // m = 3, R = 333,333,333 × 4 = 1,333,333,332, f(R) = 3,999,999.996.
    // L = ⌊(12,000,000 + 3,999,999.996) × 3 / 12⌋ = ⌊3,999,999.999⌋ = 3,999,999 (not rounded up); 0.8 L = 3,199,999.2.
    name: 'a non-SME, the limit rounded down',
    master: { sme: false },
    period: '2025-03',
    revenueYtd: 333_333_333,
    limit: 3_999_999,
    cases: [
      [3_199_999, undefined],
      [3_200_000, 'MEDIUM'],
      [3_999_999, 'MEDIUM'],
      [4_000_000, 'HIGH'],
    ],
  },
  {
    // m = 3, R = 4,000,000,000, Rg = 0.75 R = 3,000,000,000: f(R) = 12,000,000, f(Rg) = 9,000,000.
    // L = (12,000,000 + 9,000,000 + 0.1 × 3,000,000) × 3 / 12 = 5,325,000; 0.8 L = 4,260,000.
    name: 'a non-SME with 25% related-party revenue',
    master: { sme: false, relatedPartyRevenueShare: 0.25 },
    period: '2025-03',
    revenueYtd: 1_000_000_000,
    limit: 5_325_000,
    cases: [
      [4_260_000, undefined],
      [4_260_001, 'MEDIUM'],
      [5_325_000, 'MEDIUM'],
      [5_325_001, 'HIGH'],
    ],
  },
  {
    // m = 7, R = 7,000,000,000 × 12 / 7 = 12,000,000,000 (second tier): f(R) = 30,000,000 + 0.002 × 2bn = 34,000,000;
    // Rg = 0.7 R = 8,400,000,000 (first tier): f(Rg) = 25,200,000.
    // L = ⌊(36,000,000 + 25,200,000 + 0.1 × 8,800,000) × 7 / 12⌋ = ⌊36,213,333.3⌋ = 36,213,333; 0.8 L = 28,970,666.4.
    name: 'an SME with 30% related-party revenue in the second revenue tier',
    master: { sme: true, relatedPartyRevenueShare: 0.3 },
    period: '2025-07',
    revenueYtd: 7_000_000_000,
    limit: 36_213_333,
    cases: [
      [28_970_666, undefined],
      [28_970_667, 'MEDIUM'],
      [36_213_333, 'MEDIUM'],
      [36_213_334, 'HIGH'],
    ],
  },
];

const FIRST_MONTH_ENTERTAINMENT = 1_000_000;
const SALES_RETURN = 2_000_000;
const entLimitBooks = ENT_LIMIT_GROUPS.map((group, g) =>
  group.cases.map(([entertainment], c) => {
    const firstRevenue = Math.floor(group.revenueYtd / 3);
    const reportRevenue = group.revenueYtd - firstRevenue;
    return book(
      `ent-limit-${g}-${c}`,
      {
        '2025-01': [
          receive(15, '404', firstRevenue, { memo: '제품 매출', proof: 1 }),
          pay(20, '513', FIRST_MONTH_ENTERTAINMENT, { memo: '공장 방문 거래처 식사', proof: 1 }),
        ],
        [group.period]: [
          receive(10, '404', reportRevenue + SALES_RETURN, { memo: '제품 매출', proof: 1 }),
          pay(11, '404', SALES_RETURN, { memo: '매출 환입' }),
          receive(12, '901', 900_000_000, { memo: '예금 이자' }),
          pay(20, '813', entertainment - FIRST_MONTH_ENTERTAINMENT, { memo: '거래처 접대', proof: 1 }),
        ],
      },
      group.master,
    );
  }),
);

// ---------------------------------------------------------------------------------------------------------------
// ENT-PROOF: an entertainment line with 증빙구분 9 above 30,000, or above 200,000 with a 경조사 keyword in its memo.

const EVENT_KEYWORDS = ['경조', '축의', '조의', '부의'];
const entProof = book('ent-proof', {
  '2025-03': [
    pay(3, '813', 30_000, { memo: '거래처 식사', proof: 9 }),
    pay(3, '813', 30_001, { memo: '거래처 식사', proof: 9 }),
    pay(3, '813', 30_002, { memo: '거래처 식사 (카드)', proof: 3 }),
    pay(3, '513', 30_003, { memo: '공장 방문 거래처 식사', proof: 9 }),
    pay(4, '813', 30_004, { memo: '거래처 식사', proof: 9 }),
    pay(4, '813', 150_000, { memo: '거래처 축의금', proof: 9 }),
    ...EVENT_KEYWORDS.flatMap((keyword, i) => [
      pay(10 + i, '813', 200_000, { memo: `거래처 ${keyword}금`, proof: 9 }),
      pay(10 + i, '813', 200_001, { memo: `거래처 ${keyword}금`, proof: 9 }),
    ]),
  ],
});

// ---------------------------------------------------------------------------------------------------------------
// EXP-PROOF: other expense lines (501-700, 801-900) of the month with 증빙구분 9 above 30,000, one finding for
// their total: LOW, MEDIUM above 1,000,000. Lines that must not count: exactly 30,000, entertainment (its own rule),
// 931 (not an expense account) and a line with proof.

const notCounted = (day: number): Voucher[] => [
  pay(day, '830', 30_000, { memo: '소모품', proof: 9 }),
  pay(day, '813', 50_000, { memo: '거래처 식사', proof: 9 }),
  pay(day, '931', 500_000, { memo: '사채 이자', proof: 9 }),
  pay(day, '819', 2_000_000, { memo: '임차료', proof: 1 }),
];
const expProof = book('exp-proof', {
  '2025-01': [pay(5, '812', 969_999, { memo: '출장비 현금', proof: 9 }), pay(6, '511', 30_001, { memo: '작업복', proof: 9 }), ...notCounted(7)],
  '2025-02': [pay(5, '812', 970_000, { memo: '출장비 현금', proof: 9 }), pay(6, '511', 30_001, { memo: '작업복', proof: 9 }), ...notCounted(7)],
  '2025-03': notCounted(7),
});

// ---------------------------------------------------------------------------------------------------------------
// LOAN-INSIDER: month-end 134 balance B > 0; HIGH above 100,000,000 or after 3 months of rises.
// 인정이자 = ⌊Σ daily balances of the month × 0.046 / 365⌋.

const loanAt = (amount: number) => book(`loan-${amount}`, { '2025-03': [pay(17, '134', amount, { memo: '대표이사 가지급' })] });
const loan100m = loanAt(100_000_000);
const loanOver100m = loanAt(100_000_001);
const loanRising = book('loan-rising', {
  '2025-01': [pay(5, '134', 10_000_000, { memo: '대표이사 가지급' })],
  '2025-02': [pay(5, '134', 10_000_000, { memo: '대표이사 가지급' })],
  '2025-03': [pay(5, '134', 10_000_000, { memo: '대표이사 가지급' })],
});
const loanFlatOnce = book('loan-flat', {
  '2025-01': [pay(5, '134', 10_000_000, { memo: '대표이사 가지급' })],
  '2025-02': [pay(5, '830', 100_000, { memo: '소모품', proof: 1 })],
  '2025-03': [pay(5, '134', 10_000_000, { memo: '대표이사 가지급' })],
});
const loanMidMonth = book(
  'loan-mid-month',
  {
    '2025-03': [pay(11, '134', 30_000_000, { memo: '대표이사 가지급' }), receive(21, '134', 5_000_000, { memo: '가지급금 일부 상환' })],
  },
  { openingBalances: { '134': 20_000_000 } },
);
const loanRepaid = book('loan-repaid', {
  '2025-03': [pay(3, '134', 5_000_000, { memo: '대표이사 가지급' }), receive(20, '134', 5_000_000, { memo: '가지급금 상환' })],
});

// ---------------------------------------------------------------------------------------------------------------
// DEPOSIT-INSIDER: month-end 257 balance (a liability: opening + Σcredit − Σdebit) > 0; MEDIUM above 50,000,000.

const deposit50m = book('deposit-50m', { '2025-03': [receive(8, '257', 50_000_000, { memo: '대표이사 입금' })] });
const depositOver50m = book(
  'deposit-over-50m',
  { '2025-03': [receive(8, '257', 30_000_001, { memo: '대표이사 입금' })] },
  { openingBalances: { '257': 20_000_000 } },
);
const depositRepaid = book(
  'deposit-repaid',
  { '2025-03': [pay(12, '257', 30_000_000, { memo: '가수금 반환' })] },
  { openingBalances: { '257': 30_000_000 } },
);

// ---------------------------------------------------------------------------------------------------------------
// CAR-COST: (a) HIGH per vehicle without business insurance; (b) MEDIUM when YTD 822 + 522 cost
// C > 15,000,000 × m / 12 × n, n = vehicles without a mileage log.

const FLEET = [
  { plate: '11가1111', businessInsurance: true, mileageLog: false },
  { plate: '22나2222', businessInsurance: false, mileageLog: false },
  { plate: '33다3333', businessInsurance: true, mileageLog: true },
];
// m = 5, n = 2: 15,000,000 × 5 / 12 × 2 = 12,500,000.
const carCostOf = (id: string, mayCost: number) =>
  book(
    id,
    {
      '2025-01': [pay(9, '822', 5_000_000, { memo: '주유', proof: 3 })],
      '2025-05': [pay(9, '522', 2_000_000, { memo: '공장 차량 수리', proof: 1 }), pay(19, '822', mayCost, { memo: '주유', proof: 3 })],
    },
    { vehicles: FLEET },
  );
const carAtLimit = carCostOf('car-at-limit', 5_500_000);
const carOverLimit = carCostOf('car-over-limit', 5_500_001);
// m = 1, n = 1: 1,250,000; a refund credited to 822 lowers the cost.
const carOneVehicle = book(
  'car-one-vehicle',
  { '2025-01': [pay(9, '822', 1_300_001, { memo: '주유', proof: 3 }), receive(20, '822', 50_000, { memo: '주유 환불' })] },
  { vehicles: [{ plate: '44라4444', businessInsurance: true, mileageLog: false }] },
);
const carAllLogged = book(
  'car-all-logged',
  { '2025-05': [pay(9, '822', 100_000_000, { memo: '차량 수리', proof: 1 })] },
  { vehicles: [FLEET[2]!, { plate: '55마5555', businessInsurance: true, mileageLog: true }] },
);
const carUninsured = book(
  'car-uninsured',
  { '2025-05': [pay(9, '830', 100_000, { memo: '소모품', proof: 1 })] },
  {
    vehicles: [
      { plate: '66바6666', businessInsurance: false, mileageLog: true },
      { plate: '77사7777', businessInsurance: false, mileageLog: true },
    ],
  },
);

// ---------------------------------------------------------------------------------------------------------------
// SPIKE: an expense account with M > 3A and M > 10,000,000 (A = average of the 3 previous months). With the
// multiplier equal to the number of months, ⌊3A⌋ is exactly the sum of the three prior movements.

const spikePrior: Voucher[] = [
  pay(10, '830', 4_000_000, { memo: '소모품', proof: 1 }),
  pay(10, '831', 4_000_000, { memo: '수수료', proof: 1 }),
  pay(10, '833', 1_000_000, { memo: '광고', proof: 1 }),
  pay(10, '819', 1_000_000, { memo: '임차료', proof: 1 }),
  pay(10, '511', 3_000_000, { memo: '공장 식대', proof: 1 }),
  pay(10, '931', 1_000_000, { memo: '이자', proof: 1 }),
];
const spike = book('spike', {
  '2025-01': spikePrior,
  '2025-02': spikePrior,
  '2025-03': [...spikePrior, pay(11, '830', 1, { memo: '소모품', proof: 1 }), pay(11, '831', 1, { memo: '수수료', proof: 1 })],
  '2025-04': [
    pay(10, '830', 12_000_001, { memo: '소모품', proof: 1 }), // = 3A: no finding
    pay(10, '831', 12_500_002, { memo: '수수료', proof: 1 }),
    receive(20, '831', 500_000, { memo: '수수료 환급' }), // M = 12,000,002 = 3A + 1: LOW
    pay(10, '833', 10_000_000, { memo: '광고', proof: 1 }), // > 3A but not above 10,000,000
    pay(10, '819', 10_000_001, { memo: '임차료', proof: 1 }),
    pay(10, '511', 10_500_000, { memo: '공장 식대', proof: 1 }),
    pay(10, '931', 50_000_000, { memo: '이자', proof: 1 }), // not an expense account
  ],
});

// ---------------------------------------------------------------------------------------------------------------
// WELFARE-MISCLASS: an 811 line whose 적요 or 거래처 names 선물, 골프, 거래처 or 접대.

const welfare = book('welfare', {
  '2025-03': [
    pay(3, '811', 110_000, { memo: '명절 선물세트', proof: 1 }),
    pay(3, '811', 120_000, { memo: '골프 라운딩', proof: 3 }),
    pay(3, '811', 130_000, { memo: '거래처 방문', proof: 3 }),
    pay(3, '811', 140_000, { memo: '회의 다과', counterparty: '접대식당', proof: 3 }),
    pay(3, '811', 150_000, { memo: '거래처 골프 접대 선물', proof: 3 }), // four keywords, one finding
    pay(3, '811', 160_000, { memo: '직원 회식', counterparty: '한우식당', proof: 3 }),
    pay(3, '812', 170_000, { memo: '선물 배송비', proof: 3 }),
    pay(3, '813', 180_000, { memo: '거래처 골프 접대', proof: 3 }),
  ],
});

// ---------------------------------------------------------------------------------------------------------------
// DEADLINE: filing dates in the month after the report month, past weekends and holidays.ttl.

const sale = [receive(10, '404', 1_000_000, { memo: '제품 매출', proof: 1 })];
const salesMonths = (periods: string[]) => Object.fromEntries(periods.map((p) => [p, sale]));
const JAN_YEAR = ['2024-12', ...Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`)];
const deadlineJan = book('deadline-jan', salesMonths(JAN_YEAR));
const deadlineApr = book('deadline-apr', salesMonths(['2025-02', '2025-03', '2025-05', '2025-10']), { fiscalYearStartMonth: 4 });
const deadlineJul = book('deadline-jul', salesMonths(['2026-01']), { fiscalYearStartMonth: 7 });

const TAX_NAMES = ['원천세', '부가가치세', '중간예납', '법인세'];
async function deadlines(b: ReturnType<typeof book>, period: string): Promise<string[]> {
  const findings = (await b.findings(period)).filter((f) => f.ruleId === 'DEADLINE');
  for (const f of findings) assert.deepEqual([f.category, f.severity, f.amount, f.threshold], ['FILING_DEADLINE', 'INFO', undefined, undefined]);
  return findings.map((f) => `${f.dueDate} ${TAX_NAMES.find((name) => f.message.includes(name)) ?? f.message}`);
}

// ---------------------------------------------------------------------------------------------------------------

describe('tax rules at their boundaries', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tax-rule-boundaries-'));
  after(async () => {
    await store.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  before(async () => {
    const chart = await loadStandardChart(STANDARD_CHART);
    for (const [id, { master, months }] of books) {
      const dir = join(tmp, 'companies', id);
      mkdirSync(join(dir, 'ledger'), { recursive: true });
      writeFileSync(join(dir, 'company.json'), JSON.stringify(companyJson(id, master)));
      for (const [period, vouchers] of Object.entries(months)) {
        writeFileSync(join(dir, 'ledger', `${period}.csv`), ledgerCsv(period, vouchers, chart));
      }
    }
    companies = await loadLedgerGraphs(store, tmp, STANDARD_CHART);
    engine = await TaxRuleEngine.load(SHAPES_DIR);
  });

  test('every crafted ledger passes data quality', async () => {
    const validator = await LedgerValidator.load(SHAPES_DIR);
    for (const [id, { months }] of books) {
      for (const period of Object.keys(months)) {
        const outcome = await validator.validate(store, ledgerGraphIri(id, period));
        assert.deepEqual([outcome.violations, outcome.warnings], [[], []], `${id} ${period}`);
      }
    }
  });

  describe('ENT-LIMIT: E against 0.8 L and L', () => {
    ENT_LIMIT_GROUPS.forEach((group, g) => {
      test(`${group.name}: L = ${group.limit.toLocaleString('en-US')}`, async () => {
        const got = await Promise.all(entLimitBooks[g]!.map((b) => b.rule(group.period, 'ENT-LIMIT')));
        const want = group.cases.map(([e, severity]) => (severity ? [[severity, e, group.limit]] : []));
        assert.deepEqual(got, want);
      });
    });

    test('the evidence is the report month’s entertainment lines', async () => {
      const [finding] = (await entLimitBooks[0]![3]!.findings('2025-03')).filter((f) => f.ruleId === 'ENT-LIMIT');
      assert.deepEqual(evidenceKeys(finding), ['2025-03-20|813|11000001']);
    });
  });

  describe('ENT-PROOF: 30,000 per line, 200,000 for 경조사비', () => {
    test('a finding per line above its limit, none at it, none with proof', async () => {
      const findings = (await entProof.findings('2025-03')).filter((f) => f.ruleId === 'ENT-PROOF');
      assert.deepEqual(
        findings.map((f) => [f.severity, f.amount, f.threshold, ...evidenceKeys(f)!]),
        [
          ['MEDIUM', 30_003, 30_000, '2025-03-03|513|30003'],
          ['MEDIUM', 30_001, 30_000, '2025-03-03|813|30001'],
          ['MEDIUM', 30_004, 30_000, '2025-03-04|813|30004'],
          ...EVENT_KEYWORDS.map((_, i) => ['MEDIUM', 200_001, 200_000, `2025-03-${10 + i}|813|200001`]),
        ],
      );
    });

    test('entertainment lines never count towards EXP-PROOF', async () => {
      assert.deepEqual(await entProof.rule('2025-03', 'EXP-PROOF'), []);
    });
  });

  describe('EXP-PROOF: one finding for the month’s lines above 30,000', () => {
    test('a total of exactly 1,000,000 is LOW', async () => {
      const [finding, ...rest] = (await expProof.findings('2025-01')).filter((f) => f.ruleId === 'EXP-PROOF');
      assert.deepEqual([finding?.severity, finding?.amount, finding?.threshold, rest], ['LOW', 1_000_000, 1_000_000, []]);
      assert.deepEqual(evidenceKeys(finding)!.sort(), ['2025-01-05|812|969999', '2025-01-06|511|30001']);
    });

    test('a total of 1,000,001 is MEDIUM', async () => {
      assert.deepEqual(await expProof.rule('2025-02', 'EXP-PROOF'), [['MEDIUM', 1_000_001, 1_000_000]]);
    });

    test('lines of exactly 30,000, entertainment, non-expense accounts and lines with proof are not counted', async () => {
      assert.deepEqual(await expProof.rule('2025-03', 'EXP-PROOF'), []);
    });
  });

  describe('LOAN-INSIDER: month-end 가지급금 and 인정이자', () => {
    test('100,000,000 is MEDIUM, 100,000,001 is HIGH', async () => {
      // 17..31 March = 15 days: ⌊1,500,000,000 × 0.046 / 365⌋ = ⌊189,041.09⌋; ⌊1,500,000,015 × 0.046 / 365⌋ = ⌊189,041.10⌋.
      assert.deepEqual(await loan100m.rule('2025-03', 'LOAN-INSIDER'), [['MEDIUM', 100_000_000, 0, 189_041]]);
      assert.deepEqual(await loanOver100m.rule('2025-03', 'LOAN-INSIDER'), [['HIGH', 100_000_001, 0, 189_041]]);
    });

    test('rising in each of the last three months is HIGH, a flat month in between is MEDIUM', async () => {
      // March: 20,000,000 × 31 + 10,000,000 × 27 (5..31) = 890,000,000 → ⌊112,164.38⌋.
      assert.deepEqual(await loanRising.rule('2025-03', 'LOAN-INSIDER'), [['HIGH', 30_000_000, 0, 112_164]]);
      // March: 10,000,000 × 31 + 10,000,000 × 27 = 580,000,000 → ⌊73,095.89⌋.
      assert.deepEqual(await loanFlatOnce.rule('2025-03', 'LOAN-INSIDER'), [['MEDIUM', 20_000_000, 0, 73_095]]);
      // February alone: the balance is flat against January's month-end.
      assert.deepEqual(await loanFlatOnce.rule('2025-02', 'LOAN-INSIDER'), [['MEDIUM', 10_000_000, 0, 35_287]]);
    });

    test('accrued interest sums the daily balances of a month with a mid-month loan and repayment', async () => {
      // Opening 20,000,000 for days 1-10, 50,000,000 for days 11-20, 45,000,000 for days 21-31:
      // 200,000,000 + 500,000,000 + 495,000,000 = 1,195,000,000; × 0.046 / 365 = 150,602.74 → 150,602.
      const findings = (await loanMidMonth.findings('2025-03')).filter((f) => f.ruleId === 'LOAN-INSIDER');
      assert.deepEqual(
        findings.map((f) => [f.severity, f.amount, f.threshold, f.accruedInterest]),
        [['MEDIUM', 45_000_000, 0, 150_602]],
      );
      assert.deepEqual(evidenceKeys(findings[0])!.sort(), ['2025-03-11|134|30000000', '2025-03-21|134|5000000']);
    });

    test('a balance repaid to zero has no finding', async () => {
      assert.deepEqual(await loanRepaid.rule('2025-03', 'LOAN-INSIDER'), []);
    });
  });

  describe('DEPOSIT-INSIDER: month-end 가수금', () => {
    test('50,000,000 is LOW, 50,000,001 (opening balance plus deposits) is MEDIUM', async () => {
      assert.deepEqual(await deposit50m.rule('2025-03', 'DEPOSIT-INSIDER'), [['LOW', 50_000_000, 50_000_000]]);
      assert.deepEqual(await depositOver50m.rule('2025-03', 'DEPOSIT-INSIDER'), [['MEDIUM', 50_000_001, 50_000_000]]);
    });

    test('an opening balance paid back to zero has no finding', async () => {
      assert.deepEqual(await depositRepaid.rule('2025-03', 'DEPOSIT-INSIDER'), []);
    });
  });

  describe('CAR-COST: insurance per vehicle, YTD cost against 15,000,000 × m / 12 × n', () => {
    test('(b) at exactly the limit no finding, one won over MEDIUM; (a) HIGH for the uninsured vehicle', async () => {
      const plates = async (b: ReturnType<typeof book>) =>
        (await b.findings('2025-05'))
          .filter((f) => f.ruleId === 'CAR-COST')
          .map((f) => [f.severity, f.amount, f.threshold, f.message.includes('22나2222')]);
      assert.deepEqual(await plates(carAtLimit), [['HIGH', undefined, undefined, true]]);
      assert.deepEqual(await plates(carOverLimit), [
        ['HIGH', undefined, undefined, true],
        ['MEDIUM', 12_500_001, 12_500_000, false],
      ]);
    });

    test('(b) nets refunds, for one vehicle in the first month', async () => {
      assert.deepEqual(await carOneVehicle.rule('2025-01', 'CAR-COST'), [['MEDIUM', 1_250_001, 1_250_000]]);
    });

    test('(b) needs a vehicle without a mileage log', async () => {
      assert.deepEqual(await carAllLogged.rule('2025-05', 'CAR-COST'), []);
    });

    test('(a) one finding per uninsured vehicle', async () => {
      const findings = (await carUninsured.findings('2025-05')).filter((f) => f.ruleId === 'CAR-COST');
      assert.deepEqual(
        findings.map((f) => [f.severity, ['66바6666', '77사7777'].find((plate) => f.message.includes(plate))]),
        [
          ['HIGH', '66바6666'],
          ['HIGH', '77사7777'],
        ],
      );
    });
  });

  describe('SPIKE: M > 3A and M > 10,000,000', () => {
    test('a finding per expense account just above both bounds', async () => {
      const findings = (await spike.findings('2025-04')).filter((f) => f.ruleId === 'SPIKE');
      assert.deepEqual(
        findings.map((f) => [f.evidence[0]?.account, f.severity, f.amount, f.threshold]),
        [
          // 511: 3A = 9,000,000.
          ['511', 'LOW', 10_500_000, 9_000_000],
          // 819: 3A = 3,000,000; M = 10,000,001. (833: M = 10,000,000, no finding.)
          ['819', 'LOW', 10_000_001, 3_000_000],
          // 831: 3A = 4,000,000 + 4,000,000 + 4,000,001 = 12,000,001; M = 12,000,002. (830: M = 3A, no finding.)
          ['831', 'LOW', 12_000_002, 12_000_001],
        ],
      );
    });
  });

  describe('WELFARE-MISCLASS: 811 lines naming a keyword', () => {
    test('a finding per keyword line, by memo or counterparty; none for other lines or accounts', async () => {
      const findings = (await welfare.findings('2025-03')).filter((f) => f.ruleId === 'WELFARE-MISCLASS');
      assert.deepEqual(
        findings.map((f) => [f.severity, f.amount, f.threshold, ...evidenceKeys(f)!]),
        [110_000, 120_000, 130_000, 140_000, 150_000].map((amount) => ['LOW', amount, undefined, `2025-03-03|811|${amount}`]),
      );
    });
  });

  describe('DEADLINE: next month’s filing dates', () => {
    test('a January fiscal year: 원천세 monthly, VAT in January/April/July/October, 법인세 in March, 중간예납 in August', async () => {
      const got = await Promise.all(JAN_YEAR.map(async (period) => [period, await deadlines(deadlineJan, period)]));
      assert.deepEqual(got, [
        // 2025-01-25 is a Saturday; Monday the 27th to Thursday the 30th are 설날 holidays: Friday the 31st.
        ['2024-12', ['2025-01-10 원천세', '2025-01-31 부가가치세']],
        ['2025-01', ['2025-02-10 원천세']],
        ['2025-02', ['2025-03-10 원천세', '2025-03-31 법인세']],
        ['2025-03', ['2025-04-10 원천세', '2025-04-25 부가가치세']],
        ['2025-04', ['2025-05-12 원천세']], // Saturday the 10th
        ['2025-05', ['2025-06-10 원천세']],
        ['2025-06', ['2025-07-10 원천세', '2025-07-25 부가가치세']],
        ['2025-07', ['2025-08-11 원천세', '2025-09-01 중간예납']], // Sunday the 10th, Sunday the 31st
        ['2025-08', ['2025-09-10 원천세']],
        ['2025-09', ['2025-10-10 원천세', '2025-10-27 부가가치세']], // Saturday the 25th
        ['2025-10', ['2025-11-10 원천세']],
        ['2025-11', ['2025-12-10 원천세']],
        ['2025-12', ['2026-01-12 원천세', '2026-01-26 부가가치세']], // Saturday the 10th, Sunday the 25th
      ]);
    });

    test('a fiscal year starting in April: 법인세 at the end of June, 중간예납 at the end of November', async () => {
      assert.deepEqual(await deadlines(deadlineApr, '2025-02'), ['2025-03-10 원천세']);
      assert.deepEqual(await deadlines(deadlineApr, '2025-03'), ['2025-04-10 원천세', '2025-04-25 부가가치세']);
      assert.deepEqual(await deadlines(deadlineApr, '2025-05'), ['2025-06-10 원천세', '2025-06-30 법인세']);
      // 2025-11-30 is a Sunday.
      assert.deepEqual(await deadlines(deadlineApr, '2025-10'), ['2025-11-10 원천세', '2025-12-01 중간예납']);
    });

    test('a weekend ending on a listed holiday moves the date further', async () => {
      // July fiscal year: 중간예납 on 2026-02-28, a Saturday; Monday 2026-03-02 is 삼일절 대체공휴일: Tuesday the 3rd.
      assert.deepEqual(await deadlines(deadlineJul, '2026-01'), ['2026-02-10 원천세', '2026-03-03 중간예납']);
    });
  });
});
