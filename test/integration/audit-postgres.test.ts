// The audit log in a real PostgreSQL 15: the same chain as the file store, a table that rejects UPDATE, DELETE
// and TRUNCATE even from its owner, tampering by a superuser that disables the trigger caught by verify,
// pruning that keeps the chain verifiable, and two pools appending at once without gaps. With the roles of
// `npm run db:setup`: an application login can only append (no DELETE even with audit.pruning on, no marks, no
// trigger), the audit job's login prunes through audit_prune, a worker login cannot write API tokens, and a cut
// tail with a rewritten head mark is caught against the signed checkpoint. Verify and prune of 100,000 rows run
// in a child process with a small heap.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import type { AuditEvent, AuditLog } from '../../lib/audit/audit-log';
import { createAuditLog } from '../../lib/audit/create-audit-log';
import { PgTokenBackend } from '../../lib/auth/pg-token-backend';
import { PROJECT_ROOT } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import { HEAP_CAP_MB, probeInChild, writeLongLog } from '../support/audit-bulk';
import { startPostgresServer, type PostgresServer } from '../../dev/servers/postgres-server';
import { registerTestSecret } from '../../dev/test-secrets';

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
let server: PostgresServer;
let databases = 0;
const logLines: string[] = [];
// Kept for the password check below, and appended to npm test's log file for the redaction check.
const logFile = process.env.LOG_FILE ? { path: process.env.LOG_FILE, level: 'debug' as const } : undefined;
const log = createLogger('debug', new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }), logFile);

before(async () => {
  server = await startPostgresServer();
});
after(async () => {
  await server?.stop();
});

/** A database of its own per test, so tables start empty; closed when the test ends. */
async function freshDatabase(t: {
  after(fn: () => Promise<unknown>): void;
}): Promise<{ url: string; sql: (text: string) => Promise<pg.QueryResult> }> {
  const name = `audit_${++databases}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  const superuser = new pg.Client({ connectionString: url.href });
  await superuser.connect();
  t.after(() => superuser.end());
  return { url: url.href, sql: (text) => superuser.query(text) };
}

function openLog(t: { after(fn: () => Promise<unknown>): void }, url: string, now?: () => Date): AuditLog {
  const audit = createAuditLog({ file: '/nonexistent/unused.jsonl', databaseUrl: url, log, now });
  t.after(() => audit.close());
  return audit;
}

const event = (i: number): AuditEvent => ({
  action: i % 2 ? 'login.succeeded' : 'report.viewed',
  actor: `user${i}`,
  ...(i % 2 ? {} : { role: 'analyst' as const, target: `c01/2025-0${i}` }),
  outcome: 'success',
  sourceIp: '192.0.2.1',
  details: { zeta: i, alpha: { y: [1, '이름'], x: null }, at: `${i}` },
});

test('records round-trip through PostgreSQL unchanged, chained and verifiable', async (t) => {
  const { url, sql } = await freshDatabase(t);
  const audit = openLog(t, url);
  const appended = [];
  for (let i = 1; i <= 4; i++) appended.push(await audit.append(event(i)));
  assert.deepEqual(await audit.list(), [...appended].reverse());
  assert.deepEqual(
    (await audit.list({ action: 'report.viewed', limit: 1 })).map((r) => r.seq),
    [4],
  );
  assert.deepEqual(
    (await audit.list({ target: 'c01/2025-02' })).map((r) => r.seq),
    [2],
  );
  // Pages: older than a cursor, with the same filter.
  assert.deepEqual(
    (await audit.list({ limit: 2, beforeSeq: 4 })).map((r) => r.seq),
    [3, 2],
  );
  assert.deepEqual(
    (await audit.list({ action: 'login.succeeded', beforeSeq: 3 })).map((r) => r.seq),
    [1],
  );
  assert.deepEqual(await audit.verify(), { ok: true, records: 4, firstSeq: 1, lastSeq: 4, problems: [] });
  // jsonb reordered the keys; the hash is over canonical JSON, so that does not matter.
  const stored = (await sql('SELECT details::text AS d FROM audit_log WHERE seq = 1')).rows[0].d as string;
  assert.notEqual(stored, JSON.stringify(appended[0]!.details));
  assert.deepEqual((await sql('SELECT seq FROM audit_head')).rows, [{ seq: '4' }]);
});

test('UPDATE, DELETE and TRUNCATE are rejected by the trigger, even for the table owner', async (t) => {
  const { url, sql } = await freshDatabase(t);
  const audit = openLog(t, url);
  for (let i = 1; i <= 3; i++) await audit.append(event(i));
  await assert.rejects(sql(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`), /audit_log is append-only: UPDATE rejected/);
  await assert.rejects(sql('DELETE FROM audit_log WHERE seq = 3'), /audit_log is append-only: DELETE rejected/);
  await assert.rejects(sql('TRUNCATE audit_log'), /audit_log is append-only: TRUNCATE rejected/);
  assert.deepEqual(await audit.verify(), { ok: true, records: 3, firstSeq: 1, lastSeq: 3, problems: [] });
});

