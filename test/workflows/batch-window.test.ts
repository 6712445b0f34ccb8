// The month's batch (workflows/monthly-report-batch.ts) on the time-skipping test server: the sliding window over a
// paged company list, continue-as-new every BATCH_PAGE_SIZE starts, and the late ledgers it waits for outside the
// window. First a firm (500 companies by default, BATCH_WINDOW_COMPANIES) whose runs only do simulated work and
// report back (the real batch, stand-in children, so the test is about the batch's bookkeeping); then a small firm
// with the real monthlyCompanyReport.
//
// Each test has a server of its own. The Java test server (1.38.0) leaks a time-skipping lock whenever a child run
// closes after the parent run that started it has closed (its parent notification finds no open run and is dropped,
// the lock with it): the clock then stops for good. The batch continues as new with its window's children still
// running, by design, so the stand-in runs stay open after reporting their end, and the real-children test keeps the
// batch in one run; a server per test keeps what leaks at the end of one test out of the next.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, bundleWorkflowCode, type InjectedSinks, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { failDataErrorsFast } from '../../activities/failures';
import type { BatchSummaryInput, CompanyMonth, CompanyPageInput } from '../../activities/types';
import { loadConfig } from '../../lib/config';
import { FailureType, companyReportWorkflowId, ledgerUploadedSignal, type CompanyRunStatus } from '../../lib/temporal-contract';
import { BATCH_PAGE_SIZE, monthlyReportBatch } from '../../workflows/monthly-report-batch';
import type { ReportSinks } from '../../workflows/report-sinks';
import {
  HOUR_MS,
  ROOT,
  bundleReportWorkflows,
  fakePipeline,
  recordingSinks,
  startTimeSkipping,
  withReportWorkers,
  type ActivityCall,
} from '../support/time-skipping';

const PERIOD = '2024-05';
const MINUTE_MS = 60_000;

/** Workflow time from the first run's start to the last run's end. */
function batchSpanMs(runs: temporal.api.history.v1.IHistoryEvent[][]): number {
  const seconds = (event: temporal.api.history.v1.IHistoryEvent | undefined) =>
    Number(event?.eventTime?.seconds ?? 0) * 1000 + Math.floor((event?.eventTime?.nanos ?? 0) / 1e6);
  return seconds(runs.at(-1)?.at(-1)) - seconds(runs[0]?.[0]);
}

/** A fresh time-skipping server for one test. */
async function withServer<T>(fn: (env: TestWorkflowEnvironment) => Promise<T>): Promise<T> {
  const env = await startTimeSkipping();
  try {
    return await fn(env);
  } finally {
    await env.teardown();
  }
}

/**
 * The real monthlyReportBatch beside stand-in company runs registered under the type it starts. A stand-in's company id
 * says what it does (co-<n>-<minutes>m-<outcome>, see standInIds): it says it started (the `started` metric sink), works
 * that long on a workflow timer, says it is done (`finished`) and only then reports its end to the batch
 * (workflows/batch-membership.ts), as a real run does. Sinks run in the worker before the workflow task's commands
 * reach the server, so `started` comes after the batch took the slot and `finished` before the slot is given back:
 * the runs the test sees working at once are never fewer than the slots held. Then the stand-in stays open: the
 * batch never waits for its children to close, only for their signals, and a child closing after its parent continued
 * as new stops the test server's clock (see the top of this file). Written to a temporary directory and bundled from
 * there; imports resolve into this repository.
 */
