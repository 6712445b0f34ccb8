// The console's 규칙 피드백 page: firm-wide statistics for analysts and up who see every company, a clear notice
// without a graph server, and the proposal as a diff (never applied from here).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Finding } from '../../lib/domain/findings';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { recordFindings } from '../../lib/llm/findings-graph';
import { findingKey } from '../../lib/review/finding-key';
import { appendReview } from '../../lib/review/finding-reviews';
import { REPORT_COMPANY, startConsoleStack, type ConsoleStack } from '../support/console-stack';
import { sampleCompany, sampleFindings } from '../../dev/sample-documents';
import { registerTestSecret } from '../../dev/test-secrets';

let s: ConsoleStack;
let scopedAnalyst: string;
const PAGE = '/rule-feedback?from=2024-01&to=2024-06';
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** Five SPIKE findings just past the threshold at REPORT_COMPANY, four of them dismissed. */
async function scriptedGraph(): Promise<OxigraphStore> {
  const graph = new OxigraphStore();
  for (const [i, period] of ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05'].entries()) {
    const spike: Finding = {
      ruleId: 'SPIKE',
      category: 'EXPENSE_SPIKE',
      severity: 'LOW',
      amount: 12_000_000,
      threshold: 10_000_000,
      message: '급증',
      basis: '사무소 자체 기준 (비용 급증)',
      evidence: [{ date: `${period}-10`, account: '830', amount: 12_000_000 }],
    };
    const doc = sampleFindings(sampleCompany({ id: REPORT_COMPANY }), { period, findings: [spike] });
    await recordFindings(graph, doc);
    const status = i < 4 ? 'false-positive' : 'resolved';
    await appendReview(graph, {
      companyId: REPORT_COMPANY,
      period,
      findingKey: findingKey(spike, doc),
      ruleId: 'SPIKE',
      status,
      reviewer: 'choi',
      reviewedAt: '2024-07-01T00:00:00Z',
      version: 1,
    });
  }
  return graph;
}

before(async () => {
  s = await startConsoleStack({ TASK_QUEUE: 'rule-feedback-idle' });
  scopedAnalyst = registerTestSecret((await s.deps.tokens.create({ name: 'analyst-garam', role: 'analyst', companies: [REPORT_COMPANY] })).token);
});
after(async () => {
  await s?.stop();
});

describe('rule feedback page', { timeout: 120_000 }, () => {
  test('without a graph server: a Korean notice on the page, 503 from the API', async () => {
    const page = await fetch(`${s.url}${PAGE}`, bearer(s.tokens.analyst));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<p class="notice" role="status" id="no-graph">지식 그래프 서버\(GRAPHDB_URL\)가 설정되지 않아/);
    const api = await fetch(`${s.url}/api${PAGE}`, bearer(s.tokens.analyst));
    assert.equal(api.status, 503);
    assert.match(((await api.json()) as { error: string }).error, /GRAPHDB_URL/);
  });

  test('an analyst sees the rates and the proposed diff; the effect is left to the command', async () => {
    s.deps.graph = await scriptedGraph();
    const res = await fetch(`${s.url}${PAGE}`, bearer(s.tokens.analyst));
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.doesNotMatch(page, /<script/);
    assert.match(
      page,
      /<table id="firm-wide">[\s\S]*<td>SPIKE<\/td><td>1–1\.5×<\/td><td class="num">5<\/td><td class="num">0<\/td>\s*<td class="num">0<\/td><td class="num">1<\/td><td class="num">4<\/td>/,
    );
    assert.match(page, /<h3>제조 \(기업 1곳\)<\/h3>/);
    assert.match(
      page,
      /<pre id="parameters-diff">--- a\/shapes\/tax\/parameters\.ttl\n[\s\S]*- {2}tax:multiplier 3 ;\n\+ {2}tax:multiplier 4\.5 ;\n/,
    );
    assert.match(page, /npm run rule-feedback<\/code>으로 확인하십시오/);

    const api = (await (await fetch(`${s.url}/api${PAGE}`, bearer(s.tokens.admin))).json()) as {
      feedback: { firmWide: Array<{ ruleId: string; band: string; counts: Record<string, number> }> };
      proposals: Array<{ ruleId: string; parameter: string; current: number; proposed: number }>;
      diff: string;
    };
    assert.deepEqual(api.feedback.firmWide, [
      { ruleId: 'SPIKE', band: 'up-to-1.5x', counts: { findings: 5, open: 0, acknowledged: 0, resolved: 1, dismissed: 4 } },
    ]);
    assert.deepEqual(
      api.proposals.map(({ ruleId, parameter, current, proposed }) => [ruleId, parameter, current, proposed]),
      [['SPIKE', 'multiplier', 3, 4.5]],
    );
    assert.match(api.diff, /^\+ {2}tax:multiplier 4\.5 ;$/m);
  });

  test('a viewer and an analyst scoped to one company are refused', async () => {
    for (const token of [s.tokens.viewer, scopedAnalyst]) {
      assert.equal((await fetch(`${s.url}${PAGE}`, bearer(token))).status, 403);
      assert.equal((await fetch(`${s.url}/api${PAGE}`, bearer(token))).status, 403);
    }
  });

  test('a half-given range is a 400', async () => {
    assert.equal((await fetch(`${s.url}/api/rule-feedback?from=2024-01`, bearer(s.tokens.analyst))).status, 400);
  });
});
