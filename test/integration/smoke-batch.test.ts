// cli/smoke-batch.ts, the staging smoke check of deploy.yml, run as deploy.yml runs it (a child process) against
// a real Temporal dev server and worker on the fixture ledgers: a clean month passes; a month where one company's
// ledger fails validation, or one company still waits for its ledger, fails naming that company; an unknown
// batch and a batch that outlives the deadline give no pass either.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ledgerPath } from '../../lib/erp/company';
import { TEMPORAL_BIN } from '../../dev/paths';
import { startHarness, type Harness } from '../support/temporal-harness';
import { until } from '../../dev/until';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'cli', 'smoke-batch.ts');
const BAD_LEDGER = path.join(ROOT, 'test', 'fixtures', 'bad', 'ledger', 'balance', 'unbalanced-voucher.csv');
/** The longest a smoke run may take here, batch included (the script gets a shorter --timeout of its own). */
const CHILD_TIMEOUT_MS = 8 * 60_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function smoke(args: string[], timeoutMs = CHILD_TIMEOUT_MS): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', SCRIPT, '--address', h.server.address, '--namespace', h.config.TEMPORAL_NAMESPACE, '--poll', '500ms', ...args],
      { cwd: ROOT, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, TASK_QUEUE: h.config.TASK_QUEUE } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, signal: err?.signal ?? null, stdout, stderr });
      },
    );
  });
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TEMPORAL_BIN, args, { cwd: ROOT, timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, signal: err?.signal ?? null, stdout, stderr });
    });
  });
}

const show = (r: Run) => `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

test('a clean month: exit 0, every company succeeded, the counts printed', { timeout: CHILD_TIMEOUT_MS + 60_000 }, async () => {
  // Started as deploy.yml starts it, with the temporal CLI (twice: a re-run of the job joins the open batch).
  const workflowId = 'smoke-clean-2024-02';
  const runIds: string[] = [];
  for (let i = 0; i < 2; i++) {
    const started = await cli([
      'workflow',
      'start',
      '--type',
      'monthlyReportBatch',
      '--task-queue',
      h.config.TASK_QUEUE,
      '--workflow-id',
      workflowId,
      '--id-conflict-policy',
      'UseExisting',
      '--input',
      JSON.stringify({ period: '2024-02', concurrency: 3 }),
      '--address',
      h.server.address,
      '--namespace',
      h.config.TEMPORAL_NAMESPACE,
    ]);
    assert.equal(started.code, 0, show(started));
    runIds.push(/RunId\s+(\S+)/.exec(started.stdout)?.[1] ?? '');
  }
  assert.ok(runIds[0], runIds.join());
  assert.equal(runIds[1], runIds[0], 'the second start joined the open batch');
  const r = await smoke(['--workflow-id', workflowId, '--timeout', '6m']);
  assert.equal(r.code, 0, show(r));
  assert.match(
    r.stdout,
    /smoke: PASS smoke-clean-2024-02 \(2024-02\): listed 6, started 6, succeeded 6, unchanged 0, failed 0, cancelled 0/,
    show(r),
  );
  assert.match(r.stdout, /smoke: counts \{"listed":6,/, show(r));
});

test('one company whose ledger fails validation: exit 1, naming the company and the cause', { timeout: CHILD_TIMEOUT_MS + 60_000 }, async () => {
  // c02-누리's January export has an unbalanced voucher: DataValidationError, never retried.
  await copyFile(BAD_LEDGER, ledgerPath(h.config.ERP_DATA_DIR, 'c02-누리', '2024-01'));
  // --period: the script starts the month's batch itself, then waits for it.
  const r = await smoke(['--period', '2024-01', '--workflow-id', 'smoke-bad-2024-01', '--concurrency', '3', '--timeout', '6m']);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stdout, /smoke: started smoke-bad-2024-01: monthlyReportBatch for 2024-01/, show(r));
  assert.match(r.stdout, /smoke: FAIL smoke-bad-2024-01 \(2024-01\): listed 6, started 6, succeeded 5, unchanged 0, failed 1/, show(r));
  assert.match(r.stdout, /1 company failed:\n\s+c02-누리: DataValidationError: /, show(r));
});

test(
  'a company still waiting for its ledger fails the smoke, named, once the others have ended',
  { timeout: CHILD_TIMEOUT_MS + 60_000 },
  async () => {
    const held = ledgerPath(h.config.ERP_DATA_DIR, 'c03-다솜', '2024-03');
    await rename(held, `${held}.held`);
    const r = await smoke(['--period', '2024-03', '--workflow-id', 'smoke-late-2024-03', '--ledger-wait', '1h', '--timeout', '6m']);
    assert.equal(r.code, 1, show(r));
    assert.match(
      r.stdout,
      /smoke: FAIL smoke-late-2024-03 \(2024-03\): listed 6, started 6, succeeded 5, unchanged 0, failed 0, cancelled 0, already running 0, waiting for ledger 1/,
      show(r),
    );
    assert.match(r.stdout, /1 waiting for a ledger \(a failure for a smoke run\): c03-다솜/, show(r));
    // The smoke did not stop the run: it still waits for the upload.
    const stage = await until(
      () =>
        h.client.workflow
          .getHandle('tax-report-c03-다솜-2024-03')
          .query<string>('stage')
          .catch(() => undefined),
      'the late run to answer its stage query',
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.equal(stage, 'waiting-for-ledger');
  },
);

test('an unknown batch id exits 2; a batch that outlives --timeout exits 3 (no verdict is not a pass)', { timeout: 180_000 }, async () => {
  const unknown = await smoke(['--workflow-id', 'no-such-batch', '--timeout', '30s'], 120_000);
  assert.equal(unknown.code, 2, show(unknown));
  assert.match(unknown.stderr, /no workflow no-such-batch/, show(unknown));

  const late = await smoke(['--period', '2024-05', '--workflow-id', 'smoke-deadline-2024-05', '--concurrency', '1', '--timeout', '2s'], 120_000);
  assert.equal(late.code, 3, show(late));
  assert.match(late.stderr, /no verdict: smoke-deadline-2024-05 did not end within 2s/, show(late));
  await h.client.workflow.getHandle('smoke-deadline-2024-05').cancel();
});

test('usage errors exit 2', { timeout: 120_000 }, async () => {
  for (const args of [[], ['--period', '2024-13'], ['--workflow-id', 'x', '--timeout', 'soon']]) {
    const r = await smoke(args, 60_000);
    assert.equal(r.code, 2, `${args.join(' ')}: ${show(r)}`);
  }
});
