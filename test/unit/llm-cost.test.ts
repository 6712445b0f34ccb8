// Error classes, prices, the daily budget and the cost report: the decisions behind fallback and spend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContextOverflowError } from '@langchain/core/errors';
import { costReport } from '../../lib/llm/cost-report';
import { budgetVerdict } from '../../lib/llm/daily-budget';
import { classifyLlmError } from '../../lib/llm/llm-errors';
import { callCostUsd, cheapestModel, type PriceTable } from '../../lib/llm/llm-prices';
import type { UsageRecord } from '../../lib/llm/usage-ledger';

const PRICES: PriceTable = { big: { input: 2, cachedInput: 0.5, output: 8 }, small: { input: 0.4, output: 1.6 } };

test('429, 5xx, timeouts and connection errors are retried on the same model; 400, 401, 403, 404, 422 are not', () => {
  const http = (status: number, headers?: Headers) => Object.assign(new Error(`HTTP ${status}`), { status, headers });
  assert.deepEqual(classifyLlmError(http(429, new Headers({ 'retry-after': '7' }))), {
    type: 'LlmRateLimited',
    retryable: true,
    label: 'http_429',
    status: 429,
    retryAfterMs: 7000,
  });
  assert.equal(classifyLlmError(http(429, new Headers({ 'retry-after-ms': '250' }))).retryAfterMs, 250);
  const date = new Date(Date.now() + 60_000).toUTCString();
  const fromDate = classifyLlmError(http(429, new Headers({ 'retry-after': date }))).retryAfterMs!;
  assert.ok(fromDate > 50_000 && fromDate <= 60_000, String(fromDate));
  for (const status of [500, 502, 503, 408]) assert.equal(classifyLlmError(http(status)).retryable, true, String(status));
  for (const status of [400, 401, 403, 404, 422]) {
    assert.deepEqual(classifyLlmError(http(status)), { type: 'LlmRequestRejected', retryable: false, label: `http_${status}`, status });
  }
  assert.deepEqual(classifyLlmError(new ContextOverflowError('too long')), {
    type: 'LlmRequestRejected',
    retryable: false,
    label: 'context_length',
    status: 400,
  });
  assert.equal(classifyLlmError(Object.assign(new Error('timed out'), { name: 'TimeoutError' })).label, 'timeout');
  assert.equal(classifyLlmError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).label, 'connection');
});

test('cost: cached input at its own price (the input price when none is listed); unknown models have none', () => {
  assert.equal(callCostUsd(PRICES, 'big', { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 100_000 }), 1.2 + 0.2 + 0.8);
  assert.equal(callCostUsd(PRICES, 'small', { inputTokens: 1_000_000, cachedInputTokens: 500_000, outputTokens: 0 }), 0.4);
  assert.equal(callCostUsd(PRICES, 'nobody', { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1 }), undefined);
  assert.equal(cheapestModel(PRICES, ['big', 'small', 'nobody']), 'small');
  assert.equal(cheapestModel(PRICES, ['nobody']), undefined);
});

test('the daily budget: a warning at the soft limit; at the hard one only the cheapest model, or none', () => {
  const limits = { softUsd: 10, hardUsd: 30, hardAction: 'cheapest' as const };
  assert.deepEqual(budgetVerdict(limits, 9.99, PRICES, ['big', 'small'], 'big'), { spentUsd: 9.99, soft: false, hard: false, allowed: true });
  assert.deepEqual(budgetVerdict(limits, 10, PRICES, ['big', 'small'], 'big'), { spentUsd: 10, soft: true, hard: false, allowed: true });
  assert.equal(budgetVerdict(limits, 30, PRICES, ['big', 'small'], 'big').allowed, false);
  assert.equal(budgetVerdict(limits, 30, PRICES, ['big', 'small'], 'small').allowed, true);
  assert.equal(budgetVerdict({ ...limits, hardAction: 'offline' }, 30, PRICES, ['big', 'small'], 'small').allowed, false);
});

test('the cost report: per model and company, hits over lookups, fallbacks and offline parts', () => {
  const base: UsageRecord = {
    id: '',
    at: '2025-01-01T00:00:00Z',
    day: '2025-01-01',
    period: '2024-12',
    companyId: 'a',
    task: 'insights',
    model: 'big',
    cached: false,
    fallbackUsed: false,
    inputTokens: 100,
    cachedInputTokens: 10,
    outputTokens: 20,
    usd: 0.5,
    estimated: false,
    outcome: 'ok',
  };
  const report = costReport('2024-12', [
    { ...base, id: '1' },
    { ...base, id: '2', companyId: 'b', outcome: 'failed', inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, usd: 0 },
    { ...base, id: '3', companyId: 'b', model: 'small', fallbackUsed: true, usd: 0.25, estimated: true },
    { ...base, id: '4', cached: true, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, usd: 0 },
    { ...base, id: '5', task: 'summary', model: 'offline', fallbackUsed: true, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, usd: 0 },
  ]);
  assert.deepEqual(report.total, { key: 'total', calls: 3, cacheHits: 1, inputTokens: 200, cachedInputTokens: 20, outputTokens: 40, usd: 0.75 });
  assert.deepEqual(
    report.byModel.map((l) => [l.key, l.calls, l.cacheHits, l.usd]),
    [
      ['big', 2, 1, 0.5],
      ['small', 1, 0, 0.25],
    ],
  );
  assert.deepEqual(
    report.byCompany.map((l) => [l.key, l.calls, l.usd]),
    [
      ['a', 1, 0.5],
      ['b', 2, 0.25],
    ],
  );
  assert.equal(report.cacheHitRate, 0.25);
  assert.equal(report.fallbacks, 2);
  assert.equal(report.offline, 1);
  assert.equal(report.estimatedCalls, 1);
});
