// The month's batch as operators meet it: runs already started by hand, late ledgers, several pages, a cancelled
// batch, re-runs of a delivered month. Real dev server and worker; only the ledgers are arranged.
import assert from 'node:assert/strict';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ParsedMail } from 'mailparser';
import { startBackfill, startCompanyRun } from '../../console/services/runs';
import { ledgerPath } from '../../lib/erp/company';
import { reportKeys } from '../../lib/storage/object-store';
import { outboxMails, recipientsOf } from '../support/artifacts';
import { startHarness, type Harness } from '../support/temporal-harness';
import { until } from '../../dev/until';
import {
  ledgerUploadedSignal,
  reportStageQuery,
  type MonthlyCompanyReportResult,
  batchProgressQuery,
  type MonthlyReportBatchResult,
  approveReportUpdate,
  reviewDraftQuery,
  companyReportWorkflowId,
} from '../../lib/temporal-contract';

const COMPANIES = ['c00-한빛', 'c01-가람', 'c02-누리', 'c03-다솜', 'c04-미르', 'c05-새봄'];
const EventType = temporal.api.enums.v1.EventType;

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

const runOf = (companyId: string, period: string) => h.client.workflow.getHandle(companyReportWorkflowId(companyId, period));

/** Moves the month's ledger aside (a late upload); returns the function that puts it back and signals the run. */
async function holdBackLedger(companyId: string, period: string): Promise<() => Promise<void>> {
  const file = ledgerPath(h.config.ERP_DATA_DIR, companyId, period);
  const aside = `${file}.held`;
  await rename(file, aside);
  return async () => {
    await rename(aside, file);
    await runOf(companyId, period).signal(ledgerUploadedSignal);
  };
}

async function waitingForLedger(companyId: string, period: string): Promise<void> {
  await until(
    async () =>
      (await runOf(companyId, period)
        .query(reportStageQuery)
        .catch(() => undefined)) === 'waiting-for-ledger',
    `${companyId} ${period} waiting for its ledger`,
  );
}

/** The run's status once it has closed; undefined while it runs or before it started. */
async function closedStatus(companyId: string, period: string): Promise<string | undefined> {
  const status = (
    await runOf(companyId, period)
      .describe()
      .catch(() => undefined)
  )?.status.name;
  return status === 'RUNNING' ? undefined : status;
}

async function adminMails(subject: RegExp): Promise<ParsedMail[]> {
  return (await outboxMails(h.config.OUTBOX_DIR)).filter((m) => recipientsOf(m).includes(h.config.ADMIN_EMAIL) && subject.test(m.subject ?? ''));
}

