// The number guardrail's reading: the model writes prose around findings that are already computed, so every number
// in its text must be one of the numbers of the data it was given, written in any usual Korean format (1,200,000원,
// 120만 원, 1.2백만, 1억 2천만원, 삼백만원, 일억 이천만원, １２０만원, 2024.07.10, 80%, 세 건). A number it computed itself
// (a difference, a sum) counts as invented, and so does a minus (-, −, △, ▲, 마이너스) the data does not have.
// Which numbers a text may use is answer-scope.ts's part.
//
// Known gaps, not read as numbers: circled numbers (①), 한 (one) and native numerals beyond 열, Hangul numerals in
// 조 (구조, 일조 are words), a year-less month.day (7.10 reads as the decimal 7.1), and digits glued to Latin letters
// (F1, 5M, 3kg), which are taken for identifiers. "1억 2천" is read literally as 100,002,000. Digits of other
// scripts (٣, ३) are not read either: they are reported as unknown numbers, so they never pass.

/** A number as written in a text, with the precision its writing implies. */
export interface WrittenNumber {
  text: string;
  /** Its magnitude; NaN for digits of another script. */
  value: number;
  /** One unit of the last written digit, e.g. 10000 for "120만", 0.1e8 for "1.2억", 1 for "1,200,000원". */
  unit: number;
  index: number;
  /** Written with a percent sign, so it may stand for a ratio (80% for 0.8). */
  percent?: true;
  /** Written with a minus or a triangle: it stands for a negative number. */
  negative?: true;
}

export interface GuardrailVerdict {
  ok: boolean;
  /** The written numbers that match no allowed number. */
  unknown: WrittenNumber[];
}

const SMALL_UNITS: Readonly<Record<string, number>> = { 십: 10, 백: 100, 천: 1000 };
const BIG_UNITS: Readonly<Record<string, number>> = { 만: 1e4, 억: 1e8, 조: 1e12 };
const HANGUL_DIGITS: Readonly<Record<string, number>> = { 일: 1, 이: 2, 삼: 3, 사: 4, 오: 5, 육: 6, 칠: 7, 팔: 8, 구: 9 };
/** Native numerals, read only before a counter (세 건, 두 가지); 한 is left out, since "한 건도 없다" means none. */
const NATIVE_COUNTS: Readonly<Record<string, number>> = { 두: 2, 세: 3, 네: 4, 다섯: 5, 여섯: 6, 일곱: 7, 여덟: 8, 아홉: 9, 열: 10 };
/**
 * What may follow a Hangul numeral written without 원 or %: a counter or a particle (삼백만이, 이십오일). Anything
 * else makes it part of a word (이천시, 오만한).
 */
const HANGUL_NUMBER_END = /[^가-힣]|[원건개배명대회번차년월일이가을를의은는에과와도로으까쯤정여씩당초미내]|$/y;

/** 1,200,000 (only whole groups of three after a comma, so "1,2,3" is a list) or 1200000, with optional decimals. */
const NUMERAL = String.raw`\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?`;
/**
 * What the text is scanned for, leftmost first: an identifier (F1, gpt-4.1, V-2024-0012) to skip, a year-first date
 * or month (2024-07-10, 2024.07.10, 2024. 7. 10., 2024.06) read as its parts, a numeral, a Hangul numeral at the
 * start of a word (삼백만, 천만원), a native count (세 건), or digits of another script. A unit right after a
 * date-like numeral makes it an amount (2024.5억).
 */
