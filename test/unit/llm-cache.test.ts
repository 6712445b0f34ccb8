import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cacheKey, createLlmCache, FileLlmCache } from '../../lib/llm/llm-cache';
import { seoulDay } from '../../lib/domain/periods';
import { createUsageLedger, FileUsageLedger } from '../../lib/llm/usage-ledger';
import { llmCacheContract, usage, usageLedgerContract } from '../support/llm-store-contracts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-files-test-'));
});
after(() => rm(root, { recursive: true, force: true }));

describe('cacheKey', () => {
  test('is the sha256 hex of its parts, stable and sensitive to their order', () => {
    const key = cacheKey('insights', 'gpt-x', 3, { a: 1 });
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(cacheKey('insights', 'gpt-x', 3, { a: 1 }), key);
    assert.notEqual(cacheKey('gpt-x', 'insights', 3, { a: 1 }), key);
    assert.notEqual(cacheKey('insights', 'gpt-x', '3', { a: 1 }), key, 'a number and its string differ');
    assert.notEqual(cacheKey('ab', 'c'), cacheKey('a', 'bc'), 'parts do not run together');
  });
});

describe('FileLlmCache', () => {
  llmCacheContract((namespace) => new FileLlmCache(join(root, 'cache', namespace)));

  test('an entry expires after its ttl and its file is removed; ttl 0 never expires', async () => {
    const dir = join(root, 'cache-ttl');
    let now = 1_000_000;
    const cache = new FileLlmCache(dir, () => now);
    const [short, forever] = [cacheKey('short'), cacheKey('forever')];
    await cache.set(short, 'soon gone', 1_000);
    await cache.set(forever, 'kept', 0);
    now += 999;
    assert.equal(await cache.get(short), 'soon gone');
    now += 1;
    assert.equal(await cache.get(short), undefined);
    assert.deepEqual(await readdir(join(dir, short.slice(0, 2))), [], 'the expired file is removed');
    now += 100 * 365 * 24 * 3600_000;
    assert.equal(await cache.get(forever), 'kept');
  });

  test('files are sharded by the first two hex chars and written atomically', async () => {
    const dir = join(root, 'cache-layout');
    const cache = new FileLlmCache(dir, () => 5);
    const key = cacheKey('layout');
    await cache.set(key, { x: 1 }, 10);
    assert.deepEqual(await readdir(dir), [key.slice(0, 2)]);
    assert.deepEqual(await readdir(join(dir, key.slice(0, 2))), [`${key}.json`], 'no temp file left behind');
    const file = join(dir, key.slice(0, 2), `${key}.json`);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { expiresAt: 15, value: { x: 1 } });
  });

  test('a corrupt or foreign file is a miss, not an error', async () => {
    const dir = join(root, 'cache-corrupt');
    const cache = new FileLlmCache(dir);
    const texts = ['{"expiresAt":null,"val', '', 'null', '[1]', '{"value":1}', '{"expiresAt":"soon","value":1}'];
    for (const [i, text] of texts.entries()) {
      const key = cacheKey('corrupt', i);
      await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
      await writeFile(join(dir, key.slice(0, 2), `${key}.json`), text);
      assert.equal(await cache.get(key), undefined, JSON.stringify(text));
    }
  });

  test('createLlmCache without a Redis URL uses files', async () => {
    const cache = createLlmCache({ redisUrl: '', dir: join(root, 'cache-created') });
    assert.ok(cache instanceof FileLlmCache);
    await cache.close();
  });
});

describe('FileUsageLedger', () => {
  usageLedgerContract((namespace) => new FileUsageLedger(join(root, 'ledger', namespace)));

  test('writes one line per record to the period file and to the day spend file', async () => {
    const dir = join(root, 'ledger-layout');
    const record = usage({ id: 'wf/1/1' });
    await new FileUsageLedger(dir).record(record);
    assert.deepEqual((await readFile(join(dir, '2024-12.jsonl'), 'utf8')).split('\n'), [JSON.stringify(record), '']);
    assert.equal(await readFile(join(dir, 'spend', '2025-01-05.jsonl'), 'utf8'), '{"id":"wf/1/1","usd":0.25}\n');
  });

  test('a torn last line (a write cut short) is skipped', async () => {
    const dir = join(root, 'ledger-torn');
    const ledger = new FileUsageLedger(dir);
    const whole = usage({ id: 'whole', usd: 0.5 });
    await ledger.record(whole);
    await appendFile(join(dir, '2024-12.jsonl'), JSON.stringify(usage({ id: 'torn' })).slice(0, 40));
    await appendFile(join(dir, 'spend', '2025-01-05.jsonl'), '{"id":"torn","us');
    assert.deepEqual(await ledger.recordsFor('2024-12'), [whole]);
    assert.equal(await ledger.spentOn('2025-01-05'), 0.5);
  });

  test('createUsageLedger without a Redis URL uses files', async () => {
    const ledger = createUsageLedger({ dir: join(root, 'ledger-created') });
    assert.ok(ledger instanceof FileUsageLedger);
    await ledger.close();
  });
});

describe('seoulDay', () => {
  test('is the calendar day in UTC+9, whatever the host time zone', () => {
    assert.equal(seoulDay(new Date('2025-01-05T14:59:59.999Z')), '2025-01-05');
    assert.equal(seoulDay(new Date('2025-01-05T15:00:00.000Z')), '2025-01-06');
    assert.equal(seoulDay(new Date('2024-12-31T15:00:00.000Z')), '2025-01-01');
    assert.equal(seoulDay(new Date('2024-02-28T15:30:00.000Z')), '2024-02-29');
  });
});
