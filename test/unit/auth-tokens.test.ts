// API tokens in a file (no DATABASE_URL): the shared token suite, plus what only the file has (owner-only modes,
// a corrupt file refused) and the CLI printing a new token exactly once.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ApiTokenStore } from '../../lib/auth/api-tokens';
import { FileTokenBackend } from '../../lib/auth/file-token-backend';
import { PROJECT_ROOT } from '../../lib/config';
import { apiTokenSuite, type TokenPlace } from '../support/api-token-suite';
import { registerTestSecret } from '../../dev/test-secrets';

const run = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'cli', 'console-token.ts');

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'auth-tokens-'));
});
after(() => rm(dir, { recursive: true, force: true }));

let files = 0;
const tokenFile = () => path.join(dir, `tokens-${++files}`, 'api-tokens.json');
const fileStore = (file: string, now?: () => Date) => new ApiTokenStore(new FileTokenBackend(file), now);

function filePlace(t: TestContext): Promise<TokenPlace> {
  const file = tokenFile();
  return Promise.resolve({
    open(now) {
      const store = fileStore(file, now);
      t.after(() => store.close());
      return store;
    },
    dump: () => readFile(file, 'utf8'),
  });
}

apiTokenSuite('file', filePlace);

test('file: the token file and its directory are private to the owner', async () => {
  const file = tokenFile();
  await fileStore(file).create({ name: 'alice', role: 'viewer' });
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await stat(path.dirname(file))).mode & 0o777, 0o700);
});

test('file: a corrupt file is an error, not an empty token list', async () => {
  const file = tokenFile();
  const store = fileStore(file);
  await store.create({ name: 'x', role: 'viewer' });
  await writeFile(file, '{"nope": 1}');
  await assert.rejects(store.verify(`txr_${'0'.repeat(12)}_${'A'.repeat(43)}`), /expected \{"tokens"/);
});

test('the CLI creates (printing the token once), lists and revokes', async () => {
  const env = { ...process.env, API_TOKENS_FILE: tokenFile(), DATABASE_URL: '' };
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', CLI, ...args], { env, cwd: PROJECT_ROOT, timeout: 60_000 });

  const created = await cli('create', '--name', 'alice', '--role', 'viewer', '--companies', 'c01,c02');
  const token = registerTestSecret(created.stdout.trim());
  assert.match(token, /^txr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  assert.equal(created.stdout, `${token}\n`, 'stdout is the token alone');
  assert.ok(!created.stderr.includes(token.slice(17)), 'the note does not repeat the secret');
  assert.match(created.stderr, /cannot be shown again/);

  const store = fileStore(env.API_TOKENS_FILE);
  const principal = await store.verify(token);
  assert.deepEqual(principal, { subject: 'alice', role: 'viewer', via: 'api-token', tokenId: token.slice(4, 16), companies: ['c01', 'c02'] });

  const listed = await cli('list');
  assert.match(listed.stdout, /^ID\s+NAME\s+ROLE\s+COMPANIES/);
  assert.match(listed.stdout, new RegExp(`${principal.tokenId}\\s+alice\\s+viewer\\s+c01,c02`));
  assert.ok(!listed.stdout.includes(token.slice(17)) && !listed.stdout.includes('salt'));

  assert.equal((await cli('revoke', principal.tokenId)).stdout.trim(), `revoked ${principal.tokenId}`);
  assert.equal(await store.verify(token), undefined);
  await assert.rejects(
    cli('revoke', principal.tokenId),
    (err: { code: number; stderr: string }) => err.code === 1 && /no active token/.test(err.stderr),
  );
  await assert.rejects(
    cli('create', '--name', 'bob', '--role', 'root'),
    (err: { code: number; stderr: string }) => err.code === 1 && /invalid role/.test(err.stderr),
  );
  await assert.rejects(cli('frobnicate'), (err: { stderr: string }) => /usage:/.test(err.stderr));
  await assert.rejects(cli('import-file'), (err: { code: number; stderr: string }) => err.code === 1 && /set DATABASE_URL/.test(err.stderr));
});
