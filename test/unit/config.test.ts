import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, llmChains, llmConfigured, loadConfig, PROJECT_ROOT } from '../../lib/config';
import { graphStoreFromConfig } from '../../lib/graph/create-graph-store';

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

/** The message of the ConfigError `env` causes, or '' when it loads. */
function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
    return '';
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
}

test('SMTP: no option in the URL can turn TLS off, and the loopback-only relaxations are refused for any other relay', () => {
  for (const url of [
    'smtps://mail.example:465',
    'smtp://u%40firm.example:pw@mail.example:587',
    'smtp://127.0.0.1:2525?tls.rejectUnauthorized=false',
  ]) {
    assert.equal(refusal({ SMTP_URL: url }), '', url);
  }
  assert.equal(refusal({ SMTP_URL: 'smtp://localhost:1025', SMTP_ALLOW_PLAINTEXT: 'true' }), '', 'a mail catcher on this machine');
  for (const [env, reason] of [
    [{ SMTP_URL: 'smtp://mail.example:587?tls.rejectUnauthorized=false' }, /only for a relay on loopback.*NODE_EXTRA_CA_CERTS/],
    [{ SMTP_URL: 'smtp://mail.example:587', SMTP_ALLOW_PLAINTEXT: 'true' }, /SMTP_ALLOW_PLAINTEXT only for a relay on loopback/],
    [{ SMTP_URL: 'smtp://mail.example:587?ignoreTLS=true' }, /ignoreTLS is not supported/],
    [{ SMTP_URL: 'smtp://127.0.0.1:25?requireTLS=false' }, /requireTLS is not supported/],
  ] as const) {
    assert.match(refusal(env), new RegExp(`SMTP_URL: .*${reason.source}`), JSON.stringify(env));
  }
});

test('GraphDB: http:// to a host that is not loopback is refused unless explicitly allowed (and logged); https:// and loopback pass', async () => {
  const remote = 'http://graphdb.graphdb.svc.cluster.local:7200/repositories/tax';
  assert.match(
    refusal({ GRAPHDB_URL: remote, GRAPHDB_USERNAME: 'tax', GRAPHDB_PASSWORD: 'pw' }),
    /GRAPHDB_URL: http:\/\/ to a host that is not loopback.*cleartext/,
  );
  assert.match(refusal({ GRAPHDB_URL: remote }), /GRAPHDB_URL/, 'the ledgers cross the network without credentials too');
  for (const env of [
    { GRAPHDB_URL: remote.replace('http:', 'https:'), GRAPHDB_TOKEN: 't' },
    { GRAPHDB_URL: 'http://127.0.0.1:8080/rdf4j-server/repositories/tax', GRAPHDB_PASSWORD: 'pw', GRAPHDB_USERNAME: 'tax' },
    { GRAPHDB_URL: 'http://[::1]:7200/repositories/tax' },
    { GRAPHDB_URL: remote, GRAPHDB_ALLOW_INSECURE: 'true', GRAPHDB_TOKEN: 't' },
  ]) {
    assert.equal(refusal(env), '', JSON.stringify(env));
  }
  const warnings: object[] = [];
  const store = graphStoreFromConfig(loadConfig({ GRAPHDB_URL: remote, GRAPHDB_ALLOW_INSECURE: 'true' }), {
    info: () => {},
    warn: (d) => warnings.push(d),
  });
  await store.close();
  assert.match(JSON.stringify(warnings), /graphdb_cleartext_allowed/, 'the opt-in is logged when the store is made');
});

test('console: X-Forwarded-For is trusted from named proxies or hops only, never from anyone', () => {
  assert.equal(loadConfig({}).CONSOLE_TRUST_PROXY, false);
  assert.equal(loadConfig({ CONSOLE_TRUST_PROXY: '1' }).CONSOLE_TRUST_PROXY, 1);
  assert.deepEqual(loadConfig({ CONSOLE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).CONSOLE_TRUST_PROXY, ['10.0.0.0/8', '127.0.0.1', '::1']);
  for (const bad of ['true', 'yes', '10.0.0.0/33', 'proxy.local', '10.0.0.1/8/8']) {
    assert.throws(() => loadConfig({ CONSOLE_TRUST_PROXY: bad }), /CONSOLE_TRUST_PROXY: a hop count/, bad);
  }
});

test('console: Secure cookies unless it listens on loopback only, and never off for a network address', () => {
  assert.equal(loadConfig({}).CONSOLE_SECURE_COOKIES, false, 'a developer console on 127.0.0.1');
  assert.equal(loadConfig({ CONSOLE_HOST: '0.0.0.0' }).CONSOLE_SECURE_COOKIES, true);
  assert.equal(loadConfig({ CONSOLE_HOST: '127.0.0.1', CONSOLE_SECURE_COOKIES: 'true' }).CONSOLE_SECURE_COOKIES, true);
  assert.throws(
    () => loadConfig({ CONSOLE_HOST: '0.0.0.0', CONSOLE_SECURE_COOKIES: 'false' }),
    /CONSOLE_SECURE_COOKIES: false only when CONSOLE_HOST is a loopback/,
  );
});
