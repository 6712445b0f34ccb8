// The one place where activity task queues, timeouts and retry policies live.
import { patched, proxyActivities, workflowInfo, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Error types that no retry can fix: bad data, bad ids, unknown companies. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'DataValidationError',
  'LedgerFormatError',
  'UnknownCompanyError',
  'InvalidIdError',
  'LedgerMissingError',
  // A sealed file that does not open (wrong key, tampered bytes) opens no better on a retry.
  'DecryptionError',
];

/**
 * Every activity heartbeats while its worker lives (workers/activity-heartbeat.ts): a crashed worker's attempt is
 * retried after this, not after its start-to-close timeout. Graph work gets longer: the embedded store runs its
 * queries on the event loop, and one check of a 200,000-line month holds it for about 20 s.
 */
const HEARTBEAT_TIMEOUT = '15s';
const GRAPH_HEARTBEAT_TIMEOUT = '60s';

const retry = (overrides: Partial<RetryPolicy>): RetryPolicy => ({
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  ...overrides,
});

/**
 * LLM and render activities run on their own queues (`<workflow queue>-llm`, `-render`), so their
 * workers scale and rate-limit separately. Runs recorded before the split keep the workflow's queue.
 */
function queueFor(kind: 'llm' | 'render'): Pick<ActivityOptions, 'taskQueue'> {
  return patched('split-task-queues') ? { taskQueue: `${workflowInfo().taskQueue}-${kind}` } : {};
}

/** Graph reads and writes: short, retried a few times (a GraphDB restart takes seconds). */
export const { listCompanies, extractLedger, validateLedger, loadEarlierMonths } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: GRAPH_HEARTBEAT_TIMEOUT,
  retry: retry({}),
});

/** Findings from the graph; deterministic, so only infrastructure errors are retried. */
export const { analyzeLedger, groundNarrative } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: GRAPH_HEARTBEAT_TIMEOUT,
  retry: retry({}),
});

/**
 * One model's part of the narrative: 3 attempts with exponential backoff (a 429's Retry-After overrides the
 * delay), then the workflow moves to the next model. Rejections (400, 401, 403), refused answers and the hard
 * budget are non-retryable and move on at once.
 */
export const narrativeActivities = () =>
  proxyActivities<Activities>({
    ...queueFor('llm'),
    startToCloseTimeout: '2m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: retry({ initialInterval: '2s', maximumInterval: '30s', maximumAttempts: 3 }),
  });

/** Rendering is CPU-bound Chromium work. */
export const renderActivities = () =>
  proxyActivities<Activities>({
    ...queueFor('render'),
    startToCloseTimeout: '3m',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: retry({ maximumAttempts: 4 }),
  });

/** Delivery waits out SMTP outages for a while; the delivery ledger makes each attempt idempotent. */
export const { deliverReport, deliverDataQualityReport, deliverLedgerMissingNotice } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: retry({ initialInterval: '5s', maximumInterval: '10m', maximumAttempts: 12 }),
});
