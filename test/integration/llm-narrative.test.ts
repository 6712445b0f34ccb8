// The narrative through @langchain/openai against a local OpenAI-compatible server: the model fallback
// runs in the workflow (one activity per model), with Temporal's retries, never the client's.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { llmNarrative } from '../../lib/analysis/llm-narrative';
import { readFindings } from '../support/artifacts';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { startHarness, type Harness } from '../support/temporal-harness';

let llm: FakeOpenAi;
let h: Harness;

before(async () => {
  llm = await startFakeOpenAi();
  h = await startHarness({ OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: 'sk-test', LLM_MODELS: 'primary,fallback' });
});
after(async () => {
  await h?.stop();
  await llm?.close();
});

const doc = {
  schemaVersion: 1 as const,
  companyId: 'x',
  companyName: '(주)테스트',
  period: '2024-01',
  generatedAt: '2024-02-01T00:00:00Z',
  riskLevel: 'NONE' as const,
  dataQuality: { conforms: true, violations: 0, warnings: 0, details: [] },
  findings: [],
  metrics: { revenueMonth: 1, expenseMonth: 2, revenueYtd: 3, expenseYtd: 4, lineCount: 5, ytdMonths: [], ytdMonthsMissing: [] },
};

async function runMonth(workflowId: string, companyId: string) {
  const result = await h.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId,
    args: [{ companyId, period: '2024-01' }],
  });
  return { result, findings: await readFindings(path.join(h.config.REPORT_STORE_DIR, result.findingsKey)) };
}

const callsTo = (model: string) => llm.requests.filter((r) => r.model === model).length;

test('llmNarrative sends the findings as delimited data, returns text and token usage, and never retries itself', async () => {
  llm.script('unit-ok', () => ({ text: '요약입니다.', usage: { prompt_tokens: 321, completion_tokens: 45 } }));
  const reply = await llmNarrative({ baseURL: llm.baseURL, apiKey: 'sk-unit', timeoutMs: 5000 }, 'unit-ok', doc);
  assert.deepEqual(reply, { text: '요약입니다.', inputTokens: 321, outputTokens: 45 });
  const request = llm.requests.at(-1)!;
  assert.equal(request.authorization, 'Bearer sk-unit');
  assert.match(request.messages[1]!.content, /^<data>\n.*\(주\)테스트.*\n<\/data>$/s);

  llm.script('unit-down', () => ({ status: 500 }));
  await assert.rejects(llmNarrative({ baseURL: llm.baseURL, timeoutMs: 5000 }, 'unit-down', doc));
  assert.equal(callsTo('unit-down'), 1, 'the client itself does not retry');
});

test('the primary model writes the narrative when it answers', async () => {
  llm.script('primary', () => ({ text: '주 모델의 요약입니다.' }));
  const { result, findings } = await runMonth('llm-primary', 'c00-한빛');
  assert.equal(result.narrativeModel, 'primary');
  assert.deepEqual(findings.narrative, { model: 'primary', fallbackUsed: false, cached: false, text: '주 모델의 요약입니다.' });
});

test('a primary failing with 500 gets 3 attempts, then the fallback model writes', async () => {
  const before = callsTo('primary');
  llm.script('primary', () => ({ status: 500 }));
  llm.script('fallback', () => ({ text: '보조 모델의 요약입니다.' }));
  const { result, findings } = await runMonth('llm-fallback-500', 'c01-가람');
  assert.equal(callsTo('primary') - before, 3);
  assert.equal(result.narrativeModel, 'fallback');
  assert.equal(findings.narrative.model, 'fallback');
  assert.equal(findings.narrative.fallbackUsed, true);
});

test('a 401 is not retried: straight to the fallback', async () => {
  const before = callsTo('primary');
  llm.script('primary', () => ({ status: 401 }));
  llm.script('fallback', () => ({ text: '보조 모델.' }));
  const { result } = await runMonth('llm-fallback-401', 'c02-누리');
  assert.equal(callsTo('primary') - before, 1);
  assert.equal(result.narrativeModel, 'fallback');
});

test('with every model down the offline narrative is used and says so', async () => {
  llm.script('primary', () => ({ status: 503 }));
  llm.script('fallback', () => ({ status: 429 }));
  const { result, findings } = await runMonth('llm-all-down', 'c03-다솜');
  assert.equal(result.narrativeModel, 'offline');
  assert.equal(findings.narrative.model, 'offline');
  assert.equal(findings.narrative.fallbackUsed, true);
  assert.match(findings.narrative.text, /최종 판단은 담당 세무사가 합니다/);
});