const SCAN = new RegExp(
  String.raw`(?<id>[A-Za-z][A-Za-z0-9_]*(?:[-.][A-Za-z0-9_]+)*)` +
    String.raw`|(?<date>(?:19|20)\d\d(?:[-./] ?\d{1,2}){1,2}(?![\d십백천만억조]))` +
    `|(?<numeral>${NUMERAL})` +
    String.raw`|(?<hangul>(?<![가-힣])[일이삼사오육칠팔구]?[십백천만억])` +
    String.raw`|(?<count>(?<![가-힣])(?:${Object.keys(NATIVE_COUNTS).join('|')})(?= ?(?:건|개|가지|명|대|차례|번)))` +
    String.raw`|(?<foreign>[^\P{Nd}0-9]+)`,
  'gu',
);
/** A numeral and the units after it: 120만, 3천만, 12백만, 120 만. */
const ATOM = new RegExp(String.raw`(${NUMERAL})( ?)([십백천]?)([만억조]?)`, 'y');
/** A Hangul digit and its units, glued (삼백, 이천만), or units alone (천만, 만), which count 1; never 조 (구조, 일조). */
const HANGUL_ATOM = /([일이삼사오육칠팔구]?)([십백천]?)([만억]?)/y;
const GAP = /[ \t]*/y;
const PERCENT = / ?(?:%|퍼센트)/y;
const WON = / ?원/y;
/** A minus before a number: -, △, ▲, ▽, ▼ or 마이너스; a hyphen after a letter or digit joins words (3-5, F-1). */
const SIGN = /(?:(?<![\p{L}\p{N}])-|[△▲▽▼]|마이너스) ?$/u;

/** A numeral with its units: one term of a compound amount. Units are 1 when not written. */
interface Atom {
  end: number;
  /** The numeral's digits as an integer; its value is digits / 10^decimals, kept apart so 1.1백만 stays exact. */
  digits: number;
  decimals: number;
  small: number;
  big: number;
  /** How its count is written: in digits, as a Hangul digit, or not at all (천만원 is 1천만원). */
  count: 'digits' | 'hangul' | 'none';
}

export function findNumbers(text: string): WrittenNumber[] {
  const plain = halfWidth(text);
  const found: WrittenNumber[] = [];
  const scan = new RegExp(SCAN);
  for (let match = scan.exec(plain); match; match = scan.exec(plain)) {
    const groups = match.groups ?? {};
    if (groups.date) found.push(...dateParts(match[0], match.index));
    else if (groups.count) found.push({ text: match[0], value: NATIVE_COUNTS[match[0]]!, unit: 1, index: match.index });
    else if (groups.foreign) found.push({ text: match[0], value: Number.NaN, unit: 1, index: match.index });
    else if (groups.numeral || groups.hangul) {
      const amount = readAmount(plain, match.index);
      if (!amount) continue;
      found.push(signed(amount, plain, text));
      scan.lastIndex = amount.index + amount.text.length;
    }
  }
  return found;
}

/** Every number the data holds, with its sign: numeric JSON values, and the numbers written inside its strings. */
export function numbersOf(data: unknown): Set<number> {
  const numbers = new Set<number>();
  collectNumbers(data, numbers);
  return numbers;
}

/** The written numbers of `text` that match none of the numbers allowed where they are written. */
export function checkNumbers(text: string, allowed: ReadonlySet<number> | ((index: number) => ReadonlySet<number>)): GuardrailVerdict {
  const allowedAt = typeof allowed === 'function' ? allowed : () => allowed;
  const unknown = findNumbers(text).filter((written) => !isAllowed(written, allowedAt(written.index)));
  return { ok: unknown.length === 0, unknown };
}

