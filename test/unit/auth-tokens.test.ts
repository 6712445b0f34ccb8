// API tokens: only a salted hash reaches the file, every malformed, wrong or revoked token is refused, the scope
// survives the round trip, and the CLI prints a new token exactly once.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ApiTokenStore } from '../../lib/auth/api-tokens';
import { PROJECT_ROOT } from '../../lib/config';
import { registerTestSecret } from '../support/test-secrets';

const run = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'scripts', 'console-token.ts');

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'auth-tokens-'));
});
after(() => rm(dir, { recursive: true, force: true }));

let files = 0;
const tokenFile = () => path.join(dir, `tokens-${++files}`, 'api-tokens.json');

test('a created token verifies to its principal; the file holds no secret and is private', async () => {
  const file = tokenFile();
  const store = new ApiTokenStore(file);
  const { token, record } = await store.create({ name: 'alice@firm', role: 'analyst' });
  registerTestSecret(token);
  assert.match(token, /^txr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  assert.equal(token.slice(4, 16), record.id);
  assert.deepEqual(await store.verify(token), { subject: 'alice@firm', role: 'analyst', via: 'api-token', tokenId: record.id });

  const text = await readFile(file, 'utf8');
  const secret = token.slice(17);
  assert.ok(!text.includes(secret), 'the secret is not in the file');
  assert.ok(!text.includes(Buffer.from(secret, 'base64url').toString('hex')));
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await stat(path.dirname(file))).mode & 0o777, 0o700);
});

