// Temporal's time-skipping test server (the Java one, provisioned by scripts/provision-test-server.sh) and the
// report's workers on it, with the workflows of workflows/ and activities the test supplies. While a test awaits a
// result (or calls env.sleep) the server's clock jumps to the next timer whenever nothing is in flight: workflow
// timers, `condition` timeouts and retry backoff take no real time, days of workflow time pass in seconds.
// What the server (io.temporal:temporal-test-server 1.38.0) does not skip, and tests must not wait for:
// - activity timeouts: the clock holds while any activity is scheduled or running, so an activity nobody picks up
//   times out in real time;
// - anything after a child run closes once the parent run that started it has closed (continued as new): the
//   parent notification is dropped with its clock lock, and the clock stops for good (test/workflows/batch-window).
// Its clock may also leap years ahead (seen: 10 years, the default execution timeout) once a test's runs have closed:
// measure workflow time from histories or activity calls, not from env.currentTimeMs() after a result.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { temporal } from '@temporalio/proto';
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
import type { NarrativeRequest } from '../../lib/llm/narrative-writer';
import type { ReportSinks } from '../../workflows/report-sinks';
import { taskQueues } from '../../lib/temporal-contract';
import declaredSearchAttributes from '../../temporal-config/search-attributes.json';

export const ROOT = path.join(__dirname, '..', '..');
/** Written by scripts/provision-test-server.sh; run as `<it> <port>` by the SDK's core. */
export const TEST_SERVER_EXECUTABLE = path.join(ROOT, '.tools', 'bin', 'temporal-test-server');

export interface TimeSkippingOptions {
  /** The whole start, JVM included; the SDK's core gives each launch 5 s to answer and is retried within this. */
  startupTimeoutMs?: number;
  /** The SDK's own log (workers, workflow `log.*`): the fallback paths warn by design. */
  logLevel?: LogLevel;
}

/** Starts the time-skipping test server; `teardown()` it in `after`. */
export async function startTimeSkipping({
  startupTimeoutMs = 60_000,
  logLevel = 'ERROR',
}: TimeSkippingOptions = {}): Promise<TestWorkflowEnvironment> {
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
    let env: TestWorkflowEnvironment | 'timeout';
    try {
      env = await Promise.race([starting, timedOut]);
    } catch (err) {
      // The core gives up on a server that does not answer within 5 s (a JVM on a busy machine): launch again.
      failures.push(err instanceof Error ? err.message : String(err));
      continue;
    } finally {
      clearTimeout(timer);
    }
    if (env === 'timeout') {
      // A start that answers after all must not leave a JVM behind.
      void starting.then((late) => late.teardown()).catch(() => undefined);
      break;
    }
    try {
      await registerSearchAttributes(env);
    } catch (err) {
      await env.teardown();
      throw err;
    }
    return env;
  }
  throw new Error(
    `Temporal's time-skipping test server (${path.relative(ROOT, TEST_SERVER_EXECUTABLE)}) did not start within ${startupTimeoutMs} ms` +
      (failures.length ? `: ${failures.join('; ')}` : '') +
      '. Check that `.tools/bin/temporal-test-server 7299` starts (Java 17+), or run `bash scripts/provision-test-server.sh` again.',
  );
}

function installRuntime(logLevel: LogLevel): void {
  try {
    // Core's own log (Rust) at the same level: the test server lacks features core warns about on every worker.
    Runtime.install({
      logger: new DefaultLogger(logLevel),
      shutdownSignals: [],
      telemetryOptions: { logging: { filter: { core: logLevel, other: logLevel }, forward: {} } },
    });
  } catch {
    // Already installed (or already in use) in this process: keep it.
  }
}

