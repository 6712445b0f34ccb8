// 10,000 companies through the real batch workflow (children are trivial: they only report back). What must not
// grow with the firm: the input each run hands to the next, and each run's history. Measured in bytes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { BatchSummaryInput, CompanyPageInput } from '../../activities/types';
import { freePort } from '../../scripts/support/free-port';
import { startDevServer, type DevServer } from '../../scripts/support/temporal-dev-server';
import type { MonthlyReportBatchResult } from '../../workflows/monthly-report-batch';

const COMPANIES = Number(process.env.BATCH_SCALE_COMPANIES ?? 10_000);
const companyIds = Array.from({ length: COMPANIES }, (_, i) => `co-${String(i).padStart(5, '0')}`);
/** Bounds that hold at any firm size: state is counters, the window's ids and capped lists; a run starts ≤ 200 children. */
const MAX_CONTINUE_AS_NEW_INPUT_BYTES = 16 * 1024;
const MAX_RUN_HISTORY_BYTES = 1024 * 1024;
const MAX_RUN_EVENTS = 2_000;

let server: DevServer;
let client: Client;
let worker: Worker;
let running: Promise<void>;
const summaries: BatchSummaryInput[] = [];

before(async () => {
  server = await startDevServer({ port: await freePort() });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: server.address }),
    taskQueue: 'batch-scale',
    workflowsPath: require.resolve('../support/trivial-company-workflows'),
    activities: {
      async listCompanyPage({ after, limit }: CompanyPageInput): Promise<string[]> {
        const start = after === undefined ? 0 : companyIds.findIndex((id) => id > after);
        return start < 0 ? [] : companyIds.slice(start, start + limit);
      },
      async deliverBatchSummary(input: BatchSummaryInput): Promise<{ sent: boolean }> {
        summaries.push(input);
        return { sent: true };
      },
    },
    maxCachedWorkflows: 500,
    sinks: { reportMetrics: { started: { fn: () => undefined }, finished: { fn: () => undefined }, batchStarted: { fn: () => undefined } } },
  });
  running = worker.run();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
});
after(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
  await server?.stop();
});

test(`${COMPANIES} companies: every one counted, each run's input and history bounded in bytes`, { timeout: 30 * 60_000 }, async () => {
  const started = performance.now();
  const handle = await client.workflow.start('monthlyReportBatch', {
    taskQueue: 'batch-scale',
    workflowId: 'batch-scale',
    args: [{ period: '2024-05', concurrency: 100 }],
    workflowExecutionTimeout: '30m',
  });
  const result = (await handle.result()) as MonthlyReportBatchResult;
  const seconds = (performance.now() - started) / 1000;
  assert.deepEqual([result.counts.listed, result.counts.started, result.counts.succeeded, result.counts.failed], [COMPANIES, COMPANIES, COMPANIES, 0]);
  assert.deepEqual(summaries.map((s) => s.kind), ['final']);

  const runs: Array<{ inputBytes: number; historyBytes: number; events: number }> = [];
  let runId: string | undefined = handle.firstExecutionRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle('batch-scale', runId).fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    const input = events[0]?.workflowExecutionStartedEventAttributes?.input;
    runs.push({
      inputBytes: input ? temporal.api.common.v1.Payloads.encode(input).finish().length : 0,
      historyBytes: temporal.api.history.v1.History.encode(history).finish().length,
      events: events.length,
    });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  const largest = {
    inputBytes: Math.max(...runs.map((r) => r.inputBytes)),
    historyBytes: Math.max(...runs.map((r) => r.historyBytes)),
    events: Math.max(...runs.map((r) => r.events)),
  };
  console.log(`batch-scale: ${COMPANIES} companies in ${seconds.toFixed(0)} s, ${runs.length} runs; largest input ${largest.inputBytes} B, history ${largest.historyBytes} B / ${largest.events} events`);
  assert.ok(largest.inputBytes < MAX_CONTINUE_AS_NEW_INPUT_BYTES, `continue-as-new input ${largest.inputBytes} B`);
  assert.ok(largest.historyBytes < MAX_RUN_HISTORY_BYTES, `history ${largest.historyBytes} B`);
  assert.ok(largest.events < MAX_RUN_EVENTS, `history ${largest.events} events`);
});
