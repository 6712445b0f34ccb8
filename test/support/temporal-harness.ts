// A real Temporal dev server (in memory, own port) plus an in-process report worker on temp directories.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type AppConfig } from '../../lib/config';
import type { Logger } from '../../lib/logging';
import { TaxMetrics } from '../../lib/observability/metrics';
import { startMetricsServer } from '../../lib/observability/metrics-server';
import { setupTracing, type Tracing } from '../../lib/observability/tracing';
import { freePort } from '../../dev/free-port';
import { startDevServer, type DevServer } from '../../dev/temporal-dev-server';
import { createReportWorker, type ReportWorker } from '../../workers/report-worker';

export const FIXTURE_LEDGERS = path.join(__dirname, '..', 'fixtures', 'ledgers');

export interface Harness {
  config: AppConfig;
  client: Client;
  server: DevServer;
  worker: ReportWorker;
  dir: string;
  metrics: TaxMetrics;
  /** The worker's /metrics endpoint on loopback. */
  metricsUrl: string;
  stop(): Promise<void>;
}

let processWide: { tracing: Tracing } | undefined;

export async function startHarness(env: Record<string, string> = {}, log?: Logger): Promise<Harness> {
  if (!processWide) {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
    processWide = { tracing: setupTracing(loadConfig({})) };
  }
  const server = await startDevServer({ port: await freePort() });
  const dir = await mkdtemp(path.join(tmpdir(), 'tax-reports-'));
  await cp(FIXTURE_LEDGERS, path.join(dir, 'erp'), { recursive: true });
  const config = loadConfig({
    TEMPORAL_ADDRESS: server.address,
    TASK_QUEUE: `test-${path.basename(dir)}`,
    ERP_DATA_DIR: path.join(dir, 'erp'),
    REPORT_STORE_DIR: path.join(dir, 'reports'),
    OUTBOX_DIR: path.join(dir, 'outbox'),
    LLM_CACHE_DIR: path.join(dir, 'llm-cache'),
    LLM_USAGE_DIR: path.join(dir, 'llm-usage'),
    AUDIT_LOG_FILE: path.join(dir, 'audit', 'audit.jsonl'),
    LOG_LEVEL: 'warn',
    // npm test points this at one file for the whole run and checks it for leaked secrets afterwards.
    LOG_FILE: process.env.LOG_FILE ?? '',
    ...env,
  });
  const metrics = new TaxMetrics();
  const metricsServer = await startMetricsServer(metrics.registry, { port: 0, host: '127.0.0.1' });
  const worker = await createReportWorker(config, { tracing: processWide.tracing, metrics, log });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, plugins: [processWide.tracing.plugin] });
  return {
    config,
    client,
    server,
    worker,
    dir,
    metrics,
    metricsUrl: `http://127.0.0.1:${metricsServer.port}/metrics`,
    async stop() {
      await metricsServer.close();
      worker.shutdown();
      await running;
      await connection.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
