// Reviews carried into next month, on the embedded graph store: a finding marked 오탐 is not raised again unless its
// amount grows past FALSE_POSITIVE_MARGIN, last month's findings come with their status (조치 현황), and the trend
// is read from the findings graphs. Also through the real analysis of the fixture ledgers, and into the report.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { offlineNarrative } from '../../lib/analysis/offline-narrative';
import type { Company } from '../../lib/domain/company';
import type { Finding, FindingsDocument } from '../../lib/domain/findings';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { recordFindings } from '../../lib/llm/findings-graph';
import { analyzeCompanyMonth, type AnalysisDeps } from '../../lib/pipeline/analyze-month';
import { QueryCatalog } from '../../lib/rdf/query-catalog';
import { renderReportHtml } from '../../lib/report/customer-report';
import { applyReviews } from '../../lib/review/carry-over';
import { findingKey } from '../../lib/review/finding-key';
import { appendReview, type FindingReview } from '../../lib/review/finding-reviews';
import { TaxRuleEngine } from '../../lib/rules/tax-rule-engine';
import { loadLedgerGraphs } from '../support/ledger-graphs';
import { sampleCompany, sampleFindings } from '../../dev/sample-documents';

const ROOT = resolve(__dirname, '../..');
const FIXTURE_DIR = join(ROOT, 'test/fixtures/ledgers');
const SHAPES_DIR = join(ROOT, 'shapes');
const MARGIN = 0.2;

const company = sampleCompany();
const loan = (amount: number): Finding => ({
  ruleId: 'LOAN-INSIDER',
  category: 'PROVISIONAL_PAYMENT',
  severity: 'MEDIUM',
  amount,
  message: `가지급금 잔액 ${amount}원`,
  basis: '법인세법 §28',
  evidence: [],
});
const proof: Finding = {
  ruleId: 'ENT-PROOF',
  category: 'MISSING_PROOF',
  severity: 'LOW',
  amount: 450_000,
  message: '적격증빙 없는 기업업무추진비 450,000원',
  basis: '시행령 §41',
  evidence: [{ date: '2024-05-03', voucher: '00007', account: '813', amount: 450_000, memo: '거래처 식사' }],
};
const deadline = (dueDate: string): Finding => ({
  ruleId: 'DEADLINE',
  category: 'FILING_DEADLINE',
  severity: 'INFO',
  dueDate,
  message: `${dueDate}까지 원천세 신고·납부`,
  basis: '법인세법 §60',
  evidence: [],
});

const month = (period: string) => ({ companyId: company.id, period, fiscalYearStart: '2024-01' });
const keyOf = (f: Finding, period: string) => findingKey(f, month(period));

function review(f: Finding, over: Partial<FindingReview> & Pick<FindingReview, 'status'>): FindingReview {
  return {
    companyId: company.id,
    period: '2024-05',
    findingKey: keyOf(f, '2024-05'),
    ruleId: f.ruleId,
    reviewer: '김세무',
    reviewedAt: '2024-06-03T01:00:00Z',
    version: 1,
    ...(f.amount !== undefined && { amount: f.amount }),
    ...over,
  };
}

/**
 * A store where April 2024 had a HIGH finding and May 2024 three findings, of which the accountant marked the loan
 * 오탐 and the missing proof 조치완료.
 */
async function reviewedMay(): Promise<OxigraphStore> {
  const graph = new OxigraphStore();
  after(() => graph.close());
  const doc = (period: string, findings: Finding[]) => sampleFindings(company, { period, fiscalYearStart: '2024-01', findings });
  await recordFindings(graph, doc('2024-04', [{ ...loan(50_000_000), severity: 'HIGH' }]));
  await recordFindings(graph, doc('2024-05', [loan(80_000_000), proof, deadline('2024-06-10')]));
  await appendReview(graph, review(loan(80_000_000), { status: 'false-positive', note: '대표이사 급여 선지급으로 가지급금 아님' }));
  await appendReview(graph, review(proof, { status: 'resolved', note: '세금계산서 수취 완료' }));
  return graph;
}