test('a superuser who disables the trigger and edits or deletes rows is caught by verify', async (t) => {
  const { url, sql } = await freshDatabase(t);
  const audit = openLog(t, url);
  for (let i = 1; i <= 6; i++) await audit.append(event(i));
  await sql('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');

  await sql(`UPDATE audit_log SET outcome = 'failure' WHERE seq = 2`);
  assert.deepEqual((await audit.verify()).problems, ['seq 2: hash does not match the content (record edited)']);

  await sql('DELETE FROM audit_log WHERE seq = 4');
  await sql('DELETE FROM audit_log WHERE seq = 6');
  assert.deepEqual((await audit.verify()).problems, [
    'seq 2: hash does not match the content (record edited)',
    'seq 5: follows seq 3 (seq 4..4 missing)',
    'seq 6..6: missing at the end (the head mark names seq 6)',
  ]);

  await sql('DELETE FROM audit_log WHERE seq = 1');
  assert.deepEqual((await audit.verify()).problems, [
    'seq 2: hash does not match the content (record edited)',
    'seq 2: the log starts at seq 2 but there is no prune anchor, so seq 1..1 were deleted',
    'seq 5: follows seq 3 (seq 4..4 missing)',
    'seq 6..6: missing at the end (the head mark names seq 6)',
  ]);
});

test('pruning deletes old rows through the trigger, anchors the chain, and the result verifies', async (t) => {
  let clock = T0;
  const { url, sql } = await freshDatabase(t);
  const audit = openLog(t, url, () => new Date(clock));
  for (let i = 1; i <= 5; i++, clock += DAY) await audit.append(event(i));

  assert.deepEqual(await audit.prune(new Date(T0 + 3 * DAY), 'admin'), { removed: 3 });
  assert.deepEqual(await audit.verify(), { ok: true, records: 3, firstSeq: 4, lastSeq: 6, problems: [] });
  const [pruned] = await audit.list({ limit: 1 });
  assert.equal(pruned!.action, 'audit.pruned');
  assert.deepEqual((await sql('SELECT seq FROM audit_anchor')).rows, [{ seq: '3' }]);
  assert.equal(pruned!.details!.throughSeq, 3);
  assert.equal((await audit.append(event(7))).seq, 7);
  assert.equal((await audit.verify()).ok, true);
  // The pruning switch is transaction-local: plain deletes are still refused afterwards.
  await assert.rejects(sql('DELETE FROM audit_log WHERE seq = 4'), /append-only/);

  await sql('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
  await sql(`DELETE FROM audit_log WHERE action = 'audit.pruned'`);
  assert.deepEqual((await audit.verify()).problems, [
    'seq 7: follows seq 5 (seq 6..6 missing)',
    'seq 3: no audit.pruned record accounts for the prune anchor (record deleted or anchor edited)',
  ]);
  await assert.rejects(audit.prune(new Date(clock), 'admin'), /refusing to prune/);
});

test('two pools appending at once (schema created by whichever comes first) leave contiguous seqs', async (t) => {
  const { url } = await freshDatabase(t);
  const first = openLog(t, url);
  const second = openLog(t, url);
  await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? first : second).append(event(i))));
  assert.deepEqual(await second.verify(), { ok: true, records: 100, firstSeq: 1, lastSeq: 100, problems: [] });
  assert.deepEqual(
    (await first.list({ limit: 100 })).map((r) => r.seq),
    Array.from({ length: 100 }, (_, i) => 100 - i),
  );
});

test('cli/audit.ts verifies the table named by DATABASE_URL, and the password never reaches a log', async (t) => {
  const { url } = await freshDatabase(t);
  const audit = openLog(t, url);
  for (let i = 1; i <= 2; i++) await audit.append(event(i));
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/audit.ts', 'verify'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'debug' },
  });
  assert.equal(stdout, 'audit log OK: 2 records, seq 1..2\n');
  assert.ok(logLines.length > 0, 'the tests above logged their prunes');
  for (const text of [stderr, ...logLines]) assert.equal(text.includes(server.password), false);
});

