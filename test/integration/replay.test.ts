// Replay safety: finished runs of every workflow type replay against the current code, the recorded
// histories in test/histories/ do too, and an unguarded change to the workflow code is caught.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { TEMPORAL_BIN } from '../../scripts/support/paths';
import { narrativeReply, startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { startHarness, type Harness } from '../support/temporal-harness';

const run = promisify(execFile);

const HISTORIES = path.join(__dirname, '..', 'histories');
const WORKFLOWS = require.resolve('../../workflows');
let h: Harness;
let llm: FakeOpenAi;

/**
 * Recorded once per workflow type and version (older versions stay: they prove patched() keeps them
 * replaying); RECORD_HISTORIES=1 re-records the current ones.
 */
const RECORDINGS = [
  // Grounding, then insights (primary rejected with 401, fallback answers) and summary, one activity per model.
  { file: 'monthlyCompanyReport-v3-llm-tasks.json', type: 'monthlyCompanyReport', args: [{ companyId: 'c04-미르', period: '2024-02' }] },
  // No ledger for 2023-12: the wait for the upload signal, its deadline, the admin's notice, the failure.
  { file: 'monthlyCompanyReport-v4-ledger-wait.json', type: 'monthlyCompanyReport', args: [{ companyId: 'c05-새봄', period: '2023-12', ledgerWaitMs: 500 }], fails: true },
  // Pages of 3 companies, continue-as-new between them; the CLI shows the latest run.
  { file: 'monthlyReportBatch-v2-pages.json', type: 'monthlyReportBatch', args: [{ period: '2024-05', concurrency: 3, pageSize: 3 }] },
];

const fresh: Array<{ workflowId: string; history: ReturnType<typeof historyFromJSON> }> = [];

before(async () => {
  llm = await startFakeOpenAi();
  llm.script('strong', () => ({ status: 401 }));
  for (const model of ['strong-b', 'cheap']) llm.script(model, (_, r) => ({ text: narrativeReply(r) }));
  h = await startHarness({ OPENAI_BASE_URL: llm.baseURL, LLM_INSIGHT_MODELS: 'strong,strong-b', LLM_SUMMARY_MODELS: 'cheap' });
  await mkdir(HISTORIES, { recursive: true });
  for (const rec of RECORDINGS) {
    const workflowId = `replay-${rec.file.replace(/\.json$/, '')}`;
    const done = h.client.workflow.execute(rec.type, { taskQueue: h.config.TASK_QUEUE, workflowId, args: rec.args });
    await ('fails' in rec ? assert.rejects(done) : done);
    // Exported by the real CLI: the same JSON the Web UI's download gives.
    const { stdout } = await run(TEMPORAL_BIN, [
      'workflow', 'show', '--address', h.server.address, '--workflow-id', workflowId, '--output', 'json',
    ]);
    fresh.push({ workflowId, history: historyFromJSON(JSON.parse(stdout)) });
    const target = path.join(HISTORIES, rec.file);
    if (process.env.RECORD_HISTORIES === '1' || !existsSync(target)) await writeFile(target, stdout);
  }
});
after(async () => {
  await h?.stop();
  await llm?.close();
});

async function recordedHistories() {
  const files = (await readdir(HISTORIES)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (f) => ({ workflowId: f, history: historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES, f), 'utf8'))) })),
  );
}

test('every recorded history replays against the current workflow code', async () => {
  const histories = await recordedHistories();
  assert.ok(histories.length >= RECORDINGS.length);
  const replayed: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS }, histories)) {
    assert.equal(result.error, undefined, `${result.workflowId}: ${result.error?.message}`);
    replayed.push(result.workflowId);
  }
  assert.equal(replayed.length, histories.length);
});

test("this run's fresh histories replay too", async () => {
  for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS }, fresh)) {
    assert.equal(result.error, undefined, `${result.workflowId}: ${result.error?.message}`);
  }
});

test('a workflow change that breaks determinism fails the replay', async () => {
  const [companyRun] = fresh;
  assert.ok(companyRun);
  const results = [];
  for await (const result of Worker.runReplayHistories(
    { workflowsPath: require.resolve('../support/altered-workflows') },
    [companyRun],
  )) {
    results.push(result);
  }
  assert.equal(results.length, 1);
  assert.equal(results[0]!.error?.name, 'DeterminismViolationError', String(results[0]!.error));
});
