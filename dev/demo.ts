// `npm run demo [-- --keep]`: the whole monthly job on the embedded defaults, end to end, on a real Temporal
// dev server: sample ledgers → schedule trigger → one report and one e-mail per company.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { TaxMetrics } from '../lib/observability/metrics';
import { startMetricsServer } from '../lib/observability/metrics-server';
import { setupTracing } from '../lib/observability/tracing';
import { contextMonths, previousMonthInSeoul } from '../lib/domain/periods';
import { writeSampleData } from './sample-data';
import { upsertMonthlySchedule } from '../lib/schedule/monthly-schedule';
import { createReportWorker } from '../workers/report-worker';
import { DATA_DIR } from './paths';
import { describePortOwner, portFree } from './port-owner';
import { startDevServer } from './temporal-dev-server';
import {
  SCHEDULE_ID,
  type MonthlyCompanyReportResult,
  batchProgressQuery,
  type MonthlyReportBatchResult,
  companyReportWorkflowId,
} from '../lib/temporal-contract';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { keep: { type: 'boolean' } } });
  process.env.GRAPH_PERSIST_FILE ??= path.join(DATA_DIR, 'graph.nq');
  process.env.LOG_LEVEL ??= 'warn';
  const config = loadConfig();
  mkdirSync(DATA_DIR, { recursive: true });
  // The SDK's own warnings (e.g. the llm/render workers poll no workflows) are noise in the demo's output.
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });

  console.log('1/5 temporal dev server ...');
  const port = Number(config.TEMPORAL_ADDRESS.split(':')[1] ?? 7233);
  const uiPort = port + 1000; // the CLI's own default: 8233 beside 7233
  await checkTemporalPorts(port, uiPort, config.TEMPORAL_NAMESPACE);
  const server = await startDevServer({ port, uiPort, dbFile: path.join(DATA_DIR, 'temporal.db'), reuseExisting: true });
  console.log(`    ${server.owned ? 'started' : 'reusing'} ${server.address}, Web UI http://127.0.0.1:${uiPort}`);

  const period = previousMonthInSeoul(new Date());
  // The fiscal year so far and the 3 months before the report month: what its YTD and trailing rules read (for the
  // January companies; the April one's ledgers reach back over the fiscal year before, whose balances it carries).
  const months = [...contextMonths(period, 1), period];
  console.log(`2/5 sample ledgers ${months[0]} .. ${period} (${months.length} months) → ${config.ERP_DATA_DIR}`);
  const companies = await writeSampleData(config.ERP_DATA_DIR, months);
  console.log(`    ${companies.length} companies`);

  console.log('3/5 worker ...');
  const tracing = setupTracing(config);
  const metrics = new TaxMetrics();
  // Beside a running stack (whose worker holds 9464), any free port: the URL below says which.
  const metricsServer = await startMetricsServer(metrics.registry, { port: config.METRICS_PORT, host: '127.0.0.1' }).catch(async (err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const holder = describePortOwner(config.METRICS_PORT);
    const free = await startMetricsServer(metrics.registry, { port: 0, host: '127.0.0.1' });
    console.log(`    metrics port ${config.METRICS_PORT} is held by ${holder}: using ${free.port} instead`);
    return free;
  });
  console.log(`    metrics on http://127.0.0.1:${metricsServer.port}/metrics`);
  const reportWorker = await createReportWorker(config, { tracing, metrics });
  const workerRun = reportWorker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, plugins: [tracing.plugin] });

  console.log(`4/5 schedule ${SCHEDULE_ID}: trigger (reports ${period}) ...`);
  await upsertMonthlySchedule(client, { taskQueue: config.TASK_QUEUE, concurrency: config.BATCH_CONCURRENCY, ledgerWaitMs: config.LEDGER_WAIT });
  const schedule = client.schedule.getHandle(SCHEDULE_ID);
  const before = new Set((await schedule.describe()).info.recentActions.map((a) => a.action.workflow.workflowId));
  await schedule.trigger();
  const batchId = await waitFor(async () =>
    (await schedule.describe()).info.recentActions.map((a) => a.action.workflow.workflowId).find((id) => !before.has(id)),
  );
  const batch = client.workflow.getHandle(batchId);
  console.log(`    batch workflow ${batchId}`);

  const printProgress = async () => {
    const p = await batch.query(batchProgressQuery).catch(() => undefined);
    if (p) {
      const { listed, succeeded, unchanged, failed, waitingForLedger } = p.counts;
      console.log(
        `    ${succeeded + unchanged + failed}/${listed} done (${p.running} running, ${waitingForLedger} waiting for ledgers, ${failed} failed)`,
      );
    }
  };
  // Nothing in printProgress can reject (a failed query prints nothing), so the interval may drop its promise.
  const progress = setInterval(() => void printProgress(), 2000);
  const result = (await batch.result().finally(() => clearInterval(progress))) as MonthlyReportBatchResult;
  const { succeeded, unchanged, failed } = result.counts;
  console.log(`5/5 ${result.period}: ${succeeded} delivered, ${unchanged} unchanged re-runs (nothing sent), ${failed} failed\n`);
  // Each company's run keeps its own result; the batch keeps only counts (its state must not grow with the firm).
  const rows = await Promise.all(
    companies.map(async (c) => {
      const run = client.workflow.getHandle(companyReportWorkflowId(c, result.period));
      const outcome = await (run.result() as Promise<MonthlyCompanyReportResult>).then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, error: failureMessage(err) }),
      );
      if (!outcome.ok) return { company: c, status: 'failed', risk: '-', 'duration s': '-', pdf: outcome.error, email: '-' };
      const { r } = outcome;
      return {
        company: c,
        status: r.unchanged ? `unchanged (v${r.version})` : `delivered (v${r.version ?? 1})`,
        risk: r.riskLevel,
        'duration s': (r.durationMs / 1000).toFixed(1),
        pdf: path.relative(process.cwd(), path.join(config.REPORT_STORE_DIR, r.pdfKey)),
        email: r.outboxPaths.map((p) => path.relative(process.cwd(), p)).join(' ') || '-',
      };
    }),
  );
  console.table(rows);
  console.log(`\nWeb UI: http://127.0.0.1:${uiPort}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${batchId}`);
  // The embedded graph is the worker's file: asked once the demo's worker has stopped.
  console.log(
    `Ask the graph afterwards: GRAPH_PERSIST_FILE=${path.relative(process.cwd(), process.env.GRAPH_PERSIST_FILE)} npm run ask -- "${result.period} 고위험 지적사항 보여줘"`,
  );

  if (values.keep) {
    console.log('--keep: dev server and worker keep running; Ctrl-C stops them.');
    console.log('Console: in another terminal, `npm run console:token -- create --name me --role admin`, then `npm run console`');
    console.log('         and sign in at http://127.0.0.1:8080 with the printed token.');
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  reportWorker.shutdown();
  await workerRun;
  await connection.close();
  await metricsServer.close();
  await tracing.shutdown();
  await server.stop();
  process.exitCode = result.counts.failed === 0 ? 0 : 1;
}

/** Stops the demo with its message alone (one line, no stack trace). */
class DemoStop extends Error {}

/** A dev server that already serves the namespace on the port is reused (startDevServer); anything else holding the
 *  gRPC or the Web UI port stops the demo with one line naming the holder and what to do. */
async function checkTemporalPorts(port: number, uiPort: number, namespace: string): Promise<void> {
  if (await servesNamespace(`127.0.0.1:${port}`, namespace)) return;
  for (const [p, what] of [
    [port, 'Temporal gRPC'],
    [uiPort, 'Temporal Web UI'],
  ] as const) {
    if (await portFree(p)) continue;
    throw new DemoStop(
      `demo: port ${p} (${what}) is held by ${describePortOwner(p)}, which is not a Temporal dev server serving namespace ` +
        `"${namespace}": stop it, or set TEMPORAL_ADDRESS=127.0.0.1:<free port> (the Web UI then takes that port + 1000)`,
    );
  }
}

async function servesNamespace(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}

/** The innermost message: a failed run's cause, not "Workflow execution failed". */
function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the scheduled batch to start');
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof DemoStop ? err.message : err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
