// Pure date helpers for workflow code (no Intl, no I/O): Korea has kept UTC+9 without DST since 1988.
const SEOUL_OFFSET_MS = 9 * 60 * 60 * 1000;

/** The report period (YYYY-MM) of a run that fires at `instant`: the month before, in Asia/Seoul. */
export function previousMonthInSeoul(instant: Date): string {
  const seoul = new Date(instant.getTime() + SEOUL_OFFSET_MS);
  const year = seoul.getUTCFullYear();
  const month = seoul.getUTCMonth(); // 0-based: the current month's index is the previous month's number
  return month === 0 ? `${year - 1}-12` : `${year}-${String(month).padStart(2, '0')}`;
}