/** Full-width digits and signs as ASCII, one character for one, so indices stay those of the text. */
function halfWidth(text: string): string {
  return text.replace(/[０-９％，．－−]/g, (c) => (c === '−' ? '-' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

function dateParts(date: string, index: number): WrittenNumber[] {
  const parts = [...date.matchAll(/\d+/g)];
  return parts.map((part) => ({ text: part[0], value: Number(part[0]), unit: 1, index: index + part.index }));
}

/** The number with the minus written before it, if any, and its text as the original writes it. */
function signed(amount: WrittenNumber, plain: string, text: string): WrittenNumber {
  const sign = SIGN.exec(plain.slice(Math.max(0, amount.index - 6), amount.index))?.[0] ?? '';
  const index = amount.index - sign.length;
  const number = { ...amount, index, text: text.slice(index, amount.index + amount.text.length) };
  if (sign) number.negative = true;
  return number;
}

/**
 * The amount whose first term starts at `start`, or undefined when it is part of a word (3kg; 만약, 이천시); one
 * starting in Hangul must stand apart, and units alone (천, 만) only before 원.
 */
function readAmount(text: string, start: number): WrittenNumber | undefined {
  // 제25조 is an article of a law, not 25조 (25 trillion).
  const ordinal = text.charAt(start - 1) === '제';
  const first = readAtom(text, start, !ordinal);
  if (!first) return undefined;
  const atoms = compound(text, first);
  const last = atoms.at(-1) ?? first;
  const percent = matchAt(PERCENT, text, last.end);
  const won = percent === undefined ? matchAt(WON, text, last.end) : undefined;
  if (first.count !== 'digits' && won === undefined && percent === undefined && !standsApart(text, atoms)) return undefined;
  const end = last.end + (percent ?? won ?? '').length;
  const unit = (last.small * last.big) / 10 ** last.decimals;
  const number: WrittenNumber = { text: text.slice(start, end), value: valueOf(atoms), unit, index: start };
  if (percent !== undefined) number.percent = true;
  return number;
}

/** A Hangul amount without 원 or %: with a digit (천만 alone is a word: 천만에요), and a counter or particle after it. */
function standsApart(text: string, atoms: readonly Atom[]): boolean {
  return atoms.some((atom) => atom.count === 'hangul') && matchAt(HANGUL_NUMBER_END, text, atoms.at(-1)!.end) !== undefined;
}

function readAtom(text: string, start: number, withUnits: boolean): Atom | undefined {
  if (!/\d/.test(text.charAt(start))) return readHangulAtom(text, start);
  ATOM.lastIndex = start;
  const match = ATOM.exec(text);
  if (!match) return undefined;
  const [, numeral = '', gap = '', small = '', big = ''] = match;
  const numeralEnd = start + numeral.length;
  if (/[A-Za-z]/.test(text.charAt(numeralEnd))) return undefined;
  const unitsEnd = numeralEnd + gap.length + small.length + big.length;
  // Apart from its number, a unit must end the word ("120 만원", not "5 조정"); glued to it, it always is one.
  const hasUnits = withUnits && small + big !== '' && (gap === '' || endsDetachedUnit(text.charAt(unitsEnd)));
  const [whole = '', fraction = ''] = numeral.replaceAll(',', '').split('.');
  return {
    end: hasUnits ? unitsEnd : numeralEnd,
    digits: Number(whole + fraction),
    decimals: fraction.length,
    small: hasUnits ? (SMALL_UNITS[small] ?? 1) : 1,
    big: hasUnits ? (BIG_UNITS[big] ?? 1) : 1,
    count: 'digits',
  };
}

function readHangulAtom(text: string, start: number): Atom | undefined {
  HANGUL_ATOM.lastIndex = start;
  const [, digit = '', small = '', big = ''] = HANGUL_ATOM.exec(text) ?? [];
  if (digit + small + big === '') return undefined;
  return {
    end: start + digit.length + small.length + big.length,
    digits: digit === '' ? 1 : HANGUL_DIGITS[digit]!,
    decimals: 0,
    small: SMALL_UNITS[small] ?? 1,
    big: BIG_UNITS[big] ?? 1,
    count: digit === '' ? 'none' : 'hangul',
  };
}

function endsDetachedUnit(next: string): boolean {
  return next === '원' || !/[가-힣]/.test(next);
}

/** The atoms of the amount that starts with `first`: 1억 2천만원, 1억2,345만6,789원, 2천 5백만원, 일억 이천만원. */
function compound(text: string, first: Atom): Atom[] {
  const atoms = [first];
  for (let next = following(text, first); next && continues(atoms, next); next = following(text, next)) atoms.push(next);
  return atoms;
}

/**
 * The atom that may continue an amount after `last`: only after a unit, never with decimals (1.5억 stands alone);
 * a bare numeral only glued on or ending in 원, so that "3억 5건" stays two numbers while "1만 5천원" is one; a bare
 * Hangul digit only glued to 십, 백 or 천 (이십오), since after 만 it is a particle (오백만이).
 */
function following(text: string, last: Atom): Atom | undefined {
  if (last.decimals > 0 || (last.small === 1 && last.big === 1)) return undefined;
  const gap = matchAt(GAP, text, last.end)?.length ?? 0;
  const next = readAtom(text, last.end + gap, true);
  if (!next || next.decimals > 0) return undefined;
  if (next.small > 1 || next.big > 1) return next;
  if (next.count === 'hangul') return gap === 0 && last.big === 1 ? next : undefined;
  return gap > 0 && matchAt(WON, text, next.end) === undefined ? undefined : next;
}
/**
 * Whether `next` continues the amount as Korean counts: big units descend, each section (the terms a big unit
 * multiplies) stays below the big unit before it, and within a section each term stays below the small unit before it.
 */
function continues(atoms: readonly Atom[], next: Atom): boolean {
  const closerAt = atoms.findLastIndex((atom) => atom.big > 1);
  const section = atoms.slice(closerAt + 1);
  const tail = section[section.length - 1];
  const term = next.digits * next.small;
  if (tail && term >= tail.small) return false;
  const closer = atoms[closerAt];
  if (!closer) return true;
  const sectionValue = (section.reduce((sum, atom) => sum + atom.digits * atom.small, 0) + term) * next.big;
  return next.big < closer.big && sectionValue < closer.big;
}

/** Each term times the big unit that closes its section; walking backwards, the latest big unit seen is that one. */
function valueOf(atoms: readonly Atom[]): number {
  let value = 0;
  let big = 1;
  for (const atom of [...atoms].reverse()) {
    if (atom.big > 1) big = atom.big;
    value += (atom.digits * atom.small * big) / 10 ** atom.decimals;
  }
  return value;
}

function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

function collectNumbers(data: unknown, into: Set<number>): void {
  if (typeof data === 'number') {
    if (Number.isFinite(data)) into.add(data);
  } else if (typeof data === 'string') {
    for (const written of findNumbers(data)) if (!Number.isNaN(written.value)) into.add(written.negative ? -written.value : written.value);
  } else if (Array.isArray(data)) {
    for (const item of data) collectNumbers(item, into);
  } else if (typeof data === 'object' && data !== null) {
    for (const value of Object.values(data)) collectNumbers(value, into);
  }
}

/**
 * A number with the sign of the written one; a percentage may be written from the ratio (0.8 as 80%) as well as
 * from the percent figure itself.
 */
function isAllowed(written: WrittenNumber, allowed: ReadonlySet<number>): boolean {
  if (written.value === 0) return allowed.has(0);
  const readings: [number, number][] = [[written.value, written.unit]];
  if (written.percent) readings.push([written.value / 100, written.unit / 100]);
  for (const n of allowed) {
    if (n < 0 === Boolean(written.negative) && readings.some(([value, unit]) => rendersAs(n, value, unit))) return true;
  }
  return false;
}

/**
 * Whether `n` may be written as `value` at precision `unit`: rounded (at most half a unit away) or truncated
 * (less than one unit below n), so 1,234,567 may be 123만원 or 1.2백만 but not 1.3백만; an exact writing (unit 1)
 * of an integer must be that integer. The slack keeps float noise out of the comparisons.
 */
function rendersAs(n: number, value: number, unit: number): boolean {
  const diff = Math.abs(n) - value;
  const eps = unit * 1e-9;
  return Math.abs(diff) <= unit / 2 + eps || (diff >= -eps && diff < unit - eps);
}
