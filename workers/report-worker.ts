// Builds a worker for the report task queue with its dependencies; used by the worker process, the demo and tests.
import { NativeConnection, Worker, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createAuditLog } from '../lib/audit/create-audit-log';
import type { AppConfig, WorkerRole } from '../lib/config';
import { taskQueues } from '../lib/temporal-contract';
import { erpSource } from '../lib/erp/erp-source';
import { graphStoreFromConfig } from '../lib/graph/create-graph-store';
import { withQueryLogging } from '../lib/graph/logged-graph-store';
import { configuredLogger, type Logger } from '../lib/logging';
import { createMailTransport } from '../lib/mail/mail-transport';
import { QueryCatalog } from '../lib/rdf/query-catalog';
import { PdfRenderer } from '../lib/report/pdf-renderer';
import { TaxRuleEngine } from '../lib/rules/tax-rule-engine';
import { loadKeyWrapper } from '../lib/security/keyring';
import { createObjectStore } from '../lib/storage/create-object-store';
import { LedgerValidator } from '../lib/validation/ledger-validator';
import type { TaxMetrics } from '../lib/observability/metrics';
import type { Tracing } from '../lib/observability/tracing';
import { createLlmCache } from '../lib/llm/llm-cache';
import { loadPriceTable } from '../lib/llm/llm-prices';
import { createUsageLedger } from '../lib/llm/usage-ledger';
import type { ReportSinks } from '../workflows/report-sinks';
import { cancellableGraphStore, cancellableMailTransport, cancellableRenderer, currentActivitySignal } from './activity-cancellation';
import { activityHeartbeat } from './activity-heartbeat';
import { activityMetrics } from './activity-metrics';

/** A third of the activities' heartbeat timeout (workflows/activity-proxies.ts), so one late beat is no failure. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

export interface ReportWorker {
  /** One worker per task queue of this process's role. */
  workers: Worker[];
  deps: ActivityDeps;
  /** Polls until shutdown; then closes Chromium, the graph store and the connection. */
  run(): Promise<void>;
  /** Stops polling; running activities finish first. */
  shutdown(): void;
}

export interface ReportWorkerOptions {
  /** From setupTracing at the process's entry point (one tracer provider per process). */
  tracing: Tracing;
  /** The process's metrics, served by its /metrics endpoint. */
  metrics: TaxMetrics;
  /** Defaults to JSON lines on stdout at LOG_LEVEL. */
  log?: Logger;
}

export async function createReportWorker(config: AppConfig, options: ReportWorkerOptions): Promise<ReportWorker> {
  const { tracing, metrics, log = configuredLogger(config) } = options;
  let renderer: Promise<PdfRenderer> | undefined;
  const keys = await loadKeyWrapper(config);
  const deps: ActivityDeps = {
    config,
    log,
    erp: erpSource(config, keys),
    audit: createAuditLog({ file: config.AUDIT_LOG_FILE, databaseUrl: config.DATABASE_URL, log }),
    // Graph, mail and Chromium calls abort when the activity that makes them is cancelled (activity-cancellation.ts).
    graph: cancellableGraphStore(withQueryLogging(graphStoreFromConfig(config, log), log)),
    objects: createObjectStore(config, keys),
    mail: cancellableMailTransport(
      createMailTransport({ smtpUrl: config.SMTP_URL, allowPlaintext: config.SMTP_ALLOW_PLAINTEXT, outboxDir: config.OUTBOX_DIR, log }),
    ),
    metrics,
    prices: await loadPriceTable(config.LLM_PRICES_FILE),
    llmCache: createLlmCache({ redisUrl: config.REDIS_URL, dir: config.LLM_CACHE_DIR, log }),
    llmUsage: createUsageLedger({ redisUrl: config.REDIS_URL, dir: config.LLM_USAGE_DIR, log }),
    validator: await LedgerValidator.load(config.SHAPES_DIR),
    rules: await TaxRuleEngine.load(config.SHAPES_DIR),
    queries: await QueryCatalog.load(config.SHAPES_DIR),
    renderer: () =>
      (renderer ??= PdfRenderer.launch({ executablePath: config.CHROMIUM_PATH, maxPages: config.RENDER_MAX_PAGES }).then((r) =>
        cancellableRenderer(r),
      )),
    cancellation: currentActivitySignal,
  };
  metrics.deadlineCalendarCovers(deps.rules.calendarLastYear);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const queues = taskQueues(config.TASK_QUEUE);
  const activities = createActivities(deps);
  const roles = config.WORKER_ROLE === 'all' ? (['orchestration', 'llm', 'render'] as const) : [config.WORKER_ROLE];
  const workers = await Promise.all(
    roles.map((role) =>
      Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: queues[role],
        activities: activities[role],
        ...(role === 'orchestration' ? workflowSource(config) : {}),
        ...activityCapacity(role, config),
        ...deploymentVersioning(config),
        plugins: [tracing.plugin],
        interceptors: { activity: [activityMetrics(metrics), activityHeartbeat(HEARTBEAT_INTERVAL_MS)] },
        sinks: reportSinks(metrics),
      }),
    ),
  );
  log.info({ event: 'worker_started', task_queues: roles.map((r) => queues[r]), address: config.TEMPORAL_ADDRESS }, 'worker ready');

  return {
    workers,
    deps,
    shutdown: () => workers.forEach((w) => w.shutdown()),
    async run() {
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        await (await renderer?.catch(() => undefined))?.close();
        deps.mail.close();
        await deps.graph.close();
        await Promise.all([deps.llmCache.close(), deps.llmUsage.close(), deps.audit.close()]);
        deps.objects.close?.();
        await connection.close();
      }
    },
  };
}

