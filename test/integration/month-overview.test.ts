// The month overview on the console stack: rows from the real report, runs and company masters; filters; scope; roles.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CarriedFinding, Finding, FindingsDocument } from '../../lib/domain/findings';
import { writeFindingsDoc } from '../../lib/storage/findings-json';
import { reportKeys } from '../../lib/storage/object-store';
import { previousMonthInSeoul } from '../../lib/domain/periods';
import type { MonthOverview } from '../../console/services/month-overview';
import { OTHER_COMPANY, REPORT_COMPANY, REPORT_PERIOD, startConsoleStack, type ConsoleStack } from '../support/console-stack';
import { sampleCompany, sampleFindings } from '../../dev/sample-documents';
import { registerTestSecret } from '../../dev/test-secrets';
import { ReportStageKey, CompanyIdKey, PeriodKey } from '../../lib/temporal-contract';

const IDLE_QUEUE = 'month-overview-idle';
const REVIEW_COMPANY = 'c03-다솜';
/** A findings.json written here with last month's findings and a trend; and one that is not JSON. */
const CARRIED_COMPANY = 'c04-미르';
const BROKEN_COMPANY = 'c05-새봄';

let s: ConsoleStack;
let report: FindingsDocument;
let scopedAnalyst: string;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = (url: string, token: string) => fetch(`${s.url}${url}`, { headers: bearer(token), redirect: 'manual' });
async function overview(query = '', token = s.tokens.analyst): Promise<MonthOverview> {
  const res = await get(`/api/months/${REPORT_PERIOD}${query}`, token);
  assert.equal(res.status, 200);
  return (await res.json()) as MonthOverview;
}
const ids = (view: MonthOverview) => view.rows.map((r) => r.companyId);

async function setAccountant(companyId: string, accountant: string): Promise<void> {
  const file = path.join(s.config.ERP_DATA_DIR, 'companies', companyId, 'company.json');
  await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), accountant }));
}