describe('carry-over on the graph', () => {
  test('a dismissed finding does not recur next month with the same amount: it is listed as suppressed', async () => {
    const graph = await reviewedMay();
    const june = await applyReviews(graph, month('2024-06'), [loan(80_000_000), deadline('2024-07-10')], MARGIN);
    assert.deepEqual(june.findings, [deadline('2024-07-10')]);
    assert.equal(june.riskLevel, 'NONE');
    assert.deepEqual(june.suppressed, [
      {
        finding: loan(80_000_000),
        findingKey: 'LOAN-INSIDER|fy|2024-01',
        dismissedIn: '2024-05',
        reviewer: '김세무',
        reason: '대표이사 급여 선지급으로 가지급금 아님',
        dismissedAmount: 80_000_000,
      },
    ]);
  });

  test('a dismissed finding grown past the margin is raised again; grown within it, it stays suppressed', async () => {
    const graph = await reviewedMay();
    const grown = await applyReviews(graph, month('2024-06'), [loan(96_000_001)], MARGIN);
    assert.deepEqual(grown.findings, [loan(96_000_001)]);
    assert.equal(grown.riskLevel, 'MEDIUM');
    assert.equal(grown.suppressed, undefined);
    const within = await applyReviews(graph, month('2024-06'), [loan(96_000_000)], MARGIN);
    assert.deepEqual(within.findings, []);
    assert.equal(within.suppressed?.length, 1);
  });

  test('a later review that re-opens the finding cancels the suppression', async () => {
    const graph = await reviewedMay();
    await appendReview(graph, review(loan(80_000_000), { status: 'open', version: 2, reviewedAt: '2024-06-10T01:00:00Z' }));
    const june = await applyReviews(graph, month('2024-06'), [loan(80_000_000)], MARGIN);
    assert.deepEqual(june.findings, [loan(80_000_000)]);
    assert.equal(june.suppressed, undefined);
  });

  test('re-running the dismissed month suppresses the finding there too', async () => {
    const graph = await reviewedMay();
    const rerun = await applyReviews(graph, month('2024-05'), [loan(80_000_000), proof, deadline('2024-06-10')], MARGIN);
    assert.deepEqual(rerun.findings, [proof, deadline('2024-06-10')]);
    assert.equal(rerun.suppressed?.[0]?.dismissedIn, '2024-05');
  });

  test("carryOver lists last month's findings with their status and whether they recur", async () => {
    const graph = await reviewedMay();
    const june = await applyReviews(graph, month('2024-06'), [loan(100_000_000), deadline('2024-07-10')], MARGIN);
    assert.equal(june.carryOver?.previousPeriod, '2024-05');
    assert.deepEqual(
      june.carryOver?.items.map((c) => [c.ruleId, c.status, c.note, c.reviewer, c.amount, c.recurring]),
      [
        ['LOAN-INSIDER', 'false-positive', '대표이사 급여 선지급으로 가지급금 아님', '김세무', 80_000_000, true],
        ['ENT-PROOF', 'resolved', '세금계산서 수취 완료', '김세무', 450_000, false],
        ['DEADLINE', 'open', undefined, undefined, undefined, false],
      ],
    );
    assert.equal(june.carryOver?.items[0]?.findingKey, 'LOAN-INSIDER|fy|2024-01');
    // A month after a month without a findings graph has nothing to carry over.
    assert.equal((await applyReviews(graph, month('2024-08'), [], MARGIN)).carryOver, undefined);
  });

  test("the trend has one point per month with findings, oldest first, this month's after suppression", async () => {
    const graph = await reviewedMay();
    const june = await applyReviews(graph, month('2024-06'), [loan(80_000_000), deadline('2024-07-10')], MARGIN);
    assert.deepEqual(june.trend, [
      { period: '2024-04', riskLevel: 'HIGH', findings: 1 },
      { period: '2024-05', riskLevel: 'MEDIUM', findings: 3 },
      { period: '2024-06', riskLevel: 'NONE', findings: 1 },
    ]);
  });
});

