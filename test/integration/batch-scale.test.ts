// 10,000 companies through the real batch workflow (children are trivial: they only report back). What must not
// grow with the firm: the input each run hands to the next, and each run's history. Asserted in bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchBatchState } from '../../bench/batch-state-bench';

const COMPANIES = Number(process.env.BATCH_SCALE_COMPANIES ?? 10_000);
/** Bounds that hold at any firm size: state is counters, the window's ids and capped lists; a run starts ≤ 200 children. */
const MAX_CONTINUE_AS_NEW_INPUT_BYTES = 16 * 1024;
const MAX_RUN_HISTORY_BYTES = 1024 * 1024;
const MAX_RUN_EVENTS = 2_000;

test(`${COMPANIES} companies: every one counted, each run's input and history bounded in bytes`, { timeout: 30 * 60_000 }, async () => {
  const m = await benchBatchState(COMPANIES);
  const { counts } = m.result;
  assert.deepEqual([counts.listed, counts.started, counts.succeeded, counts.failed], [COMPANIES, COMPANIES, COMPANIES, 0]);
  assert.deepEqual(m.summaries, ['final']);
  console.log(
    `batch-scale: ${COMPANIES} companies in ${m.seconds.toFixed(0)} s, ${m.runs} runs; largest input ${m.largestInputBytes} B, ` +
      `history ${m.largestHistoryBytes} B / ${m.largestHistoryEvents} events`,
  );
  assert.ok(m.runs >= COMPANIES / 200, `continued as new every 200 starts: ${m.runs} runs`);
  assert.ok(m.largestInputBytes < MAX_CONTINUE_AS_NEW_INPUT_BYTES, `continue-as-new input ${m.largestInputBytes} B`);
  assert.ok(m.largestHistoryBytes < MAX_RUN_HISTORY_BYTES, `history ${m.largestHistoryBytes} B`);
  assert.ok(m.largestHistoryEvents < MAX_RUN_EVENTS, `history ${m.largestHistoryEvents} events`);
});
