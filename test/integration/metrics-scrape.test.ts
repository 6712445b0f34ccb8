// A real Prometheus scrapes the worker while runs execute: the design's metrics (docs/spec/design.md) arrive with
// the right names, labels and values.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { narrativeReply, startFakeOpenAi, type FakeOpenAi } from '../../dev/servers/fake-openai';
import { startPrometheus, type PrometheusServer } from '../../dev/servers/prometheus-server';
import { startHarness, type Harness } from '../support/temporal-harness';

let llm: FakeOpenAi;
let h: Harness;
let prometheus: PrometheusServer;

before(async () => {
  llm = await startFakeOpenAi();
  h = await startHarness({
    OPENAI_BASE_URL: llm.baseURL,
    OPENAI_API_KEY: 'sk-test',
    LLM_INSIGHT_MODELS: 'gpt-4.1-mini',
    LLM_SUMMARY_MODELS: 'gpt-4.1-mini',
  });
  prometheus = await startPrometheus([new URL(h.metricsUrl).host]);
});
after(async () => {
  await prometheus?.stop();
  await h?.stop();
  await llm?.close();
});

/** Polls Prometheus until the query returns what `ready` accepts (scrapes happen every second). */
async function eventually(promql: string, ready: (r: Awaited<ReturnType<PrometheusServer['query']>>) => boolean) {
  for (let i = 0; ; i++) {
    const result = await prometheus.query(promql);
    if (ready(result)) return result;
    if (i > 120) assert.fail(`${promql} never satisfied the check; last: ${JSON.stringify(result)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('reports, steps, LLM tokens and cost, and data errors show up in Prometheus', async () => {
  llm.script('gpt-4.1-mini', (_, r) => ({ text: narrativeReply(r), usage: { prompt_tokens: 1000, completion_tokens: 250 } }));
  await h.client.workflow.execute('monthlyReportBatch', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: 'metrics-batch-2024-02',
    args: [{ period: '2024-02', concurrency: 3 }],
  });

  const reports = await eventually('tax_report_total{status="success"}', (r) => r.length === 6);
  assert.deepEqual(reports.map((r) => r.metric.company_id).sort(), ['c00-한빛', 'c01-가람', 'c02-누리', 'c03-다솜', 'c04-미르', 'c05-새봄']);
  assert.ok(reports.every((r) => r.value === 1));

  const durations = await eventually('tax_report_duration_seconds_count', (r) => r.length === 6);
  assert.ok(durations.every((r) => r.value === 1));

  // Until the scrape after the batch's last step (its summary to the admin) is in.
  const agents = await eventually(
    'sum by (agent_name) (tax_agent_execution_seconds_count)',
    (r) => r.length === 5 && r.find((a) => a.metric.agent_name === 'delivery')?.value === 7,
  );
  const byAgent = Object.fromEntries(agents.map((r) => [r.metric.agent_name, r.value]));
  assert.equal(byAgent.report, 6);
  assert.equal(byAgent.delivery, 7, "six reports and the batch's summary to the admin");
  assert.equal(
    byAgent.analysis,
    48,
    'per company: analyzeLedger, groundNarrative, and for insights and summary prepareNarrative, callNarrativeModel, applyNarrative',
  );

  const tokens = await eventually('tax_llm_tokens_total', (r) => r.length === 3);
  const byType = Object.fromEntries(tokens.map((r) => [r.metric.type, r.value]));
  // 6 companies × 2 narrative tasks, each one call.
  assert.deepEqual(byType, { input: 12000, cached_input: 0, output: 3000 });
  assert.ok(tokens.every((r) => r.metric.model === 'gpt-4.1-mini'));
  // config/llm-prices.json: gpt-4.1-mini $0.40 in, $1.60 out per 1M tokens.
  const [cost] = await eventually('tax_llm_cost_usd{model="gpt-4.1-mini"}', (r) => r.length === 1);
  assert.ok(Math.abs(cost!.value - (12000 * 0.4 + 3000 * 1.6) / 1e6) < 1e-9, String(cost!.value));

  const [heartbeat] = await eventually('tax_scheduler_heartbeat_timestamp_seconds', (r) => r.length === 1 && r[0]!.value > 0);
  assert.ok(Math.abs(heartbeat!.value - Date.now() / 1000) < 3600);
  const [inProgress] = await eventually('tax_reports_in_progress', (r) => r.length === 1);
  assert.equal(inProgress!.value, 0);
});

test('a model failing with 500 counts LLM errors; a bad ledger counts a data_error report', async () => {
  llm.script('gpt-4.1-mini', () => ({ status: 500 }));
  await h.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: 'metrics-llm-down',
    args: [{ companyId: 'c00-한빛', period: '2024-03' }],
  });
  // 3 attempts for each of the two tasks, then both written offline.
  const [llmErrors] = await eventually('tax_llm_error_total{model="gpt-4.1-mini",error_type="http_500"}', (r) => r.length === 1 && r[0]!.value === 6);
  assert.equal(llmErrors!.value, 6);
  await eventually('tax_error_total{agent="analysis"}', (r) => r.reduce((a, b) => a + b.value, 0) === 6);
  await eventually('tax_llm_narrative_total{model="offline",fallback="true"}', (r) => r.length === 2);

  await assert.rejects(
    h.client.workflow.execute('monthlyCompanyReport', {
      taskQueue: h.config.TASK_QUEUE,
      workflowId: 'metrics-unknown-company',
      args: [{ companyId: 'no-such-company', period: '2024-03' }],
    }),
  );
  const [failed] = await eventually('tax_report_total{company_id="no-such-company"}', (r) => r.length === 1);
  assert.equal(failed!.metric.status, 'failed');
  await eventually('tax_error_total{agent="data",error_type="UnknownCompanyError"}', (r) => r.length === 1 && r[0]!.value === 1);
});
