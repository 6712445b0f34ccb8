// Report periods (YYYY-MM) and Seoul calendar months: the one place that parses, formats and counts them.
// Pure (no Intl, no I/O, no Node built-ins), so workflow code imports it too.
import { assertPeriod, type Period } from './ids';

export type { Period } from './ids';

/** Korea has kept UTC+9 without daylight saving since 1988: Asia/Seoul is a fixed offset. */
export const SEOUL_OFFSET_MS = 9 * 60 * 60 * 1000;

/** Rules that compare with recent months (SPIKE) look back this far, across the fiscal-year start. */
export const LOOKBACK_MONTHS = 3;

/** Year and month (1-12) of a period; throws InvalidIdError on anything but YYYY-MM. */
export function parsePeriod(period: string): { year: number; month: number } {
  const [year, month] = assertPeriod(period).split('-').map(Number) as [number, number];
  return { year, month };
}

/** The period of a year and a month, the month counted from 1 and allowed to run past 12 or below 1. */
export function periodOf(year: number, month: number): Period {
  const index = year * 12 + month - 1;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}` as Period;
}

export function addMonths(period: string, months: number): Period {
  const { year, month } = parsePeriod(period);
  return periodOf(year, month + months);
}

/** The period after `period`: "2024-12" → "2025-01". */
export function nextMonth(period: string): Period {
  return addMonths(period, 1);
}

/** `count` consecutive months starting at `from`. */
export function monthRange(from: string, count: number): Period[] {
  return Array.from({ length: count }, (_, i) => addMonths(from, i));
}

/** Every month from `from` to `to`, both included; empty when `to` is before `from`. */
export function monthsBetween(from: string, to: string): Period[] {
  const index = (p: string) => {
    const { year, month } = parsePeriod(p);
    return year * 12 + month;
  };
  return monthRange(from, Math.max(0, index(to) - index(from) + 1));
}

/** Number of days of the period's month. */
export function daysInMonth(period: string): number {
  const { year, month } = parsePeriod(period);
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The period's last day, YYYY-MM-DD. */
export function lastDayOfMonth(period: string): string {
  return `${period}-${String(daysInMonth(period)).padStart(2, '0')}`;
}

/** First period of the fiscal year that contains `period`. */
export function fiscalYearStart(period: string, fiscalYearStartMonth: number): Period {
  const { year, month } = parsePeriod(period);
  return periodOf(month >= fiscalYearStartMonth ? year : year - 1, fiscalYearStartMonth);
}

/** The calendar month of `instant` in Asia/Seoul. */
export function monthInSeoul(instant: Date): Period {
  return new Date(instant.getTime() + SEOUL_OFFSET_MS).toISOString().slice(0, 7) as Period;
}

/** The day (YYYY-MM-DD) of `instant` in Asia/Seoul, whatever the host's time zone. */
export function seoulDay(instant: Date): string {
  return new Date(instant.getTime() + SEOUL_OFFSET_MS).toISOString().slice(0, 10);
}

/** The report period of a run that fires at `instant`: the month before, in Asia/Seoul. */
export function previousMonthInSeoul(instant: Date): Period {
  return addMonths(monthInSeoul(instant), -1);
}

/**
 * The months before `period` that its rules read: every earlier month of the fiscal year (year-to-date
 * sums), the last LOOKBACK_MONTHS months (trailing averages) and, when the opening balances are as of an earlier
 * month `balancesFrom`, every month since (balances carry forward across fiscal years), oldest first.
 */
export function contextMonths(period: string, fiscalYearStartMonth: number, balancesFrom = period): Period[] {
  const first = [fiscalYearStart(period, fiscalYearStartMonth), addMonths(period, -LOOKBACK_MONTHS), balancesFrom].sort()[0]!;
  return monthsBetween(first, addMonths(period, -1));
}
