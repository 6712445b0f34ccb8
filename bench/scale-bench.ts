// The scale part of `npm run bench`: a generated month of N companies through the embedded stack (a Temporal dev
// server, the worker in this process with the embedded graph store and the outbox, real Chromium), with the LLM
// played by a local OpenAI-compatible server answering every call after a fixed latency. Measures wall time,
// reports per minute, peak memory and the history sizes (the batch continues as new every BATCH_PAGE_SIZE companies).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logging';
import { TaxMetrics } from '../lib/observability/metrics';
import { setupTracing } from '../lib/observability/tracing';
import { narrativeReply, startFakeOpenAi } from '../dev/servers/fake-openai';
import { createReportWorker } from '../workers/report-worker';
import { batchRunSizes } from './batch-state-bench';
import { freePort } from '../dev/free-port';
import { writeSyntheticCompany } from '../dev/synthetic-ledger';
import { startDevServer } from '../dev/temporal-dev-server';
import { companyReportWorkflowId, type MonthlyReportBatchResult, WORKFLOW_TYPES } from '../lib/temporal-contract';

export interface ScaleBenchOptions {
  companies: number;
  linesPerCompany: number;
  llmLatencyMs: number;
  /** Company workflows at once (the batch's `concurrency`). */
  batchConcurrency: number;
  llmConcurrency: number;
  llmRatePerSecond: number;
  renderPages: number;
}

export interface ScaleBenchResult extends ScaleBenchOptions {
  period: string;
  wallSeconds: number;
  reportsPerMinute: number;
  succeeded: number;
  failed: number;
  llmCalls: number;
  /** Peak resident set of this process: the worker (with the embedded graph of every company) and the stub LLM. */
  peakRssMiB: number;
  batchRuns: number;
  /** Events of the longest batch run (Temporal warns at 10,240). */
  maxBatchRunEvents: number;
  companyRunEvents: { median: number; max: number };
  /** Mean seconds of one successful activity, per step (tax_agent_execution_seconds). */
  stepMeanSeconds: Record<string, number>;
}

const PERIOD = '2024-03';
const MODEL = 'gpt-4.1-mini';

export async function benchScale(opts: ScaleBenchOptions): Promise<ScaleBenchResult> {
  const dir = await mkdtemp(join(os.tmpdir(), 'bench-scale-'));
  const llm = await startFakeOpenAi();
  llm.script(MODEL, (_, request) => ({
    delayMs: opts.llmLatencyMs,
    text: narrativeReply(request),
    usage: { prompt_tokens: 700, completion_tokens: 150 },
  }));
  const server = await startDevServer({ port: await freePort() });
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  try {
    const erpDir = join(dir, 'erp');
    const companyIds = Array.from({ length: opts.companies }, (_, i) => `scale-${String(i).padStart(4, '0')}`);
    for (const id of companyIds) await writeSyntheticCompany(erpDir, id, PERIOD, opts.linesPerCompany);
    const config = loadConfig({
      TEMPORAL_ADDRESS: server.address,
      TASK_QUEUE: 'bench-scale',
      ERP_DATA_DIR: erpDir,
      REPORT_STORE_DIR: join(dir, 'reports'),
      OUTBOX_DIR: join(dir, 'outbox'),
      LLM_CACHE_DIR: join(dir, 'llm-cache'),
      LLM_USAGE_DIR: join(dir, 'llm-usage'),
      AUDIT_LOG_FILE: join(dir, 'audit', 'audit.jsonl'),
      OPENAI_BASE_URL: llm.baseURL,
      LLM_INSIGHT_MODELS: MODEL,
      LLM_SUMMARY_MODELS: MODEL,
      LLM_MAX_CONCURRENT: String(opts.llmConcurrency),
      LLM_MAX_ACTIVITIES_PER_SECOND: String(opts.llmRatePerSecond),
      RENDER_MAX_PAGES: String(opts.renderPages),
      // Throughput, not the embedded store's bound: the month sits right at the default of 3,000,000 quads.
      GRAPH_EMBEDDED_MAX_QUADS: '10000000',
      METRICS_PORT: '0',
      LOG_LEVEL: 'error',
    });
    const tracing = setupTracing(config);
    const metrics = new TaxMetrics();
    const worker = await createReportWorker(config, { tracing, metrics, log: createLogger('error') });
    const running = worker.run();
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    try {
      const started = performance.now();
      const handle = await client.workflow.start(WORKFLOW_TYPES.batch, {
        taskQueue: config.TASK_QUEUE,
        workflowId: 'bench-scale-batch',
        args: [{ period: PERIOD, concurrency: opts.batchConcurrency }],
      });
      const result = (await handle.result()) as MonthlyReportBatchResult;
      const wallSeconds = (performance.now() - started) / 1000;
      const batchRuns = await batchRunSizes(client, 'bench-scale-batch', handle.firstExecutionRunId);
      const companyEvents = await Promise.all(
        companyIds.map(async (id) => (await client.workflow.getHandle(companyReportWorkflowId(id, PERIOD)).fetchHistory()).events?.length ?? 0),
      );
      companyEvents.sort((a, b) => a - b);
      return {
        ...opts,
        period: PERIOD,
        wallSeconds,
        reportsPerMinute: (result.counts.succeeded / wallSeconds) * 60,
        succeeded: result.counts.succeeded,
        failed: result.counts.failed,
        llmCalls: llm.requests.length,
        peakRssMiB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
        batchRuns: batchRuns.length,
        maxBatchRunEvents: Math.max(...batchRuns.map((r) => r.events)),
        companyRunEvents: { median: companyEvents[Math.floor(companyEvents.length / 2)] ?? 0, max: companyEvents.at(-1) ?? 0 },
        stepMeanSeconds: await stepMeans(metrics),
      };
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
      await tracing.shutdown();
    }
  } finally {
    await server.stop();
    await llm.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function stepMeans(metrics: TaxMetrics): Promise<Record<string, number>> {
  const histogram = (await metrics.registry.getSingleMetric('tax_agent_execution_seconds')?.get())?.values ?? [];
  const sums = new Map<string, { sum: number; count: number }>();
  for (const v of histogram) {
    const agent = String(v.labels.agent_name);
    const entry = sums.get(agent) ?? { sum: 0, count: 0 };
    const name = (v as { metricName?: string }).metricName ?? '';
    if (name.endsWith('_sum')) entry.sum = v.value;
    if (name.endsWith('_count')) entry.count = v.value;
    sums.set(agent, entry);
  }
  return Object.fromEntries([...sums].map(([agent, { sum, count }]) => [agent, count === 0 ? 0 : sum / count]));
}
