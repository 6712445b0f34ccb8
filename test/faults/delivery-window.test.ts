// The one window the delivery ledger leaves open, reached on purpose: the SMTP server has queued the report, the
// worker dies before it writes its ledger entry, and Temporal's retry sends the report again. The recipient gets
// two copies with the same Message-ID. And the window is only that: a recipient whose ledger entry was written
// before the crash is not sent again.
// (A crash before the server has queued the message, the other side of the window, is in worker-crash.test.ts:
// one copy.) Real Temporal dev server, real SMTP server, the worker as a child process SIGKILLed from inside the
// SMTP server, between "DATA received and queued" and its 250 reply.
import assert from 'node:assert/strict';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { simpleParser } from 'mailparser';
import type { DeliverResult } from '../../activities/types';
import { reportDeliveryKey } from '../../lib/mail/compose-report-mail';
import { deliveryKeyHash, deliveryMessageId } from '../../lib/mail/mail-transport';
import { startFaultStack, type FaultStack } from '../support/fault-stack';
import type { Received } from '../../dev/servers/smtp-server';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';
import { until } from '../../dev/until';
import { type MonthlyCompanyReportResult } from '../../lib/temporal-contract';

const COMPANY = 'c03-다솜';
const CEO = 'ceo3@example.kr';
const CFO = 'cfo3@example.kr';

let f: FaultStack;

before(async () => {
  f = await startFaultStack('delivery-window');
  await cp(FIXTURE_LEDGERS, f.erpDir, { recursive: true });
  await f.worker.start();
});
after(async () => {
  if (f) f.smtp.state.onMessage = undefined;
  await f?.stop();
});

const copiesTo = (recipient: string): Received[] => f.smtp.received.filter((m) => m.rcptTo.includes(recipient));

/**
 * From the next message to `recipient` on, the SMTP server SIGKILLs the worker once, after queuing the message and
 * before replying 250: the sender has delivered it but never learns so, and never writes its ledger entry.
 */
function killWorkerInWindowOf(recipient: string): { killedAt: () => number | undefined } {
  let killing = false;
  let killedAt: number | undefined;
  f.smtp.state.onMessage = async (mail) => {
    if (killing || !mail.rcptTo.includes(recipient)) return;
    killing = true;
    await f.worker.kill();
    // Only now: the test restarts the worker when it sees this, and kill() must have let go of the old process.
    killedAt = Date.now();
  };
  return { killedAt: () => killedAt };
}

async function startRun(workflowId: string, period: string) {
  return f.client.workflow.start('monthlyCompanyReport', { taskQueue: f.taskQueue, workflowId, args: [{ companyId: COMPANY, period }] });
}

async function resultOf(handle: WorkflowHandle): Promise<MonthlyCompanyReportResult> {
  await until(async () => (await handle.describe()).status.name !== 'RUNNING', `${handle.workflowId} closed`, {
    timeoutMs: 300_000,
    intervalMs: 250,
  });
  return (await handle.result()) as MonthlyCompanyReportResult;
}

/** The delivery ledger's entries for a key (OUTBOX_DIR/.ledger, one JSON file per key hash). */
async function ledgerEntries(deliveryKey: string): Promise<{ file: string; deliveryKey: string; messageId: string }[]> {
  const dir = path.join(f.dir, 'outbox', '.ledger');
  const files = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  const entries = await Promise.all(files.map(async (file) => ({ file, ...JSON.parse(await readFile(path.join(dir, file), 'utf8')) })));
  return entries.filter((e) => e.deliveryKey === deliveryKey);
}

/** deliverReport in the run's history: the attempt that completed, and its result. */
async function deliverReportOutcome(handle: WorkflowHandle): Promise<{ attempt: number; result: DeliverResult }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverReport');
  assert.ok(scheduled, 'deliverReport was scheduled');
  const id = String(scheduled.eventId);
  const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === id);
  const completed = events.find((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === id);
  const payload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
  assert.ok(started && payload, 'deliverReport started and completed');
  return { attempt: started.activityTaskStartedEventAttributes!.attempt ?? 0, result: defaultPayloadConverter.fromPayload<DeliverResult>(payload) };
}

