import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, llmChains, llmConfigured, loadConfig, PROJECT_ROOT } from '../../lib/config';

test('defaults are the embedded, offline setup', () => {
  const config = loadConfig({});
  assert.equal(config.GRAPHDB_URL, undefined);
  assert.equal(config.SMTP_URL, undefined);
  assert.equal(llmConfigured(config), false);
  assert.equal(config.OUTBOX_DIR, path.join(PROJECT_ROOT, '.data', 'outbox'));
  // Strong chain for insights, cheap chain for summaries; without an endpoint both are empty (offline).
  assert.deepEqual(config.LLM_INSIGHT_MODELS, ['gpt-4.1', 'gpt-4.1-mini']);
  assert.deepEqual(config.LLM_SUMMARY_MODELS, ['gpt-4.1-mini', 'gpt-4o-mini']);
  assert.deepEqual(llmChains(config), { insights: [], summary: [] });
  assert.equal(config.LLM_CACHE_TTL_SUMMARY, 24 * 3_600_000);
  assert.equal(config.LLM_CACHE_TTL_INSIGHTS, 3_600_000);
  assert.equal(config.LLM_CACHE_TTL_EMBEDDINGS, 0);
  assert.deepEqual([config.LLM_BUDGET_SOFT_USD, config.LLM_BUDGET_HARD_USD, config.LLM_BUDGET_HARD_ACTION], [10, 30, 'cheapest']);
});

test('values are parsed and empty strings mean unset', () => {
  const config = loadConfig({
    BATCH_CONCURRENCY: '8',
    LLM_INSIGHT_MODELS: ' gpt-x , gpt-y ',
    LLM_CACHE_TTL_INSIGHTS: '90s',
    OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1',
    SMTP_URL: 'smtps://mail.example:465',
    GRAPHDB_URL: '',
  });
  assert.equal(config.BATCH_CONCURRENCY, 8);
  assert.deepEqual(config.LLM_INSIGHT_MODELS, ['gpt-x', 'gpt-y']);
  assert.equal(config.LLM_CACHE_TTL_INSIGHTS, 90_000);
  assert.equal(llmConfigured(config), true);
  assert.deepEqual(llmChains(config).insights, ['gpt-x', 'gpt-y']);
  assert.equal(config.GRAPHDB_URL, undefined);
});

test('every bad value is named in one error', () => {
  assert.throws(
    () =>
      loadConfig({
        BATCH_CONCURRENCY: 'many',
        SMTP_URL: 'http://mail',
        GRAPHDB_URL: 'not a url',
        LOG_LEVEL: 'loud',
        LLM_CACHE_TTL_SUMMARY: 'a day',
        LLM_SUMMARY_MODELS: 'gpt 4',
        REDIS_URL: 'http://cache',
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const names = ['BATCH_CONCURRENCY', 'SMTP_URL', 'GRAPHDB_URL', 'LOG_LEVEL', 'LLM_CACHE_TTL_SUMMARY', 'LLM_SUMMARY_MODELS', 'REDIS_URL'];
      for (const name of names) assert.match(err.message, new RegExp(name));
      return true;
    },
  );
});
