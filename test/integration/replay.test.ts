// Replay safety: finished runs of every workflow type replay against the current code, the recorded
// histories in test/histories/ do too, and an unguarded change to the workflow code is caught.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { TEMPORAL_BIN } from '../../dev/paths';
import { narrativeReply, startFakeOpenAi, taxWordEmbedding, type FakeOpenAi } from '../../dev/servers/fake-openai';
import { startHarness, type Harness } from '../support/temporal-harness';
import { until } from '../../dev/until';
import { approveReportUpdate, requestChangesUpdate, reviewDraftQuery } from '../../lib/temporal-contract';

const run = promisify(execFile);

/**
 * A copy of c04 whose company.json asks for review, added after the batch recordings (which must not wait on a
 * person for one of their companies).
 */
const REVIEWED_COMPANY = 'c09-검토';

async function addReviewedCompany(): Promise<void> {
  const companies = path.join(h.config.ERP_DATA_DIR, 'companies');
  await cp(path.join(companies, 'c04-미르'), path.join(companies, REVIEWED_COMPANY), { recursive: true });
  const file = path.join(companies, REVIEWED_COMPANY, 'company.json');
  const company = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...company, id: REVIEWED_COMPANY, reviewRequired: true }));
}
const HISTORIES = path.join(__dirname, '..', 'histories');
const WORKFLOWS = require.resolve('../../workflows');
let h: Harness;
let llm: FakeOpenAi;

/**
 * The current version of each workflow, recorded once under a new name per patched() change. Files of earlier
 * versions stay in test/histories/ and keep replaying: they prove the patches keep old runs working, until their
 * builds are retired (docs/architecture.md, replay safety) and they move to test/histories/retired/. A missing
 * file fails the run; `RECORD_HISTORIES=1 npm test` writes missing files (never overwrites one).
 */
const RECORDINGS: Array<{
  file: string;
  type: string;
  args: unknown[];
  workflowId?: string;
  fails?: boolean;
  runs?: 'first';
  /** Data the recording needs, put in place just before it. */
  prepare?: () => Promise<void>;
  /** What people do to the run while it is open (review decisions). */
  drive?: (handle: WorkflowHandle) => Promise<void>;
}> = [
  // The sliding window: pages of 2, concurrency 2; its first run ends in continue-as-new, its last in the result.
  {
    file: 'monthlyReportBatch-v3-window-first-run.json',
    type: 'monthlyReportBatch',
    workflowId: 'replay-batch-window',
    args: [{ period: '2024-05', concurrency: 2, pageSize: 2 }],
    runs: 'first',
  },
  { file: 'monthlyReportBatch-v3-window-last-run.json', type: 'monthlyReportBatch', workflowId: 'replay-batch-window', args: [] },
  // A child of that batch: it reports back by signal; its delivery is versioned.
  { file: 'monthlyCompanyReport-v5-batch-window.json', type: 'monthlyCompanyReport', workflowId: 'tax-report-c00-한빛-2024-05', args: [] },
  // An unknown company: the run fails and the admin gets a failure notice naming the cause.
  {
    file: 'monthlyCompanyReport-v5-failure-notice.json',
    type: 'monthlyCompanyReport',
    args: [{ companyId: 'c99-없음', period: '2024-05' }],
    fails: true,
  },
  // Grounding searched by meaning on the LLM queue: texts in, neighbours out, applied and metered beside the workflows.
  { file: 'monthlyCompanyReport-v6-semantic-on-llm-queue.json', type: 'monthlyCompanyReport', args: [{ companyId: 'c03-다솜', period: '2024-04' }] },
  // Review before sending: the draft waits, the accountant rewrites the summary (draft 2), then approves it.
  {
    file: 'monthlyCompanyReport-v7-review.json',
    type: 'monthlyCompanyReport',
    args: [{ companyId: REVIEWED_COMPANY, period: '2024-03' }],
    prepare: addReviewedCompany,
    drive: async (handle) => {
      const reviewer = { name: 'analyst-lee', role: 'analyst' as const };
      await until(async () => (await handle.query(reviewDraftQuery).catch(() => undefined))?.stage === 'awaiting-review', 'the draft', {
        timeoutMs: 120_000,
      });
      await handle.executeUpdate(requestChangesUpdate, {
        args: [{ reviewer, draftVersion: 1, comment: '요약 수정', narrative: '세무사가 고쳐 쓴 요약입니다.' }],
      });
      await handle.executeUpdate(approveReportUpdate, { args: [{ reviewer, draftVersion: 2 }] });
    },
  },
  // The retired builds' patches deprecated (deprecatePatch writes markers marked deprecated): a whole month.
  { file: 'monthlyCompanyReport-v8-deprecated-patches.json', type: 'monthlyCompanyReport', args: [{ companyId: 'c02-누리', period: '2024-06' }] },
  // A month whose ledgers never arrive (pages of 2, concurrency 2): every child waits 1 s, gives its slot back,
  // tells the admin and fails; the batch counts them and sends its summary.
  {
    file: 'monthlyReportBatch-v4-late-ledgers-first-run.json',
    type: 'monthlyReportBatch',
    workflowId: 'replay-batch-late-ledgers',
    args: [{ period: '2023-12', concurrency: 2, pageSize: 2, ledgerWaitMs: 1_000 }],
    runs: 'first',
  },
  { file: 'monthlyReportBatch-v4-late-ledgers-last-run.json', type: 'monthlyReportBatch', workflowId: 'replay-batch-late-ledgers', args: [] },
  // A child of that batch: the ledger wait (deprecated ledger-wait) with its waiting and finished signals.
  { file: 'monthlyCompanyReport-v8-ledger-wait.json', type: 'monthlyCompanyReport', workflowId: 'tax-report-c00-한빛-2023-12', args: [] },
];

