// Backup and restore end to end, on the production shape: a month of three companies on an RDF4J server, sealed
// reports, the audit log in PostgreSQL. `cli/backup.ts` writes a set; a FRESH RDF4J server, report directory
// and database receive it through `cli/restore.ts`; then the console serves the restored reports, the audit
// log verifies (also through `cli/audit.ts verify`), every graph holds the same statements, and analysing a
// restored month again gives the same findings.json apart from its timestamp. Restore refuses a stack that holds
// data, a set with a tampered file and a set without its manifest, before writing anything.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { asyncLocalStorage, type Context } from '@temporalio/activity';
import pg from 'pg';
import { createAnalysisActivities } from '../../activities/analyze-ledger';
import { createConsoleDeps } from '../../console/console-deps';
import { buildConsoleServer } from '../../console/server';
import { createAuditLog } from '../../lib/audit/create-audit-log';
import { parseManifest, type Manifest } from '../../lib/backup/backup-set';
import { loadConfig, PROJECT_ROOT, type AppConfig } from '../../lib/config';
import type { FindingsDocument } from '../../lib/domain/findings';
import type { GraphStore } from '../../lib/graph/graph-store';
import { HttpGraphStore } from '../../lib/graph/http-graph-store';
import { createLogger } from '../../lib/logging';
import { ledgerGraphIri } from '../../lib/rdf/iris';
import { SEAL_MAGIC } from '../../lib/security/envelope';
import { loadKeyWrapper } from '../../lib/security/keyring';
import { createObjectStore } from '../../lib/storage/create-object-store';
import { FsObjectStore } from '../../lib/storage/fs-object-store';
import { reportKeys } from '../../lib/storage/object-store';
import { startPostgresServer, type PostgresServer } from '../../dev/servers/postgres-server';
import { startRdf4jServer, type Rdf4jServer } from '../../dev/servers/rdf4j-server';
import { startHarness, type Harness } from '../support/temporal-harness';
import { registerTestSecret } from '../../dev/test-secrets';

const run = promisify(execFile);
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const script = (name: string) => path.join(PROJECT_ROOT, 'cli', name);
const PERIOD = '2024-03';
const COMPANIES = ['c01-가람', 'c02-누리', 'c03-다솜'];
/** The only fields of findings.json that differ between two analyses of the same graph: when each one ran. */
const TIMESTAMP_FIELDS = ['generatedAt'] as const;
const KEYS = `k1:${registerTestSecret(randomBytes(32).toString('base64'))}`;

let source: Rdf4jServer;
let target: Rdf4jServer;
let postgres: PostgresServer;
let h: Harness;
let dir: string;
/** The restored stack's settings: fresh graph, report directory and database; the same keys and ERP inputs. */
let restored: AppConfig;
let backupDir: string;
let manifest: Manifest;
const original = new Map<string, { findings: Buffer; pdf: Buffer }>();
const graphs: GraphStore[] = [];

async function createDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return url.href;
}

