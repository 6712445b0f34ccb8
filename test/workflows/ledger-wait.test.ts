// The wait for a late ledger (workflows/ledger-arrival.ts) on the time-skipping test server: the real
// monthlyCompanyReport from the workflow bundle, its activities replaced by fakes that answer at once. Days of
// workflow time pass in seconds: the timings asserted are read from the server's (skipped) clock, and the wall clock
// only bounds the test.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { failDataErrorsFast } from '../../activities/failures';
import type { CompanyMonth, ExtractResult } from '../../activities/types';
import { loadConfig } from '../../lib/config';
import { DEFAULT_LEDGER_WAIT_MS, FailureType, companyReportWorkflowId, ledgerUploadedSignal, reportStageQuery } from '../../lib/temporal-contract';
import { monthlyCompanyReport } from '../../workflows/monthly-company-report';
import { HOUR_MS, bundleReportWorkflows, fakePipeline, recordingSinks, startTimeSkipping, withReportWorkers } from '../support/time-skipping';

const PERIOD = '2024-05';
/** Real time spent between two server-clock readings that should be exactly N simulated hours apart. */
const SLACK_MS = 60_000;

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
before(async () => {
  [env, bundle] = await Promise.all([startTimeSkipping(), bundleReportWorkflows()]);
});
after(async () => {
  await env?.teardown();
});

const staged = ({ companyId, period }: CompanyMonth): ExtractResult => ({
  stagingGraph: `urn:staging:${companyId}:${period}`,
  lines: 120,
  vouchers: 40,
  sourceSha256: 'ledger-sha',
});

/** What extractLedger throws when the file is not there: LedgerMissingError, through the real conversion. */
const ledgerMissing = ({ companyId, period }: CompanyMonth): Promise<never> =>
  failDataErrorsFast(async () => {
    throw Object.assign(new Error(`companies/${companyId}/ledgers/${period}.csv: no ledger for ${companyId} ${period}`), {
      name: FailureType.LedgerMissing,
    });
  });

/** A pipeline whose ledger is missing until `upload()`. */
function lateLedger() {
  let uploaded = false;
  const pipeline = fakePipeline(env, { orchestration: { extractLedger: async (month) => (uploaded ? staged(month) : ledgerMissing(month)) } });
  return { ...pipeline, upload: () => void (uploaded = true) };
}

function assertWithin(actualMs: number, expectedMs: number, what: string): void {
  assert.ok(
    actualMs >= expectedMs - SLACK_MS && actualMs <= expectedMs + SLACK_MS,
    `${what}: ${(actualMs / HOUR_MS).toFixed(4)} h, expected ${expectedMs / HOUR_MS} h`,
  );
}

test('the configured LEDGER_WAIT and the workflow default are both 72 h', () => {
  assert.equal(loadConfig({}).LEDGER_WAIT, 72 * HOUR_MS);
  assert.equal(DEFAULT_LEDGER_WAIT_MS, 72 * HOUR_MS);
});

test('a ledger uploaded 30 h into the wait: the signal resumes the run, which reports as usual', async (t) => {
  const companyId = 'c01-가람';
  const workflowId = companyReportWorkflowId(companyId, PERIOD);
  const { activities, calls, callsOf, upload } = lateLedger();
  const { sinks, calls: sinkCalls } = recordingSinks();
  const wallStart = performance.now();

  const result = await withReportWorkers(env, { taskQueue: 'ledger-arrives', workflowBundle: bundle, activities, sinks }, async () => {
    const handle = await env.client.workflow.start(monthlyCompanyReport, {
      taskQueue: 'ledger-arrives',
      workflowId,
      args: [{ companyId, period: PERIOD }],
    });
    await env.sleep(30 * HOUR_MS);
    assert.equal(await handle.query(reportStageQuery), 'waiting-for-ledger');
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    assert.deepEqual(
      calls.map((c) => c.name),
      ['extractLedger'],
      'one attempt, then the wait: no retries, no notice',
    );

    upload();
    await handle.signal(ledgerUploadedSignal);
    return handle.result();
  });

  const { durationMs, ...report } = result;
  assert.deepEqual(report, {
    companyId,
    period: PERIOD,
    riskLevel: 'MEDIUM',
    findingCount: 3,
    narrativeModel: 'offline',
    graph: `urn:graph:${companyId}:${PERIOD}`,
    findingsKey: `${companyId}/${PERIOD}/findings.json`,
    pdfKey: `${companyId}/${PERIOD}/report.pdf`,
    outboxPaths: [`outbox/${companyId}-${PERIOD}.eml`],
    emailsSent: 1,
    version: 1,
  });
  assert.deepEqual(
    calls.map((c) => c.name),
    ['extractLedger', 'extractLedger', 'validateLedger', 'loadEarlierMonths', 'analyzeLedger', 'groundNarrative', 'renderReport', 'deliverReport'],
  );
  const [first, second] = callsOf('extractLedger');
  assertWithin(second!.at - first!.at, 30 * HOUR_MS, 'second extraction after the first');
  assertWithin(durationMs, 30 * HOUR_MS, "the run's own duration");
  assert.deepEqual(
    sinkCalls.map((c) => [c.sink, c.args[0], c.args[1]]),
    [
      ['started', companyId, undefined],
      ['finished', companyId, 'success'],
    ],
  );
  assertWithin((sinkCalls[1]!.args[2] as number) * 1000, 30 * HOUR_MS, 'reported duration');

  const wall = performance.now() - wallStart;
  t.diagnostic(`simulated ${(durationMs / HOUR_MS).toFixed(2)} h of workflow time in ${(wall / 1000).toFixed(2)} s`);
  assert.ok(wall < 60_000, `wall clock ${wall} ms`);
});

