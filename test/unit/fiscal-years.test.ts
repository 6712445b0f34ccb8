// Fiscal years that do not start in January: balances stated once in company.json carry forward into the next
// fiscal year through the graph (its opening = the year before's closing), a fiscal year they cannot reach says so
// by company and year, and the logs name the fiscal year, not the calendar year.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { asyncLocalStorage, type Context } from '@temporalio/activity';
import type { ActivityDeps } from '../../activities/deps';
import { createEarlierMonthsActivities } from '../../activities/load-earlier-months';
import { loadConfig } from '../../lib/config';
import { OPENING_RULE_ID } from '../../lib/domain/balances';
import type { Company } from '../../lib/domain/company';
import type { FindingsDocument } from '../../lib/domain/findings';
import { monthRange } from '../../lib/domain/periods';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { createLogger } from '../../lib/logging';
import { analyzeLedgerFile, loadAnalysisDeps } from '../../lib/pipeline/analyze-month';
import { renderReportHtml } from '../../lib/report/customer-report';
import { sampleCompany, writeCompanyData } from '../../dev/sample-documents';

const tmp = mkdtempSync(join(tmpdir(), 'fiscal-years-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const HEADER = '전표일자,전표번호,계정코드,계정과목,차변,대변,적요,증빙구분';
const NAMES: Record<string, string> = { '103': '보통예금', '134': '가지급금', '830': '소모품비' };
/** A month's journal: one 소모품 purchase, and 가지급금 lent (+) or repaid (−) on the 15th. */
function month(period: string, loan = 0): string {
  const row = (day: number, no: number, code: string, debit: number, credit: number, memo: string) =>
    [`${period}-${String(day).padStart(2, '0')}`, String(no).padStart(5, '0'), code, NAMES[code], debit || '', credit || '', memo, 1].join(',');
  const rows = [row(5, 1, '830', 100_000, 0, '소모품'), row(5, 1, '103', 0, 100_000, '소모품 이체')];
  if (loan > 0) rows.push(row(15, 1, '134', loan, 0, '대표이사 가지급'), row(15, 1, '103', 0, loan, '가지급 이체'));
  if (loan < 0) rows.push(row(15, 1, '103', -loan, 0, '가지급금 회수'), row(15, 1, '134', 0, -loan, '가지급금 회수'));
  return [HEADER, ...rows].join('\n');
}

// Fiscal year 2024 (2024-04 ~ 2025-03) opens with 10,000,000 of 가지급금 and closes with 16,000,000; 2025 moves it
// by +1,000,000 in April and −500,000 in May.
const LOANS: Record<string, number> = {
  '2024-04': 5_000_000,
  '2024-09': 3_000_000,
  '2025-02': -2_000_000,
  '2025-04': 1_000_000,
  '2025-05': -500_000,
};
const LEDGERS = Object.fromEntries(monthRange('2024-04', 14).map((p) => [p, month(p, LOANS[p])]));
const APRIL: Company = sampleCompany({
  id: 'april-co',
  name: '(주)사월상사',
  fiscalYearStartMonth: 4,
  openingBalances: { '134': 10_000_000 },
  openingBalancesAsOf: '2024-04-01',
});

/** A data directory of `company` with `ledgers`, analysed month by month like `npm run analyze`. */
async function analyze(name: string, company: Company, ledgers: Record<string, string>, periods: string[]): Promise<Map<string, FindingsDocument>> {
  const dataDir = join(tmp, name);
  writeCompanyData(dataDir, company, ledgers);
  const graph = new OxigraphStore();
  try {
    const deps = await loadAnalysisDeps(loadConfig({ ERP_DATA_DIR: dataDir }), graph);
    const docs = new Map<string, FindingsDocument>();
    for (const period of periods) docs.set(period, await analyzeLedgerFile(deps, company, period));
    return docs;
  } finally {
    await graph.close();
  }
}

const loan = (doc: FindingsDocument) => doc.findings.find((f) => f.ruleId === 'LOAN-INSIDER');
const openingWarnings = (doc: FindingsDocument) => doc.dataQuality.details.filter((d) => d.ruleId === OPENING_RULE_ID);

describe('balances across fiscal years', () => {
  test("the second fiscal year opens with the first one's closing balance, not company.json's again", async () => {
    const docs = await analyze('two-years', APRIL, LEDGERS, ['2025-03', '2025-05']);
    const march = docs.get('2025-03')!;
    assert.equal(march.fiscalYearStart, '2024-04');
    assert.equal(march.figures?.provisionalPayment?.opening, 10_000_000);
    assert.equal(loan(march)?.amount, 16_000_000);

    const may = docs.get('2025-05')!;
    assert.equal(may.fiscalYearStart, '2025-04');
    assert.deepEqual(may.figures?.provisionalPayment && { ...may.figures.provisionalPayment, accruedInterest: undefined }, {
      account: '134',
      opening: 16_000_000,
      balance: 16_500_000,
      trend: [
        { period: '2025-04', balance: 17_000_000 },
        { period: '2025-05', balance: 16_500_000 },
      ],
      accruedInterest: undefined,
    });
    assert.deepEqual([loan(may)?.severity, loan(may)?.amount], ['MEDIUM', 16_500_000]);
    // 인정이자 on the carried balance: 31 days at 17,000,000 less 500,000 from the 15th (17 days), at 4.6 %.
    assert.equal(loan(may)?.accruedInterest, Math.floor(((17_000_000 * 31 - 500_000 * 17) * 0.046) / 365));
    assert.deepEqual(openingWarnings(may), []);
    // The report shows the year's opening balance above its months.
    assert.match(renderReportHtml(may, { firmName: 'f', advisor: 'a' }), /<tr><td>사업연도 기초<\/td><td class="num">16,000,000원<\/td>/);
  });

  test('undated balances (company.json before the date) are as of the first ledger’s fiscal year, and carry forward too', async () => {
    const { openingBalancesAsOf: _, ...undated } = APRIL;
    const may = (await analyze('undated', undated, LEDGERS, ['2025-05'])).get('2025-05')!;
    assert.equal(may.figures?.provisionalPayment?.opening, 16_000_000);
    assert.equal(loan(may)?.amount, 16_500_000);
  });

  test('a month missing between the balances and the fiscal year: the year opens at 0 with a warning naming company, year and month', async () => {
    const { '2024-10': _, ...gap } = LEDGERS;
    const may = (await analyze('gap', APRIL, gap, ['2025-05'])).get('2025-05')!;
    const [warning, ...more] = openingWarnings(may);
    assert.deepEqual(more, []);
    assert.equal(warning?.severity, 'Warning');
    assert.match(warning.message, /^\(주\)사월상사\(april-co\)의 2025 사업연도\(2025-04 ~ 2026-03\) 기초잔액을 알 수 없습니다\./);
    assert.match(warning.message, /: 2024-10\./);
    assert.equal(warning?.focus, 'companies/april-co/company.json');
    assert.equal(may.dataQuality.conforms, true, 'a warning, not a data error: the report goes out');
    assert.equal(may.figures?.provisionalPayment?.opening, 0);
    assert.equal(loan(may)?.amount, 500_000);
    assert.ok(may.findings.some((f) => f.ruleId === 'DEADLINE'));
    assert.ok(renderReportHtml(may, { firmName: 'f', advisor: 'a' }).includes('기초잔액을 알 수 없습니다'));
  });

  test('balances dated after the report’s fiscal year: that year has none, and says so', async () => {
    const later = { ...APRIL, openingBalancesAsOf: '2025-04-01' };
    const february = (await analyze('later', later, LEDGERS, ['2025-02'])).get('2025-02')!;
    assert.match(openingWarnings(february)[0]?.message ?? '', /2024 사업연도\(2024-04 ~ 2025-03\) 기초잔액을 알 수 없습니다\. .*2025-04-01 기준/);
    assert.equal(loan(february)?.amount, 6_000_000);
  });
});

describe('인정이자', () => {
  test('a month whose 가지급금 balance is below zero (a repayment beyond the stated balance) accrues no interest, never a negative one', async () => {
    const company = { ...APRIL, id: 'overpaid-co', openingBalances: {} };
    const doc = (await analyze('overpaid', company, { '2024-04': month('2024-04', -2_000_000) }, ['2024-04'])).get('2024-04')!;
    assert.equal(doc.figures?.provisionalPayment?.balance, -2_000_000);
    assert.equal(doc.figures?.provisionalPayment?.accruedInterest, 0);
    assert.equal(loan(doc), undefined, 'no 가지급금, no finding');
  });
});

describe('fiscal_year in the logs', () => {
  test('a company whose year starts in April logs the year it started in', async () => {
    const dataDir = join(tmp, 'logs');
    cpSync(join(tmp, 'two-years'), dataDir, { recursive: true });
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const graph = new OxigraphStore();
    after(() => graph.close());
    const deps = { ...(await loadAnalysisDeps(loadConfig({ ERP_DATA_DIR: dataDir }), graph)), log: createLogger('info', sink) };
    const { loadEarlierMonths } = createEarlierMonthsActivities(deps as unknown as ActivityDeps);
    const info = { activityType: 'loadEarlierMonths', attempt: 1, workflowExecution: { workflowId: 'w', runId: 'r' } };
    for (const period of ['2025-03', '2025-04']) {
      await asyncLocalStorage.run({ info } as unknown as Context, () => loadEarlierMonths({ companyId: 'april-co', period }));
    }
    const logged = lines.filter((l) => l.event === 'earlier_months_loaded');
    assert.deepEqual(
      logged.map((l) => [l.period, l.fiscal_year]),
      [
        ['2025-03', 2024],
        ['2025-04', 2025],
      ],
    );
    // The balances' months are context too: April 2025 reads the whole year before (March 2025 newly).
    assert.deepEqual([logged[1]!.present, logged[1]!.loaded], [monthRange('2024-04', 11), ['2025-03']]);
  });
});