test('wrong secret, malformed, unknown and revoked tokens are refused', async () => {
  const store = new ApiTokenStore(tokenFile());
  const { token, record } = await store.create({ name: 'ci', role: 'viewer' });
  const [prefix, id, secret] = [token.slice(0, 4), record.id, token.slice(17)];
  const otherSecret = `${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
  // Verified once: later checks of this id compare against the remembered digest, which must refuse as scrypt does.
  assert.equal((await store.verify(token))?.tokenId, id);
  for (const bad of [
    `${prefix}${id}_${otherSecret}`,
    `${prefix}000000000000_${secret}`,
    `${token}x`,
    token.slice(0, -1),
    `Bearer ${token}`,
    token.toUpperCase(),
    '',
    'txr__',
  ]) {
    assert.equal(await store.verify(bad), undefined, bad.replace(secret, '<secret>'));
  }
  assert.equal(await store.verify(undefined as unknown as string), undefined);

  assert.equal(await store.revoke(id), true);
  assert.equal(await store.revoke(id), false, 'already revoked');
  assert.equal(await store.revoke('ffffffffffff'), false, 'unknown');
  assert.equal(await store.verify(token), undefined);
  assert.equal(await store.isActive(id), false);
  assert.ok((await store.list())[0]!.revokedAt);
});

test('company scope is preserved; list shows no hashes; lastUsedAt is written at most once a minute', async () => {
  let now = new Date('2025-01-10T09:00:00Z');
  const store = new ApiTokenStore(tokenFile(), () => now);
  const { token, record } = await store.create({ name: 'scoped', role: 'viewer', companies: ['c01', 'c02-누리', 'c01'] });
  assert.deepEqual(record.companies, ['c01', 'c02-누리']);
  assert.deepEqual((await store.verify(token))?.companies, ['c01', 'c02-누리']);

  const [listed] = await store.list();
  assert.deepEqual(Object.keys(listed!).sort(), ['companies', 'createdAt', 'id', 'lastUsedAt', 'name', 'role']);
  assert.equal(listed!.lastUsedAt, '2025-01-10T09:00:00.000Z');

  now = new Date('2025-01-10T09:00:30Z');
  await store.verify(token);
  assert.equal((await store.list())[0]!.lastUsedAt, '2025-01-10T09:00:00.000Z', 'throttled');
  now = new Date('2025-01-10T09:01:05Z');
  await store.verify(token);
  assert.equal((await store.list())[0]!.lastUsedAt, '2025-01-10T09:01:05.000Z');
});

test('bad names, roles and company ids are refused at creation', async () => {
  const store = new ApiTokenStore(tokenFile());
  await assert.rejects(store.create({ name: 'has space', role: 'viewer' }), /invalid token name/);
  await assert.rejects(store.create({ name: 'x'.repeat(65), role: 'viewer' }), /invalid token name/);
  await assert.rejects(store.create({ name: 'ok', role: 'root' as 'admin' }), /invalid role/);
  await assert.rejects(store.create({ name: 'ok', role: 'viewer', companies: ['../etc'] }), /invalid company id/);
  await assert.rejects(store.create({ name: 'ok', role: 'viewer', companies: [] }), /at least one/);
  assert.deepEqual(await store.list(), []);
});

test('a second store (another process) sees creations and revocations through the file', async () => {
  const file = tokenFile();
  const console_ = new ApiTokenStore(file);
  const cli = new ApiTokenStore(file);
  const { token, record } = await cli.create({ name: 'ops', role: 'admin' });
  assert.equal((await console_.verify(token))?.role, 'admin');
  await cli.revoke(record.id);
  assert.equal(await console_.verify(token), undefined);
});

test('concurrent creations all land in the file', async () => {
  const store = new ApiTokenStore(tokenFile());
  const created = await Promise.all(['a', 'b', 'c', 'd'].map((name) => store.create({ name, role: 'viewer' })));
  assert.equal((await store.list()).length, 4);
  for (const { token } of created) assert.ok(await store.verify(token));
});

test('a corrupt file is an error, not an empty token list', async () => {
  const file = tokenFile();
  const store = new ApiTokenStore(file);
  await store.create({ name: 'x', role: 'viewer' });
  await writeFile(file, '{"nope": 1}');
  await assert.rejects(store.verify(`txr_${'0'.repeat(12)}_${'A'.repeat(43)}`), /expected \{"tokens"/);
});

test('the CLI creates (printing the token once), lists and revokes', async () => {
  const env = { ...process.env, API_TOKENS_FILE: tokenFile() };
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', CLI, ...args], { env, cwd: PROJECT_ROOT });

  const created = await cli('create', '--name', 'alice', '--role', 'viewer', '--companies', 'c01,c02');
  const token = registerTestSecret(created.stdout.trim());
  assert.match(token, /^txr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  assert.equal(created.stdout, `${token}\n`, 'stdout is the token alone');
  assert.ok(!created.stderr.includes(token.slice(17)), 'the note does not repeat the secret');
  assert.match(created.stderr, /cannot be shown again/);

  const store = new ApiTokenStore(env.API_TOKENS_FILE);
  const principal = await store.verify(token);
  assert.deepEqual(principal, { subject: 'alice', role: 'viewer', via: 'api-token', tokenId: token.slice(4, 16), companies: ['c01', 'c02'] });

  const listed = await cli('list');
  assert.match(listed.stdout, /^ID\s+NAME\s+ROLE\s+COMPANIES/);
  assert.match(listed.stdout, new RegExp(`${principal!.tokenId}\\s+alice\\s+viewer\\s+c01,c02`));
  assert.ok(!listed.stdout.includes(token.slice(17)) && !listed.stdout.includes('salt'));

  assert.equal((await cli('revoke', principal!.tokenId!)).stdout.trim(), `revoked ${principal!.tokenId}`);
  assert.equal(await store.verify(token), undefined);
  await assert.rejects(cli('revoke', principal!.tokenId!), (err: { code: number; stderr: string }) => err.code === 1 && /no active token/.test(err.stderr));
  await assert.rejects(cli('create', '--name', 'bob', '--role', 'root'), (err: { code: number; stderr: string }) => err.code === 1 && /invalid role/.test(err.stderr));
  await assert.rejects(cli('frobnicate'), (err: { stderr: string }) => /usage:/.test(err.stderr));
});
