// The number guardrail: the model writes prose around findings that are already computed, so every number in its
// text must be one of the numbers of the data it was given, written in any usual Korean format (1,200,000원, 120만 원,
// 1.2백만, 1억 2천만원, 2024.07.10, 80%). A number it computed itself (a difference, a sum) counts as invented.
//
// Known gaps, not read as numbers: circled numbers (①), Hangul numerals (세 건, 삼천만원, 천만원, 1억 천만원 reads
// as 1억), full-width digits, a year-less month.day (7.10 reads as the decimal 7.1), and digits glued to Latin
// letters (F1, 5M, 3kg), which are taken for identifiers. "1억 2천" is read literally as 100,002,000.

/** A number as written in a text, with the precision its writing implies. */
export interface WrittenNumber {
  text: string;
  value: number;
  /** One unit of the last written digit, e.g. 10000 for "120만", 0.1e8 for "1.2억", 1 for "1,200,000원". */
  unit: number;
  index: number;
  /** Written with a percent sign, so it may stand for a ratio (80% for 0.8). */
  percent?: true;
}

export interface GuardrailVerdict {
  ok: boolean;
  /** The written numbers that match no allowed number. */
  unknown: WrittenNumber[];
}

const SMALL_UNITS: Readonly<Record<string, number>> = { 십: 10, 백: 100, 천: 1000 };
const BIG_UNITS: Readonly<Record<string, number>> = { 만: 1e4, 억: 1e8, 조: 1e12 };

/** 1,200,000 (only whole groups of three after a comma, so "1,2,3" is a list) or 1200000, with optional decimals. */
const NUMERAL = String.raw`\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?`;
/**
 * What the text is scanned for, leftmost first: an identifier (F1, gpt-4.1, V-2024-0012) to skip, a year-first date
 * or month (2024-07-10, 2024.07.10, 2024. 7. 10., 2024.06) read as its parts, or a numeral. A unit right after a
 * date-like numeral makes it an amount (2024.5억).
 */
const SCAN = new RegExp(
  String.raw`(?<id>[A-Za-z][A-Za-z0-9_]*(?:[-.][A-Za-z0-9_]+)*)` +
    String.raw`|(?<date>(?:19|20)\d\d(?:[-./] ?\d{1,2}){1,2}(?![\d십백천만억조]))` +
    `|(?<numeral>${NUMERAL})`,
  'g',
);
/** A numeral and the units after it: 120만, 3천만, 12백만, 120 만. */
const ATOM = new RegExp(String.raw`(${NUMERAL})( ?)([십백천]?)([만억조]?)`, 'y');
const GAP = /[ \t]*/y;
const PERCENT = / ?(?:%|％|퍼센트)/y;
const WON = / ?원/y;

/** A numeral with its units: one term of a compound amount. Units are 1 when not written. */
interface Atom {
  end: number;
  /** The numeral's digits as an integer; its value is digits / 10^decimals, kept apart so 1.1백만 stays exact. */
  digits: number;
  decimals: number;
  small: number;
  big: number;
}

export function findNumbers(text: string): WrittenNumber[] {
  const found: WrittenNumber[] = [];
  const scan = new RegExp(SCAN);
  for (let match = scan.exec(text); match; match = scan.exec(text)) {
    if (match.groups?.date) found.push(...dateParts(match[0], match.index));
    else if (match.groups?.numeral) {
      const amount = readAmount(text, match.index);
      if (!amount) continue;
      found.push(amount);
      scan.lastIndex = amount.index + amount.text.length;
    }
  }
  return found;
}

/** Every number the data holds: numeric JSON values (absolute values), and the numbers written inside its strings. */
export function numbersOf(data: unknown): Set<number> {
  const numbers = new Set<number>();
  collectNumbers(data, numbers);
  return numbers;
}

export function checkNumbers(text: string, allowed: ReadonlySet<number>): GuardrailVerdict {
  const unknown = findNumbers(text).filter((written) => !isAllowed(written, allowed));
  return { ok: unknown.length === 0, unknown };
}

function dateParts(date: string, index: number): WrittenNumber[] {
  const parts = [...date.matchAll(/\d+/g)];
  return parts.map((part) => ({ text: part[0], value: Number(part[0]), unit: 1, index: index + part.index }));
}

/** The amount whose first numeral starts at `start`, or undefined when that numeral is part of a word (3kg). */
function readAmount(text: string, start: number): WrittenNumber | undefined {
  // 제25조 is an article of a law, not 25조 (25 trillion).
  const ordinal = text.charAt(start - 1) === '제';
  const first = readAtom(text, start, !ordinal);
  if (!first) return undefined;
  const atoms = compound(text, first);
  const last = atoms.at(-1) ?? first;
  const percent = matchAt(PERCENT, text, last.end);
  const end = last.end + (percent ?? matchAt(WON, text, last.end) ?? '').length;
  const unit = (last.small * last.big) / 10 ** last.decimals;
  const number: WrittenNumber = { text: text.slice(start, end), value: valueOf(atoms), unit, index: start };
  if (percent !== undefined) number.percent = true;
  return number;
}

function readAtom(text: string, start: number, withUnits: boolean): Atom | undefined {
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
  };
}

function endsDetachedUnit(next: string): boolean {
  return next === '원' || !/[가-힣]/.test(next);
}

/** The atoms of the amount that starts with `first`: 1억 2천만원, 1억2,345만6,789원, 2천 5백만원. */
function compound(text: string, first: Atom): Atom[] {
  const atoms = [first];
  for (let next = following(text, first); next && continues(atoms, next); next = following(text, next)) atoms.push(next);
  return atoms;
}

/**
 * The atom that may continue an amount after `last`: only after a unit, never with decimals (1.5억 stands alone), and
 * a bare numeral only glued on or ending in 원, so that "3억 5건" stays two numbers while "1만 5천원" is one.
 */
function following(text: string, last: Atom): Atom | undefined {
  if (last.decimals > 0 || (last.small === 1 && last.big === 1)) return undefined;
  const gap = matchAt(GAP, text, last.end)?.length ?? 0;
  const next = readAtom(text, last.end + gap, true);
  if (!next || next.decimals > 0) return undefined;
  const bare = next.small === 1 && next.big === 1;
  return bare && gap > 0 && matchAt(WON, text, next.end) === undefined ? undefined : next;
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
    if (Number.isFinite(data)) into.add(Math.abs(data));
  } else if (typeof data === 'string') {
    for (const written of findNumbers(data)) into.add(written.value);
  } else if (Array.isArray(data)) {
    for (const item of data) collectNumbers(item, into);
  } else if (typeof data === 'object' && data !== null) {
    for (const value of Object.values(data)) collectNumbers(value, into);
  }
}

/** A percentage may be written from the ratio (0.8 as 80%) as well as from the percent figure itself. */
function isAllowed(written: WrittenNumber, allowed: ReadonlySet<number>): boolean {
  if (written.value === 0) return allowed.has(0);
  const readings: [number, number][] = [[written.value, written.unit]];
  if (written.percent) readings.push([written.value / 100, written.unit / 100]);
  for (const n of allowed) if (readings.some(([value, unit]) => rendersAs(n, value, unit))) return true;
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
