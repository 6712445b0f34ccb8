// Filing deadlines on the official holiday calendar (국세기본법 §5): shapes/tax/holidays.ttl is what
// scripts/generate-holidays.ts makes of the installed @hyunbinseo/holidays-kr, every deadline of 2024–2027 equals
// one computed straight from the package's dates, weekends and 근로자의 날, and a deadline past the calendar gets
// no date but a data-quality warning (the metric: metrics.test.ts; both through a workflow: monthly-report.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { isHoliday } from '@hyunbinseo/holidays-kr';
import * as presets from '@hyunbinseo/holidays-kr/all';
import { Parser } from 'n3';
import { calendarWarnings, deadlineFindings } from '../../lib/analysis/filing-deadlines';
import { nextBusinessDay, readHolidayCalendar, type HolidayCalendar } from '../../lib/analysis/holiday-calendar';
import { loadConfig, PROJECT_ROOT } from '../../lib/config';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { analyzeLedgerFile, loadAnalysisDeps } from '../../lib/pipeline/analyze-month';
import { TaxRuleEngine } from '../../lib/rules/tax-rule-engine';
import { HOLIDAYS_TTL, buildHolidayTurtle } from '../../scripts/generate-holidays';
import { sampleCompany, writeCompanyData } from '../../dev/sample-documents';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';

const SHAPES_DIR = join(PROJECT_ROOT, 'shapes');
const PACKAGE_YEARS = Object.keys(presets).map((key) => Number(key.slice(1)));

let engine: TaxRuleEngine;
let calendar: HolidayCalendar;
before(async () => {
  engine = await TaxRuleEngine.load(SHAPES_DIR);
  calendar = readHolidayCalendar(new Parser().parse(readFileSync(HOLIDAYS_TTL, 'utf8')));
});

const deadlinesOf = (period: string, fiscalYearStartMonth = 1) =>
  engine.deadlines(sampleCompany({ fiscalYearStartMonth }), period).map((d) => ('date' in d ? `${d.date} ${d.name}` : d));

// ---------------------------------------------------------------------------------------------------------------
// The oracle: the DEADLINE rule of docs/spec/tax-rules.md on the package's own API, sharing no code with lib/analysis.

const utc = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day));
const iso = (date: Date) => date.toISOString().slice(0, 10);

/** A Saturday, a Sunday, a day the package calls a holiday, or 근로자의 날. */
async function dayOff(date: Date): Promise<boolean> {
  return date.getUTCDay() === 0 || date.getUTCDay() === 6 || iso(date).endsWith('-05-01') || (await isHoliday(iso(date)));
}

async function moved(date: Date): Promise<string> {
  const d = new Date(date);
  while (await dayOff(d)) d.setUTCDate(d.getUTCDate() + 1);
  return iso(d);
}

/** The deadlines due in `month` of `year` for a fiscal year starting in `start`, as "date name", by statutory day. */
async function expectedDeadlines(year: number, month: number, start: number): Promise<string[]> {
  const lastDay = utc(year, month + 1, 0);
  const monthsSince = (end: number) => (month - end + 12) % 12;
  const fiscalYearEnd = start === 1 ? 12 : start - 1;
  const halfYearEnd = ((start + 4) % 12) + 1;
  const due: Array<[Date, string]> = [[utc(year, month, 10), '원천세 신고·납부']];
  if (month % 3 === 1) due.push([utc(year, month, 25), '부가가치세 신고·납부']);
  if (monthsSince(fiscalYearEnd) === 3) due.push([lastDay, '법인세 신고·납부']);
  if (monthsSince(halfYearEnd) === 2) due.push([lastDay, '법인세 중간예납']);
  return Promise.all(due.map(async ([date, name]) => `${await moved(date)} ${name}`));
}

// ---------------------------------------------------------------------------------------------------------------

describe('shapes/tax/holidays.ttl', () => {
  test('is what scripts/generate-holidays.ts makes of the installed package', () => {
    assert.equal(readFileSync(HOLIDAYS_TTL, 'utf8'), buildHolidayTurtle(), 'rerun `npm run holidays`');
  });

  test('covers every year of the package, 2024 to 2027 included', () => {
    assert.deepEqual([...calendar.years].sort(), PACKAGE_YEARS.sort());
    for (const year of [2024, 2025, 2026, 2027]) assert.ok(calendar.years.has(year), `${year}`);
  });

  test('근로자의 날 is a deadline holiday every year, also where the package lists no holiday on May 1', async () => {
    for (const year of PACKAGE_YEARS) assert.ok(calendar.holidays.has(`${year}-05-01`), `${year}-05-01`);
    assert.equal(await isHoliday('2025-05-01'), false);
    assert.deepEqual(nextBusinessDay(calendar, '2025-05-01'), { date: '2025-05-02' });
  });
});

