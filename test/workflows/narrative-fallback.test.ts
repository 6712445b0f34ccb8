// The narrative's model fallback chain (writeWithFallback in workflows/monthly-company-report.ts) on the
// time-skipping test server: the real monthlyCompanyReport, each task's chain from analyzeLedger, the model call on the
// `-llm` queue failing the way the real activity fails (failAsTemporal: LlmTaskError → ApplicationFailure, retryable
// or not, with Retry-After). Retry backoff is skipped, so the waits between attempts take no real time. (Activity
// timeouts are not: the test server holds its clock while an activity is scheduled or running, so a model call
// that nobody picks up would time out after 10 real minutes: not a test for this server.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { AnalyzeInput, AnalyzeResult, NarrativeInput } from '../../activities/types';
import { failAsTemporal } from '../../activities/write-narrative';
import { LlmTaskError, type NarrativeReply, type NarrativeRequest } from '../../lib/llm/narrative-writer';
import { createLogger } from '../../lib/logging';
import { companyReportWorkflowId } from '../../lib/temporal-contract';
import { monthlyCompanyReport } from '../../workflows/monthly-company-report';
import { bundleReportWorkflows, fakePipeline, startTimeSkipping, withReportWorkers, type ActivityCall } from '../support/time-skipping';

const PERIOD = '2024-06';
const CHAINS = { insights: ['strong-a', 'strong-b'], summary: ['mini-a', 'mini-b'] };
const silent = createLogger('silent');

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
before(async () => {
  [env, bundle] = await Promise.all([startTimeSkipping(), bundleReportWorkflows()]);
});
after(async () => {
  await env?.teardown();
});

const withChains = async ({ companyId, period }: AnalyzeInput): Promise<AnalyzeResult> => ({
  findingsKey: `${companyId}/${period}/findings.json`,
  riskLevel: 'HIGH',
  findingCount: 5,
  llmChains: CHAINS,
});

type Failure = [type: LlmTaskError['type'], retryable: boolean, retryAfterMs?: number];

/** The LLM role's callNarrativeModel, failing per model and attempt as scripted, through the real error mapping. */
function scriptedModels(script: Record<string, Array<Failure | 'answer'>>) {
  return async (request: NarrativeRequest): Promise<NarrativeReply> => {
    const { attempt } = Context.current().info;
    const step = script[request.model]?.[attempt - 1] ?? 'answer';
    return failAsTemporal(silent, request, async () => {
      if (step !== 'answer') throw new LlmTaskError(`${request.model}: ${step[0]} (attempt ${attempt})`, step[0], step[1], step[2]);
      return { answer: { text: `by ${request.model}` }, usage: { inputTokens: 900, cachedInputTokens: 0, outputTokens: 300, estimated: false } };
    });
  };
}

/** [task, model, attempt] of each model call, in the order they were made. */
const modelCalls = (calls: ActivityCall[]) =>
  calls
    .filter((c) => c.name === 'callNarrativeModel')
    .map((c) => [(c.input as NarrativeRequest).task, (c.input as NarrativeRequest).model, c.attempt]);
const narrativeInputs = (calls: ActivityCall[], name: string) =>
  calls
    .filter((c) => c.name === name)
    .map((c) => {
      const { task, model, fallbackUsed, reply } = c.input as NarrativeInput & { reply?: unknown };
      return name === 'applyNarrative' ? [task, model, reply === undefined ? 'failed' : 'answered'] : [task, model, fallbackUsed];
    });

async function runReport(companyId: string, taskQueue: string, activities: ReturnType<typeof fakePipeline>['activities']) {
  return withReportWorkers(env, { taskQueue, workflowBundle: bundle, activities }, async () =>
    env.client.workflow.execute(monthlyCompanyReport, {
      taskQueue,
      workflowId: companyReportWorkflowId(companyId, PERIOD),
      args: [{ companyId, period: PERIOD }],
    }),
  );
}

