// The smoke verdict of cli/smoke-batch.ts on batch results: only a month where every listed company succeeded
// or was unchanged (and at least one did) passes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeBatchResult } from '../../cli/smoke-batch';
import { type MonthlyReportBatchResult } from '../../lib/temporal-contract';

type Counts = MonthlyReportBatchResult['counts'];

function result(
  counts: Partial<Counts>,
  lists: Partial<Pick<MonthlyReportBatchResult, 'failed' | 'waitingForLedger' | 'alreadyRunning'>> = {},
): MonthlyReportBatchResult {
  return {
    period: '2026-10',
    running: 0,
    outside: 0,
    exhausted: true,
    counts: { listed: 0, started: 0, succeeded: 0, unchanged: 0, failed: 0, cancelled: 0, alreadyRunning: 0, waitingForLedger: 0, ...counts },
    failed: [],
    waitingForLedger: [],
    awaitingReview: [],
    alreadyRunning: [],
    ...lists,
  };
}

test('every company succeeded, or some were unchanged re-runs: pass', () => {
  assert.deepEqual(judgeBatchResult(result({ listed: 6, started: 6, succeeded: 6 })), { ok: true, problems: [] });
  assert.deepEqual(judgeBatchResult(result({ listed: 6, started: 6, succeeded: 2, unchanged: 4 })), { ok: true, problems: [] });
  // A re-run of a delivered month: nothing sent, every company analysed and rendered.
  assert.deepEqual(judgeBatchResult(result({ listed: 3, started: 3, unchanged: 3 })), { ok: true, problems: [] });
  // A run already open, joined, that succeeded.
  assert.equal(judgeBatchResult(result({ listed: 2, started: 1, alreadyRunning: 1, succeeded: 2 }, { alreadyRunning: ['b'] })).ok, true);
});

test('a failed company fails the smoke, named with its cause; more than the result names are counted', () => {
  const one = judgeBatchResult(
    result({ listed: 3, started: 3, succeeded: 2, failed: 1 }, { failed: [{ companyId: 'c02-누리', cause: 'DataValidationError: unbalanced' }] }),
  );
  assert.equal(one.ok, false);
  assert.deepEqual(one.problems, ['1 company failed:', '  c02-누리: DataValidationError: unbalanced']);

  const many = judgeBatchResult(
    result(
      { listed: 150, started: 150, succeeded: 30, failed: 120 },
      { failed: Array.from({ length: 100 }, (_, i) => ({ companyId: `c${i}`, cause: 'x' })) },
    ),
  );
  assert.equal(many.problems[0], '120 companies failed:');
  assert.equal(many.problems.at(-1), '  … and 20 more (the batch result names at most 100)');
});

test('cancelled, still waiting for a ledger, without an outcome, or nothing succeeded: fail', () => {
  assert.deepEqual(judgeBatchResult(result({ listed: 2, started: 2, succeeded: 1, cancelled: 1 })).problems, ['1 cancelled']);
  assert.deepEqual(judgeBatchResult(result({ listed: 2, started: 2, succeeded: 1, waitingForLedger: 1 }, { waitingForLedger: ['c03'] })).problems, [
    '1 still waiting for a ledger (a failure for a smoke run): c03',
  ]);
  // A joined run that ended before the batch could join it: its outcome is not in this result.
  assert.deepEqual(judgeBatchResult(result({ listed: 3, started: 2, alreadyRunning: 1, succeeded: 2 }, { alreadyRunning: ['c'] })).problems, [
    '1 of 3 listed companies has no outcome in the result (1 already running when the batch reached them: c)',
  ]);
  assert.deepEqual(judgeBatchResult(result({})).problems, ['the batch listed no company']);
  assert.deepEqual(
    judgeBatchResult(
      result(
        { listed: 2, started: 2, failed: 2 },
        {
          failed: [
            { companyId: 'a', cause: 'x' },
            { companyId: 'b', cause: 'y' },
          ],
        },
      ),
    ).problems,
    ['2 companies failed:', '  a: x', '  b: y', 'no company succeeded'],
  );
});
