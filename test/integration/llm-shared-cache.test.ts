// Across workers: with REDIS_URL every worker shares the answer cache and the call ledger (a second worker process
// with its own files and Temporal server re-running a company-month makes no model call, and `npm run cost-report`
// reads both runs from Redis); the LLM task queue's rate is held by the server for all workers together.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../lib/config';
import type { CostReport } from '../../lib/llm/cost-report';
import { readFindings } from '../support/artifacts';
import { narrativeReply, startFakeOpenAi, type FakeOpenAi } from '../../dev/servers/fake-openai';
import { startRedisServer, type RedisServer } from '../../dev/servers/redis-server';
import { TEMPORAL_BIN } from '../../dev/paths';
import { startHarness } from '../support/temporal-harness';
import { until } from '../../dev/until';

const run = promisify(execFile);
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');

let redis: RedisServer;
let llm: FakeOpenAi;
before(async () => {
  redis = await startRedisServer();
  llm = await startFakeOpenAi();
  // gpt-4.1-mini: a model of config/llm-prices.json ($0.40 in, $1.60 out per 1M tokens).
  llm.script('gpt-4.1-mini', (_, r) => ({ text: narrativeReply(r), usage: { prompt_tokens: 900, completion_tokens: 100 } }));
});
after(async () => {
  await llm?.close();
  await redis?.stop();
});

async function reportOnFreshWorker(workflowId: string) {
  const h = await startHarness({
    OPENAI_BASE_URL: llm.baseURL,
    LLM_INSIGHT_MODELS: 'gpt-4.1-mini',
    LLM_SUMMARY_MODELS: 'gpt-4.1-mini',
    REDIS_URL: redis.url,
  });
  try {
    const result = await h.client.workflow.execute('monthlyCompanyReport', {
      taskQueue: h.config.TASK_QUEUE,
      workflowId,
      args: [{ companyId: 'c01-가람', period: '2024-03' }],
    });
    return await readFindings(path.join(h.config.REPORT_STORE_DIR, result.findingsKey));
  } finally {
    await h.stop();
  }
}

test('a second worker finds the first one’s answers in Redis; the cost report reads the shared ledger', async () => {
  const first = await reportOnFreshWorker('shared-cache-1');
  assert.equal(first.narrative.cached, false);
  assert.equal(llm.requests.length, 2, 'insights and summary');

  const second = await reportOnFreshWorker('shared-cache-2');
  assert.equal(llm.requests.length, 2, 'the second worker made no model call');
  assert.equal(second.narrative.cached, true);
  assert.equal(second.narrative.insights!.cached, true);
  assert.equal(second.narrative.text, first.narrative.text);

  const { stdout } = await run(TSX, [path.join(PROJECT_ROOT, 'cli', 'cost-report.ts'), '--month', '2024-03', '--json'], {
    env: { ...process.env, REDIS_URL: redis.url, LOG_LEVEL: 'silent' },
  });
  const report = JSON.parse(stdout) as CostReport;
  assert.deepEqual(
    { calls: report.total.calls, hits: report.total.cacheHits, input: report.total.inputTokens, output: report.total.outputTokens },
    { calls: 2, hits: 2, input: 1800, output: 200 },
  );
  assert.ok(Math.abs(report.total.usd - (1800 * 0.4 + 200 * 1.6) / 1e6) < 1e-15);
  assert.equal(report.cacheHitRate, 0.5);
  assert.deepEqual(
    report.byModel.map((l) => l.key),
    ['gpt-4.1-mini'],
  );

  const { stdout: table } = await run(TSX, [path.join(PROJECT_ROOT, 'cli', 'cost-report.ts'), '--month', '2024-03'], {
    env: { ...process.env, REDIS_URL: redis.url },
  });
  assert.match(table, /LLM cost report for 2024-03/);
  assert.match(table, /cache hit rate 50\.0% · fallbacks 0 · offline parts 0/);
});

test('the LLM task queue is rate limited for all its workers: the server holds the configured rate', async () => {
  const h = await startHarness({ OPENAI_BASE_URL: llm.baseURL, LLM_MAX_ACTIVITIES_PER_SECOND: '1.5', LLM_MAX_CONCURRENT: '3' });
  try {
    // The rate travels with every poll and the server enforces it on the queue, whatever the number of workers.
    const pollers = (queue: string) =>
      until(
        async () => {
          const { stdout } = await run(TEMPORAL_BIN, [
            'task-queue',
            'describe',
            '--address',
            h.server.address,
            '--task-queue',
            queue,
            '--task-queue-type',
            'activity',
            '--output',
            'json',
          ]);
          const described = JSON.parse(stdout) as { pollers: Array<{ ratePerSecond?: number }> | null };
          return described.pollers?.length ? described.pollers : undefined;
        },
        `pollers on ${queue}`,
        { intervalMs: 200 },
      );
    assert.deepEqual(
      (await pollers(`${h.config.TASK_QUEUE}-llm`)).map((p) => p.ratePerSecond),
      [1.5],
    );
    assert.ok(
      (await pollers(h.config.TASK_QUEUE)).every((p) => p.ratePerSecond !== 1.5),
      'the other queues are not limited',
    );
    const llmWorker = h.worker.workers.find((w) => w.options.taskQueue === `${h.config.TASK_QUEUE}-llm`)!;
    // The SDK compiles the concurrency into a fixed-size slot supplier.
    assert.deepEqual((llmWorker.options.tuner as { activityTaskSlotSupplier?: unknown }).activityTaskSlotSupplier, {
      type: 'fixed-size',
      numSlots: 3,
    });
  } finally {
    await h.stop();
  }
});
