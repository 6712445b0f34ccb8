// The one place where activity task queues, timeouts and retry policies live.
import {
  ActivityCancellationType,
  deprecatePatch,
  proxyActivities,
  workflowInfo,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_FAILURE_TYPES, taskQueueFor } from '../lib/temporal-contract';

/**
 * Every activity heartbeats while its worker lives (workers/activity-heartbeat.ts): a crashed worker's attempt is
 * retried after this, not after its start-to-close timeout, and a cancellation reaches the activity with the next
 * beat. Graph work gets longer: the embedded store runs its queries on the event loop, and one check of a
 * 200,000-line month holds it for about 20 s.
 */
const HEARTBEAT_TIMEOUT = '15s';
const GRAPH_HEARTBEAT_TIMEOUT = '60s';

/**
 * Retries are bounded in time, not in attempts: each group's scheduleToCloseTimeout is the outage it rides out
 * (docs/runbooks), with backoff capped at maximumInterval so the step resumes soon after the outage ends.
 */
const retry = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
  ...overrides,
});

/** A cancelled run waits until its running activity has stopped, so nothing is written after the run ended. */
const stopBeforeEnding: Pick<ActivityOptions, 'cancellationType'> = {
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

/**
 * LLM and render activities run on their own queues (`<workflow queue>-llm`, `-render`), so their
 * workers scale and rate-limit separately. The patch is deprecated: the builds before the split are retired
 * (docs/architecture.md, replay safety); runs that carry its marker still replay.
 */
function queueFor(kind: 'llm' | 'render'): Pick<ActivityOptions, 'taskQueue'> {
  deprecatePatch('split-task-queues');
  return { taskQueue: taskQueueFor(workflowInfo().taskQueue, kind) };
}

/** Graph reads and writes, and the analysis on them: a GraphDB restart or a failover (30 min) is waited out. */
export const { listCompanyPage, extractLedger, validateLedger, loadEarlierMonths, analyzeLedger, groundNarrative, applyGrounding } =
  proxyActivities<Activities>({
    startToCloseTimeout: '5m',
    scheduleToCloseTimeout: '30m',
    heartbeatTimeout: GRAPH_HEARTBEAT_TIMEOUT,
    retry: retry(),
    ...stopBeforeEnding,
  });

/**
 * Model calls on the LLM queue: one model's part of the narrative, or a search by meaning. 3 attempts with
 * exponential backoff (a 429's Retry-After overrides the delay), then the workflow moves on (the next model, or
 * grounding without the search). Rejections (400, 401, 403, 404), refused answers and the hard budget are
 * non-retryable and move on at once.
 */
export const llmActivities = () =>
  proxyActivities<Activities>({
    ...queueFor('llm'),
    startToCloseTimeout: '2m',
    scheduleToCloseTimeout: '10m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: retry({ initialInterval: '2s', maximumInterval: '30s', maximumAttempts: 3 }),
    ...stopBeforeEnding,
  });

/**
 * Beside the workflows: a narrative part prepared (cache, budget) and a model's reply applied (checked, metered,
 * sealed into findings.json); the last resort when every model failed, the offline text, so no LLM worker is needed.
 */
export const { prepareNarrative, applyNarrative, writeOfflineNarrative } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '30m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: retry(),
  ...stopBeforeEnding,
});

/** Rendering is CPU-bound Chromium work; a crashed or replaced render pod is waited out. */
export const renderActivities = () =>
  proxyActivities<Activities>({
    ...queueFor('render'),
    startToCloseTimeout: '3m',
    scheduleToCloseTimeout: '30m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: retry(),
    ...stopBeforeEnding,
  });

/** Review before sending: findings.json edits and the approval record; the overdue notice waits out a mail outage. */
export const reviewActivities = () =>
  proxyActivities<Activities>({
    startToCloseTimeout: '2m',
    scheduleToCloseTimeout: '6h',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: retry({ initialInterval: '5s', maximumInterval: '10m' }),
  });

/**
 * Mail waits out SMTP outages and 4xx deferrals for hours; the delivery ledger makes each attempt idempotent.
 * Deliveries run to the end once started (the workflow shields them from cancellation).
 */
export const { deliverReport, deliverDataQualityReport, deliverLedgerMissingNotice, deliverRunFailureNotice, deliverBatchSummary } =
  proxyActivities<Activities>({
    startToCloseTimeout: '2m',
    scheduleToCloseTimeout: '6h',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: retry({ initialInterval: '5s', maximumInterval: '10m' }),
  });
