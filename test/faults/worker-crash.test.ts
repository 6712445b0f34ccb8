// The worker SIGKILLed during each of the five steps, then started again: every run completes, each recipient gets
// exactly one e-mail, and the graph holds exactly the month a clean run writes (no staging graph, nothing half).
// Real Temporal dev server, real RDF4J server (the graph outlives the worker, as GraphDB does), real SMTP server,
// the worker as a child process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { PROJECT_ROOT, loadConfig } from '../../lib/config';
import { HttpGraphStore } from '../../lib/graph/http-graph-store';
import { OxigraphStore } from '../../lib/graph/oxigraph-store';
import { checkAndPromote, stageLedger } from '../../lib/pipeline/ledger-loading';
import { ledgerGraphIri, stagingGraphIri } from '../../lib/rdf/iris';
import { LedgerValidator } from '../../lib/validation/ledger-validator';
import { freePort } from '../../scripts/support/free-port';
import { writeSyntheticCompany } from '../../scripts/support/synthetic-ledger';
import { startDevServer, type DevServer } from '../../scripts/support/temporal-dev-server';
import { startRdf4jServer, type Rdf4jServer } from '../support/rdf4j-server';
import { startSmtpServer } from '../support/smtp-server';
import { workerProcess, type WorkerProcess } from '../support/worker-process';

const run = promisify(execFile);
const PERIOD = '2024-03';
/** Long enough that every step runs for a while on this machine, so the kill lands inside it. */
const LINES = 20_000;
const STEPS = ['extractLedger', 'validateLedger', 'analyzeLedger', 'renderReport', 'deliverReport'] as const;

let dir: string;
let server: DevServer;
let rdf4j: Rdf4jServer;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let graph: HttpGraphStore;
let client: Client;
let worker: WorkerProcess;
const taskQueue = 'faults-crash';

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faults-crash-'));
  [server, rdf4j, smtp] = await Promise.all([startDevServer({ port: await freePort() }), startRdf4jServer(), startSmtpServer()]);
  // A slow relay: the delivery step lasts long enough to be killed in the middle of its SMTP transaction.
  smtp.state.dataDelayMs = 3000;
  graph = new HttpGraphStore({ repositoryUrl: rdf4j.repositoryUrl, timeoutMs: 60_000 });
  for (const step of STEPS) await writeSyntheticCompany(path.join(dir, 'erp'), companyOf(step), PERIOD, LINES);
  const bundle = path.join(dir, 'workflow-bundle.js');
  await run(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(PROJECT_ROOT, 'scripts', 'build-workflow-bundle.ts'), bundle]);
  worker = workerProcess({
    TEMPORAL_ADDRESS: server.address,
    TASK_QUEUE: taskQueue,
    WORKFLOW_BUNDLE_PATH: bundle,
    ERP_DATA_DIR: path.join(dir, 'erp'),
    REPORT_STORE_DIR: path.join(dir, 'reports'),
    OUTBOX_DIR: path.join(dir, 'outbox'),
    LLM_CACHE_DIR: path.join(dir, 'llm-cache'),
    LLM_USAGE_DIR: path.join(dir, 'llm-usage'),
    GRAPHDB_URL: rdf4j.repositoryUrl,
    SMTP_URL: smtp.url,
  });
  await worker.start();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
});
after(async () => {
  await worker?.stop();
  await client?.connection.close();
  await graph?.close();
  await Promise.all([server?.stop(), rdf4j?.stop(), smtp?.close()]);
  await rm(dir, { recursive: true, force: true });
});

function companyOf(step: string): string {
  return `crash-${step.replace('Ledger', '').replace('Report', '').toLowerCase()}`;
}

/** Polls the run until the step's activity is executing on the worker. */
async function waitUntilRunning(workflowId: string, activityType: string): Promise<number> {
  for (;;) {
    const { raw } = await client.workflow.getHandle(workflowId).describe();
    const pending = raw.pendingActivities?.find((a) => a.activityType?.name === activityType);
    if (pending?.state === 2 /* PENDING_ACTIVITY_STATE_STARTED */) return pending.attempt ?? 1;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The triples a clean run leaves in the month's graph: the same file staged and promoted in a fresh store. */
async function cleanMonthTriples(companyId: string): Promise<number> {
  const store = new OxigraphStore();
  const config = loadConfig({ ERP_DATA_DIR: path.join(dir, 'erp') });
  const deps = { config, graph: store, validator: await LedgerValidator.load(config.SHAPES_DIR) };
  await stageLedger(deps, companyId, PERIOD);
  await checkAndPromote(deps, companyId, PERIOD);
  const count = await store.countTriples(ledgerGraphIri(companyId, PERIOD));
  await store.close();
  return count;
}

describe('worker killed mid-step', () => {
  for (const step of STEPS) {
    test(`SIGKILL during ${step}: the restarted worker finishes the run, one e-mail, the graph whole`, async () => {
      const companyId = companyOf(step);
      const workflowId = `crash-${step}`;
      const handle = await client.workflow.start('monthlyCompanyReport', { taskQueue, workflowId, args: [{ companyId, period: PERIOD }] });
      await waitUntilRunning(workflowId, step);
      await worker.kill();
      await worker.start();
      const result = await handle.result();

      assert.equal(result.emailsSent, 1);
      const mails = smtp.received.filter((m) => m.raw.toString('utf8').includes(`${companyId}@example.kr`));
      assert.equal(mails.length, 1, `${companyId}: ${mails.length} e-mails`);
      assert.equal(await graph.countTriples(stagingGraphIri(companyId, PERIOD)), 0, 'no staging graph left');
      assert.equal(await graph.countTriples(ledgerGraphIri(companyId, PERIOD)), await cleanMonthTriples(companyId));

      // The history shows the crash: the step's first attempt timed out on its heartbeat, the second completed.
      const history = await handle.fetchHistory();
      const timedOut = (history.events ?? []).filter((e) => e.activityTaskTimedOutEventAttributes);
      assert.equal(timedOut.length, 0, 'a retried attempt is not a timed-out activity');
      const started = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt! > 1);
      assert.equal(started.length, 1, `one retried attempt (of ${step})`);
    });
  }
});