/** The prebuilt bundle of the image, or the sources (bundled at start-up) in development. */
function workflowSource(config: AppConfig): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  return config.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: require.resolve('../workflows') };
}

type ActivityCapacity = Pick<
  WorkerOptions,
  'maxTaskQueueActivitiesPerSecond' | 'maxConcurrentActivityTaskExecutions' | 'maxHeartbeatThrottleInterval'
>;

/**
 * How many activity tasks a worker of the role takes: only what it can run now, so the backlog waits on the
 * server, where KEDA/HPA see it (task-queue backlog), instead of in a worker's queue for a Chromium page.
 * - llm: the provider's rate limit holds for all LLM workers together: the server hands out at most this many
 *   activity tasks per second on the queue, whatever the number of workers; each worker also caps its own concurrency.
 * - render: one task per page of the renderer's pool (RENDER_MAX_PAGES).
 * - orchestration: the SDK's default.
 * Every role sends each heartbeat on to the server (no throttling beyond the beat interval): a cancellation is only
 * seen in a heartbeat's answer, and the SDK would otherwise hold heartbeats back for 80% of the heartbeat timeout
 * (48 s for the graph steps), delaying a cancellation by as much.
 */
export function activityCapacity(role: Exclude<WorkerRole, 'all'>, config: AppConfig): ActivityCapacity {
  const heartbeats = { maxHeartbeatThrottleInterval: HEARTBEAT_INTERVAL_MS };
  switch (role) {
    case 'llm':
      return {
        ...heartbeats,
        maxTaskQueueActivitiesPerSecond: config.LLM_MAX_ACTIVITIES_PER_SECOND,
        maxConcurrentActivityTaskExecutions: config.LLM_MAX_CONCURRENT,
      };
    case 'render':
      return { ...heartbeats, maxConcurrentActivityTaskExecutions: config.RENDER_MAX_PAGES };
    case 'orchestration':
      return heartbeats;
  }
}

/** Pinned workflows: a run stays on the build that started it, so new code never meets old histories. */
function deploymentVersioning(config: AppConfig): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  const { WORKER_DEPLOYMENT_NAME: deploymentName, WORKER_BUILD_ID: buildId } = config;
  if (!deploymentName || !buildId) return {};
  return {
    workerDeploymentOptions: {
      version: { deploymentName, buildId },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    },
  };
}

/** Business events from workflow code; never called during replay, so nothing is counted twice. */
function reportSinks(metrics: TaxMetrics): InjectedSinks<ReportSinks> {
  return {
    reportMetrics: {
      started: { fn: (info) => metrics.reportStarted(info.runId), callDuringReplay: false },
      finished: {
        fn: (info, companyId, status, seconds) => metrics.reportFinished(info.runId, companyId, status, seconds),
        callDuringReplay: false,
      },
      batchStarted: { fn: () => metrics.schedulerHeartbeat(new Date()), callDuringReplay: false },
      review: { fn: (_info, event) => metrics.reviewEvent(event), callDuringReplay: false },
    },
  };
}