async function bundleBatchWithStandInRuns(): Promise<WorkflowBundleWithSourceMap> {
  const dir = await mkdtemp(path.join(tmpdir(), 'batch-stand-in-runs-'));
  const from = (module: string) => JSON.stringify(path.join(ROOT, module));
  const workflowsPath = path.join(dir, 'workflows.js');
  await writeFile(
    workflowsPath,
    `import { condition, proxySinks, sleep } from '@temporalio/workflow';
import { batchMembership } from ${from('workflows/batch-membership')};
export { monthlyReportBatch } from ${from('workflows/monthly-report-batch')};

const { reportMetrics } = proxySinks();

export async function monthlyCompanyReport({ companyId }) {
  const membership = batchMembership(companyId);
  const [, , minutes, outcome] = companyId.split('-');
  reportMetrics.started(companyId);
  await sleep(parseInt(minutes, 10) * 60000);
  reportMetrics.finished(companyId, outcome, 0);
  await membership.ended(outcome, outcome === 'failed' ? ${JSON.stringify(STAND_IN_FAILURE)} + companyId : undefined);
  await condition(() => false);
}
`,
  );
  try {
    return await bundleWorkflowCode({
      workflowsPath,
      logger: new DefaultLogger('ERROR'),
      // The file lives outside the repository: let it find @temporalio/workflow in ours.
      webpackConfigHook: (config) => ({
        ...config,
        resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? ['node_modules']), path.join(ROOT, 'node_modules')] },
      }),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const STAND_IN_FAILURE = `${FailureType.LedgerFormat}: line 3: bad amount in `;

/**
 * The stand-ins' company ids, in id order: 5 to 60 minutes of work each; every 100th (from the 8th) fails, every
 * 40th (from the 4th) is unchanged, the rest succeed.
 */
function standInIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const minutes = (((i * 7) % 12) + 1) * 5;
    const outcome: CompanyRunStatus = i % 100 === 7 ? 'failed' : i % 40 === 3 ? 'unchanged' : 'succeeded';
    return `co-${String(i).padStart(4, '0')}-${minutes}m-${outcome}`;
  });
}

/** The firm's company list, read a page at a time as the real activity does (ids after `after`, in id order). */
function companyList(ids: string[]) {
  const pages: CompanyPageInput[] = [];
  const listCompanyPage = async ({ after: last, limit }: CompanyPageInput): Promise<string[]> => {
    pages.push({ after: last, limit });
    const start = last === undefined ? 0 : ids.findIndex((id) => id > last);
    return start < 0 ? [] : ids.slice(start, start + limit);
  };
  return { pages, listCompanyPage };
}

