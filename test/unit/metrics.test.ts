import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TaxMetrics } from '../../lib/observability/metrics';
import { startMetricsServer } from '../../lib/observability/metrics-server';

test('the endpoint serves the metrics in Prometheus text format, /healthz answers, others 404', async () => {
  const metrics = new TaxMetrics();
  metrics.reportStarted('run-1');
  metrics.reportFinished('run-1', 'a-nomu', 'success', 12.5);
  metrics.llmUsage('gpt-4.1', 100, 20, 0.00036);
  metrics.stepFailed('delivery', 'MailRejected');
  const server = await startMetricsServer(metrics.registry, { port: 0, host: '127.0.0.1' });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^tax_report_total\{company_id="a-nomu",status="success"\} 1$/m);
    assert.match(text, /^tax_report_duration_seconds_sum\{company_id="a-nomu"\} 12.5$/m);
    assert.match(text, /^tax_llm_tokens_total\{model="gpt-4.1",type="input"\} 100$/m);
    assert.match(text, /^tax_llm_cost_usd\{model="gpt-4.1"\} 0.00036$/m);
    assert.match(text, /^tax_error_total\{error_type="MailRejected",agent="delivery"\} 1$/m);
    assert.match(text, /^tax_reports_in_progress 0$/m);
    assert.match(text, /^process_cpu_seconds_total /m);
    assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).text(), 'ok');
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/nope`)).status, 404);
  } finally {
    await server.close();
  }
});

test('a run finishing on a worker that did not see it start does not drive in-progress negative', async () => {
  const metrics = new TaxMetrics();
  metrics.reportStarted('run-a');
  metrics.reportStarted('run-a');
  metrics.reportFinished('run-b', 'x', 'failed', 1);
  const text = await metrics.registry.metrics();
  assert.match(text, /^tax_reports_in_progress 1$/m);
  metrics.reportFinished('run-a', 'x', 'success', 1);
  assert.match(await metrics.registry.metrics(), /^tax_reports_in_progress 0$/m);
});