describe('carry-over through the analysis of the fixture ledgers', () => {
  const graph = new OxigraphStore();
  let companies: Map<string, Company>;
  let deps: AnalysisDeps;
  after(() => graph.close());
  before(async () => {
    companies = await loadLedgerGraphs(graph, FIXTURE_DIR, join(ROOT, 'ontology/accounts.csv'));
    deps = {
      graph,
      rules: await TaxRuleEngine.load(SHAPES_DIR),
      queries: await QueryCatalog.load(SHAPES_DIR),
      dataDir: FIXTURE_DIR,
      falsePositiveMargin: MARGIN,
    };
  });
  const analyse = (period: string, margin = MARGIN) =>
    analyzeCompanyMonth({ ...deps, falsePositiveMargin: margin }, companies.get('c01-가람')!, period, []);

  // c01-가람's entertainment passes its limit all year: 19,436,000 in May, 23,169,000 (+19.2%) in June.
  test('an ENT-LIMIT marked 오탐 in May is suppressed in June within the margin, and raised with a smaller margin', async () => {
    const may = await analyse('2024-05');
    await recordFindings(graph, may);
    const limit = may.findings.find((f) => f.ruleId === 'ENT-LIMIT')!;
    assert.equal(limit.amount, 19_436_000);
    await appendReview(graph, {
      companyId: may.companyId,
      period: may.period,
      findingKey: findingKey(limit, may),
      ruleId: limit.ruleId,
      status: 'false-positive',
      note: '업무추진비 한도 특례 대상',
      reviewer: '김세무',
      reviewedAt: '2024-06-03T01:00:00Z',
      version: 1,
      amount: limit.amount,
    });

    const june = await analyse('2024-06');
    assert.deepEqual(
      june.findings.map((f) => f.ruleId),
      ['DEADLINE', 'DEADLINE'],
    );
    assert.deepEqual(
      june.suppressed?.map((s) => [s.finding.ruleId, s.finding.amount, s.dismissedIn]),
      [['ENT-LIMIT', 23_169_000, '2024-05']],
    );
    assert.equal(june.riskLevel, 'NONE');
    assert.ok(!june.narrative.text.includes('기업업무추진비'), 'the offline narrative is written from the findings after suppression');
    assert.equal(june.narrative.insights?.conclusions.length, 2);
    assert.deepEqual(june.carryOver?.items.find((c) => c.ruleId === 'ENT-LIMIT')?.status, 'false-positive');
    assert.deepEqual(
      june.trend?.map((p) => [p.period, p.riskLevel]),
      [
        ['2024-05', 'HIGH'],
        ['2024-06', 'NONE'],
      ],
    );

    const stricter = await analyse('2024-06', 0.1);
    assert.ok(stricter.findings.some((f) => f.ruleId === 'ENT-LIMIT' && f.amount === 23_169_000));
    assert.equal(stricter.suppressed, undefined);
    assert.equal(stricter.riskLevel, 'HIGH');
    assert.equal(stricter.carryOver?.items.find((c) => c.ruleId === 'ENT-LIMIT')?.recurring, true);
  });
});

describe('조치 현황 in the report', () => {
  const OPTS = { firmName: '한결세무법인', advisor: '김세무' };
  const withCarryOver: FindingsDocument = sampleFindings(company, {
    period: '2024-06',
    carryOver: {
      previousPeriod: '2024-05',
      items: [
        {
          findingKey: 'LOAN-INSIDER|fy|2024-01',
          ruleId: 'LOAN-INSIDER',
          category: 'PROVISIONAL_PAYMENT',
          severity: 'MEDIUM',
          message: '가지급금 잔액 80,000,000원',
          amount: 80_000_000,
          status: 'resolved',
          note: '<b>상환</b> 완료',
          reviewer: '김세무',
          reviewedAt: '2024-06-03T01:00:00Z',
          recurring: false,
        },
        {
          findingKey: 'DEADLINE|due|2024-06-10',
          ruleId: 'DEADLINE',
          category: 'FILING_DEADLINE',
          severity: 'INFO',
          message: '2024-06-10까지 원천세 신고·납부',
          status: 'open',
          recurring: true,
        },
      ],
    },
    suppressed: [
      { finding: loan(80_000_000), findingKey: 'LOAN-INSIDER|fy|2024-01', dismissedIn: '2024-05', reviewer: '김세무', reason: '숨겨진 사유' },
    ],
  });

  test("lists last month's findings with status labels and notes, after the findings and before the narrative", () => {
    const markup = renderReportHtml(withCarryOver, OPTS);
    const at = (text: string) => markup.indexOf(text);
    assert.ok(at('<h2>발견 사항</h2>') < at('<h2>조치 현황</h2>') && at('<h2>조치 현황</h2>') < at('<h2>종합 의견</h2>'));
    assert.match(markup, /2024년 5월 발견 사항/);
    assert.match(markup, /<td class="nowrap">조치완료<\/td><td>&lt;b&gt;상환&lt;\/b&gt; 완료<\/td><td class="nowrap">-<\/td>/);
    assert.match(markup, /<td class="nowrap">미검토<\/td><td><\/td><td class="nowrap">재발<\/td>/);
    assert.match(markup, /80,000,000원/);
    assert.ok(!markup.includes('숨겨진 사유'), 'suppressed findings are not shown to the customer');
  });

  test("the offline narrative says how many of last month's findings were resolved", () => {
    assert.match(offlineNarrative(withCarryOver), /지난달 발견 사항 2건 중 1건은 조치가 완료되었습니다\./);
  });

  test('is absent without a carry-over', () => {
    const { carryOver: _carryOver, ...without } = withCarryOver;
    assert.ok(!renderReportHtml(without, OPTS).includes('조치 현황'));
  });
});