describe('the 2024–2027 deadline table', () => {
  test('every deadline due 2024-01 to 2027-12, for each fiscal-year start, equals the package’s calendar', async () => {
    let compared = 0;
    for (let start = 1; start <= 12; start++) {
      for (let due = utc(2024, 1, 1); due < utc(2028, 1, 1); due.setUTCMonth(due.getUTCMonth() + 1)) {
        const [year, month] = [due.getUTCFullYear(), due.getUTCMonth() + 1];
        const period = iso(utc(year, month - 1, 1)).slice(0, 7);
        const want = await expectedDeadlines(year, month, start);
        assert.deepEqual(deadlinesOf(period, start), want, `fiscal year from month ${start}, report month ${period}`);
        compared += want.length;
      }
    }
    // 48 months of 원천세, 16 of VAT and 4 each of 법인세 and 중간예납, for 12 fiscal-year starts.
    assert.equal(compared, 12 * (48 + 16 + 4 + 4));
  });

  test('2024-01 → 2024-02-13 (설 and its substitute holiday) and 2024-03 → 2024-04-11 (election day)', () => {
    assert.deepEqual(deadlinesOf('2024-01'), ['2024-02-13 원천세 신고·납부']);
    assert.deepEqual(deadlinesOf('2024-03'), ['2024-04-11 원천세 신고·납부', '2024-04-25 부가가치세 신고·납부']);
  });
});

describe('a deadline past the calendar', () => {
  test('has no date: the statutory day and the missing year instead', () => {
    assert.deepEqual(deadlinesOf('2027-11'), ['2027-12-10 원천세 신고·납부']);
    assert.deepEqual(deadlinesOf('2027-12'), [
      { name: '원천세 신고·납부', nominal: '2028-01-10', uncoveredYear: 2028 },
      { name: '부가가치세 신고·납부', nominal: '2028-01-25', uncoveredYear: 2028 },
    ]);
    const deadlines = engine.deadlines(sampleCompany(), '2029-03');
    assert.deepEqual(deadlines, [
      { name: '원천세 신고·납부', nominal: '2029-04-10', uncoveredYear: 2029 },
      { name: '부가가치세 신고·납부', nominal: '2029-04-25', uncoveredYear: 2029 },
    ]);
    const [finding] = deadlineFindings(deadlines);
    assert.equal(finding!.dueDate, undefined);
    assert.match(finding!.message, /원천세 신고·납부 기한 미확정: 법정 기일 2029-04-10.*2029년 공휴일 달력이 없어/);
  });

  test('the report month’s findings.json carries it as a data-quality warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deadline-calendar-'));
    const company = sampleCompany();
    const january = readFileSync(join(FIXTURE_LEDGERS, 'companies', company.id, 'ledger', '2024-01.csv'), 'utf8');
    writeCompanyData(dir, company, { '2029-01': january.replaceAll('2024-01-', '2029-01-') });
    const graph = new OxigraphStore();
    try {
      const doc = await analyzeLedgerFile(await loadAnalysisDeps(loadConfig({ ERP_DATA_DIR: dir }), graph), company, '2029-01');
      const deadlines = doc.findings.filter((f) => f.ruleId === 'DEADLINE');
      assert.deepEqual(
        deadlines.map((f) => f.dueDate),
        [undefined],
      );
      assert.equal(doc.dataQuality.conforms, true);
      assert.deepEqual(doc.dataQuality.details, calendarWarnings(engine.deadlines(company, '2029-01')));
      assert.deepEqual(
        doc.dataQuality.details.map((d) => [d.ruleId, d.severity, d.focus]),
        [['DQ-CALENDAR', 'Warning', 'shapes/tax/holidays.ttl']],
      );
      assert.match(doc.dataQuality.details[0]!.message, /^2029년이 공휴일 달력에 없어 원천세 신고·납부 기한\(법정 기일 2029-02-10\)/);
      assert.equal(doc.dataQuality.warnings, 1);
    } finally {
      await graph.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