before(async () => {
  s = await startConsoleStack({ TASK_QUEUE: IDLE_QUEUE });
  report = (await (await get(`/api/reports/${encodeURIComponent(REPORT_COMPANY)}/${REPORT_PERIOD}`, s.tokens.analyst)).json()) as FindingsDocument;
  await setAccountant(REPORT_COMPANY, '김세무');
  await setAccountant(OTHER_COMPANY, '박세무');
  // Runs on a queue no worker polls stay RUNNING: one without a stage (analysing), one waiting for its review.
  const started = await fetch(`${s.url}/api/runs`, {
    method: 'POST',
    headers: { ...bearer(s.tokens.analyst), 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: OTHER_COMPANY, period: REPORT_PERIOD }),
  });
  assert.equal(started.status, 202);
  await s.h.client.workflow.start('monthlyCompanyReport', {
    taskQueue: IDLE_QUEUE,
    workflowId: `month-overview-${REVIEW_COMPANY}`,
    args: [{ companyId: REVIEW_COMPANY, period: REPORT_PERIOD }],
    typedSearchAttributes: [
      { key: CompanyIdKey, value: REVIEW_COMPANY },
      { key: PeriodKey, value: REPORT_PERIOD },
      { key: ReportStageKey, value: 'awaiting-review' },
    ],
  });
  // Visibility is eventually consistent: wait until both runs are listed.
  for (let i = 0; i < 50; i++) {
    const statuses = (await overview()).rows.map((r) => r.status);
    if (statuses.includes('analysing') && statuses.includes('awaiting-review')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const finding = (ruleId: string): Finding => ({
    ruleId,
    category: 'ENTERTAINMENT_LIMIT',
    severity: 'MEDIUM',
    amount: 1,
    message: ruleId,
    basis: '',
    evidence: [],
  });
  const carried = (findingKey: string, recurring: boolean, status: CarriedFinding['status']): CarriedFinding => ({
    findingKey,
    ruleId: 'ENT-LIMIT',
    category: 'ENTERTAINMENT_LIMIT',
    severity: 'MEDIUM',
    message: '',
    status,
    recurring,
  });
  const company = sampleCompany({ id: CARRIED_COMPANY, name: '(주)미르' });
  await writeFindingsDoc(
    s.deps.objects,
    reportKeys(CARRIED_COMPANY, REPORT_PERIOD).findings,
    sampleFindings(company, {
      period: REPORT_PERIOD,
      riskLevel: 'MEDIUM',
      // Filing deadlines are the calendar: last month's (gone) and this month's (new) count as no change.
      findings: [finding('ENT-LIMIT'), finding('EXP-PROOF'), { ...finding('DEADLINE'), category: 'FILING_DEADLINE', dueDate: '2024-04-10' }],
      carryOver: {
        previousPeriod: '2024-02',
        items: [
          carried('ENT-LIMIT|fy|2024', true, 'open'),
          carried('SPIKE|2024-02|811', false, 'open'),
          carried('DEADLINE|due|2024-03-10', true, 'resolved'),
          { ...carried('DEADLINE|due|2024-03-11', false, 'open'), ruleId: 'DEADLINE', category: 'FILING_DEADLINE' },
        ],
      },
      trend: [
        { period: '2024-01', riskLevel: 'NONE', findings: 0 },
        { period: '2024-02', riskLevel: 'HIGH', findings: 3 },
        { period: REPORT_PERIOD, riskLevel: 'MEDIUM', findings: 2 },
      ],
    }),
  );
  await s.deps.objects.put(reportKeys(BROKEN_COMPANY, REPORT_PERIOD).findings, '{"schemaVersion": 1,', 'application/json');
  scopedAnalyst = registerTestSecret((await s.deps.tokens.create({ name: 'analyst-garam', role: 'analyst', companies: [REPORT_COMPANY] })).token);
});
after(async () => {
  await s?.stop();
});

describe('month overview', () => {
  test('an analyst sees the finished report with its risk and findings per category', async () => {
    const view = await overview();
    const row = view.rows.find((r) => r.companyId === REPORT_COMPANY);
    assert.ok(row);
    assert.equal(row.status, 'sent');
    assert.equal(row.report, 'present');
    assert.equal(row.riskLevel, report.riskLevel);
    assert.equal(row.accountant, '김세무');
    const expected: Record<string, number> = {};
    for (const f of report.findings) expected[f.category] = (expected[f.category] ?? 0) + 1;
    assert.deepEqual(row.categories, expected);
    assert.deepEqual(
      row.trend.map((p) => p.period),
      report.trend?.map((p) => p.period) ?? [REPORT_PERIOD],
    );
  });

  test('a company without findings.json is listed with its status and no figures', async () => {
    const view = await overview();
    const running = view.rows.find((r) => r.companyId === OTHER_COMPANY)!;
    assert.deepEqual([running.status, running.report, running.riskLevel, running.categories], ['analysing', 'absent', undefined, undefined]);
    const waiting = view.rows.find((r) => r.companyId === REVIEW_COMPANY)!;
    assert.deepEqual([waiting.status, waiting.report], ['awaiting-review', 'absent']);
    assert.equal(view.rows.find((r) => r.companyId === 'c04-미르')?.status, 'not-started');
    assert.equal(view.summary.sent, 1);
    assert.equal(view.summary['awaiting-review'], 1);
    assert.equal(view.summary.analysing, 1);

    const page = await (await get(`/months/${REPORT_PERIOD}`, s.tokens.analyst)).text();
    const other = new RegExp(`<tr data-company-id="${OTHER_COMPANY}"[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
    assert.match(other, /분석 중/);
    assert.match(other, /<td class="risk-">-<\/td>/);
    assert.doesNotMatch(other, /<svg/);
    const review = new RegExp(`<tr data-company-id="${REVIEW_COMPANY}"[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
    assert.match(review, /검토 대기/);
    assert.ok(review.includes(`href="/review/${encodeURIComponent(REVIEW_COMPANY)}/${REPORT_PERIOD}"`));
  });

  test('filters by risk, category, status and accountant', async () => {
    const all = await overview();
    const category = report.findings[0]?.category;
    assert.ok(category, 'the fixture report has findings');
    const where = (keep: (row: MonthOverview['rows'][number]) => boolean) => ids(all).filter((_, i) => keep(all.rows[i]!));
    const byRisk = ids(await overview(`?risk=${report.riskLevel}`));
    assert.ok(byRisk.includes(REPORT_COMPANY));
    assert.deepEqual(
      byRisk,
      where((r) => r.riskLevel === report.riskLevel),
    );
    assert.deepEqual(
      ids(await overview('?risk=NONE')),
      where((r) => r.riskLevel === 'NONE'),
    );
    const byCategory = ids(await overview(`?category=${category}`));
    assert.ok(byCategory.includes(REPORT_COMPANY));
    assert.deepEqual(
      byCategory,
      where((r) => (r.categories?.[category] ?? 0) > 0),
    );
    assert.ok(ids(await overview('?category=FILING_DEADLINE')).includes(CARRIED_COMPANY));
    assert.ok(!ids(await overview('?category=VEHICLE_EXPENSE')).includes(CARRIED_COMPANY));
    assert.deepEqual(ids(await overview('?status=awaiting-review')), [REVIEW_COMPANY]);
    assert.deepEqual(ids(await overview(`?accountant=${encodeURIComponent('박세무')}`)), [OTHER_COMPANY]);
    assert.deepEqual(ids(await overview(`?accountant=${encodeURIComponent('김세무')}&status=sent`)), [REPORT_COMPANY]);
    const view = await overview('?status=failed');
    assert.deepEqual(view.rows, []);
    assert.equal(view.summary.sent, 1, 'the counts on top are over every company, before the filter');
    assert.ok(view.accountants.includes('김세무') && view.accountants.includes('박세무') && view.accountants.includes(s.config.DEFAULT_ADVISOR));
    assert.equal((await get(`/api/months/${REPORT_PERIOD}?status=done`, s.tokens.analyst)).status, 400);
    // The page's form keeps the chosen filter.
    const page = await (await get(`/months/${REPORT_PERIOD}?accountant=${encodeURIComponent('박세무')}`, s.tokens.analyst)).text();
    assert.match(page, /<option value="박세무" selected>/);
    assert.equal([...page.matchAll(/<tr data-company-id=/g)].length, 1);
  });

  test('the trend is inline SVG with one mark per month', async () => {
    const page = await (await get(`/months/${REPORT_PERIOD}`, s.tokens.analyst)).text();
    const row = new RegExp(`<tr data-company-id="${REPORT_COMPANY}"[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
    const svg = /<svg class="chart sparkline"[\s\S]*?<\/svg>/.exec(row)?.[0];
    assert.ok(svg, 'the row has its trend');
    assert.equal([...svg.matchAll(/<rect class="mark"/g)].length, report.trend?.length ?? 1);
    assert.doesNotMatch(page, /<script/);
    assert.ok(row.includes(`href="/reports/${encodeURIComponent(REPORT_COMPANY)}/${REPORT_PERIOD}"`));
  });

  test('changes since last month: new, resolved (gone or 조치완료) and recurring findings; an unreadable report', async () => {
    const view = await overview();
    const row = view.rows.find((r) => r.companyId === CARRIED_COMPANY)!;
    assert.deepEqual(row.changes, { new: 1, resolved: 2, recurring: 2 });
    if (!report.carryOver) assert.equal(view.rows.find((r) => r.companyId === REPORT_COMPANY)!.changes, undefined, 'no carry-over: changes unknown');
    const broken = view.rows.find((r) => r.companyId === BROKEN_COMPANY)!;
    assert.deepEqual([broken.status, broken.report, broken.categories], ['not-started', 'unreadable', undefined]);
    const page = await (await get(`/months/${REPORT_PERIOD}`, s.tokens.analyst)).text();
    const carriedRow = new RegExp(`<tr data-company-id="${CARRIED_COMPANY}"[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
    assert.match(carriedRow, /<td class="num change-new">1<\/td>/);
    assert.equal([...carriedRow.matchAll(/<rect class="mark"/g)].length, 3);
    assert.match(carriedRow, /2024-02 높음 · 발견 3건/);
    assert.match(page, /리포트 읽기 오류/);
  });

  test('a scoped analyst sees only its companies', async () => {
    const view = await overview('', scopedAnalyst);
    assert.deepEqual(ids(view), [REPORT_COMPANY]);
    assert.deepEqual(view.accountants, ['김세무']);
    assert.equal(
      Object.values(view.summary).reduce((a, b) => a + b, 0),
      1,
    );
  });

  test('viewers are refused; /months opens last month', async () => {
    assert.equal((await get(`/api/months/${REPORT_PERIOD}`, s.tokens.viewer)).status, 403);
    assert.equal((await get(`/months/${REPORT_PERIOD}`, s.tokens.scopedViewer)).status, 403);
    const anonymous = await fetch(`${s.url}/months/${REPORT_PERIOD}`, { redirect: 'manual' });
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.headers.get('location') ?? '', /^\/login/);
    const latest = await get('/months', s.tokens.admin);
    assert.equal(latest.status, 303);
    assert.equal(latest.headers.get('location'), `/months/${previousMonthInSeoul(new Date())}`);
    assert.equal((await get('/api/months/2024-13', s.tokens.admin)).status, 400);
  });
});