test('worker killed after the SMTP server queued the report, before the ledger write: the retry sends it again, same Message-ID', async (t) => {
  const workflowId = 'delivery-window-c03-2024-02';
  const deliveryKey = reportDeliveryKey(workflowId, CEO);
  const window = killWorkerInWindowOf(CEO);
  const handle = await startRun(workflowId, '2024-02');

  const killedAt = await until(window.killedAt, 'the worker killed while the server holds the report', { timeoutMs: 300_000, intervalMs: 100 });
  assert.equal(copiesTo(CEO).length, 1, 'the server has the first copy');
  assert.deepEqual(await ledgerEntries(deliveryKey).catch(() => []), [], 'and the worker wrote no ledger entry');
  await f.worker.start();
  const result = await resultOf(handle);
  t.diagnostic(`second copy ${Math.round((Date.now() - killedAt) / 1000)} s after the kill (heartbeat timeout 15 s, then the retry)`);

  assert.equal(result.emailsSent, 1, 'the run completes and counts one recipient');
  const copies = await Promise.all(copiesTo(CEO).map((m) => simpleParser(m.raw)));
  assert.equal(copies.length, 2, 'the recipient got two copies');
  const expectedId = deliveryMessageId(deliveryKey);
  assert.deepEqual(
    copies.map((c) => c.messageId),
    [expectedId, expectedId],
    'both copies carry the Message-ID of the delivery key',
  );
  assert.equal(copies[0]!.subject, copies[1]!.subject);

  const entries = await ledgerEntries(deliveryKey);
  assert.equal(entries.length, 1, 'one ledger entry for the key');
  assert.equal(entries[0]!.file, `${deliveryKeyHash(deliveryKey)}.json`);
  assert.equal(entries[0]!.messageId, expectedId);

  // Temporal retried the activity (attempt 2), which found no ledger entry and sent again.
  const { attempt, result: delivered } = await deliverReportOutcome(handle);
  assert.equal(attempt, 2);
  assert.deepEqual([delivered.sent, delivered.alreadySent], [1, 0]);
});

test('the window ends at the ledger write: a recipient sent to before the crash is not sent again', async () => {
  // Two recipients, mailed one after the other: the kill lands in the second one's window, after the first one's
  // ledger entry was written.
  const companyFile = path.join(f.erpDir, 'companies', COMPANY, 'company.json');
  const company = JSON.parse(await readFile(companyFile, 'utf8')) as { reportRecipients: string[] };
  await writeFile(companyFile, JSON.stringify({ ...company, reportRecipients: [CEO, CFO] }, null, 1));
  const workflowId = 'delivery-window-c03-2024-01';
  const ceoBefore = copiesTo(CEO).length;
  const window = killWorkerInWindowOf(CFO);
  const handle = await startRun(workflowId, '2024-01');

  await until(window.killedAt, `the worker killed while the server holds the report to ${CFO}`, { timeoutMs: 300_000, intervalMs: 100 });
  assert.equal((await ledgerEntries(reportDeliveryKey(workflowId, CEO))).length, 1, `${CEO}'s ledger entry was written before the kill`);
  await f.worker.start();
  const result = await resultOf(handle);

  assert.equal(result.emailsSent, 2);
  assert.equal(copiesTo(CEO).length - ceoBefore, 1, `${CEO}, past the ledger write at the kill: one copy`);
  assert.equal(copiesTo(CFO).length, 2, `${CFO}, in the window at the kill: two copies`);
  for (const to of [CEO, CFO]) assert.equal((await ledgerEntries(reportDeliveryKey(workflowId, to))).length, 1, `one ledger entry for ${to}`);
  const { attempt, result: delivered } = await deliverReportOutcome(handle);
  assert.equal(attempt, 2);
  assert.deepEqual([delivered.sent, delivered.alreadySent], [1, 1], `the retry found ${CEO}'s entry and sent only to ${CFO}`);
});
