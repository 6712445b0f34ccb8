// Months and ranges as Korean questions write them, resolved against the month the question is asked in
// (Asia/Seoul): 이번 달, 지난달, 다음 달, 이번/지난 분기, N분기, 상·하반기, 올해, 작년, 최근 N개월, 2024년 3월, 3월부터 5월까지.
import { addMonths, parsePeriod, periodOf, type Period } from '../domain/periods';

export interface MonthRange {
  from: Period;
  to: Period;
}

/** A range the question names, where it was written (so a comparison can tell the base before 대비 from the rest). */
export interface PeriodMention extends MonthRange {
  index: number;
  text: string;
  /** 작년/전년: a whole earlier year, which a comparison reads as the same months of the year before. */
  priorYear?: true;
}

const quarterOf = (month: number) => Math.floor((month - 1) / 3);

/** Every range the text names, in order of appearance; `current` is the month the question is asked in. */
export function periodMentions(text: string, current: Period, options: { future?: boolean } = {}): PeriodMention[] {
  const { year: thisYear, month: thisMonth } = parsePeriod(current);
  const mentions: PeriodMention[] = [];
  const taken: Array<[number, number]> = [];
  const free = (start: number, end: number) => taken.every(([s, e]) => end <= s || start >= e);
  const yearOf = (written: string | undefined, month?: number) => {
    if (written) return Number(written.length === 2 ? `20${written}` : written);
    // A month later than this one, without a year, is last year's (asked in February, "12월" is last December),
    // unless the question looks ahead (deadlines: "7월 신고 기한" asked in June).
    return month !== undefined && month > thisMonth && !options.future ? thisYear - 1 : thisYear;
  };
  const add = (re: RegExp, resolve: (m: RegExpExecArray) => (MonthRange & { priorYear?: true }) | undefined) => {
    for (const m of text.matchAll(new RegExp(re.source, 'g'))) {
      const start = m.index;
      const end = start + m[0].length;
      if (!free(start, end)) continue;
      const range = resolve(m);
      if (!range || range.from > range.to) continue;
      taken.push([start, end]);
      mentions.push({ ...range, index: start, text: m[0] });
    }
  };
  const month = (y: number, m: number) => (m >= 1 && m <= 12 ? periodOf(y, m) : undefined);
  const span = (a: Period | undefined, b: Period | undefined) => (a && b ? { from: a, to: b } : undefined);
  const quarter = (y: number, q: number) => span(month(y, q * 3 - 2), month(y, q * 3));

  add(/(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월\s*(?:부터|~|-|에서)\s*(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월(?:\s*까지)?/, (m) =>
    span(month(yearOf(m[1], Number(m[2])), Number(m[2])), month(m[3] ? yearOf(m[3]) : yearOf(m[1], Number(m[2])), Number(m[4]))),
  );
  add(/(\d{4})\s*[-./]\s*(\d{1,2})(?!\d)/, (m) => span(month(Number(m[1]), Number(m[2])), month(Number(m[1]), Number(m[2]))));
  add(/(?:(\d{4}|\d{2})\s*년\s*)?(\d{1,2})\s*월/, (m) => {
    const p = month(yearOf(m[1], Number(m[2])), Number(m[2]));
    return span(p, p);
  });
  add(/(?:(\d{4})\s*년\s*)?([1-4])\s*분기/, (m) => quarter(m[1] ? Number(m[1]) : thisYear, Number(m[2])));
  add(/(?:(\d{4})\s*년\s*)?(상반기|하반기)/, (m) => {
    const y = m[1] ? Number(m[1]) : thisYear;
    return m[2] === '상반기' ? span(month(y, 1), month(y, 6)) : span(month(y, 7), month(y, 12));
  });
  add(/이번\s*달|이달|당월|금월/, () => ({ from: current, to: current }));
  add(/(?:지난|저번|전)\s*달|전월|지난달/, () => ({ from: addMonths(current, -1), to: addMonths(current, -1) }));
  add(/다음\s*달|익월|내달/, () => ({ from: addMonths(current, 1), to: addMonths(current, 1) }));
  add(/(?:이번|금)\s*분기/, () => ({ from: periodOf(thisYear, quarterOf(thisMonth) * 3 + 1), to: current }));
  add(/(?:지난|직전|전)\s*분기/, () => {
    const start = addMonths(periodOf(thisYear, quarterOf(thisMonth) * 3 + 1), -3);
    return { from: start, to: addMonths(start, 2) };
  });
  add(/(?:최근|지난)\s*(\d{1,2})\s*(?:개월|달)/, (m) => {
    const n = Number(m[1]);
    return n >= 1 && n <= 36 ? { from: addMonths(current, 1 - n), to: current } : undefined;
  });
  add(/올해|금년|올\s*해|당해\s*연도|이번\s*해/, () => ({ from: periodOf(thisYear, 1), to: current }));
  add(/작년|전년(?:\s*동기)?|지난\s*해|지난해/, () => ({ from: periodOf(thisYear - 1, 1), to: periodOf(thisYear - 1, 12), priorYear: true }));
  return mentions.sort((a, b) => a.index - b.index);
}

/** One range covering every mention (3월, 4월 → 3월..4월). */
export function coveringRange(mentions: readonly MonthRange[]): MonthRange | undefined {
  if (mentions.length === 0) return undefined;
  const from = mentions.map((m) => m.from).sort()[0]!;
  const to = mentions
    .map((m) => m.to)
    .sort()
    .at(-1)!;
  return { from, to };
}

/** The same months a year earlier. */
export function yearBefore(range: MonthRange): MonthRange {
  return { from: addMonths(range.from, -12), to: addMonths(range.to, -12) };
}