/** The stack's settings as environment variables for the CLIs (LOG_FILE: npm test checks it for leaked secrets). */
function envOf(config: AppConfig, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GRAPHDB_URL: config.GRAPHDB_URL,
    REPORT_STORE_DIR: config.REPORT_STORE_DIR,
    DATABASE_URL: config.DATABASE_URL,
    BACKUP_DIR: backupDir,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

function cli(name: string, args: string[], env: NodeJS.ProcessEnv) {
  return run(TSX, [script(name), ...args], { env, timeout: 300_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
}

function graphStore(url: string): GraphStore {
  const store = new HttpGraphStore({ repositoryUrl: url, timeoutMs: 60_000 });
  graphs.push(store);
  return store;
}

/** A graph's statements in a comparable form: sorted, blank node labels (which each server picks) blanked. */
async function statementsOf(store: GraphStore, graph: string): Promise<string[]> {
  let text = '';
  for await (const chunk of store.exportGraph(graph)) text += chunk;
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/_:\S+/g, '_:b'))
    .sort();
}

/** As the worker runs an activity (activityLogger reads its context). */
function inActivity<T>(activityType: string, fn: () => Promise<T>): Promise<T> {
  const info = { activityType, attempt: 1, workflowExecution: { workflowId: 'restore-check', runId: 'restore-check-1' } };
  return asyncLocalStorage.run({ info } as unknown as Context, fn);
}

const withoutTimestamps = (doc: FindingsDocument) => {
  const copy: Record<string, unknown> = { ...doc };
  for (const field of TIMESTAMP_FIELDS) {
    assert.equal(typeof copy[field], 'string', `findings.json has ${field}`);
    delete copy[field];
  }
  return copy;
};

before(async () => {
  [source, target, postgres] = await Promise.all([startRdf4jServer(), startRdf4jServer(), startPostgresServer()]);
  dir = await mkdtemp(path.join(tmpdir(), 'backup-restore-'));
  backupDir = path.join(dir, 'backups');
  h = await startHarness({
    GRAPHDB_URL: source.repositoryUrl,
    DATABASE_URL: await createDatabase('source_stack'),
    ENCRYPTION_KEYS: KEYS,
    ENCRYPTION_KEY_ID: 'k1',
  });
  restored = loadConfig({
    TEMPORAL_ADDRESS: h.config.TEMPORAL_ADDRESS,
    TASK_QUEUE: h.config.TASK_QUEUE,
    ERP_DATA_DIR: h.config.ERP_DATA_DIR,
    GRAPHDB_URL: target.repositoryUrl,
    REPORT_STORE_DIR: path.join(dir, 'restored', 'reports'),
    DATABASE_URL: await createDatabase('restored_stack'),
    API_TOKENS_FILE: path.join(dir, 'restored', 'console', 'api-tokens.json'),
    LLM_USAGE_DIR: path.join(dir, 'restored', 'llm-usage'),
    LLM_CACHE_DIR: path.join(dir, 'restored', 'llm-cache'),
    OUTBOX_DIR: path.join(dir, 'restored', 'outbox'),
    ENCRYPTION_KEYS: KEYS,
    ENCRYPTION_KEY_ID: 'k1',
    LOG_LEVEL: 'warn',
    LOG_FILE: process.env.LOG_FILE ?? '',
  });
  for (const companyId of COMPANIES) {
    const result = await h.client.workflow.execute('monthlyCompanyReport', {
      taskQueue: h.config.TASK_QUEUE,
      workflowId: `tax-report-${companyId}-${PERIOD}`,
      args: [{ companyId, period: PERIOD }],
      workflowExecutionTimeout: '5 minutes',
    });
    assert.equal(result.emailsSent, 1, companyId);
    const keys = reportKeys(companyId, PERIOD);
    original.set(companyId, { findings: await h.worker.deps.objects.get(keys.findings), pdf: await h.worker.deps.objects.get(keys.pdf) });
  }
});

after(async () => {
  await Promise.all(graphs.map((g) => g.close()));
  await h?.stop();
  await Promise.all([source?.stop(), target?.stop(), postgres?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('npm run backup writes a complete set: every graph, every sealed object as stored, the audit chain, the manifest last', async () => {
  const backup = await cli('backup.ts', [], envOf(h.config));
  assert.equal(backup.code, 0, backup.stderr);
  const id = /\d{8}T\d{6}Z/.exec(backup.stdout)?.[0];
  assert.ok(id, backup.stdout);
  manifest = parseManifest(await readFile(path.join(backupDir, 'manifests', `${id}.json`), 'utf8'));

  const sourceGraph = graphStore(source.repositoryUrl);
  assert.deepEqual(
    manifest.graphs.map((g) => g.iri),
    (await sourceGraph.listGraphs()).sort(),
  );
  for (const companyId of COMPANIES)
    assert.ok(
      manifest.graphs.some((g) => g.iri === ledgerGraphIri(companyId, PERIOD)),
      companyId,
    );
  for (const graph of manifest.graphs) assert.equal(graph.statements, await sourceGraph.countTriples(graph.iri), graph.iri);

  // The objects as stored: sealed bytes, identical to the report store's files, never plaintext.
  const reports = new FsObjectStore(h.config.REPORT_STORE_DIR);
  const keys: string[] = [];
  for await (const key of reports.list('')) keys.push(key);
  assert.equal(manifest.reports.objects, keys.length);
  for (const key of keys) {
    const copy: Buffer = await readFile(path.join(backupDir, id, 'reports', key));
    assert.deepEqual(copy, await reports.get(key), key);
    assert.ok(copy.subarray(0, SEAL_MAGIC.length).equals(SEAL_MAGIC), `${key} is sealed in the backup`);
  }

  const audit = createAuditLog({ file: '/nonexistent', databaseUrl: h.config.DATABASE_URL, log: createLogger('warn') });
  const verified = await audit.verify();
  await audit.close();
  assert.equal(verified.ok, true);
  assert.ok(verified.records >= COMPANIES.length, 'one report.generated per company at least');
  assert.equal(manifest.audit.records, verified.records);
  assert.equal(manifest.audit.marks.head?.seq, verified.lastSeq);
});

test('npm run restore latest fills a fresh RDF4J, report directory and database, and each store holds what was backed up', async () => {
  const restore = await cli('restore.ts', ['latest'], envOf(restored));
  assert.equal(restore.code, 0, restore.stderr);
  assert.match(restore.stdout, new RegExp(`restored backup ${manifest.id}`));

  const [from, into] = [graphStore(source.repositoryUrl), graphStore(target.repositoryUrl)];
  const graphIris = await into.listGraphs();
  assert.deepEqual(graphIris.sort(), (await from.listGraphs()).sort());
  for (const iri of graphIris) assert.deepEqual(await statementsOf(into, iri), await statementsOf(from, iri), iri);
  // Hangul arrives whole (a character cut between two HTTP chunks once came back as U+FFFD on both sides).
  const damaged = 'ASK { GRAPH ?g { ?s ?p ?o FILTER(CONTAINS(STR(?o), "\uFFFD")) } }';
  assert.equal(await from.ask(damaged), false);
  assert.equal(await into.ask(damaged), false);
  assert.ok(await into.ask('ASK { GRAPH ?g { ?s ?p "직원 급여" } }'), 'a Hangul memo of the ledgers');

  const reports = new FsObjectStore(restored.REPORT_STORE_DIR);
  for await (const key of new FsObjectStore(h.config.REPORT_STORE_DIR).list('')) {
    assert.deepEqual(await reports.get(key), await readFile(path.join(h.config.REPORT_STORE_DIR, key)), key);
  }

  // The chain as it was, then the restore's own record.
  const verify = await cli('audit.ts', ['verify'], envOf(restored));
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, new RegExp(`audit log OK: ${manifest.audit.records + 1} records, seq 1\\.\\.${manifest.audit.records + 1}`));
  const audit = createAuditLog({ file: '/nonexistent', databaseUrl: restored.DATABASE_URL, log: createLogger('warn') });
  const [restoredRecord] = await audit.list({ limit: 1 });
  await audit.close();
  assert.equal(restoredRecord?.action, 'backup.restored');
  assert.equal(restoredRecord?.target, manifest.id);
});

test('the console serves the restored reports, decrypted with the same keys', async () => {
  const log = createLogger('warn');
  const { deps, close } = await createConsoleDeps(restored, h.client, log);
  const server = await buildConsoleServer(deps);
  try {
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const address = server.app.server.address();
    assert.ok(address && typeof address === 'object');
    const base = `http://127.0.0.1:${address.port}`;
    const token = registerTestSecret((await deps.tokens.create({ name: 'restore-check', role: 'viewer' })).token);
    const get = (url: string) => fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
    for (const companyId of COMPANIES) {
      const page = await get(`/api/reports/${encodeURIComponent(companyId)}/${PERIOD}`);
      assert.equal(page.status, 200, companyId);
      assert.deepEqual(await page.json(), JSON.parse(original.get(companyId)!.findings.toString('utf8')), companyId);
      const pdf = await get(`/api/reports/${encodeURIComponent(companyId)}/${PERIOD}/report.pdf`);
      assert.equal(pdf.status, 200, companyId);
      assert.deepEqual(Buffer.from(await pdf.arrayBuffer()), original.get(companyId)!.pdf, companyId);
    }
    // The console's own records go on the restored chain, which still verifies.
    const verified = await deps.audit.verify();
    assert.equal(verified.ok, true, verified.problems.join('\n'));
    const viewed = await deps.audit.list({ action: 'report.viewed' });
    assert.deepEqual(viewed.map((r) => r.target).sort(), COMPANIES.map((c) => `${c}/${PERIOD}`).sort());
    assert.ok(
      viewed.every((r) => r.seq > manifest.audit.records + 1),
      'appended after the restored chain and its backup.restored record',
    );
  } finally {
    await server.app.close();
    await close();
  }
});

test('analysing a restored month again gives the same findings.json, apart from its timestamp', async () => {
  const keys = await loadKeyWrapper(restored);
  const objects = createObjectStore(restored, keys);
  const audit = createAuditLog({ file: '/nonexistent', databaseUrl: restored.DATABASE_URL, log: createLogger('warn') });
  // The worker's dependencies, pointed at the restored stack (ERP inputs, shapes and keys are not part of a backup).
  const analysis = createAnalysisActivities({ ...h.worker.deps, config: restored, graph: graphStore(target.repositoryUrl), objects, audit });
  let findings = 0;
  try {
    for (const companyId of COMPANIES) {
      const before = JSON.parse(original.get(companyId)!.findings.toString('utf8')) as FindingsDocument;
      const { findingsKey } = await inActivity('analyzeLedger', () =>
        analysis.analyzeLedger({
          companyId,
          period: PERIOD,
          graph: ledgerGraphIri(companyId, PERIOD),
          // Validation's warnings come in with the run's input, as the workflow passes them.
          warnings: before.dataQuality.details,
        }),
      );
      await inActivity('groundNarrative', () => analysis.groundNarrative({ companyId, period: PERIOD }));
      const again = JSON.parse((await objects.get(findingsKey)).toString('utf8')) as FindingsDocument;
      assert.notEqual(again.generatedAt, before.generatedAt, 'analysed anew');
      assert.deepEqual(withoutTimestamps(again), withoutTimestamps(before), companyId);
      findings += before.findings.length;
    }
    assert.ok(findings > 0, 'the month has findings to compare');
  } finally {
    await audit.close();
    objects.close?.();
  }
});

test('restore refuses a stack that holds data, naming each store, and changes nothing', async () => {
  const again = await cli('restore.ts', [manifest.id], envOf(restored));
  assert.equal(again.code, 1);
  assert.match(again.stderr, /refusing to restore into a stack that holds data/);
  assert.match(again.stderr, /the graph store holds \d+ named graph/);
  assert.match(again.stderr, /the report store holds objects/);
  assert.match(again.stderr, /the audit log holds records, up to seq \d+/);
});

test('restore refuses a set with a tampered file or without its manifest, before writing anything', async () => {
  const damagedDir = path.join(dir, 'damaged-backups');
  await cp(backupDir, damagedDir, { recursive: true });
  const env = envOf(restored, { BACKUP_DIR: damagedDir });
  const audit = createAuditLog({ file: '/nonexistent', databaseUrl: restored.DATABASE_URL, log: createLogger('warn') });
  const recordsBefore = (await audit.verify()).records;
  const [company] = COMPANIES;
  const findingsFile = `${reportKeys(company!, PERIOD).findings}`;
  const restoredBytes = await readFile(path.join(restored.REPORT_STORE_DIR, findingsFile));

  const tampered = path.join(damagedDir, manifest.id, 'reports', findingsFile);
  const bytes = await readFile(tampered);
  bytes[bytes.length - 1]! ^= 0x01;
  await writeFile(tampered, bytes);
  // --force: only the damage can stop it.
  const refused = await cli('restore.ts', [manifest.id, '--force'], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`backup ${manifest.id} is damaged`));
  assert.match(
    refused.stderr,
    new RegExp(
      `reports/${findingsFile}: sha256 [0-9a-f]{64} \\(\\d+ bytes\\) where the manifest has ${manifest.files[`reports/${findingsFile}`]!.sha256}`,
    ),
  );
  assert.deepEqual(await readFile(path.join(restored.REPORT_STORE_DIR, findingsFile)), restoredBytes, 'nothing written');
  assert.equal((await audit.verify()).records, recordsBefore, 'no record appended');

  await rm(path.join(damagedDir, 'manifests', `${manifest.id}.json`));
  const unfinished = await cli('restore.ts', [manifest.id, '--force'], env);
  assert.equal(unfinished.code, 1);
  assert.match(unfinished.stderr, new RegExp(`backup ${manifest.id} has no manifest: it did not finish`));
  const latest = await cli('restore.ts', ['latest', '--force'], env);
  assert.equal(latest.code, 1);
  assert.match(latest.stderr, /the backup store holds no complete backup/);
  assert.deepEqual(await readdir(path.join(damagedDir, 'manifests')), []);
  assert.equal((await audit.verify()).records, recordsBefore, 'no record appended');
  await audit.close();
});