/** Every run of the batch's continue-as-new chain, first to last. */
async function batchRuns(env: TestWorkflowEnvironment, workflowId: string, firstRunId: string): Promise<temporal.api.history.v1.IHistoryEvent[][]> {
  const runs: temporal.api.history.v1.IHistoryEvent[][] = [];
  for (let runId: string | undefined = firstRunId; runId;) {
    const events: temporal.api.history.v1.IHistoryEvent[] = (await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs.push(events);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/**
 * 500 by default (3 runs: 200, 200, then the last 100): each company costs about five workflow tasks of real CPU on
 * this machine, some 35 ms on a shared 2-core box, so 500 take about 15 s. BATCH_WINDOW_COMPANIES=2500 runs a firm
 * of that size (13 runs, about 90 s); a whole number of pages (1000) makes the last run start nobody.
 */
const COMPANIES = Number(process.env.BATCH_WINDOW_COMPANIES ?? 500);
const CONCURRENCY = 20;

test(`${COMPANIES} companies, window of ${CONCURRENCY}: every company runs once, never more than ${CONCURRENCY} at a time, counted exactly, continued as new every ${BATCH_PAGE_SIZE} starts`, async (t) => {
  const ids = standInIds(COMPANIES);
  const expectedFailed = ids.filter((id) => id.endsWith('-failed'));
  const expectedUnchanged = ids.filter((id) => id.endsWith('-unchanged'));
  const expectedSucceeded = COMPANIES - expectedFailed.length - expectedUnchanged.length;
  if (COMPANIES === 500) assert.deepEqual([expectedFailed.length, expectedUnchanged.length], [5, 13]);

  const { pages, listCompanyPage } = companyList(ids);
  const summaries: BatchSummaryInput[] = [];
  const started = new Map<string, number>();
  const working = new Set<string>();
  let mostAtOnce = 0;
  let batchStarted = 0;
  const sinks: InjectedSinks<ReportSinks> = {
    reportMetrics: {
      started: {
        fn: (_info, companyId) => {
          started.set(companyId, (started.get(companyId) ?? 0) + 1);
          working.add(companyId);
          mostAtOnce = Math.max(mostAtOnce, working.size);
        },
        callDuringReplay: false,
      },
      finished: { fn: (_info, companyId) => void working.delete(companyId), callDuringReplay: false },
      batchStarted: { fn: () => void batchStarted++, callDuringReplay: false },
      review: { fn: () => undefined, callDuringReplay: false },
    },
  };
  const workflowBundle = await bundleBatchWithStandInRuns();

  const wallStart = performance.now();
  const { result, runs } = await withServer((env) =>
    withReportWorkers(
      env,
      {
        taskQueue: 'batch-window',
        workflowBundle,
        sinks,
        // The batch's own activities; the stand-ins have none.
        activities: {
          orchestration: {
            listCompanyPage,
            deliverBatchSummary: async (summary) => {
              summaries.push(summary);
              return { sent: true };
            },
          },
        },
      },
      async () => {
        const handle = await env.client.workflow.start(monthlyReportBatch, {
          taskQueue: 'batch-window',
          workflowId: `batch-window-${PERIOD}`,
          args: [{ period: PERIOD, concurrency: CONCURRENCY }],
        });
        const result = await handle.result();
        return { result, runs: await batchRuns(env, handle.workflowId, handle.firstExecutionRunId) };
      },
    ),
  );
  const wall = performance.now() - wallStart;
  const simulated = batchSpanMs(runs);
  t.diagnostic(`${COMPANIES} companies: simulated ${(simulated / HOUR_MS).toFixed(1)} h in ${(wall / 1000).toFixed(1)} s, ${runs.length} runs`);

  // Every company ran exactly once, and the window held.
  assert.equal(started.size, COMPANIES);
  assert.deepEqual(
    [...started.values()].filter((n) => n !== 1),
    [],
    'no company started twice',
  );
  assert.equal(working.size, 0);
  assert.equal(mostAtOnce, CONCURRENCY, 'the window was full, and never more');

  assert.deepEqual(result, {
    period: PERIOD,
    counts: {
      listed: COMPANIES,
      started: COMPANIES,
      succeeded: expectedSucceeded,
      unchanged: expectedUnchanged.length,
      failed: expectedFailed.length,
      cancelled: 0,
      alreadyRunning: 0,
      waitingForLedger: 0,
      awaitingReview: 0,
    },
    running: 0,
    outside: 0,
    exhausted: true,
    failed: expectedFailed.map((companyId) => ({ companyId, cause: STAND_IN_FAILURE + companyId })),
    waitingForLedger: [],
    awaitingReview: [],
    alreadyRunning: [],
  });
  assert.deepEqual(
    summaries.map((s) => [s.kind, s.counts.succeeded, s.deliveryId.endsWith('/final')]),
    [['final', expectedSucceeded, true]],
    'one summary, the final one (nobody waited outside the window)',
  );

  // Pages of BATCH_PAGE_SIZE, each read after the last id started; a run continues as new once it has started a whole
  // page, so the last run starts the rest (none when the firm is a whole number of pages) and, asking for the rest
  // of its page, finds the list's end.
  assert.equal(BATCH_PAGE_SIZE, 200);
  const wholePages = Math.floor(COMPANIES / BATCH_PAGE_SIZE);
  const rest = COMPANIES % BATCH_PAGE_SIZE;
  assert.deepEqual(pages, [
    ...Array.from({ length: Math.ceil(COMPANIES / BATCH_PAGE_SIZE) }, (_, p) => ({
      after: p === 0 ? undefined : ids[p * BATCH_PAGE_SIZE - 1],
      limit: BATCH_PAGE_SIZE,
    })),
    { after: ids.at(-1), limit: BATCH_PAGE_SIZE - rest },
  ]);
  const childStarts = runs.map((events) => events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length);
  assert.deepEqual(
    childStarts,
    [...Array<number>(wholePages).fill(BATCH_PAGE_SIZE), rest],
    `${wholePages} runs continued as new after ${BATCH_PAGE_SIZE} starts each`,
  );
  for (const [i, events] of runs.entries()) {
    assert.ok(events.length < 2_000, `run ${i + 1}: ${events.length} events`);
    const last = events.at(-1)!;
    assert.ok(
      i < runs.length - 1 ? last.workflowExecutionContinuedAsNewEventAttributes : last.workflowExecutionCompletedEventAttributes,
      `run ${i + 1} ends as expected`,
    );
  }
  assert.equal(batchStarted, 1, 'the scheduler heartbeat counts the batch once, not once per run');

  // With never more than CONCURRENCY at work, the month takes at least their total work divided by CONCURRENCY:
  // days of workflow time.
  const totalWorkMs = ids.reduce((sum, id) => sum + parseInt(id.split('-')[2]!, 10) * MINUTE_MS, 0);
  assert.ok(
    simulated >= totalWorkMs / CONCURRENCY,
    `${(simulated / HOUR_MS).toFixed(1)} h of workflow time for ${(totalWorkMs / HOUR_MS).toFixed(0)} h of work`,
  );
});

test('a small firm with real company runs: late ledgers leave the window, the on-time summary goes out at once, the final one when the last wait ends', (t) =>
  withServer(async (env) => {
    const ids = ['c01', 'c02', 'c03', 'c04', 'c05', 'c06', 'c07', 'c08'];
    const batchId = `batch-small-${PERIOD}`;
    const ledgerWaitMs = loadConfig({}).LEDGER_WAIT;
    const uploaded = new Set(ids.filter((id) => id !== 'c03' && id !== 'c06')); // c03 arrives after 30 h; c06 never
    const { pages, listCompanyPage } = companyList(ids);
    const pipeline = fakePipeline(env, {
      orchestration: {
        listCompanyPage,
        extractLedger: async (month: CompanyMonth) => {
          if (!uploaded.has(month.companyId)) {
            return failDataErrorsFast(async () => {
              throw Object.assign(new Error(`no ledger for ${month.companyId} ${month.period}`), { name: FailureType.LedgerMissing });
            });
          }
          return { stagingGraph: `urn:staging:${month.companyId}`, lines: 10, vouchers: 5, sourceSha256: 'sha' };
        },
        analyzeLedger: async ({ companyId, period }) => {
          if (companyId === 'c05') {
            throw ApplicationFailure.create({
              type: FailureType.EmbeddedGraphFull,
              message: 'embedded graph store full (5000000 quads)',
              nonRetryable: true,
            });
          }
          return { findingsKey: `${companyId}/${period}/findings.json`, riskLevel: 'LOW', findingCount: 1, llmChains: { insights: [], summary: [] } };
        },
      },
    });
    const { activities, calls, callsOf } = pipeline;
    // The summaries the batch sent, with the (server) time each was sent at.
    const recordSummaries = (c: ActivityCall[]) =>
      c.filter((x) => x.name === 'deliverBatchSummary').map((x) => ({ ...(x.input as BatchSummaryInput), at: x.at }));

    const wallStart = performance.now();
    const { result, firstRunId, runCount, startedAt } = await withReportWorkers(
      env,
      { taskQueue: 'batch-small', workflowBundle: await bundleReportWorkflows(), activities, sinks: recordingSinks().sinks },
      async () => {
        const handle = await env.client.workflow.start(monthlyReportBatch, {
          taskQueue: 'batch-small',
          workflowId: batchId,
          // One run (the default page of 200): real children close, and a child closing after its parent continued as
          // new stops this server's clock (see the top of this file). The first test covers continue-as-new.
          args: [{ period: PERIOD, concurrency: 3, ledgerWaitMs }],
        });
        const startedAt = await env.currentTimeMs();
        await env.sleep(30 * HOUR_MS);
        assert.deepEqual(
          recordSummaries(calls).map((s) => s.kind),
          ['on-time'],
          'the on-time summary went out before the late ledgers',
        );
        uploaded.add('c03');
        await env.client.workflow.getHandle(companyReportWorkflowId('c03', PERIOD)).signal(ledgerUploadedSignal);
        const result = await handle.result();
        return {
          result,
          firstRunId: handle.firstExecutionRunId,
          runCount: (await batchRuns(env, batchId, handle.firstExecutionRunId)).length,
          startedAt,
        };
      },
    );
    const wall = performance.now() - wallStart;
    const all = recordSummaries(calls);
    const [onTime, final] = all;
    assert.equal(all.length, 2);

    // The on-time summary: every company with its ledger has ended; the two late ones are named, waiting.
    assert.deepEqual(
      { ...onTime, at: undefined },
      {
        period: PERIOD,
        batchWorkflowId: batchId,
        kind: 'on-time',
        counts: {
          listed: 8,
          started: 8,
          succeeded: 5,
          unchanged: 0,
          failed: 1,
          cancelled: 0,
          alreadyRunning: 0,
          waitingForLedger: 2,
          awaitingReview: 0,
        },
        failed: [{ companyId: 'c05', cause: `${FailureType.EmbeddedGraphFull}: embedded graph store full (5000000 quads)` }],
        waitingForLedger: ['c03', 'c06'],
        awaitingReview: [],
        alreadyRunning: [],
        deliveryId: `${batchId}/${firstRunId}/on-time`,
        at: undefined,
      },
    );
    assert.ok(
      onTime!.at - startedAt < HOUR_MS,
      `on-time summary after ${((onTime!.at - startedAt) / MINUTE_MS).toFixed(1)} min: nobody queued behind a late ledger`,
    );

    const c06Missing = `${FailureType.LedgerMissing}: c06 ${PERIOD}: no ledger arrived within 72 h; the admin was told`;
    assert.deepEqual(result, {
      period: PERIOD,
      counts: {
        listed: 8,
        started: 8,
        succeeded: 6,
        unchanged: 0,
        failed: 2,
        cancelled: 0,
        alreadyRunning: 0,
        waitingForLedger: 0,
        awaitingReview: 0,
      },
      running: 0,
      outside: 0,
      exhausted: true,
      failed: [
        { companyId: 'c05', cause: `${FailureType.EmbeddedGraphFull}: embedded graph store full (5000000 quads)` },
        { companyId: 'c06', cause: c06Missing },
      ],
      waitingForLedger: [],
      awaitingReview: [],
      alreadyRunning: [],
    });
    assert.equal(final!.kind, 'final');
    assert.deepEqual(final!.counts, result.counts);
    assert.equal(final!.deliveryId, `${batchId}/${firstRunId}/final`);
    // The final summary follows c06's notice, 72 h after its first look for the ledger.
    const c06First = calls.find((c) => c.name === 'extractLedger' && (c.input as CompanyMonth).companyId === 'c06')!.at;
    const notice = callsOf('deliverLedgerMissingNotice');
    assert.deepEqual(
      notice.map((c) => (c.input as CompanyMonth).companyId),
      ['c06'],
    );
    const noticeAfter = notice[0]!.at - c06First;
    assert.ok(Math.abs(noticeAfter - 72 * HOUR_MS) < MINUTE_MS, `c06's notice ${(noticeAfter / HOUR_MS).toFixed(3)} h after its first look`);
    assert.ok(final!.at >= notice[0]!.at && final!.at - notice[0]!.at < MINUTE_MS);
    // c05's failure reached the admin by its own notice; c06's missing-ledger notice is its report.
    assert.deepEqual(
      callsOf('deliverRunFailureNotice').map((c) => [(c.input as CompanyMonth).companyId, (c.input as { errorType: string }).errorType]),
      [['c05', FailureType.EmbeddedGraphFull]],
    );
    assert.deepEqual(
      callsOf('deliverReport')
        .map((c) => (c.input as CompanyMonth).companyId)
        .sort(),
      ['c01', 'c02', 'c03', 'c04', 'c07', 'c08'],
    );
    // One page, then the rest of it asked for and found empty: the list's end.
    assert.deepEqual(pages, [
      { after: undefined, limit: BATCH_PAGE_SIZE },
      { after: 'c08', limit: BATCH_PAGE_SIZE - 8 },
    ]);
    assert.equal(runCount, 1);
    t.diagnostic(`simulated ${((final!.at - startedAt) / HOUR_MS).toFixed(2)} h in ${(wall / 1000).toFixed(1)} s`);
  }));
