// Behaviour every LlmCache and UsageLedger must show, whichever store backs it: run by the file and the Redis tests.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { InvalidIdError } from '../../lib/domain/ids';
import { cacheKey, type LlmCache } from '../../lib/llm/llm-cache';
import type { UsageLedger, UsageRecord } from '../../lib/llm/usage-ledger';

/** Opens a store in `namespace`; two opens of one namespace are two clients of the same data. */
type Open<T> = (namespace: string) => T;

/** A fresh namespace per test, closing what the test opened even when it fails. */
async function withStores<T extends { close(): Promise<void> }>(open: Open<T>, body: (open: () => T) => Promise<void>) {
  const namespace = randomUUID();
  const opened: T[] = [];
  try {
    await body(() => {
      const store = open(namespace);
      opened.push(store);
      return store;
    });
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
}

/** Not cacheKey hashes: path tricks, wrong length, upper-case hex. */
export const BAD_CACHE_KEYS = ['', '../../etc/passwd', `${'a'.repeat(62)}/x`, 'a'.repeat(63), 'a'.repeat(65), 'A'.repeat(64)];

export function llmCacheContract(openCache: Open<LlmCache>): void {
  test('a key never set is a miss; a value set is read back', () =>
    withStores(openCache, async (open) => {
      const cache = open();
      const key = cacheKey('insights', 'gpt-x', 1, { companyId: 'c00' });
      assert.equal(await cache.get(key), undefined);
      const answer = { findings: [{ ruleId: 'R1', text: '가산세 위험' }], score: 0.5, ok: true, none: null };
      await cache.set(key, answer, 60_000);
      assert.deepEqual(await cache.get(key), answer);
      assert.deepEqual(await open().get(key), answer, 'another client sees it');
      await cache.set(key, [0.1, -0.2], 0);
      assert.deepEqual(await cache.get(key), [0.1, -0.2], 'a second set replaces the value');
    }));

  test('keys that are not cacheKey hashes are refused', () =>
    withStores(openCache, async (open) => {
      const cache = open();
      for (const key of BAD_CACHE_KEYS) {
        await assert.rejects(cache.get(key), TypeError, `get ${JSON.stringify(key)}`);
        await assert.rejects(cache.set(key, 1, 0), TypeError, `set ${JSON.stringify(key)}`);
      }
    }));

  test('a negative or fractional ttl and a value JSON cannot hold are refused', () =>
    withStores(openCache, async (open) => {
      const cache = open();
      const key = cacheKey('ttl');
      await assert.rejects(cache.set(key, 1, -1), RangeError);
      await assert.rejects(cache.set(key, 1, 1.5), RangeError);
      await assert.rejects(cache.set(key, undefined, 0), TypeError);
      assert.equal(await cache.get(key), undefined);
    }));
}

export function usage(overrides: Partial<UsageRecord> & Pick<UsageRecord, 'id'>): UsageRecord {
  return {
    at: '2025-01-05T00:30:00.000Z',
    day: '2025-01-05',
    period: '2024-12',
    companyId: 'c00',
    task: 'insights',
    model: 'gpt-x',
    cached: false,
    fallbackUsed: false,
    inputTokens: 1200,
    cachedInputTokens: 0,
    outputTokens: 300,
    usd: 0.25,
    estimated: false,
    outcome: 'ok',
    ...overrides,
  };
}

export function usageLedgerContract(openLedger: Open<UsageLedger>): void {
  test('records are read back by period and summed by day', () =>
    withStores(openLedger, async (open) => {
      const ledger = open();
      const first = usage({ id: 'wf1/1/1', at: '2025-01-05T00:30:00.000Z', usd: 0.25 });
      const second = usage({ id: 'wf1/2/1', at: '2025-01-05T01:00:00.000Z', usd: 0.5, task: 'summary', estimated: true });
      const nextDay = usage({ id: 'wf2/1/1', at: '2025-01-05T15:00:00.000Z', day: '2025-01-06', usd: 0.125 });
      const otherPeriod = usage({ id: 'wf3/1/1', period: '2024-11', usd: 1, cached: true, outcome: 'failed' });
      for (const r of [second, otherPeriod, nextDay, first]) await ledger.record(r);

      assert.deepEqual(await ledger.recordsFor('2024-12'), [first, second, nextDay], 'oldest first');
      assert.deepEqual(await ledger.recordsFor('2024-11'), [otherPeriod]);
      assert.deepEqual(await ledger.recordsFor('2024-10'), []);
      assert.equal(await ledger.spentOn('2025-01-05'), 0.25 + 0.5 + 1);
      assert.equal(await ledger.spentOn('2025-01-06'), 0.125);
      assert.equal(await ledger.spentOn('2025-01-07'), 0);
    }));

  test('the same id recorded twice counts once', () =>
    withStores(openLedger, async (open) => {
      const ledger = open();
      const retried = usage({ id: 'wf1/1/1', usd: 0.5 });
      await ledger.record(retried);
      await ledger.record(retried);
      await open().record(retried);
      assert.equal(await ledger.spentOn(retried.day), 0.5);
      assert.deepEqual(await ledger.recordsFor(retried.period), [retried]);
    }));

  test('two clients recording concurrently are both counted in full', () =>
    withStores(openLedger, async (open) => {
      const [a, b] = [open(), open()];
      const perClient = 40;
      const records = (client: string) => Array.from({ length: perClient }, (_, i) => usage({ id: `${client}/${i}`, usd: 0.125, companyId: client }));
      await Promise.all([...records('a').map((r) => a.record(r)), ...records('b').map((r) => b.record(r))]);
      assert.equal(await a.spentOn('2025-01-05'), 2 * perClient * 0.125);
      const read = await b.recordsFor('2024-12');
      assert.equal(read.length, 2 * perClient);
      assert.equal(new Set(read.map((r) => r.id)).size, 2 * perClient);
    }));

  test('invalid periods, days, ids and amounts are refused before anything is written', () =>
    withStores(openLedger, async (open) => {
      const ledger = open();
      for (const period of ['2024-13', '2024-1', '../2024-12', '2024-12/x', '']) {
        await assert.rejects(ledger.record(usage({ id: 'x', period })), InvalidIdError, `record period ${period}`);
        await assert.rejects(ledger.recordsFor(period), InvalidIdError, `recordsFor ${period}`);
      }
      for (const day of ['2025-1-05', '2025-01-32', '../2025-01-05', '2025-01-05.jsonl']) {
        await assert.rejects(ledger.record(usage({ id: 'x', day })), InvalidIdError, `record day ${day}`);
        await assert.rejects(ledger.spentOn(day), InvalidIdError, `spentOn ${day}`);
      }
      await assert.rejects(ledger.record(usage({ id: '' })), InvalidIdError);
      await assert.rejects(ledger.record(usage({ id: 'x', usd: -0.01 })), RangeError);
      await assert.rejects(ledger.record(usage({ id: 'x', usd: Number.NaN })), RangeError);
      assert.deepEqual(await ledger.recordsFor('2024-12'), []);
      assert.equal(await ledger.spentOn('2025-01-05'), 0);
    }));
}
