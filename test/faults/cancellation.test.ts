// Cancelling a company's run in each step, on the production shape (worker process, RDF4J, SMTP): the running
// activity stops (it reports the cancellation, not a result), the run ends cancelled, and nothing is written
// after it: no month graph when it stopped before promotion, no PDF, no mail. A delivery that has begun finishes.
// Rendering (a fraction of a second) and the analysis (seconds, after a validation that takes minutes on RDF4J at
// this size) are not cancelled from outside here; the renderer's and the graph store's own aborts are tested in
// test/integration/activity-cancellation.test.ts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { temporal } from '@temporalio/proto';
import { ledgerGraphIri } from '../../lib/rdf/iris';
import { reportKeys } from '../../lib/storage/object-store';
import { writeSyntheticCompany } from '../../dev/synthetic-ledger';
import { narrativeReply, startFakeOpenAi, type FakeOpenAi } from '../../dev/servers/fake-openai';
import { startFaultStack, waitUntilRunning, type FaultStack } from '../support/fault-stack';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';
import { until } from '../../dev/until';

const EventType = temporal.api.enums.v1.EventType;
/** Long enough on RDF4J that each graph step runs for many seconds: a cancellation arrives with a heartbeat (5 s). */
const LINES = 60_000;
const PERIOD = '2024-05';

let f: FaultStack;
let llm: FakeOpenAi;

before(async () => {
  llm = await startFakeOpenAi();
  // The model takes two minutes: the narrative step is still running when the run is cancelled.
  llm.script('slow', (_, request) => ({ text: narrativeReply(request), delayMs: 120_000 }));
  f = await startFaultStack('cancel', {
    OPENAI_BASE_URL: llm.baseURL,
    LLM_INSIGHT_MODELS: 'slow',
    LLM_SUMMARY_MODELS: 'slow',
    LLM_TIMEOUT_MS: '300000',
    GRAPHDB_TIMEOUT_MS: '300000',
  });
  await cp(FIXTURE_LEDGERS, f.erpDir, { recursive: true });
  await f.worker.start();
});
after(async () => {
  await f?.stop();
  await llm?.close();
});

async function cancelDuring(workflowId: string, companyId: string, step: string): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const handle = await f.client.workflow.start('monthlyCompanyReport', {
    taskQueue: f.taskQueue,
    workflowId,
    args: [{ companyId, period: PERIOD }],
  });
  await waitUntilRunning(f.client, workflowId, step).catch(async (err: unknown) => {
    const { status } = await handle.describe();
    throw new Error(`${String(err)}; the run is ${status.name}; worker log:\n${f.worker.output().slice(-2000)}`);
  });
  await handle.cancel();
  await until(async () => (await handle.describe()).status.name !== 'RUNNING' || undefined, `${workflowId} to end`, {
    timeoutMs: 120_000,
    intervalMs: 250,
  });
  assert.equal((await handle.describe()).status.name, 'CANCELLED');
  return (await handle.fetchHistory()).events ?? [];
}

/** The step's activity acknowledged the cancellation: it stopped, and no activity ran after it. */
function assertStoppedAt(events: temporal.api.history.v1.IHistoryEvent[], step: string): void {
  const scheduled = events
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
  assert.equal(scheduled.at(-1), step, `no activity after ${step}: ${scheduled.join(' → ')}`);
  assert.ok(
    events.some((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED),
    `${step} reported its cancellation`,
  );
  assert.ok(
    !events.some(
      (e) =>
        e.activityTaskCompletedEventAttributes &&
        e.eventId! > events.find((x) => x.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)!.eventId!,
    ),
  );
}

const pdfExists = (companyId: string) => existsSync(path.join(f.dir, 'reports', reportKeys(companyId, PERIOD).pdf));
/** Mails the SMTP server accepted for a recipient (fixture companies: ceoN@…, synthetic ones: <id>@…). */
const mailsTo = (address: string) => f.smtp.received.filter((m) => m.rcptTo.includes(address)).length;

for (const step of ['extractLedger', 'validateLedger'] as const) {
  test(`cancelled during ${step}: the activity stops, the run ends cancelled, nothing written after`, { timeout: 10 * 60_000 }, async () => {
    const companyId = `cancel-${step.toLowerCase()}`;
    await writeSyntheticCompany(f.erpDir, companyId, PERIOD, LINES);
    assertStoppedAt(await cancelDuring(`cancel-${step}`, companyId, step), step);
    assert.equal(await f.graph.countTriples(ledgerGraphIri(companyId, PERIOD)), 0, 'the month was not promoted');
    assert.equal(pdfExists(companyId), false, 'no PDF');
    assert.equal(mailsTo(`${companyId}@example.kr`), 0, 'no mail');
  });
}

test('cancelled while the model writes: the call is abandoned, no other model is tried, no PDF, no mail', { timeout: 10 * 60_000 }, async () => {
  const companyId = 'c01-가람';
  const events = await cancelDuring('cancel-narrative', companyId, 'callNarrativeModel');
  assertStoppedAt(events, 'callNarrativeModel');
  const narrativeCalls = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callNarrativeModel').length;
  assert.equal(narrativeCalls, 1, 'a cancellation is not a model failure: no fallback');
  assert.equal(pdfExists(companyId), false);
  assert.equal(mailsTo('ceo1@example.kr'), 0);
});

test('cancelled while the report is being sent: the delivery finishes, and the run with it', { timeout: 10 * 60_000 }, async () => {
  llm.script('slow', (_, request) => ({ text: narrativeReply(request) }));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  // The SMTP server has the message and holds its reply: the delivery activity is mid-send.
  f.smtp.state.onMessage = () => held;
  try {
    const handle = await f.client.workflow.start('monthlyCompanyReport', {
      taskQueue: f.taskQueue,
      workflowId: 'cancel-delivery',
      args: [{ companyId: 'c02-누리', period: PERIOD }],
    });
    await until(() => mailsTo('ceo2@example.kr') > 0, 'the mail at the SMTP server', { timeoutMs: 180_000 });
    await handle.cancel();
    release();
    await until(async () => (await handle.describe()).status.name !== 'RUNNING' || undefined, 'the run to end', { timeoutMs: 120_000 });
    // A delivery that began is not cut short: the run completes with its report sent, once.
    assert.equal((await handle.describe()).status.name, 'COMPLETED');
    assert.equal(mailsTo('ceo2@example.kr'), 1);
  } finally {
    f.smtp.state.onMessage = undefined;
    release();
  }
});