/** Every run of a batch (continue-as-new chain), first to last. */
async function batchRuns(handle: WorkflowHandleWithFirstExecutionRunId): Promise<temporal.api.history.v1.IHistoryEvent[][]> {
  const runs: temporal.api.history.v1.IHistoryEvent[][] = [];
  let runId: string | undefined = handle.firstExecutionRunId;
  while (runId) {
    const events: temporal.api.history.v1.IHistoryEvent[] = (await h.client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
    runs.push(events);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/**
 * The window as the batch's history records it: a slot is taken when a child start is initiated and given back
 * when the child signals that it waits or ended. Returns the most slots ever held at once.
 */
function mostSlotsHeld(runs: temporal.api.history.v1.IHistoryEvent[][], outsideWindow: Set<string>): number {
  let held = 0;
  let most = 0;
  for (const event of runs.flat()) {
    if (event.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) held++;
    if (event.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED) held--;
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === 'companyWaiting') held--;
    if (signal?.signalName === 'companyFinished') {
      const payload = JSON.parse(Buffer.from(signal.input!.payloads![0]!.data!).toString('utf8')) as { companyId: string; waited: boolean };
      if (!payload.waited && !outsideWindow.has(payload.companyId)) held--;
    }
    most = Math.max(most, held);
  }
  return most;
}

test('a month already running by hand is joined, not failed on: the batch goes on, names it, and counts its end', async () => {
  const period = '2024-03';
  const upload = await holdBackLedger('c02-누리', period);
  // Started from the console, as an accountant would after hearing the ledger is late.
  await startCompanyRun(h.client, h.config.TASK_QUEUE, 'c02-누리', period);
  await waitingForLedger('c02-누리', period);

  // A backfill over the running month starts the other month and reports this one as already running.
  const backfill = await startBackfill(h.client, h.config.TASK_QUEUE, 'c02-누리', '2024-02', period);
  assert.deepEqual(backfill, { started: [companyReportWorkflowId('c02-누리', '2024-02')], alreadyRunning: [period] });

  const batch = await h.client.workflow.start('monthlyReportBatch', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: 'batch-joins-2024-03',
    args: [{ period, concurrency: 2, pageSize: 2 }],
  });
  for (const companyId of COMPANIES.filter((c) => c !== 'c02-누리')) {
    assert.equal(await until(() => closedStatus(companyId, period), `${companyId} done`, { timeoutMs: 240_000, intervalMs: 500 }), 'COMPLETED');
  }
  const onTime = await until(async () => (await adminMails(/2024년 3월 배치/)).at(0), 'the on-time batch summary');
  assert.match(onTime.text ?? '', /c02-누리/, 'the summary names the run already in progress');
  const progress = await batch.query(batchProgressQuery);
  assert.equal(progress.counts.alreadyRunning, 1);
  assert.equal(progress.counts.succeeded, 5);
  assert.equal(progress.outside, 1, 'the batch still waits for the joined run');

  await upload();
  const result = (await batch.result()) as MonthlyReportBatchResult;
  assert.deepEqual(result.alreadyRunning, ['c02-누리']);
  assert.equal(result.counts.succeeded, 6, "the joined run's end is counted");
  assert.deepEqual([result.counts.failed, result.counts.started, result.outside], [0, 5, 0]);
  assert.equal((await adminMails(/2024년 3월 배치/)).length, 2, 'on-time and final summaries, once each');
});

test('a late ledger in the first page holds no one up: every other company of every page completes first', async () => {
  const period = '2024-04';
  const upload = await holdBackLedger('c00-한빛', period);
  const batch = await h.client.workflow.start('monthlyReportBatch', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: 'batch-late-2024-04',
    args: [{ period, concurrency: 2, pageSize: 2 }],
  });
  for (const companyId of COMPANIES.slice(1)) {
    assert.equal(await until(() => closedStatus(companyId, period), `${companyId} done`, { timeoutMs: 240_000, intervalMs: 500 }), 'COMPLETED');
  }
  assert.equal(await closedStatus('c00-한빛', period), undefined, 'the late company is still waiting');
  const onTime = await until(async () => (await adminMails(/2024년 4월 배치/)).at(0), 'the on-time batch summary');
  assert.match(onTime.text ?? '', /c00-한빛/);
  const waiting = await batch.query(batchProgressQuery);
  assert.deepEqual([waiting.counts.waitingForLedger, waiting.counts.succeeded, waiting.running], [1, 5, 0]);

  await upload();
  const result = (await batch.result()) as MonthlyReportBatchResult;
  assert.deepEqual([result.counts.succeeded, result.counts.failed, result.counts.waitingForLedger], [6, 0, 0]);
  const late = (await runOf('c00-한빛', period).result()) as MonthlyCompanyReportResult;
  assert.equal(late.emailsSent, 1);

  const runs = await batchRuns(batch);
  assert.ok(runs.length >= 3, `pages of 2 of 6 companies: ${runs.length} runs`);
  assert.ok(mostSlotsHeld(runs, new Set()) <= 2, 'never more than `concurrency` runs hold a slot');
});

