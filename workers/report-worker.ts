// Builds a worker for the report task queue with its dependencies; used by the worker process, the demo and tests.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { AppConfig } from '../lib/config';
import { createGraphStore } from '../lib/graph/create-graph-store';
import { createLogger } from '../lib/logging';
import { createMailTransport } from '../lib/mail/mail-transport';
import { PdfRenderer } from '../lib/report/pdf-renderer';
import { TaxRuleEngine } from '../lib/rules/tax-rule-engine';
import { FsObjectStore } from '../lib/storage/fs-object-store';
import { LedgerValidator } from '../lib/validation/ledger-validator';

export interface ReportWorker {
  worker: Worker;
  deps: ActivityDeps;
  /** Stops polling, waits for running activities, then closes Chromium, the graph store and the connection. */
  run(): Promise<void>;
}

export async function createReportWorker(config: AppConfig): Promise<ReportWorker> {
  const log = createLogger(config.LOG_LEVEL);
  let renderer: Promise<PdfRenderer> | undefined;
  const deps: ActivityDeps = {
    config,
    log,
    graph: createGraphStore({
      graphdbUrl: config.GRAPHDB_URL,
      username: config.GRAPHDB_USERNAME,
      password: config.GRAPHDB_PASSWORD,
      token: config.GRAPHDB_TOKEN,
      timeoutMs: config.GRAPHDB_TIMEOUT_MS,
      persistFile: config.GRAPH_PERSIST_FILE,
    }),
    objects: new FsObjectStore(config.REPORT_STORE_DIR),
    mail: createMailTransport({ smtpUrl: config.SMTP_URL, outboxDir: config.OUTBOX_DIR }),
    validator: await LedgerValidator.load(config.SHAPES_DIR),
    rules: await TaxRuleEngine.load(config.SHAPES_DIR),
    renderer: () =>
      (renderer ??= PdfRenderer.launch({ executablePath: config.CHROMIUM_PATH, maxPages: config.RENDER_MAX_PAGES })),
  };
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities(deps),
  });
  log.info({ event: 'worker_started', task_queue: config.TASK_QUEUE, address: config.TEMPORAL_ADDRESS }, 'worker ready');

  return {
    worker,
    deps,
    async run() {
      try {
        await worker.run();
      } finally {
        await (await renderer?.catch(() => undefined))?.close();
        await deps.mail.close();
        await deps.graph.close();
        await connection.close();
      }
    },
  };
}
