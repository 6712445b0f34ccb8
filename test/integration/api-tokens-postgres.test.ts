// API tokens in a real PostgreSQL 15 (DATABASE_URL): the shared token suite, with each "pod" on its own pool, plus the
// table's shape, the CLI against the table, and the one-time `import-file` upgrade from API_TOKENS_FILE.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { ApiTokenStore } from '../../lib/auth/api-tokens';
import { FileTokenBackend } from '../../lib/auth/file-token-backend';
import { PgTokenBackend } from '../../lib/auth/pg-token-backend';
import { createSessionRevocations } from '../../lib/auth/session-revocations';
import { PROJECT_ROOT } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import { apiTokenSuite, type TokenPlace } from '../support/api-token-suite';
import { startPostgresServer, type PostgresServer } from '../../dev/servers/postgres-server';
import { registerTestSecret } from '../../dev/test-secrets';

const CLI = path.join(PROJECT_ROOT, 'cli', 'console-token.ts');
const log = createLogger('silent');
let server: PostgresServer;
let dir: string;
let databases = 0;

before(async () => {
  server = await startPostgresServer();
  dir = await mkdtemp(path.join(tmpdir(), 'api-tokens-pg-'));
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A database of its own per test, and a superuser connection to look at it; closed when the test ends. */
async function freshDatabase(t: TestContext): Promise<{ url: string; sql: <R extends pg.QueryResultRow>(text: string) => Promise<R[]> }> {
  const url = await server.createDatabase(`tokens_${++databases}`);
  const superuser = new pg.Client({ connectionString: url });
  await superuser.connect();
  t.after(() => superuser.end());
  return { url, sql: async (text) => (await superuser.query(text)).rows };
}

function pgStore(t: TestContext, url: string, now?: () => Date): ApiTokenStore {
  const store = new ApiTokenStore(new PgTokenBackend(url, log), now);
  t.after(() => store.close());
  return store;
}

async function pgPlace(t: TestContext): Promise<TokenPlace> {
  const { url, sql } = await freshDatabase(t);
  return {
    open: (now) => pgStore(t, url, now),
    dump: async () => (await sql<{ dump: string }>(`SELECT json_agg(t)::text AS dump FROM console_api_tokens t`))[0]!.dump,
  };
}

function cli(env: Record<string, string>, ...args: string[]) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
    cwd: PROJECT_ROOT,
    timeout: 60_000,
  });
}
const exitedWith = (pattern: RegExp) => (err: { code: number; stderr: string }) => err.code === 1 && pattern.test(err.stderr);

apiTokenSuite('postgresql', pgPlace);

test('postgresql: one row per token, the scrypt parameters stored with the hash', async (t) => {
  const { url, sql } = await freshDatabase(t);
  const { record } = await pgStore(t, url, () => new Date('2025-02-01T08:00:00.123Z')).create({ name: 'scoped', role: 'viewer', companies: ['c01'] });
  const [row] = await sql(`SELECT id, name, role, companies, created_at, last_used_at, revoked_at, hash->>'alg' AS alg,
    (hash->>'N')::int AS n, (hash->>'r')::int AS r, (hash->>'p')::int AS p, length(hash->>'salt') AS salt, length(hash->>'key') AS key FROM console_api_tokens`);
  assert.deepEqual(row, {
    id: record.id,
    name: 'scoped',
    role: 'viewer',
    companies: ['c01'],
    created_at: new Date('2025-02-01T08:00:00.123Z'),
    last_used_at: null,
    revoked_at: null,
    alg: 'scrypt',
    n: 2 ** 14,
    r: 8,
    p: 1,
    salt: 22, // 16 bytes, base64url
    key: 43, // 32 bytes
  });
});

test('postgresql: the CLI with DATABASE_URL creates, lists and revokes in the table and never writes API_TOKENS_FILE', async (t) => {
  const { url } = await freshDatabase(t);
  const env = { DATABASE_URL: url, API_TOKENS_FILE: path.join(dir, 'cli', 'api-tokens.json') };
  const created = await cli(env, 'create', '--name', 'ops', '--role', 'admin');
  const token = registerTestSecret(created.stdout.trim());
  const id = token.slice(4, 16);
  assert.equal((await pgStore(t, url).verify(token))?.role, 'admin', 'the console, on the same table, accepts it');
  assert.match((await cli(env, 'list')).stdout, new RegExp(`${id}\\s+ops\\s+admin\\s+\\(all\\)`));
  assert.equal((await cli(env, 'revoke', id)).stdout, `revoked ${id}\n`);
  assert.equal(await pgStore(t, url).verify(token), undefined);
  await assert.rejects(access(env.API_TOKENS_FILE), { code: 'ENOENT' });
  for (const out of [created.stderr, (await cli(env, 'list')).stderr]) assert.ok(!out.includes(server.password));
});

