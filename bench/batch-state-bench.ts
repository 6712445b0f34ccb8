// The real monthly batch over N listed companies whose runs only report back (bench/trivial-company-
// workflows.ts): what the batch itself costs as the firm grows. Measures, per run of the continue-as-new chain, the
// input it was handed and its history, in bytes. Used by test/integration/batch-scale.test.ts and `npm run bench`.
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { BatchSummaryInput, CompanyPageInput } from '../activities/types';
import { freePort } from '../dev/free-port';
import { startDevServer } from '../dev/temporal-dev-server';
import { type MonthlyReportBatchResult, WORKFLOW_TYPES } from '../lib/temporal-contract';

export interface BatchStateResult {
  companies: number;
  seconds: number;
  result: MonthlyReportBatchResult;
  summaries: BatchSummaryInput['kind'][];
  runs: number;
  largestInputBytes: number;
  largestHistoryBytes: number;
  largestHistoryEvents: number;
}

export async function benchBatchState(companies: number, concurrency = 100): Promise<BatchStateResult> {
  const companyIds = Array.from({ length: companies }, (_, i) => `co-${String(i).padStart(6, '0')}`);
  const summaries: BatchSummaryInput['kind'][] = [];
  const server = await startDevServer({ port: await freePort() });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const noop = { fn: () => undefined };
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: 'batch-state',
    workflowsPath: require.resolve('./trivial-company-workflows'),
    activities: {
      async listCompanyPage({ after, limit }: CompanyPageInput): Promise<string[]> {
        const start = after === undefined ? 0 : companyIds.findIndex((id) => id > after);
        return start < 0 ? [] : companyIds.slice(start, start + limit);
      },
      async deliverBatchSummary(input: BatchSummaryInput): Promise<{ sent: boolean }> {
        summaries.push(input.kind);
        return { sent: true };
      },
    },
    maxCachedWorkflows: 500,
    sinks: { reportMetrics: { started: noop, finished: noop, batchStarted: noop } },
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const started = performance.now();
    const handle = await client.workflow.start(WORKFLOW_TYPES.batch, {
      taskQueue: 'batch-state',
      workflowId: 'batch-state',
      args: [{ period: '2024-05', concurrency }],
      workflowExecutionTimeout: '1h',
    });
    const result = (await handle.result()) as MonthlyReportBatchResult;
    const seconds = (performance.now() - started) / 1000;
    const runs = await batchRunSizes(client, 'batch-state', handle.firstExecutionRunId);
    return {
      companies,
      seconds,
      result,
      summaries,
      runs: runs.length,
      largestInputBytes: Math.max(...runs.map((r) => r.inputBytes)),
      largestHistoryBytes: Math.max(...runs.map((r) => r.historyBytes)),
      largestHistoryEvents: Math.max(...runs.map((r) => r.events)),
    };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await nativeConnection.close();
    await server.stop();
  }
}

export interface BatchRunSize {
  inputBytes: number;
  historyBytes: number;
  events: number;
}

/** Each run of a batch's continue-as-new chain, first to last: the input it was handed and its history. */
export async function batchRunSizes(client: Client, workflowId: string, firstRunId: string): Promise<BatchRunSize[]> {
  const runs: BatchRunSize[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    const input = events[0]?.workflowExecutionStartedEventAttributes?.input;
    runs.push({
      inputBytes: input ? temporal.api.common.v1.Payloads.encode(input).finish().length : 0,
      historyBytes: temporal.api.history.v1.History.encode(history).finish().length,
      events: events.length,
    });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}