test('no ledger within LEDGER_WAIT (72 h): the admin gets the missing-ledger notice and the run fails as LedgerMissingError', async (t) => {
  const companyId = 'c02-누리';
  const workflowId = companyReportWorkflowId(companyId, PERIOD);
  const ledgerWaitMs = loadConfig({}).LEDGER_WAIT;
  const { activities, calls, callsOf } = lateLedger();
  const { sinks, calls: sinkCalls } = recordingSinks();
  const wallStart = performance.now();

  const { failure, runId, description } = await withReportWorkers(
    env,
    { taskQueue: 'ledger-never', workflowBundle: bundle, activities, sinks },
    async () => {
      const handle = await env.client.workflow.start(monthlyCompanyReport, {
        taskQueue: 'ledger-never',
        workflowId,
        args: [{ companyId, period: PERIOD, ledgerWaitMs }],
      });
      // An hour before the deadline the run still waits, and nobody has been told.
      await env.sleep(71 * HOUR_MS);
      assert.equal(await handle.query(reportStageQuery), 'waiting-for-ledger');
      assert.deepEqual(
        calls.map((c) => c.name),
        ['extractLedger'],
      );

      const failure: unknown = await handle.result().then(
        () => assert.fail('the run should fail'),
        (err: unknown) => err,
      );
      return { failure, runId: handle.firstExecutionRunId, description: await handle.describe() };
    },
  );

  assert.ok(failure instanceof WorkflowFailedError, String(failure));
  assert.ok(failure.cause instanceof ApplicationFailure, String(failure.cause));
  assert.equal(failure.cause.type, FailureType.LedgerMissing);
  assert.equal(failure.cause.nonRetryable, true);
  assert.equal(failure.cause.message, `${companyId} ${PERIOD}: no ledger arrived within 72 h; the admin was told`);
  assert.equal(description.status.name, 'FAILED');
  const simulated = description.closeTime!.getTime() - description.startTime.getTime();
  assertWithin(simulated, 72 * HOUR_MS, 'run start to close');

  // Exactly one attempt, the notice at the deadline, and nothing else: no validation, no failure notice (the
  // missing-ledger notice is the report of this failure).
  assert.deepEqual(
    calls.map((c) => c.name),
    ['extractLedger', 'deliverLedgerMissingNotice'],
  );
  const [notice] = callsOf('deliverLedgerMissingNotice');
  assert.deepEqual(notice!.input, { companyId, period: PERIOD, waitedMs: 72 * HOUR_MS, deliveryId: `${workflowId}/${runId}/ledger-missing` });
  assertWithin(notice!.at - callsOf('extractLedger')[0]!.at, 72 * HOUR_MS, 'notice after the first extraction');
  assert.deepEqual(
    sinkCalls.map((c) => [c.sink, c.args[0], c.args[1]]),
    [
      ['started', companyId, undefined],
      ['finished', companyId, 'data_error'],
    ],
  );

  const wall = performance.now() - wallStart;
  t.diagnostic(`simulated ${(simulated / HOUR_MS).toFixed(2)} h of workflow time in ${(wall / 1000).toFixed(2)} s`);
  assert.ok(wall < 60_000, `wall clock ${wall} ms`);
});

test('a signal while the file is still missing does not extend the wait: the notice still comes 72 h after the first attempt', async () => {
  const companyId = 'c03-다솜';
  const workflowId = companyReportWorkflowId(companyId, PERIOD);
  const { activities, calls, callsOf } = lateLedger();

  const failure = await withReportWorkers(env, { taskQueue: 'ledger-false-alarm', workflowBundle: bundle, activities }, async () => {
    const handle = await env.client.workflow.start(monthlyCompanyReport, {
      taskQueue: 'ledger-false-alarm',
      workflowId,
      args: [{ companyId, period: PERIOD }],
    });
    await env.sleep(30 * HOUR_MS);
    await handle.signal(ledgerUploadedSignal); // an upload hook fired, but the file is not there
    return handle.result().then(
      () => assert.fail('the run should fail'),
      (err: unknown) => err,
    );
  });

  assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof ApplicationFailure);
  assert.equal(failure.cause.type, FailureType.LedgerMissing);
  assert.deepEqual(
    calls.map((c) => c.name),
    ['extractLedger', 'extractLedger', 'deliverLedgerMissingNotice'],
  );
  const [first, second] = callsOf('extractLedger');
  assertWithin(second!.at - first!.at, 30 * HOUR_MS, 'the look after the signal');
  assertWithin(callsOf('deliverLedgerMissingNotice')[0]!.at - first!.at, 72 * HOUR_MS, 'notice after the first extraction');
});
