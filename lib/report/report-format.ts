/** How the reports write months, dates, amounts and changes (Korean conventions, Seoul time). */
import { parsePeriod } from '../domain/periods';

const WEEKDAY = ['일', '월', '화', '수', '목', '금', '토'];

/** "2024-12" → "2024년 12월". */
export function formatReportMonth(period: string): string {
  const { year, month } = parsePeriod(period);
  return `${year}년 ${month}월`;
}

const KRW = new Intl.NumberFormat('ko-KR', { maximumFractionDigits: 0 });

/** 1234000 → "1,234,000원". */
export function formatKrw(amount: number): string {
  return `${KRW.format(amount)}원`;
}

/** −1234000 → "-1,234,000원", 1234000 → "+1,234,000원". */
export function formatChange(change: number): string {
  return `${change > 0 ? '+' : ''}${formatKrw(change)}`;
}

/** The change against the earlier amount's size, one decimal; "-" when there is nothing to compare with. */
export function formatChangeRate(current: number, previous: number): string {
  if (previous === 0) return '-';
  const rate = ((current - previous) / Math.abs(previous)) * 100;
  return `${rate > 0 ? '+' : ''}${rate.toFixed(1)}%`;
}

/** value / limit as a percentage, one decimal. */
export function formatShare(value: number, limit: number): string {
  return limit > 0 ? `${((value / limit) * 100).toFixed(1)}%` : '-';
}

const SEOUL = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Seoul',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** An ISO instant as Seoul wall-clock time, "2025-01-05 09:30 KST", whatever the host's time zone. */
export function formatSeoulTime(iso: string): string {
  const part = Object.fromEntries(SEOUL.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} KST`;
}

/** "2025-01-10" → "2025-01-10 (금)". */
export function formatDueDate(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  const weekday = WEEKDAY[new Date(Date.UTC(y!, m! - 1, d)).getUTCDay()];
  return weekday === undefined ? ymd : `${ymd} (${weekday})`;
}