const run = promisify(execFile);
const LOGINS = ['owner', 'console', 'worker', 'audit'] as const;
type Login = (typeof LOGINS)[number];
/** Long before the retention floor (365 days) that db:setup gives audit_prune. */
const T_OLD = Date.parse('2020-01-01T00:00:00.000Z');

/**
 * A database owned by an owner login, with a login per application role (passwords registered as test secrets);
 * `setup` runs cli/db-setup.ts as the owner, granting console, worker and audit.
 */
async function rolesDatabase(t: { after(fn: () => Promise<unknown>): void }) {
  const n = ++databases;
  const name = `audit_${n}`;
  const role = (login: Login) => `${login}_${n}`;
  const urls = {} as Record<Login, string>;
  for (const login of LOGINS) urls[login] = await server.createLogin(role(login), name);
  const superuser = new pg.Client({ connectionString: await server.createDatabase(name, role('owner')) });
  await superuser.connect();
  t.after(() => superuser.end());
  const setup = () =>
    run(process.execPath, ['--import', 'tsx', 'cli/db-setup.ts'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        DATABASE_OWNER_URL: urls.owner,
        DATABASE_CONSOLE_ROLE: role('console'),
        DATABASE_WORKER_ROLE: role('worker'),
        DATABASE_AUDIT_ROLE: role('audit'),
      },
    });
  return { urls, role, setup, sql: (text: string) => superuser.query(text) };
}

/** A plain connection as `url`'s login, closed when the test ends. */
async function connectAs(t: { after(fn: () => Promise<unknown>): void }, url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.after(() => client.end());
  return client;
}

/** Runs the statements in one transaction, rolled back whatever happens. */
async function inRolledBack(client: pg.Client, ...statements: string[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.query('ROLLBACK');
  }
}

test('db:setup: an application login appends and reads, but cannot delete (even with audit.pruning on), move the marks or drop the trigger', async (t) => {
  const db = await rolesDatabase(t);
  const { stdout } = await db.setup();
  assert.match(stdout, /^database set up: .*3 role\(s\) granted\n/);
  for (const login of ['console', 'worker'] as const) {
    const audit = openLog(t, db.urls[login]);
    await audit.append(event(1));
    const app = await connectAs(t, db.urls[login]);
    await assert.rejects(
      inRolledBack(app, `SET LOCAL audit.pruning = 'on'`, 'DELETE FROM audit_log'),
      /permission denied for table audit_log/,
      login,
    );
    await assert.rejects(app.query(`UPDATE audit_head SET seq = 1`), /permission denied for table audit_head/, login);
    await assert.rejects(app.query(`DELETE FROM audit_anchor`), /permission denied for table audit_anchor/, login);
    await assert.rejects(app.query('DROP TRIGGER audit_log_append_only ON audit_log'), /must be owner of (table|relation) audit_log/, login);
    await assert.rejects(
      app.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only'),
      /must be owner of (table|relation) audit_log/,
      login,
    );
    await assert.rejects(
      app.query(
        `INSERT INTO audit_log (seq, ts, action, actor, outcome, prev_hash, hash) VALUES (99, now(), 'logout', 'mallory', 'success', 'x', 'y')`,
      ),
      /permission denied for table audit_log/,
      login,
    );
    // The append function takes only a record that continues the chain; the prune function is not theirs at all.
    const forged = `ROW(99, now(), 'logout', 'mallory', null, null, 'success', null, null, 'x', 'y')::audit_log`;
    await assert.rejects(app.query(`SELECT audit_append(${forged})`), /seq 99 does not continue the newest record/, login);
    await assert.rejects(app.query(`SELECT audit_prune(${forged})`), /permission denied for function audit_prune/, login);
  }
  const audit = openLog(t, db.urls.console);
  assert.deepEqual(await audit.verify(), { ok: true, records: 2, firstSeq: 1, lastSeq: 2, problems: [] });
  // Ownership stayed with the owner login; setup is idempotent.
  assert.deepEqual(
    (await db.sql(`SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname LIKE 'audit\\_%' AND relkind = 'r'`)).rows,
    [{ owner: db.role('owner') }],
  );
  await db.setup();
});

