// Outages of what the worker depends on, each on the real thing: the SMTP server gone for a while, the SPARQL
// server gone for 2 minutes mid-batch, the Temporal server restarted in the middle of a batch, Chromium killed mid-render (last:
// its company has no ledger for the batch's month).
// (The LLM provider's outages, primary and every model, are in test/integration/llm-narrative.test.ts.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ledgerGraphIri } from '../../lib/rdf/iris';
import { writeSyntheticCompany } from '../../dev/synthetic-ledger';
import { pdfText } from '../support/artifacts';
import { startFaultStack, waitUntilRunning, type FaultStack } from '../support/fault-stack';
import { FIXTURE_LEDGERS } from '../support/temporal-harness';
import { until } from '../../dev/until';
import {
  type MonthlyCompanyReportResult,
  type MonthlyReportBatchResult,
  batchProgressQuery,
  companyReportWorkflowId,
} from '../../lib/temporal-contract';

const COMPANIES = ['c00-한빛', 'c01-가람', 'c02-누리', 'c03-다솜', 'c04-미르', 'c05-새봄'];

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

test(
  'the SPARQL server down for 2 minutes mid-batch: the steps wait it out, and every report completes after it returns',
  { timeout: 15 * 60_000 },
  async () => {
    const period = '2024-03';
    const batch = await f.client.workflow.start('monthlyReportBatch', {
      taskQueue: f.taskQueue,
      workflowId: 'outage-sparql-batch',
      args: [{ period, concurrency: 3 }],
    });
    await until(async () => (await batch.query(batchProgressQuery).catch(() => undefined))?.counts.started, 'the first companies started');
    await f.graphProxy.down();
    const downSince = Date.now();
    // While it is down, a waiting step says which server failed and why.
    const lastFailure = await until(
      async () => {
        for (const companyId of COMPANIES) {
          const d = await f.client.workflow
            .getHandle(companyReportWorkflowId(companyId, period))
            .describe()
            .catch(() => undefined);
          const message = d?.raw.pendingActivities?.find((a) => a.lastFailure?.message)?.lastFailure?.message;
          if (message) return message;
        }
        return undefined;
      },
      'a failed graph attempt',
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    assert.match(lastFailure, /graph store \w+ http:\/\/127\.0\.0\.1:\d+\/rdf4j-server\/repositories\/tax.* failed: /);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 120_000 - (Date.now() - downSince))));
    await f.graphProxy.up();

    const result = (await batch.result()) as MonthlyReportBatchResult;
    assert.deepEqual([result.counts.succeeded, result.counts.failed], [COMPANIES.length, 0]);
    for (const companyId of COMPANIES) {
      assert.ok((await f.graph.countTriples(ledgerGraphIri(companyId, period))) > 0, `${companyId} ${period} in the graph`);
    }
  },
);

test('the Temporal server restarted mid-batch: the batch and every report complete', async () => {
  const handle = await f.client.workflow.start('monthlyReportBatch', {
    taskQueue: f.taskQueue,
    workflowId: 'outage-temporal-batch',
    args: [{ period: '2024-06', concurrency: 2 }],
  });
  await until(
    async () => {
      const progress = await handle.query(batchProgressQuery).catch(() => undefined);
      return progress && progress.counts.succeeded + progress.counts.failed >= 1;
    },
    'the first report of the batch',
    { timeoutMs: 180_000 },
  );
  await f.restartTemporal();
  const result = (await handle.result()) as MonthlyReportBatchResult;
  assert.deepEqual([result.counts.listed, result.counts.succeeded], [6, 6]);
  // Every report e-mail of the month went out once: as many messages as the runs say they sent.
  const results = await Promise.all(
    COMPANIES.map((c) => f.client.workflow.getHandle(companyReportWorkflowId(c, '2024-06')).result() as Promise<MonthlyCompanyReportResult>),
  );
  const sent = results.reduce((sum, r) => sum + r.emailsSent, 0);
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
