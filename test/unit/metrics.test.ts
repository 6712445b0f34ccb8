// The worker's /metrics endpoint over loopback: the design's metric names, labels and values (docs/spec/design.md)
// as Prometheus would read them, plus the probe and the default process metrics.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TaxMetrics } from '../../lib/observability/metrics';
import { startMetricsServer, type MetricsServer } from '../../lib/observability/metrics-server';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (comments skipped; label values unescaped). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(m, `not an exposition line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, raw] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

/** The value of the one sample with this name and exactly these labels. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  return samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
}

let metrics: TaxMetrics;
let server: MetricsServer;
const base = () => `http://127.0.0.1:${server.port}`;

before(async () => {
  metrics = new TaxMetrics();
  server = await startMetricsServer(metrics.registry, { port: 0, host: '127.0.0.1' });
});
after(() => server?.close());

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${base()}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

test('report outcomes, durations and in-progress runs', async () => {
  metrics.reportStarted('run-1');
  metrics.reportStarted('run-2');
  assert.equal(valueOf(await scrape(), 'tax_reports_in_progress'), 2);

  metrics.reportFinished('run-1', 'a-nomu', 'success', 42);
  metrics.reportFinished('run-2', '한빛-상사', 'data_error', 3);
  const s = await scrape();
  assert.equal(valueOf(s, 'tax_reports_in_progress'), 0);
  assert.equal(valueOf(s, 'tax_report_total', { company_id: 'a-nomu', status: 'success' }), 1);
  assert.equal(valueOf(s, 'tax_report_total', { company_id: '한빛-상사', status: 'data_error' }), 1);
  assert.equal(valueOf(s, 'tax_report_duration_seconds_sum', { company_id: 'a-nomu' }), 42);
  assert.equal(valueOf(s, 'tax_report_duration_seconds_bucket', { company_id: 'a-nomu', le: '30' }), 0);
  assert.equal(valueOf(s, 'tax_report_duration_seconds_bucket', { company_id: 'a-nomu', le: '60' }), 1);
  // Buckets span 1 s to 30 min: a whole company-month, not a single call.
  const les = s.filter((x) => x.name === 'tax_report_duration_seconds_bucket' && x.labels.company_id === 'a-nomu').map((x) => x.labels.le);
  assert.equal(les[0], '1');
  assert.deepEqual(les.slice(-2), ['1800', '+Inf']);
});

test('a run is in progress once, and a finish it never saw start leaves the gauge alone', async () => {
  metrics.reportStarted('run-3');
  metrics.reportStarted('run-3'); // the same run resumed on this worker
  metrics.reportFinished('run-elsewhere', 'b-corp', 'failed', 1);
  const s = await scrape();
  assert.equal(valueOf(s, 'tax_reports_in_progress'), 1);
  assert.equal(valueOf(s, 'tax_report_total', { company_id: 'b-corp', status: 'failed' }), 1);
  metrics.reportFinished('run-3', 'b-corp', 'success', 1);
  assert.equal(valueOf(await scrape(), 'tax_reports_in_progress'), 0);
});

test('agents, LLM usage and errors, and the scheduler heartbeat', async () => {
  metrics.agentFinished('analysis', 0.3);
  metrics.agentFinished('analysis', 1.5);
  metrics.agentFinished('delivery', 0.02);
  metrics.agentFailed('delivery', 'MailRejected');
  metrics.llmUsage('gpt-4.1', { inputTokens: 1000, cachedInputTokens: 200, outputTokens: 250 }, 0.004);
  metrics.llmUsage('gpt-4.1', { inputTokens: 500, cachedInputTokens: 0, outputTokens: 50 }, 0.0014);
  metrics.llmCache('hit');
  metrics.llmCache('miss');
  metrics.llmCache('miss');
  metrics.llmBudget(12.5, true, false);
  metrics.llmBudgetDowngrade('insights', 'gpt-4.1');
  metrics.llmNarrative('summary', 'offline', true);
  metrics.llmError('gpt-4.1', 'http_503');
  metrics.schedulerHeartbeat(new Date(Date.UTC(2026, 10, 1, 0, 0, 5)));

  const s = await scrape();
  assert.equal(valueOf(s, 'tax_agent_execution_seconds_count', { agent_name: 'analysis' }), 2);
  assert.equal(valueOf(s, 'tax_agent_execution_seconds_sum', { agent_name: 'analysis' }), 1.8);
  assert.equal(valueOf(s, 'tax_agent_execution_seconds_count', { agent_name: 'delivery' }), 1);
  assert.equal(valueOf(s, 'tax_error_total', { error_type: 'MailRejected', agent: 'delivery' }), 1);
  // Uncached and cached input are counted apart: they have different prices.
  assert.equal(valueOf(s, 'tax_llm_tokens_total', { model: 'gpt-4.1', type: 'input' }), 1300);
  assert.equal(valueOf(s, 'tax_llm_tokens_total', { model: 'gpt-4.1', type: 'cached_input' }), 200);
  assert.equal(valueOf(s, 'tax_llm_cache_total', { result: 'hit' }), 1);
  assert.equal(valueOf(s, 'tax_llm_cache_total', { result: 'miss' }), 2);
  assert.equal(valueOf(s, 'tax_llm_budget_spent_usd'), 12.5);
  assert.equal(valueOf(s, 'tax_llm_budget_limit_reached', { limit: 'soft' }), 1);
  assert.equal(valueOf(s, 'tax_llm_budget_limit_reached', { limit: 'hard' }), 0);
  assert.equal(valueOf(s, 'tax_llm_budget_downgrade_total', { task: 'insights', model: 'gpt-4.1' }), 1);
  assert.equal(valueOf(s, 'tax_llm_narrative_total', { task: 'summary', model: 'offline', fallback: 'true' }), 1);
  assert.equal(valueOf(s, 'tax_llm_tokens_total', { model: 'gpt-4.1', type: 'output' }), 300);
  assert.ok(Math.abs(valueOf(s, 'tax_llm_cost_usd', { model: 'gpt-4.1' })! - 0.0054) < 1e-12);
  assert.equal(valueOf(s, 'tax_llm_error_total', { model: 'gpt-4.1', error_type: 'http_503' }), 1);
  assert.equal(valueOf(s, 'tax_scheduler_heartbeat_timestamp_seconds'), Date.UTC(2026, 10, 1, 0, 0, 5) / 1000);
});

test('deadlines past the holiday calendar count from 0, exported before the first', async () => {
  assert.equal(valueOf(await scrape(), 'tax_deadline_calendar_uncovered_total'), 0);
  metrics.deadlineCalendarUncovered(2);
  assert.equal(valueOf(await scrape(), 'tax_deadline_calendar_uncovered_total'), 2);
});

test('the last year of the holiday calendar is exported for the early alert (0 until the worker has loaded it)', async () => {
  assert.equal(valueOf(await scrape(), 'tax_deadline_calendar_last_year'), 0);
  metrics.deadlineCalendarCovers(2027);
  assert.equal(valueOf(await scrape(), 'tax_deadline_calendar_last_year'), 2027);
});

test('review before sending: drafts, overdue drafts and unapproved sends, each from 0 so the first one alerts', async () => {
  const reviews = async () => (await scrape()).filter((s) => s.name === 'tax_report_review_total');
  assert.deepEqual((await reviews()).map((s) => [s.labels.event, s.value]).sort(), [
    ['draft', 0],
    ['overdue', 0],
    ['sent_unapproved', 0],
  ]);
  metrics.reviewEvent('draft');
  metrics.reviewEvent('overdue');
  assert.equal((await reviews()).find((s) => s.labels.event === 'overdue')?.value, 1);
});

test('exactly the design metrics (docs/spec/design.md) plus unprefixed default process metrics', async () => {
  const names = new Set((await scrape()).map((s) => s.name.replace(/_(bucket|sum|count)$/, '')));
  const ours = [...names].filter((n) => n.startsWith('tax_')).sort();
  assert.deepEqual(ours, [
    'tax_agent_execution_seconds',
    'tax_deadline_calendar_last_year',
    'tax_deadline_calendar_uncovered_total',
    'tax_error_total',
    'tax_llm_budget_downgrade_total',
    'tax_llm_budget_limit_reached',
    'tax_llm_budget_spent_usd',
    'tax_llm_cache_total',
    'tax_llm_cost_usd',
    'tax_llm_error_total',
    'tax_llm_narrative_total',
    'tax_llm_tokens_total',
    'tax_report_duration_seconds',
    'tax_report_review_total',
    'tax_report_total',
    'tax_reports_in_progress',
    'tax_scheduler_heartbeat_timestamp_seconds',
  ]);
  for (const n of ['process_cpu_seconds_total', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes']) {
    assert.ok(names.has(n), `${n} missing`);
  }
  // A registry per instance: a second TaxMetrics (tests, demo) does not collide with the first.
  assert.doesNotThrow(() => new TaxMetrics());
});

test('/healthz answers for probes; other paths and methods get 404', async () => {
  const health = await fetch(`${base()}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), 'ok');
  assert.equal((await fetch(`${base()}/metrics?debug=1`)).status, 200);
  assert.equal((await fetch(`${base()}/nope`)).status, 404);
  assert.equal((await fetch(`${base()}/metrics`, { method: 'POST' })).status, 404);
});