test('db:setup: the audit job login prunes through audit_prune (never within the retention), an application login cannot', async (t) => {
  let clock = T_OLD;
  const db = await rolesDatabase(t);
  await db.setup();
  const app = openLog(t, db.urls.worker, () => new Date(clock));
  for (let i = 1; i <= 5; i++, clock += DAY) await app.append(event(i));
  await assert.rejects(app.prune(new Date(T_OLD + 3 * DAY), 'mallory'), /permission denied for function audit_prune/);
  const job = openLog(t, db.urls.audit, () => new Date(clock));
  assert.deepEqual(await job.prune(new Date(T_OLD + 3 * DAY), 'admin'), { removed: 3 });
  assert.deepEqual(await job.verify(), { ok: true, records: 3, firstSeq: 4, lastSeq: 6, problems: [] });
  assert.equal((await app.append(event(7))).seq, 7);
  // The floor holds for the audit job's own login: a cutoff of now would remove records younger than a year.
  await openLog(t, db.urls.worker).append(event(8));
  await assert.rejects(openLog(t, db.urls.audit).prune(new Date(), 'admin'), /within the minimum retention/);
  assert.equal((await job.verify()).ok, true);
});

test('db:setup: only the console login reads and writes console_api_tokens (and the revoked sessions); a worker login cannot add a token', async (t) => {
  const db = await rolesDatabase(t);
  await db.setup();
  const record = {
    id: 'a1b2c3d4e5f6',
    name: 'mallory',
    role: 'admin' as const,
    createdAt: new Date().toISOString(),
    hash: { alg: 'scrypt' as const, N: 16384, r: 8, p: 1, salt: '00', key: '00' },
  };
  const worker = new PgTokenBackend(db.urls.worker, log);
  t.after(() => worker.close());
  await assert.rejects(worker.insert(record), /permission denied for table console_api_tokens/);
  await assert.rejects(worker.list(), /permission denied for table console_api_tokens/);
  const auditJob = await connectAs(t, db.urls.audit);
  await assert.rejects(
    auditJob.query(`INSERT INTO console_api_tokens (id, name, role, created_at, hash) VALUES ('x', 'x', 'admin', now(), '{}')`),
    /permission denied/,
  );
  const consoleTokens = new PgTokenBackend(db.urls.console, log);
  t.after(() => consoleTokens.close());
  assert.equal(await consoleTokens.insert(record), true);
  assert.equal(await consoleTokens.revoke(record.id, new Date().toISOString()), true);
  assert.deepEqual(
    (await consoleTokens.list()).map((r) => r.id),
    [record.id],
  );
  // The revoked sessions (sign-out) are the console's too.
  const revoke = `INSERT INTO console_revoked_sessions (sid, expires_at) VALUES ('${record.id}', now())`;
  await assert.rejects((await connectAs(t, db.urls.worker)).query(revoke), /permission denied for table console_revoked_sessions/);
  assert.equal((await (await connectAs(t, db.urls.console)).query(revoke)).rowCount, 1);
});

test('without db:setup, a login that may not create the tables is told to run it; with it, setup takes over from a login that owned them', async (t) => {
  const db = await rolesDatabase(t);
  await assert.rejects(
    openLog(t, db.urls.worker).append(event(1)),
    /the audit log is missing or outdated in this database, and this login may not create it: run npm run db:setup/,
  );
  // Before db:setup a single login created and owned everything (here the console's, allowed to create).
  await db.sql(`GRANT CREATE ON SCHEMA public TO ${db.role('console')}`);
  const before = openLog(t, db.urls.console);
  for (let i = 1; i <= 3; i++) await before.append(event(i));
  await assert.rejects(db.setup(), (err: { stderr: string }) => {
    assert.match(err.stderr, new RegExp(`owned by another role, so this login cannot upgrade them: .*audit_log \\(${db.role('console')}\\)`));
    assert.match(err.stderr, new RegExp(`REASSIGN OWNED BY "${db.role('console')}" TO <owner login>`));
    return true;
  });
  await db.sql(`REASSIGN OWNED BY ${db.role('console')} TO ${db.role('owner')}`);
  await db.sql(`REVOKE CREATE ON SCHEMA public FROM ${db.role('console')}`);
  await db.setup();
  const after = openLog(t, db.urls.console);
  assert.equal((await after.append(event(4))).seq, 4);
  assert.deepEqual(await after.verify(), { ok: true, records: 4, firstSeq: 1, lastSeq: 4, problems: [] });
  await assert.rejects((await connectAs(t, db.urls.console)).query('DELETE FROM audit_log'), /permission denied/);
});

