// Workers take only what they can run: the backlog stays on the server, where the autoscaler sees it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../lib/config';
import { HEARTBEAT_INTERVAL_MS, activityCapacity } from '../../workers/report-worker';

test("the render worker's activity slots are the renderer's pages", () => {
  for (const pages of ['1', '2', '5']) {
    const config = loadConfig({ RENDER_MAX_PAGES: pages });
    assert.equal(activityCapacity('render', config).maxConcurrentActivityTaskExecutions, Number(pages));
  }
  // The default too (2 pages, one per core).
  const defaults = loadConfig({});
  assert.equal(activityCapacity('render', defaults).maxConcurrentActivityTaskExecutions, defaults.RENDER_MAX_PAGES);
});

test('the LLM worker keeps its concurrency and the queue-wide rate; orchestration keeps the SDK default', () => {
  const config = loadConfig({ LLM_MAX_CONCURRENT: '7', LLM_MAX_ACTIVITIES_PER_SECOND: '3' });
  const llm = activityCapacity('llm', config);
  assert.equal(llm.maxConcurrentActivityTaskExecutions, 7);
  assert.equal(llm.maxTaskQueueActivitiesPerSecond, 3);
  assert.equal(activityCapacity('orchestration', config).maxConcurrentActivityTaskExecutions, undefined);
});

test('heartbeats, which carry cancellations, go out every beat and well inside the shortest heartbeat timeout', () => {
  const proxies = readFileSync(path.join(__dirname, '../../workflows/activity-proxies.ts'), 'utf8');
  const timeouts = [...proxies.matchAll(/HEARTBEAT_TIMEOUT = '(\d+)s'/g)].map((m) => Number(m[1]) * 1000);
  assert.ok(timeouts.length >= 2, 'heartbeat timeouts found in workflows/activity-proxies.ts');
  // One late beat is no failure: at least two more beats fit into the shortest timeout.
  assert.ok(HEARTBEAT_INTERVAL_MS * 3 <= Math.min(...timeouts), `${HEARTBEAT_INTERVAL_MS} ms against ${Math.min(...timeouts)} ms`);
  for (const role of ['orchestration', 'llm', 'render'] as const) {
    assert.equal(activityCapacity(role, loadConfig({})).maxHeartbeatThrottleInterval, HEARTBEAT_INTERVAL_MS, role);
  }
});
