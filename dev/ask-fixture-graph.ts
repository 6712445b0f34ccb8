// The fixture firm as the knowledge graph holds it after six months of runs: every fixture company-month analysed
// (ledger graphs, account totals, findings graphs), and five accountants' reviews, one of them revised.
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../lib/config';
import type { ReviewStatus } from '../lib/domain/findings';
import { listCompanyIds } from '../lib/erp/company';
import type { GraphStore } from '../lib/graph/graph-store';
import { recordFindings } from '../lib/llm/findings-graph';
import { analyzeMonths, loadAnalysisDeps } from '../lib/pipeline/analyze-month';
import { findingsGraphIri } from '../lib/rdf/iris';
import { TAX } from '../lib/rdf/vocabulary';
import { appendReview } from '../lib/review/finding-reviews';

export const ASK_FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'ask');
export const FIXTURE_LEDGERS = path.join(PROJECT_ROOT, 'test', 'fixtures', 'ledgers');
/** When the evaluation's questions are asked: relative months are read against 2024-06. */
export const ASK_NOW = new Date('2024-06-20T10:00:00+09:00');

/** test/fixtures/ask/README.md lists the same reviews. */
export const FIXTURE_REVIEWS: ReadonlyArray<{
  companyId: string;
  period: string;
  ruleId: string;
  status: ReviewStatus;
  reviewer: string;
  version: number;
}> = [
  { companyId: 'c03-다솜', period: '2024-05', ruleId: 'LOAN-INSIDER', status: 'false-positive', reviewer: 'kim', version: 1 },
  { companyId: 'c05-새봄', period: '2024-04', ruleId: 'DEPOSIT-INSIDER', status: 'false-positive', reviewer: 'park', version: 1 },
  { companyId: 'c02-누리', period: '2024-06', ruleId: 'ENT-LIMIT', status: 'acknowledged', reviewer: 'lee', version: 1 },
  { companyId: 'c04-미르', period: '2024-05', ruleId: 'LOAN-INSIDER', status: 'resolved', reviewer: 'kim', version: 1 },
  { companyId: 'c01-가람', period: '2024-06', ruleId: 'ENT-LIMIT', status: 'acknowledged', reviewer: 'lee', version: 1 },
  { companyId: 'c01-가람', period: '2024-06', ruleId: 'ENT-LIMIT', status: 'resolved', reviewer: 'lee', version: 2 },
];

export async function loadAskFixtureGraph(graph: GraphStore, dataDir = FIXTURE_LEDGERS): Promise<void> {
  const deps = await loadAnalysisDeps(loadConfig({ ERP_DATA_DIR: dataDir }), graph);
  for await (const month of analyzeMonths(deps, await listCompanyIds(dataDir), () => true)) {
    if ('error' in month) throw month.error;
    await recordFindings(graph, month.doc);
  }
  for (const review of FIXTURE_REVIEWS) {
    const [row] = await graph.select(
      `PREFIX tax: <${TAX}> SELECT ?key WHERE { GRAPH <${findingsGraphIri(review.companyId, review.period)}> { ?f tax:ruleId "${review.ruleId}" ; tax:findingKey ?key } }`,
    );
    if (!row?.key) throw new Error(`no ${review.ruleId} finding at ${review.companyId} ${review.period}`);
    await appendReview(graph, {
      ...review,
      findingKey: row.key.value,
      note: review.status === 'false-positive' ? '특수관계인 거래가 아님을 확인' : undefined,
      reviewedAt: `2024-06-1${review.version}T09:00:00.000Z`,
    });
  }
}
