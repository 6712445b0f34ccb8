// Temporal's time-skipping test server (the Java one, provisioned by scripts/provision-test-server.sh) and the
// report's workers on it, with the workflows of workflows/ and activities the test supplies. Timers, retry backoff
// and timeouts are skipped while a test awaits a result (or calls env.sleep): days of workflow time in seconds.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { TypedSearchAttributes, type SearchAttributeKey, type SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type InjectedSinks,
  type LogLevel,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { ReportSinks } from '../../workflows/report-sinks';
import { CompanyIdKey, PeriodKey, ReportStageKey, RiskLevelKey } from '../../workflows/search-attributes';

export const ROOT = path.join(__dirname, '..', '..');
/** Written by scripts/provision-test-server.sh; run as `<it> <port>` by the SDK's core. */
export const TEST_SERVER_EXECUTABLE = path.join(ROOT, '.tools', 'bin', 'temporal-test-server');

/** The keys the workflows upsert or start children with (temporal-config/search-attributes.json on real servers). */
const SEARCH_ATTRIBUTES: SearchAttributeKey<SearchAttributeType>[] = [CompanyIdKey, PeriodKey, RiskLevelKey, ReportStageKey];

export interface TimeSkippingOptions {
  /** The whole start, JVM included; the SDK's core gives each launch 5 s to answer and is retried within this. */
  startupTimeoutMs?: number;
  /** The SDK's own log (workers, workflow `log.*`): the fallback paths warn by design. */
  logLevel?: LogLevel;
}

/** Starts the time-skipping test server; `teardown()` it in `after`. */
export async function startTimeSkipping({ startupTimeoutMs = 60_000, logLevel = 'ERROR' }: TimeSkippingOptions = {}): Promise<TestWorkflowEnvironment> {
  try {
    await access(TEST_SERVER_EXECUTABLE, constants.X_OK);
  } catch {
    throw new Error(
      `Temporal's time-skipping test server is not provisioned: ${path.relative(ROOT, TEST_SERVER_EXECUTABLE)} is missing. ` +
        'Run `bash scripts/provision-test-server.sh` (needs Java 17+ and mvn) and try again.',
    );
  }
  installRuntime(logLevel);

  const deadline = Date.now() + startupTimeoutMs;
  const failures: string[] = [];
  while (Date.now() < deadline) {
    const starting = TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: TEST_SERVER_EXECUTABLE } },
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    try {
      const env = await Promise.race([starting, timedOut]);
      if (env === 'timeout') {
        // A start that answers after all must not leave a JVM behind.
        void starting.then((late) => late.teardown()).catch(() => undefined);
        break;
      }
      await registerSearchAttributes(env);
      return env;
    } catch (err) {
      // The core gives up on a server that does not answer within 5 s (a JVM on a busy machine): launch again.
      failures.push(err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }
  throw new Error(
    `Temporal's time-skipping test server (${path.relative(ROOT, TEST_SERVER_EXECUTABLE)}) did not start within ${startupTimeoutMs} ms` +
      (failures.length ? `: ${failures.join('; ')}` : '') +
      '. Check that `.tools/bin/temporal-test-server 7299` starts (Java 17+), or run `bash scripts/provision-test-server.sh` again.',
  );
}

function installRuntime(logLevel: LogLevel): void {
  try {
    Runtime.install({ logger: new DefaultLogger(logLevel), shutdownSignals: [] });
  } catch {
    // Already installed (or already in use) in this process: keep it.
  }
}

async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, TypedSearchAttributes.toMetadataType(key.type)])),
  });
}

/** workflows/index.ts as the report worker registers it, bundled once per test file. */
export async function bundleReportWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('ERROR') });
}

/** Activities by the queue they run on (workflows/activity-proxies.ts): beside the workflows, `-llm`, `-render`. */
export interface QueueActivities {
  orchestration?: Partial<Activities>;
  llm?: Partial<Activities>;
  render?: Partial<Activities>;
}

export interface ReportWorkersOptions {
  taskQueue: string;
  /** The workflows: bundleReportWorkflows(), or another bundle. */
  workflowBundle: WorkflowBundleWithSourceMap;
  activities: QueueActivities;
  /** Defaults to sinks that do nothing. */
  sinks?: InjectedSinks<ReportSinks>;
  worker?: Partial<WorkerOptions>;
}

/** The report's workers on the environment, as workers/report-worker.ts lays them out: one per task queue. */
export async function withReportWorkers<T>(env: TestWorkflowEnvironment, options: ReportWorkersOptions, fn: () => Promise<T>): Promise<T> {
  const { taskQueue, workflowBundle, activities, sinks = recordingSinks().sinks, worker = {} } = options;
  const queues = [
    { taskQueue, activities: activities.orchestration ?? {}, workflowBundle, sinks },
    { taskQueue: `${taskQueue}-llm`, activities: activities.llm ?? {} },
    { taskQueue: `${taskQueue}-render`, activities: activities.render ?? {} },
  ];
  const workers = await Promise.all(queues.map((queue) => Worker.create({ connection: env.nativeConnection, ...queue, ...worker })));
  const running = workers.map((w) => w.run());
  try {
    return await fn();
  } finally {
    workers.forEach((w) => w.shutdown());
    await Promise.all(running);
  }
}

export type SinkCall = { sink: keyof ReportSinks['reportMetrics']; workflowId: string; args: unknown[] };

/** The workflows' metric sinks, recorded in call order (never called during replay, as on the real worker). */
export function recordingSinks(): { sinks: InjectedSinks<ReportSinks>; calls: SinkCall[] } {
  const calls: SinkCall[] = [];
  const record =
    (sink: SinkCall['sink']) =>
    ({
      fn: (info: { workflowId: string }, ...args: unknown[]) => {
        calls.push({ sink, workflowId: info.workflowId, args });
      },
      callDuringReplay: false,
    }) as const;
  return {
    calls,
    sinks: {
      reportMetrics: {
        started: record('started'),
        finished: record('finished'),
        batchStarted: record('batchStarted'),
        review: record('review'),
      },
    },
  };
}

export const HOUR_MS = 60 * 60 * 1000;