test('a report waiting for its accountant frees its slot; the batch counts it as 검토 대기, not 장부 대기, until it is approved', async () => {
  const period = '2024-01';
  const companyId = 'c01-가람';
  const master = path.join(h.config.ERP_DATA_DIR, 'companies', companyId, 'company.json');
  const original = await readFile(master, 'utf8');
  await writeFile(master, JSON.stringify({ ...JSON.parse(original), reviewRequired: true }));
  try {
    // Late first, then waiting for review: the batch moves it from one count to the other.
    const upload = await holdBackLedger(companyId, period);
    const batch = await h.client.workflow.start('monthlyReportBatch', {
      taskQueue: h.config.TASK_QUEUE,
      workflowId: 'batch-review-2024-01',
      args: [{ period, concurrency: 2, pageSize: 10 }],
    });
    for (const other of COMPANIES.filter((c) => c !== companyId)) {
      assert.equal(await until(() => closedStatus(other, period), `${other} done`, { timeoutMs: 240_000, intervalMs: 500 }), 'COMPLETED');
    }
    const onTime = await until(async () => (await adminMails(/2024년 1월 배치/)).at(0), 'the on-time batch summary');
    assert.match(onTime.text ?? '', /장부 대기 \(1건\):\n- \(주\)가람제조 \(c01-가람\)/);
    await waitingForLedger(companyId, period);
    await upload();
    const moved = await until(async () => {
      const { counts } = await batch.query(batchProgressQuery);
      return counts.awaitingReview === 1 ? counts : undefined;
    }, 'the batch to count the draft as awaiting review');
    assert.equal(moved.waitingForLedger, 0);

    await until(
      async () =>
        (
          await runOf(companyId, period)
            .query(reviewDraftQuery)
            .catch(() => undefined)
        )?.stage === 'awaiting-review',
      'the draft',
    );
    await runOf(companyId, period).executeUpdate(approveReportUpdate, {
      args: [{ reviewer: { name: 'analyst-lee', role: 'analyst' }, draftVersion: 1 }],
    });
    const result = (await batch.result()) as MonthlyReportBatchResult;
    assert.deepEqual([result.counts.succeeded, result.counts.awaitingReview, result.counts.waitingForLedger, result.awaitingReview], [6, 0, 0, []]);
    const final = await until(async () => (await adminMails(/2024년 1월 배치 요약 \(월간 처리 완료\)/)).at(0), 'the final summary');
    assert.doesNotMatch(final.text ?? '', /검토 대기 \(/);
  } finally {
    await writeFile(master, original);
  }
});

test('cancelling a batch stops it starting companies; the runs it started finish, and the admin is told', async () => {
  const period = '2024-05';
  const batch = await h.client.workflow.start('monthlyReportBatch', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: 'batch-cancel-2024-05',
    args: [{ period, concurrency: 1, pageSize: 10 }],
  });
  await until(async () => (await batch.query(batchProgressQuery)).counts.started >= 1, 'the first company started');
  await batch.cancel();
  const { status } = await until(async () => {
    const d = await batch.describe();
    return d.status.name === 'RUNNING' ? undefined : d;
  }, 'the batch to end');
  assert.equal(status.name, 'CANCELLED');
  const started = (await batchRuns(batch)).flat().filter((e) => e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED).length;
  assert.equal(started, 1, 'no company was started after the cancellation');
  assert.equal(await until(() => closedStatus('c00-한빛', period), 'the started run', { timeoutMs: 120_000 }), 'COMPLETED');
  for (const companyId of COMPANIES.slice(1)) {
    await assert.rejects(runOf(companyId, period).describe(), /not found/i, `${companyId} was never started`);
  }
  const notice = await until(async () => (await adminMails(/2024년 5월 배치.*취소/)).at(0), 'the cancelled-batch summary');
  assert.match(notice.text ?? '', /1/);
});

test('re-running a delivered month: same findings send nothing; changed findings send one correction (정정본) as v2', async () => {
  const period = '2024-06';
  const companyId = 'c04-미르';
  const workflowId = companyReportWorkflowId(companyId, period);
  const run = () =>
    h.client.workflow.execute('monthlyCompanyReport', {
      taskQueue: h.config.TASK_QUEUE,
      workflowId,
      args: [{ companyId, period }],
    }) as Promise<MonthlyCompanyReportResult>;
  const customerMails = async () =>
    (await outboxMails(h.config.OUTBOX_DIR)).filter((m) => recipientsOf(m).includes('ceo4@example.kr') && /6월/.test(m.subject ?? ''));

  const first = await run();
  assert.deepEqual([first.version, first.unchanged, first.emailsSent], [1, false, 1]);
  const again = await run();
  assert.deepEqual([again.version, again.unchanged], [1, true]);
  assert.equal((await customerMails()).length, 1, 'an unchanged re-run sends nothing');

  // The ERP export was corrected: one more voucher (a copy of the first under a new number).
  const file = ledgerPath(h.config.ERP_DATA_DIR, companyId, period);
  const lines = (await readFile(file)).toString('latin1').split('\n');
  const extra = lines.filter((l) => l.includes(',00001,')).map((l) => l.replace(',00001,', ',09999,'));
  await writeFile(file, Buffer.from([...lines.filter(Boolean), ...extra, ''].join('\n'), 'latin1'));
  const corrected = await run();
  assert.deepEqual([corrected.version, corrected.unchanged, corrected.emailsSent], [2, false, 1]);
  const mails = await customerMails();
  assert.equal(mails.length, 2);
  const correction = mails.find((m) => /정정본/.test(m.subject ?? ''));
  assert.ok(correction, 'the second mail is marked as a correction');
  assert.match(correction.text ?? '', /제2판/);
  // What each version's recipients got is kept as sent.
  const keys = reportKeys(companyId, period);
  for (const v of [1, 2]) assert.ok(await h.worker.deps.objects.exists(keys.version(v).pdf), `v${v} archived`);
  assert.equal((await h.worker.deps.objects.get(keys.version(2).pdf)).equals(await h.worker.deps.objects.get(keys.pdf)), true);
});