test('the first model of each chain fails (rejected; retries used up), the second answers: the report names the second model', async (t) => {
  const wallStart = performance.now();
  const { activities, calls, callsOf } = fakePipeline(env, {
    orchestration: { analyzeLedger: withChains },
    llm: {
      callNarrativeModel: scriptedModels({
        // A 404 for the model: non-retryable, so the chain moves on after one attempt.
        'strong-a': [['LlmRequestRejected', false]],
        // A 429 with Retry-After 20 s, then the provider is down: 3 attempts (the policy's maximum), then the next model.
        'mini-a': [
          ['LlmRateLimited', true, 20_000],
          ['LlmUnavailable', true],
          ['LlmUnavailable', true],
        ],
      }),
    },
  });
  const result = await runReport('c04-미르', 'narrative-second-model', activities);

  assert.equal(result.narrativeModel, 'mini-b', "the summary's writer is the report's narrative model");
  assert.deepEqual(modelCalls(calls), [
    ['insights', 'strong-a', 1],
    ['insights', 'strong-b', 1],
    ['summary', 'mini-a', 1],
    ['summary', 'mini-a', 2],
    ['summary', 'mini-a', 3],
    ['summary', 'mini-b', 1],
  ]);
  assert.deepEqual(narrativeInputs(calls, 'prepareNarrative'), [
    ['insights', 'strong-a', false],
    ['insights', 'strong-b', true],
    ['summary', 'mini-a', false],
    ['summary', 'mini-b', true],
  ]);
  // A model that failed for good is recorded as a failed call; the one that answered is applied.
  assert.deepEqual(narrativeInputs(calls, 'applyNarrative'), [
    ['insights', 'strong-a', 'failed'],
    ['insights', 'strong-b', 'answered'],
    ['summary', 'mini-a', 'failed'],
    ['summary', 'mini-b', 'answered'],
  ]);
  assert.equal(callsOf('writeOfflineNarrative').length, 0);
  assert.equal(callsOf('deliverReport').length, 1);

  // The retries waited as the policy and the provider said, on the server's clock: Retry-After 20 s, then the
  // exponential backoff's second step (2 s × 2).
  const miniA = calls.filter((c) => c.name === 'callNarrativeModel' && (c.input as NarrativeRequest).model === 'mini-a').map((c) => c.at);
  const gaps = [miniA[1]! - miniA[0]!, miniA[2]! - miniA[1]!];
  assert.ok(gaps[0]! >= 20_000 && gaps[0]! < 21_000, `Retry-After honoured: ${gaps[0]} ms`);
  assert.ok(gaps[1]! >= 4_000 && gaps[1]! < 5_000, `backoff 4 s: ${gaps[1]} ms`);
  t.diagnostic(
    `retries waited ${((gaps[0]! + gaps[1]!) / 1000).toFixed(1)} s of workflow time; the test took ${((performance.now() - wallStart) / 1000).toFixed(2)} s`,
  );
});

test('every model fails (answer rejected, outage, budget, 400): the offline narrative is written for each task, and the report still goes out', async () => {
  const { activities, calls, callsOf } = fakePipeline(env, {
    orchestration: {
      analyzeLedger: withChains,
      // The hard daily budget refuses mini-a before any call is made (prepareNarrative, beside the workflows).
      prepareNarrative: async ({ task = 'summary', model, fallbackUsed }) =>
        failAsTemporal(silent, { task, model }, async () => {
          if (model === 'mini-a') throw new LlmTaskError('daily hard budget reached', 'LlmBudgetExceeded', false);
          return { written: false, request: { task, model, fallbackUsed } as unknown as NarrativeRequest };
        }),
    },
    llm: {
      callNarrativeModel: scriptedModels({
        'strong-a': [['LlmOutputRejected', false]],
        'strong-b': [
          ['LlmUnavailable', true],
          ['LlmUnavailable', true],
          ['LlmUnavailable', true],
        ],
        'mini-b': [['LlmRequestRejected', false]],
      }),
    },
  });
  const result = await runReport('c05-새봄', 'narrative-all-fail', activities);

  assert.equal(result.narrativeModel, 'offline');
  assert.deepEqual(modelCalls(calls), [
    ['insights', 'strong-a', 1],
    ['insights', 'strong-b', 1],
    ['insights', 'strong-b', 2],
    ['insights', 'strong-b', 3],
    ['summary', 'mini-b', 1],
  ]);
  assert.deepEqual(narrativeInputs(calls, 'prepareNarrative'), [
    ['insights', 'strong-a', false],
    ['insights', 'strong-b', true],
    ['summary', 'mini-a', false],
    ['summary', 'mini-b', true],
  ]);
  // mini-a never got a request, so there is no failed call of it to record.
  assert.deepEqual(narrativeInputs(calls, 'applyNarrative'), [
    ['insights', 'strong-a', 'failed'],
    ['insights', 'strong-b', 'failed'],
    ['summary', 'mini-b', 'failed'],
  ]);
  assert.deepEqual(narrativeInputs(calls, 'writeOfflineNarrative'), [
    ['insights', 'offline', true],
    ['summary', 'offline', true],
  ]);
  assert.deepEqual(
    calls.map((c) => c.name).filter((name) => !['prepareNarrative', 'callNarrativeModel', 'applyNarrative', 'writeOfflineNarrative'].includes(name)),
    ['extractLedger', 'validateLedger', 'loadEarlierMonths', 'analyzeLedger', 'groundNarrative', 'renderReport', 'deliverReport'],
    'the report is rendered and delivered; no failure notice',
  );
  assert.equal(callsOf('deliverRunFailureNotice').length, 0);
});
