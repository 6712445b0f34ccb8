// The logger's redaction: what code logs by mistake (a whole config, request headers, a credentials object) comes
// out with every secret replaced; and the test-run check finds what slips through.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import { SECRET_SETTINGS } from '../../lib/security/secret-settings';
import { registerTestSecret } from '../../dev/test-secrets';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

test('a logged config, headers and credential fields keep their keys and lose their values', async () => {
  const made: string[] = [];
  const secret = (name: string) => {
    made.push(registerTestSecret(`${name}-${Math.random().toString(36).slice(2)}-value`));
    return made.at(-1)!;
  };
  const config = loadConfig({
    OPENAI_API_KEY: secret('openai'),
    GRAPHDB_PASSWORD: secret('graphdb'),
    GRAPHDB_TOKEN: secret('gdbtoken'),
    S3_ACCESS_KEY_ID: secret('s3id'),
    S3_SECRET_ACCESS_KEY: secret('s3secret'),
    SMTP_URL: `smtp://mailer:${secret('smtppass')}@smtp.example:587`,
    REDIS_URL: `redis://:${secret('redispass')}@redis.example:6379`,
    DATABASE_URL: `postgres://audit:${secret('pgpass')}@db.example/audit`,
    DATABASE_OWNER_URL: `postgres://owner:${secret('pgownerpass')}@db.example/audit`,
    AUDIT_CHECKPOINT_KEY: secret('checkpoint-key-0123456789abcdef'),
    CONSOLE_SESSION_SECRET: secret('session-secret-0123456789abcdef'),
    ENCRYPTION_KEYS: `k1:${secret('key')}`,
    ENCRYPTION_KEY_ID: 'k1',
  });
  const { stream, lines } = capture();
  const log = createLogger('debug', stream);
  log.info({ config }, 'started');
  log.info({ headers: { authorization: `Bearer ${secret('bearer')}`, cookie: `txr_session=${secret('cookie')}` } }, 'request');
  log.warn({ credentials: { password: secret('pw'), token: secret('tok'), apiKey: secret('api'), secretAccessKey: secret('sak') } }, 'oops');
  log.flush();
  const out = lines();
  assert.equal(out.length, 3);
  const started = JSON.parse(out[0]!) as { config: Record<string, unknown> };
  for (const name of Object.keys(SECRET_SETTINGS)) assert.equal(started.config[name], '[redacted]', name);
  assert.equal(started.config.TASK_QUEUE, 'tax-reports', 'other settings stay readable');
  const text = out.join('\n');
  assert.equal(made.length, 18);
  for (const value of made) assert.ok(!text.includes(value), `${value.split('-')[0]} leaked`);
});

test('secrets nested at any depth, in plain objects, errors and arrays, are redacted; the walk is bounded', () => {
  const made: string[] = [];
  const secret = (name: string) => {
    made.push(registerTestSecret(`${name}-${Math.random().toString(36).slice(2)}-nested`));
    return made.at(-1)!;
  };
  // What an HTTP client's error carries: the request it made, headers and all.
  const httpError = Object.assign(new TypeError('request failed'), {
    config: { url: 'https://graphdb.example/repositories/tax', headers: { Authorization: `Basic ${secret('basic')}` } },
  });
  const deep: Record<string, unknown> = {};
  let level = deep;
  for (let i = 0; i < 40; i++) level = level.next = {};
  level.password = secret('deepest');
  const circular: Record<string, unknown> = { name: 'loop', auth: { pass: secret('loop') } };
  circular.self = circular;

  const { stream, lines } = capture();
  const log = createLogger('debug', stream);
  log.error({ err: { config: { headers: { authorization: `Bearer ${secret('bearer')}` } } } }, 'plain err object');
  log.warn({ details: { smtp: { password: secret('smtp'), host: 'mail.example' } } }, 'nested password');
  log.error({ err: httpError }, 'an Error with the request inside');
  log.info({ batch: [{ company: 'c00', upstream: { response: { headers: { 'set-cookie': secret('cookie') } } } }] }, 'in an array');
  log.info({ deep, circular }, 'deep and circular');
  log.info({ rows: Array.from({ length: 100_000 }, (_, i) => ({ i })) }, 'huge');
  log.child({ client: { options: { x_api_key: secret('child') } } }).info('child bindings');
  log.flush();
  const out = lines();
  assert.equal(out.length, 7);
  const text = out.join('\n');
  for (const value of made) assert.ok(!text.includes(value), `${value.split('-')[0]} leaked`);

  const [plain, nested, error, , bounded, huge] = out.map((l) => JSON.parse(l));
  assert.equal(plain.err.config.headers.authorization, '[redacted]', 'the key stays, the value goes');
  assert.deepEqual(nested.details.smtp, { password: '[redacted]', host: 'mail.example' });
  assert.equal(error.err.type, 'TypeError');
  assert.equal(error.err.message, 'request failed');
  assert.match(error.err.stack, /TypeError: request failed/);
  assert.equal(error.err.config.headers.Authorization, '[redacted]');
  assert.equal(error.err.config.url, 'https://graphdb.example/repositories/tax');
  assert.match(JSON.stringify(bounded.deep), /cut: too deep/, 'past the depth limit a subtree is cut, not written unchecked');
  assert.equal(bounded.circular.self, '[circular]');
  assert.ok(huge.rows.length < 20_000 && huge.rows.at(-1).startsWith('[cut'), `the walk stops at its size limit (${huge.rows.length} rows)`);
});

test('the test-run check fails on a leaked secret or a credential shape, and passes a clean log', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'redaction-'));
  const logFile = path.join(dir, 'log.jsonl');
  const secrets = path.join(dir, 'secrets.txt');
  const check = () =>
    run('node', ['--import', 'tsx', 'scripts/check-log-redaction.ts', logFile, secrets], { cwd: ROOT }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
  await writeFile(secrets, `${JSON.stringify('s3cr3t-value-123')}\n`);
  await writeFile(logFile, '{"message":"fine"}\n{"message":"also fine","user":"kim"}\n');
  assert.equal((await check()).code, 0);
  for (const leak of [
    '{"message":"oops s3cr3t-value-123"}',
    '{"url":"smtp://user:hunter2@mail.example"}',
    '{"h":"Bearer abcdefghijklmnopqrstuvwxyz"}',
    '{"t":"txr_0123456789ab_abcdefghijklmnopqrstuvwxyz0123"}',
  ]) {
    await writeFile(logFile, `{"message":"fine"}\n${leak}\n`);
    const result = await check();
    assert.equal(result.code, 1, leak);
    assert.match(result.out, /line 2:/);
    assert.ok(!result.out.includes('s3cr3t-value-123') && !result.out.includes('hunter2'), 'the report does not repeat the secret');
  }
  await writeFile(logFile, '');
  assert.equal((await check()).code, 1, 'an empty log means nothing was checked');
  assert.match(await readFile(secrets, 'utf8'), /s3cr3t/);
});
