import {
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  deprecatePatch,
  log,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { BatchCounts, BatchSummaryInput, CompanyFailure } from '../activities/types';
import { deliverBatchSummary, listCompanyPage } from './activity-proxies';
import { monthlyCompanyReport } from './monthly-company-report';
import { previousMonthInSeoul } from '../lib/domain/periods';
import { reportMetrics } from './report-sinks';
import {
  type BatchProgress,
  batchProgressQuery,
  type CompanyFinished,
  companyFinishedSignal,
  CompanyIdKey,
  companyReportWorkflowId,
  companyWaitingSignal,
  DEFAULT_LEDGER_WAIT_MS,
  joinBatchSignal,
  type MonthlyReportBatchResult,
  PeriodKey,
  ScheduledStartTimeKey,
  type WaitReason,
} from '../lib/temporal-contract';

export interface MonthlyReportBatchInput {
  /** YYYY-MM; default: the month before the (scheduled) start time, in Asia/Seoul. */
  period?: string;
  /** How many company runs hold a slot at once (runs waiting for a ledger hold none). */
  concurrency?: number;
  /** How long a company's report waits for a ledger that has not arrived (the schedule passes LEDGER_WAIT). */
  ledgerWaitMs?: number;
  /** Children started per run before continue-as-new (default BATCH_PAGE_SIZE). */
  pageSize?: number;
  /** Set by continue-as-new. */
  state?: BatchState;
}

/** Everything a run hands to the next: bounded by the window and BATCH_LIST_CAP, whatever the firm's size. */
export interface BatchState {
  /** Companies are taken in id order; the next one comes after this id. */
  after?: string;
  /** The company list has been read to its end. */
  exhausted: boolean;
  /** Companies whose run (started by this batch) holds a slot of the window. */
  active: string[];
  /** Runs this batch waits on that hold no slot: children waiting for their ledger, joined runs. */
  outside: number;
  counts: BatchCounts;
  failed: CompanyFailure[];
  waitingForLedger: string[];
  /** Absent in states of earlier builds. */
  awaitingReview?: string[];
  alreadyRunning: string[];
  onTimeSummarySent: boolean;
  /** Epoch ms; after it the batch ends without the runs still outside (LEDGER_WAIT plus a margin). */
  outsideDeadline?: number;
}

const DEFAULT_CONCURRENCY = 4;
/**
 * Children started per run: each costs about 5 events (start, its end, its signal), so a run stays near
 * 1,000 events, far under Temporal's 10,240-event warning; the next run of the same workflow id goes on.
 */
export const BATCH_PAGE_SIZE = 200;
/** Names kept per list (failed, waiting, already running) in the state, the summary and the result. */
export const BATCH_LIST_CAP = 100;
/** While only late and joined runs are left, a run continues as new past this many events. */
const MAX_WAITING_RUN_EVENTS = 2_000;
/** How long after the last company started the batch still waits for late ledgers beyond LEDGER_WAIT. */
const OUTSIDE_GRACE_MS = 6 * 60 * 60 * 1000;

/**
 * The month's fan-out as a sliding window: at most `concurrency` company runs hold a slot; a run that waits for
 * its ledger gives its slot back, so on-time companies never queue behind a late one. Children are abandoned
 * to run on their own and report back by signal; a run already in progress for a company-month is joined, not
 * failed on. Cancelling the batch stops it starting companies; runs already started go on (see the runbook).
 */
export async function monthlyReportBatch(input: MonthlyReportBatchInput = {}): Promise<MonthlyReportBatchResult> {
  const period = input.period ?? previousMonthInSeoul(nominalStartTime());
  // Deprecated patch: the paged batch's builds are retired (docs/architecture.md, replay safety).
  deprecatePatch('sliding-window');

  const state = input.state ?? emptyState();
  if (!input.state) reportMetrics.batchStarted();
  const concurrency = Math.max(1, Math.floor(input.concurrency ?? DEFAULT_CONCURRENCY));
  const pageSize = Math.max(1, Math.floor(input.pageSize ?? BATCH_PAGE_SIZE));
  const ledgerWaitMs = input.ledgerWaitMs ?? DEFAULT_LEDGER_WAIT_MS;
  const { workflowId: self, firstExecutionRunId } = workflowInfo();
  const active = new Set(state.active);

  const progress = (): BatchProgress => ({
    period,
    counts: { ...state.counts },
    running: active.size,
    outside: state.outside,
    exhausted: state.exhausted,
  });
  setHandler(batchProgressQuery, progress);
  const awaitingReview = (state.awaitingReview ??= []);
  state.counts.awaitingReview ??= 0;
  const waitCount = (reason: WaitReason): 'awaitingReview' | 'waitingForLedger' => (reason === 'review' ? 'awaitingReview' : 'waitingForLedger');
  const uncount = (reason: WaitReason, companyId: string) => {
    state.counts[waitCount(reason)] = Math.max(0, (state.counts[waitCount(reason)] ?? 0) - 1);
    removeFrom(reason === 'review' ? awaitingReview : state.waitingForLedger, companyId);
  };
  setHandler(companyWaitingSignal, (companyId, reason = 'ledger', fromLedger = false) => {
    if (active.delete(companyId)) state.outside++;
    else if (fromLedger)
      uncount('ledger', companyId); // already outside: it moves from one count to the other
    else return;
    state.counts[waitCount(reason)] = (state.counts[waitCount(reason)] ?? 0) + 1;
    pushCapped(reason === 'review' ? awaitingReview : state.waitingForLedger, companyId);
  });
  setHandler(companyFinishedSignal, (finished) => {
    if (!active.delete(finished.companyId)) {
      if (state.outside === 0) return; // not a run this batch waits on (or already counted)
      state.outside--;
      if (finished.waited) uncount(finished.waitedFor ?? 'ledger', finished.companyId);
    }
    removeFrom(state.waitingForLedger, finished.companyId);
    removeFrom(awaitingReview, finished.companyId);
    countOutcome(state, finished);
  });

  const snapshot = (): BatchState => ({ ...state, active: [...active] });
  const summarize = (kind: BatchSummaryInput['kind']) =>
    deliverBatchSummary({
      period,
      batchWorkflowId: self,
      kind,
      counts: state.counts,
      failed: state.failed,
      waitingForLedger: state.waitingForLedger,
      awaitingReview,
      alreadyRunning: state.alreadyRunning,
      deliveryId: `${self}/${firstExecutionRunId}/${kind}`,
    });

  async function startCompany(companyId: string): Promise<void> {
    const workflowId = companyReportWorkflowId(companyId, period);
    try {
      await startChild(monthlyCompanyReport, {
        workflowId,
        args: [{ companyId, period, ledgerWaitMs }],
        // The batch continues as new and may be cancelled while reports are mid-delivery: children run on their own,
        // through the batch's end (parent-close policy) and its cancellation (cancellation type) alike.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        typedSearchAttributes: [
          { key: CompanyIdKey, value: companyId },
          { key: PeriodKey, value: period },
        ],
      });
      state.counts.started++;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      active.delete(companyId);
      await joinRunningReport(companyId, workflowId);
    }
  }

  /** Someone already runs this company-month (by hand, a backfill): ask it to report its end here too. */
  async function joinRunningReport(companyId: string, workflowId: string): Promise<void> {
    state.counts.alreadyRunning++;
    pushCapped(state.alreadyRunning, companyId);
    // Counted before the signal goes out: the run's answer may reach this batch in the same activation.
    state.outside++;
    try {
      await getExternalWorkflowHandle(workflowId).signal(joinBatchSignal, self);
    } catch (err) {
      // It ended between the start and the signal: its month was reported by whoever started it.
      state.outside--;
      log.warn('a running report ended before the batch could join it', { companyId, error: String(err) });
    }
  }

  try {
    let startedThisRun = 0;
    let listed: string[] = [];
    for (;;) {
      while (!state.exhausted && active.size < concurrency && startedThisRun < pageSize) {
        if (listed.length === 0) {
          listed = await listCompanyPage({ after: state.after, limit: pageSize - startedThisRun });
          if (listed.length === 0) {
            state.exhausted = true;
            break;
          }
        }
        const wave = listed.splice(0, Math.min(concurrency - active.size, pageSize - startedThisRun));
        // In the window before their start resolves: a fast child's signals may arrive first.
        for (const companyId of wave) active.add(companyId);
        state.after = wave.at(-1);
        state.counts.listed += wave.length;
        startedThisRun += wave.length;
        await Promise.all(wave.map(startCompany));
      }
      if (!state.exhausted && startedThisRun >= pageSize) {
        return await continueAsNew<typeof monthlyReportBatch>({ ...input, period, state: snapshot() });
      }
      if (state.exhausted && active.size === 0) break;
      // Listing is done: wait for the window to empty; otherwise for a free slot.
      await condition(() => (state.exhausted ? active.size === 0 : active.size < concurrency));
    }

    if (!state.onTimeSummarySent) {
      await summarize(state.outside > 0 ? 'on-time' : 'final');
      state.onTimeSummarySent = true;
      if (state.outside === 0) return result(progress(), state);
    }
    state.outsideDeadline ??= Date.now() + ledgerWaitMs + OUTSIDE_GRACE_MS;
    const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_WAITING_RUN_EVENTS;
    while (state.outside > 0 && Date.now() < state.outsideDeadline) {
      await condition(() => state.outside === 0 || historyFull(), state.outsideDeadline - Date.now());
      if (state.outside > 0 && historyFull()) {
        return await continueAsNew<typeof monthlyReportBatch>({ ...input, period, state: snapshot() });
      }
    }
    await summarize('final');
    return result(progress(), state);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => summarize('cancelled')).catch((e: unknown) =>
        log.error('the cancelled batch could not send its summary', { error: String(e) }),
      );
    }
    throw err;
  }
}