/**
 * Histories of the builds retired under the replay policy (docs/architecture.md, replay safety): their runs can no
 * longer exist, and the code no longer takes the branches they took, so each must fail to replay. (v4-ledger-wait's
 * build is retired too, but that file still replays and stays: it is the one recording of a ledger-wait marker
 * written by patched(), which runs of the builds still served carry.)
 */
const RETIRED = path.join(HISTORIES, 'retired');
const RETIRED_FILES = [
  'monthlyCompanyReport-v1.json',
  'monthlyCompanyReport-v2-split-task-queues.json',
  'monthlyCompanyReport-v3-llm-tasks.json',
  'monthlyReportBatch-v1.json',
  'monthlyReportBatch-v2-pages.json',
];

const fresh: Array<{ workflowId: string; history: ReturnType<typeof historyFromJSON> }> = [];
const missing: string[] = [];

before(async () => {
  llm = await startFakeOpenAi();
  llm.script('strong', () => ({ status: 401 }));
  for (const model of ['strong-b', 'cheap']) llm.script(model, (_, r) => ({ text: narrativeReply(r) }));
  llm.scriptEmbeddings('embed', taxWordEmbedding);
  h = await startHarness({
    OPENAI_BASE_URL: llm.baseURL,
    LLM_INSIGHT_MODELS: 'strong,strong-b',
    LLM_SUMMARY_MODELS: 'cheap',
    LLM_EMBEDDING_MODEL: 'embed',
  });
  await mkdir(HISTORIES, { recursive: true });
  const started = new Map<string, string>();
  for (const rec of RECORDINGS) {
    const workflowId = rec.workflowId ?? `replay-${rec.file.replace(/\.json$/, '')}`;
    if (rec.args.length > 0) {
      await rec.prepare?.();
      const handle = await h.client.workflow.start(rec.type, { taskQueue: h.config.TASK_QUEUE, workflowId, args: rec.args });
      started.set(workflowId, handle.firstExecutionRunId);
      await rec.drive?.(handle);
      await (rec.fails ? assert.rejects(handle.result()) : handle.result());
    } else {
      // Started by an earlier recording (the batch's child, the batch's last run): wait for it to close.
      await h.client.workflow
        .getHandle(workflowId)
        .result()
        .catch(() => undefined);
    }
    // Exported by the real CLI: the same JSON the Web UI's download gives.
    const runId = rec.runs === 'first' ? ['--run-id', started.get(workflowId)!] : [];
    const { stdout } = await run(TEMPORAL_BIN, [
      'workflow',
      'show',
      '--address',
      h.server.address,
      '--workflow-id',
      workflowId,
      ...runId,
      '--output',
      'json',
    ]);
    fresh.push({ workflowId: rec.file, history: historyFromJSON(JSON.parse(stdout)) });
    const target = path.join(HISTORIES, rec.file);
    if (existsSync(target)) continue;
    if (process.env.RECORD_HISTORIES === '1') await writeFile(target, stdout);
    else missing.push(rec.file);
  }
});
after(async () => {
  await h?.stop();
  await llm?.close();
});

async function recordedHistories(dir = HISTORIES) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => ({ workflowId: f, history: historyFromJSON(JSON.parse(await readFile(path.join(dir, f), 'utf8'))) })));
}

test('every current workflow version has its recorded history', () => {
  assert.deepEqual(missing, [], 'record them with RECORD_HISTORIES=1 npm test, after guarding the change with patched()');
});

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

test('every retired history fails to replay with a determinism error: their builds can no longer be served', async () => {
  const histories = await recordedHistories(RETIRED);
  assert.deepEqual(
    histories.map((r) => r.workflowId),
    RETIRED_FILES,
  );
  const failed: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS }, histories)) {
    assert.equal(result.error?.name, 'DeterminismViolationError', `${result.workflowId}: ${String(result.error)}`);
    assert.match(result.error?.message ?? '', /Nondeterminism error/);
    failed.push(result.workflowId);
  }
  assert.deepEqual(failed.sort(), RETIRED_FILES);
});

test("this run's fresh histories replay too", async () => {
  for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS }, fresh)) {
    assert.equal(result.error, undefined, `${result.workflowId}: ${result.error?.message}`);
  }
});

test('a workflow change that breaks determinism fails the replay', async () => {
  const companyRun = fresh.find((f) => f.workflowId.startsWith('monthlyCompanyReport'));
  assert.ok(companyRun);
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath: require.resolve('../support/altered-workflows') }, [companyRun])) {
    results.push(result);
  }
  assert.equal(results.length, 1);
  assert.equal(results[0]!.error?.name, 'DeterminismViolationError', String(results[0]!.error));
});
