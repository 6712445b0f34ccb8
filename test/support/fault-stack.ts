// The stack the fault suite breaks on purpose: a Temporal dev server (SQLite file, so it can be restarted), an
// RDF4J server and an SMTP server each behind a TCP proxy (cut off and restored without losing their state), and
// the worker as a child process on a prebuilt workflow bundle (restarts in seconds).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { PROJECT_ROOT } from '../../lib/config';
import { HttpGraphStore } from '../../lib/graph/http-graph-store';
import { freePort } from '../../dev/free-port';
import { startDevServer, type DevServer } from '../../dev/temporal-dev-server';
import { startRdf4jServer, type Rdf4jServer } from '../../dev/servers/rdf4j-server';
import { startSmtpServer } from '../../dev/servers/smtp-server';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { until } from '../../dev/until';
import { workerProcess, type WorkerProcess } from './worker-process';

const run = promisify(execFile);

export interface FaultStack {
  dir: string;
  erpDir: string;
  taskQueue: string;
  temporal: { address: string; port: number; dbFile: string; server: DevServer };
  rdf4j: Rdf4jServer;
  smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  graphProxy: TcpProxy;
  smtpProxy: TcpProxy;
  /** The graph as the worker sees it (through the proxy). */
  graph: HttpGraphStore;
  client: Client;
  worker: WorkerProcess;
  /** The worker's settings, for a test that starts another worker with some of them changed. */
  workerEnv: Record<string, string>;
  /** Stops the Temporal server and starts it again on the same port and database. */
  restartTemporal(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultStack(name: string, env: Record<string, string> = {}): Promise<FaultStack> {
  const dir = await mkdtemp(path.join(tmpdir(), `faults-${name}-`));
  const port = await freePort();
  const dbFile = path.join(dir, 'temporal.db');
  const [server, rdf4j, smtp] = await Promise.all([startDevServer({ port, dbFile }), startRdf4jServer(), startSmtpServer()]);
  const graphProxy = await startTcpProxy(Number(new URL(rdf4j.baseUrl).port));
  const smtpProxy = await startTcpProxy(Number(new URL(smtp.url).port));
  const graphUrl = new URL(rdf4j.repositoryUrl);
  graphUrl.port = String(graphProxy.port);
  const smtpUrl = new URL(smtp.url);
  smtpUrl.port = String(smtpProxy.port);

  const bundle = path.join(dir, 'workflow-bundle.js');
  await run(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(PROJECT_ROOT, 'scripts', 'build-workflow-bundle.ts'), bundle]);
  const taskQueue = `faults-${name}`;
  const erpDir = path.join(dir, 'erp');
  const workerEnv = {
    TEMPORAL_ADDRESS: server.address,
    TASK_QUEUE: taskQueue,
    WORKFLOW_BUNDLE_PATH: bundle,
    ERP_DATA_DIR: erpDir,
    REPORT_STORE_DIR: path.join(dir, 'reports'),
    OUTBOX_DIR: path.join(dir, 'outbox'),
    LLM_CACHE_DIR: path.join(dir, 'llm-cache'),
    LLM_USAGE_DIR: path.join(dir, 'llm-usage'),
    AUDIT_LOG_FILE: path.join(dir, 'audit', 'audit.jsonl'),
    GRAPHDB_URL: graphUrl.toString(),
    SMTP_URL: smtpUrl.toString(),
    ...env,
  };
  const worker = workerProcess(workerEnv);
  const temporal = { address: server.address, port, dbFile, server };
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const stack: FaultStack = {
    dir,
    erpDir,
    taskQueue,
    temporal,
    rdf4j,
    smtp,
    graphProxy,
    smtpProxy,
    graph: new HttpGraphStore({ repositoryUrl: graphUrl.toString(), timeoutMs: 60_000 }),
    client,
    worker,
    workerEnv,
    async restartTemporal() {
      await temporal.server.stop();
      temporal.server = await startDevServer({ port, dbFile });
    },
    async stop() {
      await worker.stop();
      await client.connection.close();
      await stack.graph.close();
      await Promise.all([graphProxy.close(), smtpProxy.close()]);
      await Promise.all([temporal.server.stop(), rdf4j.stop(), smtp.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

const { PendingActivityState } = temporal.api.enums.v1;

/** Polls a run until an activity of this type is executing on a worker (state STARTED); returns its attempt. */
export async function waitUntilRunning(client: Client, workflowId: string, activityType: string, minAttempt = 1): Promise<number> {
  return until(
    async () => {
      const { raw } = await client.workflow.getHandle(workflowId).describe();
      const pending = raw.pendingActivities?.find((a) => a.activityType?.name === activityType);
      const attempt = pending?.attempt ?? 0;
      return pending && attempt >= minAttempt && (minAttempt > 1 || pending.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
        ? attempt
        : undefined;
    },
    `${workflowId}: ${activityType} running (attempt ≥ ${minAttempt})`,
    { timeoutMs: 180_000, intervalMs: 25 },
  );
}