function emptyState(): BatchState {
  return {
    exhausted: false,
    active: [],
    outside: 0,
    counts: { listed: 0, started: 0, succeeded: 0, unchanged: 0, failed: 0, cancelled: 0, alreadyRunning: 0, waitingForLedger: 0, awaitingReview: 0 },
    failed: [],
    waitingForLedger: [],
    awaitingReview: [],
    alreadyRunning: [],
    onTimeSummarySent: false,
  };
}

function countOutcome(state: BatchState, { companyId, status, cause }: CompanyFinished): void {
  state.counts[status]++;
  if (status === 'failed') pushCapped(state.failed, { companyId, cause: cause ?? 'unknown' });
}

function result(progress: BatchProgress, state: BatchState): MonthlyReportBatchResult {
  return {
    ...progress,
    failed: state.failed,
    waitingForLedger: state.waitingForLedger,
    awaitingReview: state.awaitingReview ?? [],
    alreadyRunning: state.alreadyRunning,
  };
}

function pushCapped<T>(list: T[], item: T): void {
  if (list.length < BATCH_LIST_CAP) list.push(item);
}

function removeFrom(list: string[], item: string): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}

/** Schedules (and backfills) stamp the nominal fire time; a hand-started run uses its start time. */
function nominalStartTime(): Date {
  const info = workflowInfo();
  return info.typedSearchAttributes.get(ScheduledStartTimeKey) ?? info.startTime;
}
