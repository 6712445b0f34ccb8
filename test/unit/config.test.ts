import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, llmConfigured, loadConfig, PROJECT_ROOT } from '../../lib/config';

test('defaults are the embedded, offline setup', () => {
  const config = loadConfig({});
  assert.equal(config.GRAPHDB_URL, undefined);
  assert.equal(config.SMTP_URL, undefined);
  assert.equal(llmConfigured(config), false);
  assert.equal(config.OUTBOX_DIR, path.join(PROJECT_ROOT, '.data', 'outbox'));
  assert.deepEqual(config.LLM_MODELS, ['gpt-4.1', 'gpt-4.1-mini']);
});

test('values are parsed and empty strings mean unset', () => {
  const config = loadConfig({
    BATCH_CONCURRENCY: '8',
    LLM_MODELS: ' gpt-x , gpt-y ',
    OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1',
    SMTP_URL: 'smtps://mail.example:465',
    GRAPHDB_URL: '',
  });
  assert.equal(config.BATCH_CONCURRENCY, 8);
  assert.deepEqual(config.LLM_MODELS, ['gpt-x', 'gpt-y']);
  assert.equal(llmConfigured(config), true);
  assert.equal(config.GRAPHDB_URL, undefined);
});

test('every bad value is named in one error', () => {
  assert.throws(
    () => loadConfig({ BATCH_CONCURRENCY: 'many', SMTP_URL: 'http://mail', GRAPHDB_URL: 'not a url', LOG_LEVEL: 'loud' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ['BATCH_CONCURRENCY', 'SMTP_URL', 'GRAPHDB_URL', 'LOG_LEVEL']) assert.match(err.message, new RegExp(name));
      return true;
    },
  );
});
