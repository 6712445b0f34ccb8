// RedisLlmCache and RedisUsageLedger against a real redis-server started for this file.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { cacheKey, createLlmCache, RedisLlmCache } from '../../lib/llm/llm-cache';
import { connectRedis } from '../../lib/llm/redis-client';
import { createUsageLedger, RedisUsageLedger } from '../../lib/llm/usage-ledger';
import { createLogger } from '../../lib/logging';
import { freePort } from '../../dev/free-port';
import { llmCacheContract, usage, usageLedgerContract } from '../support/llm-store-contracts';
import { startRedisServer, type RedisServer } from '../../dev/servers/redis-server';

let server: RedisServer;
/** The test's own view of the server, to look at keys and TTLs directly. */
let raw: Redis;
before(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
});
after(async () => {
  await raw.quit();
  await server.stop();
});

/** Polls until `check` holds: expiry and disconnects happen on the server's schedule, not the test's. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(50)) {
    if (await check()) return;
  }
  assert.fail(`${what} did not happen within 10 s`);
}

async function connectionCount(): Promise<number> {
  return ((await raw.client('LIST')) as string).trim().split('\n').length;
}

describe('RedisLlmCache', () => {
  llmCacheContract((namespace) => new RedisLlmCache(connectRedis(server.url), `test:${namespace}:`, { ownsClient: true }));

  test('stores JSON under the prefix with PX ttl; ttl 0 sets no expiry', async () => {
    const cache = new RedisLlmCache(raw, 'test:px:');
    const [short, forever] = [cacheKey('px', 'short'), cacheKey('px', 'forever')];
    await cache.set(short, { a: 1 }, 200);
    await cache.set(forever, 'kept', 0);
    assert.equal(await raw.get(`test:px:${short}`), '{"a":1}');
    const pttl = await raw.pttl(`test:px:${short}`);
    assert.ok(pttl > 0 && pttl <= 200, `pttl ${pttl}`);
    assert.equal(await raw.pttl(`test:px:${forever}`), -1);
    await eventually('expiry', async () => (await cache.get(short)) === undefined);
    assert.equal(await cache.get(forever), 'kept');
    await cache.close();
    assert.equal(await raw.ping(), 'PONG', 'close() leaves a client it does not own open');
  });

  test('a value that is not JSON is a miss', async () => {
    const cache = new RedisLlmCache(raw, 'test:corrupt:');
    const key = cacheKey('corrupt');
    await raw.set(`test:corrupt:${key}`, '{"truncated":');
    assert.equal(await cache.get(key), undefined);
  });

  test('createLlmCache with a Redis URL uses Redis under the default prefix and quits its client on close', async () => {
    const before = await connectionCount();
    const cache = createLlmCache({ redisUrl: server.url, dir: '/nonexistent' });
    assert.ok(cache instanceof RedisLlmCache);
    const key = cacheKey('created', Date.now());
    await cache.set(key, 7, 60_000);
    assert.equal(await raw.get(`tax:llm:cache:${key}`), '7');
    assert.equal(await connectionCount(), before + 1);
    await cache.close();
    await eventually('the client disconnects', async () => (await connectionCount()) === before);
    await raw.del(`tax:llm:cache:${key}`);
  });

  test('an unreachable Redis fails commands and logs, without crashing the process', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const redisUrl = `redis://127.0.0.1:${await freePort()}`;
    const cache = createLlmCache({ redisUrl, dir: '/nonexistent', log: createLogger('warn', sink) });
    await assert.rejects(cache.get(cacheKey('unreachable')));
    await cache.close();
    assert.ok(
      lines.some((l) => JSON.parse(l).event === 'redis_error'),
      lines.join(''),
    );
  });
});

describe('RedisUsageLedger', () => {
  usageLedgerContract((namespace) => new RedisUsageLedger(connectRedis(server.url), `test:${namespace}:`, { ownsClient: true }));

  test('hashes by id under period and day keys; the day hash expires after 40 days', async () => {
    const ledger = new RedisUsageLedger(raw, 'test:keys:');
    const record = usage({ id: 'wf/1/1', usd: 0.5 });
    await ledger.record(record);
    assert.deepEqual(await raw.hgetall('test:keys:period:2024-12'), { 'wf/1/1': JSON.stringify(record) });
    assert.deepEqual(await raw.hgetall('test:keys:day:2025-01-05'), { 'wf/1/1': '0.5' });
    const ttl = await raw.ttl('test:keys:day:2025-01-05');
    assert.ok(ttl > 39 * 86_400 && ttl <= 40 * 86_400, `ttl ${ttl}`);
    await ledger.close();
    assert.equal(await raw.ping(), 'PONG', 'close() leaves a client it does not own open');
  });

  test('createUsageLedger with a Redis URL uses Redis under the default prefix and quits its client on close', async () => {
    const before = await connectionCount();
    const ledger = createUsageLedger({ redisUrl: server.url, dir: '/nonexistent' });
    assert.ok(ledger instanceof RedisUsageLedger);
    await ledger.record(usage({ id: 'created', period: '2019-01', day: '2019-02-01', usd: 0.125 }));
    assert.equal(await raw.hget('tax:llm:usage:day:2019-02-01', 'created'), '0.125');
    await ledger.close();
    await eventually('the client disconnects', async () => (await connectionCount()) === before);
    await raw.del('tax:llm:usage:period:2019-01', 'tax:llm:usage:day:2019-02-01');
  });
});
