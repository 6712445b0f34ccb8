// DEADLINE rule: statutory filing and payment dates that fall in the month after the report month.
import type { DataQualityViolation, Finding } from '../domain/findings';
import { nextMonth, parsePeriod } from '../domain/periods';
import { nextBusinessDay, type BusinessDay, type HolidayCalendar } from './holiday-calendar';

/** A filing date: `date` past weekends and holidays, or `uncoveredYear` when that needs a year the calendar lacks. */
export type Deadline = {
  name: string;
  /** The statutory day, before weekends and holidays move it. */
  nominal: string;
} & BusinessDay;

const BASIS = '법인세법 §60, §63';
/** The data-quality warning of a deadline the holiday calendar could not settle. */
export const CALENDAR_RULE_ID = 'DQ-CALENDAR';

/** Filing dates whose nominal day is in the month after `period`, moved past weekends and holidays. */
export function filingDeadlines(period: string, fiscalYearStartMonth: number, calendar: HolidayCalendar): Deadline[] {
  const { year: y, month: m } = parsePeriod(nextMonth(period));
  const next = { y, m };
  const fyEndMonth = ((fiscalYearStartMonth + 10) % 12) + 1;
  const halfEndMonth = ((fiscalYearStartMonth + 4) % 12) + 1;
  const monthsAfter = (base: number, n: number) => ((base - 1 + n) % 12) + 1;

  const nominal: Array<{ day: number; name: string }> = [{ day: 10, name: '원천세 신고·납부' }];
  if ([1, 4, 7, 10].includes(next.m)) nominal.push({ day: 25, name: '부가가치세 신고·납부' });
  if (next.m === monthsAfter(fyEndMonth, 3)) nominal.push({ day: lastDay(next.y, next.m), name: '법인세 신고·납부' });
  if (next.m === monthsAfter(halfEndMonth, 2)) nominal.push({ day: lastDay(next.y, next.m), name: '법인세 중간예납' });

  return nominal
    .map(({ day, name }) => {
      const date = new Date(Date.UTC(next.y, next.m - 1, day)).toISOString().slice(0, 10);
      return { name, nominal: date, ...nextBusinessDay(calendar, date) };
    })
    .sort((a, b) => a.nominal.localeCompare(b.nominal));
}

export function deadlineFindings(deadlines: readonly Deadline[]): Finding[] {
  return deadlines.map((d) => ({
    ruleId: 'DEADLINE',
    category: 'FILING_DEADLINE',
    severity: 'INFO',
    // Undated: the statutory day, never a date the calendar could not confirm.
    ...('date' in d
      ? { dueDate: d.date, message: `${d.date}까지 ${d.name}` }
      : {
          message: `${d.name} 기한 미확정: 법정 기일 ${d.nominal}이 토요일·일요일·공휴일이면 그다음 날이나, ${d.uncoveredYear}년 공휴일 달력이 없어 확정하지 못했습니다`,
        }),
    basis: BASIS,
    evidence: [],
  }));
}

/** A data-quality warning for each deadline left undated: the report says the calendar ran out. */
export function calendarWarnings(deadlines: readonly Deadline[]): DataQualityViolation[] {
  return deadlines.flatMap((d) =>
    'date' in d
      ? []
      : [
          {
            ruleId: CALENDAR_RULE_ID,
            severity: 'Warning' as const,
            message: `${d.uncoveredYear}년이 공휴일 달력에 없어 ${d.name} 기한(법정 기일 ${d.nominal})을 정하지 못했습니다. 달력 패키지(@hyunbinseo/holidays-kr)를 갱신하고 holidays.ttl을 다시 생성하세요.`,
            focus: 'shapes/tax/holidays.ttl',
          },
        ],
  );
}

function lastDay(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
