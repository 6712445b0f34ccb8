// Every log line of a run carries its OpenTelemetry trace id and run identity, and no secret.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../../lib/logging';
import { narrativeReply, startFakeOpenAi, type FakeOpenAi } from '../../dev/servers/fake-openai';
import { startHarness, type Harness } from '../support/temporal-harness';

const SECRET = 'sk-live-never-in-logs-4711';
const lines: Array<Record<string, unknown>> = [];
let raw = '';
/** pino writes one JSON line per call. */
const capture = {
  write(line: string) {
    raw += line;
    lines.push(JSON.parse(line) as Record<string, unknown>);
  },
};

let llm: FakeOpenAi;
let h: Harness;
before(async () => {
  llm = await startFakeOpenAi();
  llm.script('gpt-test', (_, r) => ({ text: narrativeReply(r) }));
  h = await startHarness(
    {
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_API_KEY: SECRET,
      LLM_INSIGHT_MODELS: 'gpt-test',
      LLM_SUMMARY_MODELS: 'gpt-test',
      GRAPHDB_PASSWORD: `${SECRET}-graph`,
    },
    createLogger('debug', capture),
  );
});
after(async () => {
  await h?.stop();
  await llm?.close();
});

test("one trace id joins every step's log lines, which carry the run's identity and no secret", async () => {
  const workflowId = 'logs-c05-2024-03';
  await h.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId,
    args: [{ companyId: 'c05-새봄', period: '2024-03' }],
  });
  const run = lines.filter((l) => l.workflow_id === workflowId);
  const events = run.map((l) => l.event);
  for (const event of [
    'ledger_extracted',
    'ledger_validated',
    'earlier_months_loaded',
    'ledger_analyzed',
    'grounding_retrieved',
    'narrative_written',
    'report_rendered',
    'email_sent',
  ]) {
    assert.ok(events.includes(event), `missing ${event} in ${events.join(', ')}`);
  }
  const traceIds = new Set(run.map((l) => l.trace_id));
  assert.equal(traceIds.size, 1, `trace ids: ${[...traceIds].join(', ')}`);
  const [traceId] = traceIds;
  assert.match(String(traceId), /^[0-9a-f]{32}$/);
  assert.notEqual(traceId, '0'.repeat(32));
  for (const line of run) {
    for (const field of ['timestamp', 'level', 'event', 'company_id', 'fiscal_year', 'run_id', 'attempt']) {
      assert.ok(line[field] !== undefined, `${String(line.event)} lacks ${field}`);
    }
    assert.equal(line.company_id, 'c05-새봄');
    assert.equal(line.fiscal_year, 2024);
  }
  assert.ok(!raw.includes(SECRET), 'a configured secret appeared in the logs');
  // DEBUG carries the SPARQL text, per the log-level guide.
  assert.ok(lines.some((l) => l.level === 'debug' && l.event === 'sparql' && String(l.sparql).includes('GRAPH')));
});