/** The search attributes the workflows upsert and start children with, as temporal-config/setup.sh registers them. */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const { IndexedValueType } = temporal.api.enums.v1;
  // The CLI's type names, as the JSON spells them.
  const types: Record<string, temporal.api.enums.v1.IndexedValueType> = {
    Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
    Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
    Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
    Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  };
  const searchAttributes = Object.fromEntries(
    Object.entries(declaredSearchAttributes as Record<string, string>).map(([name, type]) => {
      const indexed = types[type];
      if (indexed === undefined) throw new Error(`temporal-config/search-attributes.json: ${name} has unknown type ${type}`);
      return [name, indexed];
    }),
  );
  await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes });
}

/** workflows/index.ts as the report worker registers it, bundled once per test file. */
export async function bundleReportWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('ERROR') });
}

/** Some of the report's activities (typed as the real ones), and any a test's own workflows call. */
export type ActivityGroup = Partial<Activities> & Record<string, (...args: never[]) => Promise<unknown>>;

/** Activities by the queue they run on (workflows/activity-proxies.ts): beside the workflows, `-llm`, `-render`. */
export interface QueueActivities {
  orchestration?: ActivityGroup;
  llm?: ActivityGroup;
  render?: ActivityGroup;
}

export interface ReportWorkersOptions {
  taskQueue: string;
  /** The workflows: bundleReportWorkflows(), or another bundle. */
  workflowBundle: WorkflowBundleWithSourceMap;
  activities: QueueActivities;
  /** Defaults to sinks that record calls nobody reads. */
  sinks?: InjectedSinks<ReportSinks>;
  worker?: Partial<WorkerOptions>;
}

/** The report's workers on the environment, as workers/report-worker.ts lays them out: one per task queue. */
export async function withReportWorkers<T>(env: TestWorkflowEnvironment, options: ReportWorkersOptions, fn: () => Promise<T>): Promise<T> {
  const { taskQueue, workflowBundle, activities, sinks = recordingSinks().sinks, worker = {} } = options;
  const queue = taskQueues(taskQueue);
  const queues: Partial<WorkerOptions>[] = [
    { taskQueue: queue.orchestration, activities: activities.orchestration ?? {}, workflowBundle, sinks },
    { taskQueue: queue.llm, activities: activities.llm ?? {} },
    { taskQueue: queue.render, activities: activities.render ?? {} },
  ];
  const workers: Worker[] = [];
  const running: Promise<void>[] = [];
  const stop = async () => {
    workers.forEach((w) => w.shutdown());
    await Promise.all(running);
  };
  try {
    // A queue without activities gets no worker (a worker must poll for something).
    for (const queue of queues.filter((q) => q.workflowBundle || Object.keys(q.activities ?? {}).length > 0)) {
      const created = await Worker.create({ connection: env.nativeConnection, taskQueue: queue.taskQueue!, ...queue, ...worker });
      workers.push(created);
      running.push(created.run());
    }
  } catch (err) {
    await stop();
    throw err;
  }
  try {
    return await fn();
  } finally {
    await stop();
  }
}

export type SinkCall = { sink: keyof ReportSinks['reportMetrics']; workflowId: string; args: unknown[] };