test('postgresql: import-file copies the file (hashes only) into the empty table once, and the old tokens keep working', async (t) => {
  const { url, sql } = await freshDatabase(t);
  const file = path.join(dir, 'import', 'api-tokens.json');
  let now = new Date('2025-03-01T09:00:00Z');
  const before = new ApiTokenStore(new FileTokenBackend(file), () => now);
  const admin = await before.create({ name: 'admin-park', role: 'admin' });
  now = new Date('2025-03-02T09:00:00Z');
  const scoped = await before.create({ name: 'viewer-garam', role: 'viewer', companies: ['c01-가람'] });
  await before.verify(scoped.token); // lastUsedAt travels too
  const revoked = await before.create({ name: 'left-the-firm', role: 'analyst' });
  await before.revoke(revoked.record.id);
  for (const { token } of [admin, scoped, revoked]) registerTestSecret(token);

  const env = { DATABASE_URL: url, API_TOKENS_FILE: file };
  const imported = await cli(env, 'import-file');
  assert.match(imported.stdout, /^imported 3 API token\(s\) from .*api-tokens\.json into console_api_tokens/);

  const table = new PgTokenBackend(url, log);
  t.after(() => table.close());
  // Same clock for all three: the table lists them by id, the file in the order they were made.
  const byId = (records: Awaited<ReturnType<PgTokenBackend['list']>>) => [...records].sort((a, b) => a.id.localeCompare(b.id));
  assert.deepEqual(byId(await table.list()), byId(await new FileTokenBackend(file).list()), 'every record, hash included');
  const after = pgStore(t, url);
  assert.equal((await after.verify(admin.token))?.role, 'admin');
  assert.deepEqual((await after.verify(scoped.token))?.companies, ['c01-가람']);
  assert.equal(await after.verify(revoked.token), undefined, 'still revoked');

  await assert.rejects(cli(env, 'import-file'), exitedWith(/already holds 3 token/));
  assert.deepEqual(await sql(`SELECT count(*)::int AS n FROM console_api_tokens`), [{ n: 3 }], 'a second import changes nothing');
});

test('postgresql: import-file is all or nothing, and refuses without a file or without DATABASE_URL', async (t) => {
  const { url, sql } = await freshDatabase(t);
  const file = path.join(dir, 'duplicate', 'api-tokens.json');
  const { record } = await new ApiTokenStore(new FileTokenBackend(file)).create({ name: 'twice', role: 'viewer' });
  const [stored] = await new FileTokenBackend(file).list();
  await writeFile(file, JSON.stringify({ tokens: [stored, { ...stored, name: 'again' }] }));

  await assert.rejects(
    cli({ DATABASE_URL: url, API_TOKENS_FILE: file }, 'import-file'),
    exitedWith(new RegExp(`token id ${record.id} appears twice`)),
  );
  assert.deepEqual(await sql(`SELECT count(*)::int AS n FROM console_api_tokens`), [{ n: 0 }], 'the first row was rolled back');
  await assert.rejects(
    cli({ DATABASE_URL: url, API_TOKENS_FILE: path.join(dir, 'missing.json') }, 'import-file'),
    exitedWith(/no API tokens in .*missing\.json/),
  );
  await assert.rejects(cli({ DATABASE_URL: '', API_TOKENS_FILE: file }, 'import-file'), exitedWith(/set DATABASE_URL/));
});

test('a signed-out session is refused by every console sharing the database, and by a file store in another process', async (t) => {
  const { url, sql } = await freshDatabase(t);
  const [podA, podB] = [
    createSessionRevocations({ DATABASE_URL: url, API_TOKENS_FILE: '' }, log),
    createSessionRevocations({ DATABASE_URL: url, API_TOKENS_FILE: '' }, log),
  ];
  t.after(() => Promise.all([podA.close(), podB.close()]));
  await podA.revoke('session-1', Date.now() + 3_600_000);
  await podA.revoke('ended-long-ago', Date.now() - 1000);
  assert.equal(await podB.isRevoked('session-1'), true, 'signed out on pod A, refused on pod B');
  assert.equal(await podB.isRevoked('session-2'), false);
  await podB.revoke('session-2', Date.now() + 3_600_000);
  assert.deepEqual(
    (await sql(`SELECT sid FROM console_revoked_sessions ORDER BY sid`)).map((r) => r.sid),
    ['session-1', 'session-2'],
    'entries of sessions that ended anyway are dropped',
  );

  const file = { API_TOKENS_FILE: path.join(dir, 'sessions', 'api-tokens.json') };
  await createSessionRevocations(file, log).revoke('session-3', Date.now() + 3_600_000);
  assert.equal(await createSessionRevocations(file, log).isRevoked('session-3'), true);
});
