// The monthly batch over more companies than one run should hold: pages of `pageSize` companies, each page a new run
// (continue-as-new) of the same workflow id, each run's history small; the last run reports every company.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { MonthlyReportBatchResult } from '../../workflows/monthly-report-batch';
import { startHarness, type Harness } from '../support/temporal-harness';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

test('six companies in pages of two: three runs chained by continue-as-new, one result with all six', async () => {
  const handle = await h.client.workflow.start('monthlyReportBatch', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: 'batch-pages-2024-02',
    args: [{ period: '2024-02', concurrency: 2, pageSize: 2 }],
  });
  const result = (await handle.result()) as MonthlyReportBatchResult;
  assert.equal(result.total, 6);
  assert.equal(result.succeeded, 6);
  assert.deepEqual(result.outcomes.map((o) => o.companyId), ['c00-한빛', 'c01-가람', 'c02-누리', 'c03-다솜', 'c04-미르', 'c05-새봄']);
  assert.ok(result.outcomes.every((o) => o.riskLevel !== undefined), 'every company carries its risk level');
  assert.equal(result.outcomes.filter((o) => o.result).length, 2, 'full results only for the last run');

  // The chain: first and second runs ended in continue-as-new, each with two children.
  const runs: Array<{ events: number; children: number; continued: boolean }> = [];
  let runId: string | undefined = handle.firstExecutionRunId;
  while (runId) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await h.client.workflow.getHandle('batch-pages-2024-02', runId).fetchHistory();
    const events = history.events ?? [];
    const continued: { newExecutionRunId?: string | null } | null | undefined = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    runs.push({
      events: events.length,
      children: events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length,
      continued: Boolean(continued),
    });
    runId = continued?.newExecutionRunId ?? undefined;
  }
  assert.deepEqual(runs.map((r) => [r.children, r.continued]), [[2, true], [2, true], [2, false]]);
  assert.ok(runs.every((r) => r.events < 100), `events per run: ${runs.map((r) => r.events).join(', ')}`);
});