/** The workflows' metric sinks, recorded in call order (never called during replay, as on the real worker). */
export function recordingSinks(): { sinks: InjectedSinks<ReportSinks>; calls: SinkCall[] } {
  const calls: SinkCall[] = [];
  const record = (sink: SinkCall['sink']) =>
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

/** One activity attempt as a fake saw it. */
export interface ActivityCall {
  name: string;
  input: unknown;
  attempt: number;
  /**
   * The server's (skipped) clock when the attempt ran, epoch ms. Not the activity info's
   * currentAttemptScheduledTimestampMs: the test server stamps a retry with the time of the failure before it,
   * not the time the retry fell due.
   */
  at: number;
  workflowId: string;
}

/**
 * The pipeline's activities answering at once with plain values derived from their input, each attempt recorded in
 * `calls` (in the order they ran). `overrides` replace single activities on their queue.
 */
export function fakePipeline(
  env: TestWorkflowEnvironment,
  overrides: QueueActivities = {},
): { activities: QueueActivities; calls: ActivityCall[]; callsOf: (name: string) => ActivityCall[] } {
  const calls: ActivityCall[] = [];
  const defaults: Required<QueueActivities> = {
    orchestration: {
      extractLedger: async ({ companyId, period }) => ({
        stagingGraph: `urn:staging:${companyId}:${period}`,
        lines: 120,
        vouchers: 40,
        sourceSha256: 'ledger-sha',
      }),
      validateLedger: async ({ companyId, period }) => ({ graph: `urn:graph:${companyId}:${period}`, warnings: [] }),
      loadEarlierMonths: async () => ({ present: [], loaded: [], missing: [], invalid: [] }),
      analyzeLedger: async ({ companyId, period }) => ({
        findingsKey: `${companyId}/${period}/findings.json`,
        riskLevel: 'MEDIUM',
        findingCount: 3,
        llmChains: { insights: [], summary: [] },
      }),
      groundNarrative: async () => ({ articles: 2, previousMonths: 0 }),
      prepareNarrative: async ({ task = 'summary', model, fallbackUsed }) =>
        model === 'offline'
          ? { written: true, result: { model, inputTokens: 0, outputTokens: 0 } }
          : { written: false, request: { task, model, fallbackUsed } as unknown as NarrativeRequest },
      applyNarrative: async ({ model, reply }) => ({
        model,
        inputTokens: reply?.usage.inputTokens ?? 0,
        outputTokens: reply?.usage.outputTokens ?? 0,
      }),
      writeOfflineNarrative: async () => ({ model: 'offline', inputTokens: 0, outputTokens: 0 }),
      deliverReport: async ({ companyId, period }) => ({
        recipients: 1,
        sent: 1,
        alreadySent: 0,
        messageIds: [`<${companyId}-${period}@test>`],
        outboxPaths: [`outbox/${companyId}-${period}.eml`],
        version: 1,
      }),
      deliverDataQualityReport: async ({ companyId, period }) => ({
        recipients: 1,
        sent: 1,
        alreadySent: 0,
        messageIds: [`<${companyId}-${period}-data-quality@test>`],
        outboxPaths: [`outbox/${companyId}-${period}-data-quality.eml`],
      }),
      deliverLedgerMissingNotice: async () => ({ sent: true }),
      deliverRunFailureNotice: async () => ({ sent: true }),
      deliverBatchSummary: async () => ({ sent: true }),
    },
    llm: {
      callNarrativeModel: async () => ({
        answer: { text: 'written by a model' },
        usage: { inputTokens: 900, cachedInputTokens: 0, outputTokens: 300, estimated: false },
      }),
    },
    render: {
      renderReport: async ({ companyId, period }) => ({ pdfKey: `${companyId}/${period}/report.pdf`, bytes: 4096, sha256: 'pdf-sha' }),
      renderDataQualityReport: async ({ companyId, period }) => ({
        pdfKey: `${companyId}/${period}/data-quality.pdf`,
        bytes: 2048,
        sha256: 'dq-sha',
      }),
    },
  };
  const record = (group: object): Record<string, (input: unknown) => Promise<unknown>> =>
    Object.fromEntries(
      Object.entries(group as Record<string, (input: unknown) => Promise<unknown>>).map(([name, fn]) => [
        name,
        async (input: unknown) => {
          const { attempt, workflowExecution } = Context.current().info;
          const call: ActivityCall = { name, input, attempt, at: 0, workflowId: workflowExecution?.workflowId ?? '' };
          calls.push(call); // in the order the attempts started
          call.at = await env.currentTimeMs();
          return fn(input);
        },
      ]),
    );
  const activities = {
    orchestration: record({ ...defaults.orchestration, ...overrides.orchestration }),
    llm: record({ ...defaults.llm, ...overrides.llm }),
    render: record({ ...defaults.render, ...overrides.render }),
  } as QueueActivities;
  return { activities, calls, callsOf: (name) => calls.filter((c) => c.name === name) };
}
