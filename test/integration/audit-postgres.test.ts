// The audit log in a real PostgreSQL 15: the same chain as the file store, a table that rejects UPDATE, DELETE
// and TRUNCATE even from its owner, tampering by a superuser that disables the trigger caught by verify,
// pruning that keeps the chain verifiable, and two pools appending at once without gaps.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import type { AuditEvent, AuditLog } from '../../lib/audit/audit-log';
import { createAuditLog } from '../../lib/audit/create-audit-log';
import { PROJECT_ROOT } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server';

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
let server: PostgresServer;
let databases = 0;
const logLines: string[] = [];
const log = createLogger('debug', new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));

before(async () => {
  server = await startPostgresServer();
});
after(async () => {
  await server?.stop();
});

/** A database of its own per test, so tables start empty; closed when the test ends. */
async function freshDatabase(t: { after(fn: () => Promise<unknown>): void }): Promise<{ url: string; sql: (text: string) => Promise<pg.QueryResult> }> {
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
  assert.deepEqual((await audit.list({ action: 'report.viewed', limit: 1 })).map((r) => r.seq), [4]);
  assert.deepEqual((await audit.list({ target: 'c01/2025-02' })).map((r) => r.seq), [2]);
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
  assert.deepEqual((await first.list({ limit: 100 })).map((r) => r.seq), Array.from({ length: 100 }, (_, i) => 100 - i));
});

test('scripts/audit.ts verifies the table named by DATABASE_URL, and the password never reaches a log', async (t) => {
  const { url } = await freshDatabase(t);
  const audit = openLog(t, url);
  for (let i = 1; i <= 2; i++) await audit.append(event(i));
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/audit.ts', 'verify'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'debug' },
  });
  assert.equal(stdout, 'audit log OK: 2 records, seq 1..2\n');
  assert.ok(logLines.length > 0, 'the tests above logged their prunes');
  for (const text of [stderr, ...logLines]) assert.equal(text.includes(server.password), false);
});
