// DEADLINE rule: statutory filing and payment dates that fall in the month after the report month.
import type { Finding } from '../domain/findings';

interface Deadline {
  date: string;
  name: string;
}

const BASIS = '법인세법 §60, §63';

/** Filing dates whose nominal day is in the month after `period`, moved past weekends and holidays. */
export function filingDeadlines(
  period: string,
  fiscalYearStartMonth: number,
  holidays: ReadonlySet<string> = new Set(),
): Deadline[] {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const next = month === 12 ? { y: year + 1, m: 1 } : { y: year, m: month + 1 };
  const fyEndMonth = ((fiscalYearStartMonth + 10) % 12) + 1;
  const halfEndMonth = ((fiscalYearStartMonth + 4) % 12) + 1;
  const monthsAfter = (base: number, n: number) => ((base - 1 + n) % 12) + 1;

  const nominal: Array<{ day: number; name: string }> = [{ day: 10, name: '원천세 신고·납부' }];
  if ([1, 4, 7, 10].includes(next.m)) nominal.push({ day: 25, name: '부가가치세 신고·납부' });
  if (next.m === monthsAfter(fyEndMonth, 3)) nominal.push({ day: lastDay(next.y, next.m), name: '법인세 신고·납부' });
  if (next.m === monthsAfter(halfEndMonth, 2)) nominal.push({ day: lastDay(next.y, next.m), name: '법인세 중간예납' });

  return nominal
    .map(({ day, name }) => ({ date: nextBusinessDay(new Date(Date.UTC(next.y, next.m - 1, day)), holidays), name }))
    .sort((a, b) => a.date.localeCompare(b.date));
}

export function deadlineFindings(deadlines: Deadline[]): Finding[] {
  return deadlines.map((d) => ({
    ruleId: 'DEADLINE',
    category: 'FILING_DEADLINE',
    severity: 'INFO',
    dueDate: d.date,
    message: `${d.date}까지 ${d.name}`,
    basis: BASIS,
    evidence: [],
  }));
}

function lastDay(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A Saturday, Sunday or listed public holiday moves to the next business day. */
function nextBusinessDay(date: Date, holidays: ReadonlySet<string>): string {
  const d = new Date(date);
  for (;;) {
    const iso = d.toISOString().slice(0, 10);
    const dow = d.getUTCDay();
    if (dow !== 0 && dow !== 6 && !holidays.has(iso)) return iso;
    d.setUTCDate(d.getUTCDate() + 1);
  }
}
