// Outages of what the worker depends on, each on the real thing: the SMTP server gone for a while, the SPARQL
// server gone for good, the Temporal server restarted in the middle of a batch, Chromium killed mid-render (last:
// its company has no ledger for the batch's month).
// (The LLM provider's outages, primary and every model, are in test/integration/llm-narrative.test.ts.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ledgerGraphIri } from '../../lib/rdf/iris';
import { writeSyntheticCompany } from '../../scripts/support/synthetic-ledger';
import type { MonthlyReportBatchResult } from '../../workflows/monthly-report-batch';
import { batchProgressQuery } from '../../workflows/monthly-report-batch';
import { pdfText } from '../support/artifacts';
import { startFaultStack, waitUntilRunning, type FaultStack } from '../support/fault-stack';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';

const run = promisify(execFile);
let f: FaultStack;

before(async () => {
  f = await startFaultStack('outages');
  await cp(FIXTURE_LEDGERS, f.erpDir, { recursive: true });
  await f.worker.start();
});
after(async () => {
  await f?.stop();
});

const mailsTo = (address: string) => f.smtp.received.filter((m) => m.raw.toString('utf8').includes(address)).length;
const allTriples = async () => Number((await f.graph.select('SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }'))[0]!.n!.value);

test('SMTP down for a while: delivery is retried with backoff and the e-mail arrives once when it is back', async () => {
  await f.smtpProxy.down();
  const handle = await f.client.workflow.start('monthlyCompanyReport', {
    taskQueue: f.taskQueue,
    workflowId: 'outage-smtp',
    args: [{ companyId: 'c00-한빛', period: '2024-05' }],
  });
  await waitUntilRunning(f.client, 'outage-smtp', 'deliverReport', 2);
  await f.smtpProxy.up();
  const result = await handle.result();
  assert.equal(result.emailsSent, 1);
  assert.equal(mailsTo('ceo0@example.kr'), 1);
});

test('the SPARQL server down: the step is retried with backoff, then the run fails clearly and the graph is unchanged', async () => {
  await f.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: f.taskQueue,
    workflowId: 'outage-sparql-before',
    args: [{ companyId: 'c01-가람', period: '2024-05' }],
  });
  const before = await allTriples();
  await f.graphProxy.down();
  const failure = await f.client.workflow
    .execute('monthlyCompanyReport', { taskQueue: f.taskQueue, workflowId: 'outage-sparql', args: [{ companyId: 'c02-누리', period: '2024-05' }] })
    .catch((err: unknown) => err);
  await f.graphProxy.up();

  assert.ok(failure instanceof WorkflowFailedError);
  assert.ok(failure.cause instanceof ActivityFailure);
  const history = await f.client.workflow.getHandle('outage-sparql').fetchHistory();
  const failed = (history.events ?? []).find((e) => e.activityTaskFailedEventAttributes);
  // Five attempts with exponential backoff (activity-proxies.ts), and the message says which server and why.
  assert.equal(failed?.activityTaskFailedEventAttributes?.retryState, temporal.api.enums.v1.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  const started = (history.events ?? []).find((e) => e.activityTaskStartedEventAttributes)?.activityTaskStartedEventAttributes;
  assert.equal(started?.attempt, 5);
  assert.match(failure.cause.cause?.message ?? '', /graph store PUT http:\/\/127\.0\.0\.1:\d+\/rdf4j-server\/repositories\/tax\/.* failed: connect ECONNREFUSED/);
  assert.equal(await allTriples(), before, 'the graph is as it was');
  assert.equal(await f.graph.countTriples(ledgerGraphIri('c02-누리', '2024-05')), 0);
});

test('the Temporal server restarted mid-batch: the batch and every report complete', async () => {
  const handle = await f.client.workflow.start('monthlyReportBatch', {
    taskQueue: f.taskQueue,
    workflowId: 'outage-temporal-batch',
    args: [{ period: '2024-06', concurrency: 2 }],
  });
  for (;;) {
    const progress = await handle.query(batchProgressQuery).catch(() => undefined);
    if (progress && progress.succeeded + progress.failed >= 1) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await f.restartTemporal();
  const result = (await handle.result()) as MonthlyReportBatchResult;
  assert.deepEqual([result.total, result.succeeded], [6, 6]);
  // Every report e-mail of the month went out once: as many messages as the runs say they sent.
  const sent = result.outcomes.reduce((sum, o) => sum + o.result!.emailsSent, 0);
  const june = f.smtp.received.filter((m) => m.raw.toString('utf8').includes('c0') && /2024-06-report\.pdf/.test(m.raw.toString('utf8')));
  assert.equal(june.length, sent);
});

test('Chromium killed mid-render: the renderer starts a new one and the report is produced', async () => {
  await writeSyntheticCompany(f.erpDir, 'outage-chromium', '2024-05', 10_000);
  const handle = await f.client.workflow.start('monthlyCompanyReport', {
    taskQueue: f.taskQueue,
    workflowId: 'outage-chromium',
    args: [{ companyId: 'outage-chromium', period: '2024-05' }],
  });
  await waitUntilRunning(f.client, 'outage-chromium', 'renderReport');
  const browsers = await chromiumOf(f.worker.pid!);
  assert.ok(browsers.length > 0, 'the worker has a Chromium');
  for (const pid of browsers) process.kill(pid, 'SIGKILL');
  const result = await handle.result();
  assert.match(await pdfText(path.join(f.dir, 'reports', result.pdfKey)), /최종 판단은 담당 세무사가 합니다/);
  const after = await chromiumOf(f.worker.pid!);
  assert.ok(after.length > 0 && after.every((pid) => !browsers.includes(pid)), 'a new Chromium serves the pool');
});

/** The Chromium main processes the worker launched (its direct children named chromium). */
async function chromiumOf(workerPid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=,comm=', '--ppid', String(workerPid)]).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, comm]) => comm?.startsWith('chrom'))
    .map(([pid]) => Number(pid));
}
