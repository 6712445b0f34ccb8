// Arithmetic on report periods (YYYY-MM).
import { assertPeriod } from './ids';

export function addMonths(period: string, months: number): string {
  const [year, month] = assertPeriod(period).split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(year, month - 1 + months, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** `count` consecutive months starting at `from`. */
export function monthRange(from: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addMonths(from, i));
}

/** First period of the fiscal year that contains `period`. */
export function fiscalYearStart(period: string, fiscalYearStartMonth: number): string {
  const [year, month] = assertPeriod(period).split('-').map(Number) as [number, number];
  const startYear = month >= fiscalYearStartMonth ? year : year - 1;
  return `${startYear}-${String(fiscalYearStartMonth).padStart(2, '0')}`;
}

/** Rules that compare with recent months (SPIKE) look back this far, across the fiscal-year start. */
export const LOOKBACK_MONTHS = 3;

/**
 * The months before `period` that its rules read: every earlier month of the fiscal year (year-to-date
 * sums), the last LOOKBACK_MONTHS months (trailing averages) and, when the opening balances are as of an earlier
 * month `balancesFrom`, every month since (balances carry forward across fiscal years), oldest first.
 */
export function contextMonths(period: string, fiscalYearStartMonth: number, balancesFrom = period): string[] {
  const first = [fiscalYearStart(period, fiscalYearStartMonth), addMonths(period, -LOOKBACK_MONTHS), balancesFrom].sort()[0]!;
  const months: string[] = [];
  for (let p = first; p < period; p = addMonths(p, 1)) months.push(p);
  return months;
}