test('a cut tail with the head mark rewritten to match passes a plain verify, but not the signed checkpoint', async (t) => {
  const db = await rolesDatabase(t);
  await db.setup();
  const app = openLog(t, db.urls.console);
  for (let i = 1; i <= 6; i++) await app.append(event(i));
  const key = registerTestSecret(randomBytes(24).toString('hex'));
  const auditJob = async (command: string, env: Record<string, string> = {}) => {
    const args = ['--import', 'tsx', 'cli/audit.ts', command];
    const options = { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: db.urls.audit, AUDIT_CHECKPOINT_KEY: key, ...env } };
    return run(process.execPath, args, options).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
  };
  const first = await auditJob('verify');
  assert.equal(first.code, 1);
  assert.match(first.stdout, /no signed checkpoint: after checking the log, run npm run audit:checkpoint once/);
  assert.deepEqual(await auditJob('checkpoint'), { code: 0, stdout: 'audit log OK: 6 records, seq 1..6\ncheckpoint signed: seq 6\n' });
  const signedAtSix = (await db.sql('SELECT seq, hash, at, mac FROM audit_checkpoint')).rows[0] as Record<string, string>;
  for (let i = 7; i <= 8; i++) await app.append(event(i));
  assert.deepEqual(await auditJob('verify'), { code: 0, stdout: 'audit log OK: 8 records, seq 1..8\ncheckpoint signed: seq 8\n' });

  // Someone with the owner's or a superuser's credentials removes seq 7 and 8 and moves the head mark back.
  const hashSix = ((await db.sql('SELECT hash FROM audit_log WHERE seq = 6')).rows[0] as { hash: string }).hash;
  await db.sql('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
  await db.sql('DELETE FROM audit_log WHERE seq > 6');
  await db.sql(`UPDATE audit_head SET seq = 6, hash = '${hashSix}'`);
  await db.sql('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
  assert.deepEqual(await app.verify(), { ok: true, records: 6, firstSeq: 1, lastSeq: 6, problems: [] }, 'the database agrees with itself');
  const cut = await auditJob('verify');
  assert.equal(cut.code, 1);
  assert.match(cut.stdout, /seq 7\.\.8: missing at the end \(the signed checkpoint names seq 8\)/);
  await assert.rejects(openLog(t, db.urls.audit).prune(new Date(T_OLD), 'admin', { expected: { seq: 8, hash: 'x' } }), /refusing to prune/);

  // Rewriting the checkpoint too needs the key, which the database never holds.
  await db.sql(`UPDATE audit_checkpoint SET seq = 6, hash = '${hashSix}'`);
  assert.match((await auditJob('verify')).stdout, /the signed checkpoint does not match its signature/);
  // Putting back an earlier checkpoint (they are readable) works only within AUDIT_CHECKPOINT_MAX_AGE.
  const { seq, hash, at, mac } = signedAtSix;
  await db.sql(`UPDATE audit_checkpoint SET seq = ${seq}, hash = '${hash}', at = '${at}', mac = '${mac}'`);
  const stale = await auditJob('verify', { AUDIT_CHECKPOINT_MAX_AGE: '1' });
  assert.equal(stale.code, 1);
  assert.match(stale.stdout, /the signed checkpoint \(seq 6\) is from \S+, older than AUDIT_CHECKPOINT_MAX_AGE/);
});

test(`verify and prune of 100,000 rows read a page at a time: each runs in a child with a ${HEAP_CAP_MB} MiB heap`, async (t) => {
  const { url } = await freshDatabase(t);
  await writeLongLog(openLog(t, url), 100_000, T0);
  const verified = await probeInChild('verify', { databaseUrl: url });
  assert.deepEqual(verified.result, { ok: true, records: 100_000, firstSeq: 1, lastSeq: 100_000, problems: [] });
  // Records are one second apart from T0: the first 50,000 are older than this.
  const pruned = await probeInChild('prune', { databaseUrl: url }, new Date(T0 + 50_000_500));
  assert.deepEqual(pruned.result, { removed: 50_000 });
  const after = await probeInChild('verify', { databaseUrl: url });
  assert.deepEqual(after.result, { ok: true, records: 50_001, firstSeq: 50_001, lastSeq: 100_001, problems: [] });
  t.diagnostic(`heap MiB, base → sampled peak: verify ${verified.baseMB} → ${verified.peakMB}, prune ${pruned.baseMB} → ${pruned.peakMB}`);
  const page = await openLog(t, url).list({ limit: 3, beforeSeq: 60_000, target: 'c0001/2025-02' });
  assert.deepEqual(
    page.map((r) => r.seq),
    [58_501, 57_001, 55_501],
  );
});
