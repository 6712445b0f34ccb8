// The narrative through @langchain/openai against a local OpenAI-compatible server, in monthlyCompanyReport runs on
// a real dev server: one activity per model and task, Temporal's retries (never the client's), the guardrail, the
// cache, metering into the call ledger, the cost report and the daily budget.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { callModel } from '../../lib/llm/chat-call';
import { costReport } from '../../lib/llm/cost-report';
import { callCostUsd, type PriceTable } from '../../lib/llm/llm-prices';
import { seoulDay } from '../../lib/domain/periods';
import { FileUsageLedger } from '../../lib/llm/usage-ledger';
import { pdfText, readFindings } from '../support/artifacts';
import {
  insightsReply,
  promptData,
  startFakeOpenAi,
  summaryReply,
  taxWordEmbedding,
  type FakeOpenAi,
  type RecordedRequest,
  type ScriptedReply,
} from '../../dev/servers/fake-openai';
import { startHarness, type Harness } from '../support/temporal-harness';

const PRICES: PriceTable = {
  strong: { input: 2, cachedInput: 0.5, output: 8 },
  'strong-b': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  cheap: { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'cheap-b': { input: 0.15, cachedInput: 0.075, output: 0.6 },
};
const STRONG_USAGE = { prompt_tokens: 1200, completion_tokens: 300, cached_tokens: 200 };
const CHEAP_USAGE = { prompt_tokens: 800, completion_tokens: 120 };

let llm: FakeOpenAi;
let h: Harness;

before(async () => {
  llm = await startFakeOpenAi();
  llm.scriptEmbeddings('embed-test', taxWordEmbedding);
  const pricesFile = path.join(tmpdir(), `llm-prices-${process.pid}.json`);
  await writeFile(pricesFile, JSON.stringify({ models: PRICES }));
  h = await startHarness({
    OPENAI_BASE_URL: llm.baseURL,
    OPENAI_API_KEY: 'sk-test',
    LLM_INSIGHT_MODELS: 'strong,strong-b',
    LLM_SUMMARY_MODELS: 'cheap,cheap-b',
    LLM_EMBEDDING_MODEL: 'embed-test',
    LLM_TIMEOUT_MS: '1500',
    LLM_PRICES_FILE: pricesFile,
  });
});
after(async () => {
  await h?.stop();
  await llm?.close();
});

/** Every model answers validly with fixed usage, unless a test scripts it otherwise. */
function scriptHealthy(): void {
  for (const model of ['strong', 'strong-b']) llm.script(model, (_, r) => ({ text: insightsReply(r), usage: STRONG_USAGE }));
  for (const model of ['cheap', 'cheap-b']) llm.script(model, () => ({ text: summaryReply(`${model} 요약입니다.`), usage: CHEAP_USAGE }));
}

async function runMonth(workflowId: string, companyId: string, period: string) {
  const result = await h.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId,
    args: [{ companyId, period }],
  });
  const findings = await readFindings(path.join(h.config.REPORT_STORE_DIR, result.findingsKey));
  return { result, findings, pdf: () => pdfText(path.join(h.config.REPORT_STORE_DIR, result.pdfKey)) };
}

/** The models a run tried, in order, as the history records them (each try starts with prepareNarrative): task:model. */
async function narrativeCalls(workflowId: string): Promise<string[]> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    if (a?.activityType?.name !== 'prepareNarrative') return [];
    const input = defaultPayloadConverter.fromPayload<{ task: string; model: string }>(a.input!.payloads![0]!);
    return [`${input.task}:${input.model}`];
  });
}

const requestsTo = (model: string) => llm.requests.filter((r) => r.model === model && !r.path.endsWith('/embeddings'));
const usageRecords = (period: string) => new FileUsageLedger(h.config.LLM_USAGE_DIR).recordsFor(period);

describe('callModel', () => {
  test('asks for the schema, returns the validated answer with usage, and never retries itself', async () => {
    llm.script('unit-ok', () => ({ text: summaryReply('요약입니다.'), usage: { prompt_tokens: 321, completion_tokens: 45, cached_tokens: 21 } }));
    const prompt = { system: '규칙', user: '<data>\n{"findings":[]}\n</data>' };
    const ok = await callModel({ baseURL: llm.baseURL, apiKey: 'sk-unit', timeoutMs: 5000 }, 'unit-ok', 'summary', prompt);
    assert.deepEqual(ok, {
      answer: { summary: '요약입니다.' },
      usage: { inputTokens: 321, cachedInputTokens: 21, outputTokens: 45, estimated: false },
    });
    const request = requestsTo('unit-ok').at(-1)!;
    assert.equal(request.authorization, 'Bearer sk-unit');
    assert.equal(request.responseFormat?.type, 'json_object');

    llm.script('unit-no-usage', () => ({ text: summaryReply('토큰 정보 없음'), usage: null }));
    const estimated = await callModel({ baseURL: llm.baseURL, timeoutMs: 5000 }, 'unit-no-usage', 'summary', prompt);
    assert.equal(estimated.usage.estimated, true);
    assert.ok(estimated.usage.inputTokens > 0 && estimated.usage.outputTokens > 0, 'js-tiktoken counted the prompt and the answer');

    llm.script('unit-bad-json', () => ({ text: '{"summary": "끝나지 않은' }));
    const bad = await callModel({ baseURL: llm.baseURL, timeoutMs: 5000 }, 'unit-bad-json', 'summary', prompt);
    assert.equal(bad.answer, undefined);
    assert.match(bad.invalid!, /not JSON/);

    llm.script('unit-down', () => ({ status: 500 }));
    await assert.rejects(callModel({ baseURL: llm.baseURL, timeoutMs: 5000 }, 'unit-down', 'summary', prompt), { status: 500 });
    assert.equal(requestsTo('unit-down').length, 1, 'the client itself does not retry');
  });
});

describe('monthlyCompanyReport narrative', () => {
  before(scriptHealthy);

  test('insights on the strong model and the summary on the cheap one, grounded on articles and earlier findings', async () => {
    await runMonth('llm-c03-2024-03', 'c03-다솜', '2024-03');
    const { result, findings, pdf } = await runMonth('llm-c03-2024-04', 'c03-다솜', '2024-04');

    assert.deepEqual(await narrativeCalls('llm-c03-2024-04'), ['insights:strong', 'summary:cheap']);
    assert.equal(result.narrativeModel, 'cheap');
    assert.deepEqual(
      { model: findings.narrative.model, fallbackUsed: findings.narrative.fallbackUsed, cached: findings.narrative.cached },
      { model: 'cheap', fallbackUsed: false, cached: false },
    );
    assert.equal(findings.narrative.text, 'cheap 요약입니다.');
    const insights = findings.narrative.insights!;
    assert.equal(insights.model, 'strong');
    assert.deepEqual(
      insights.conclusions,
      findings.findings.map(() => '담당 세무사와 확인하십시오.'),
    );
    assert.deepEqual(insights.actions, ['증빙을 정리하십시오.']);
    assert.match(findings.narrative.promptVersion!, /^tax-narrative\//);

    // GraphRAG: the articles of LOAN-INSIDER and DEADLINE, and March's recorded findings.
    const articleIds = findings
      .grounding!.articles.filter((a) => a.rules.length > 0)
      .map((a) => a.id)
      .sort();
    assert.deepEqual(articleIds, ['CITA-60', 'CITA-63', 'CITA-ED-89-3', 'CITA-RULE-43-2']);
    assert.deepEqual(
      findings.grounding!.previousMonths.map((m) => m.period),
      ['2024-03'],
    );
    assert.ok(findings.grounding!.previousMonths[0]!.findings.some((f) => f.ruleId === 'LOAN-INSIDER'));
    // Search by meaning: the LOAN-INSIDER finding (가지급금, 인정이자) is nearest to the 인정이자 articles it is not
    // already linked to... none left, so other articles come next; every finding got its neighbours.
    const related = findings.grounding!.related!;
    assert.equal(related.length, findings.findings.length);
    const loan = findings.findings.findIndex((f) => f.ruleId === 'LOAN-INSIDER');
    assert.ok(!related[loan]!.articles.includes('CITA-ED-89-3'), 'a linked article is not repeated as related');
    assert.ok(llm.requests.some((r) => r.path.endsWith('/embeddings') && r.model === 'embed-test'));

    // The prompt: compact findings with their articles and March's rules, no ledger lines.
    const insightsRequest = requestsTo('strong').at(-1)!;
    const data = promptData(insightsRequest) as unknown as {
      findings: Array<{ rule: string; articles: string[] }>;
      articles: Array<{ id: string; ref: string }>;
      previousMonths: Array<{ period: string; rules: Array<{ rule: string }> }>;
    };
    assert.deepEqual(data.findings.find((f) => f.rule === 'LOAN-INSIDER')!.articles.sort(), ['CITA-ED-89-3', 'CITA-RULE-43-2']);
    assert.ok(data.articles.some((a) => a.ref === '법인세법 시행령 제89조 제3항'));
    assert.deepEqual(
      data.previousMonths.map((m) => m.period),
      ['2024-03'],
    );
    assert.ok(data.previousMonths[0]!.rules.some((r) => r.rule === 'LOAN-INSIDER'));
    // The summary task sees the insights it must agree with.
    assert.match(requestsTo('cheap').at(-1)!.messages[1]!.content, /담당 세무사와 확인하십시오/);

    const text = await pdf();
    assert.match(text, /AI 모델 cheap/);
    assert.match(text, /AI 모델 strong/);
    assert.match(text, /다음 달 할 일/);
    assert.match(text, /법인세법 시행령 제89조 제3항/);
  });

  test('the cost report matches the scripted usage exactly, each call counted once', async () => {
    const report = costReport('2024-04', await usageRecords('2024-04'));
    const strong = report.byModel.find((l) => l.key === 'strong')!;
    const cheap = report.byModel.find((l) => l.key === 'cheap')!;
    assert.deepEqual(
      { calls: strong.calls, input: strong.inputTokens, cached: strong.cachedInputTokens, output: strong.outputTokens },
      { calls: 1, input: 1200, cached: 200, output: 300 },
    );
    assert.deepEqual({ calls: cheap.calls, input: cheap.inputTokens, output: cheap.outputTokens }, { calls: 1, input: 800, output: 120 });
    // (1000 × $2 + 200 × $0.5 + 300 × $8) / 1M and (800 × $0.4 + 120 × $1.6) / 1M.
    assert.equal(strong.usd, 0.0045);
    assert.equal(cheap.usd, callCostUsd(PRICES, 'cheap', { inputTokens: 800, cachedInputTokens: 0, outputTokens: 120 }));
    assert.ok(Math.abs(cheap.usd - 0.000512) < 1e-15);
    // Insights, summary, and one embeddings call of the semantic search (its tokens estimated: the API reports none).
    assert.deepEqual(
      report.byCompany.map((l) => [l.key, l.calls]),
      [['c03-다솜', 3]],
    );
    const embeddings = report.byModel.find((l) => l.key === 'embed-test')!;
    assert.equal(embeddings.calls, 1);
    assert.ok(embeddings.inputTokens > 0);
    assert.equal(report.estimatedCalls, 1);
    assert.equal(report.fallbacks, 0);
  });

  test('a re-run within the TTL makes zero model calls and says the text is cached', async () => {
    const before = llm.requests.length;
    const { findings } = await runMonth('llm-c03-2024-04-rerun', 'c03-다솜', '2024-04');
    assert.equal(llm.requests.length, before, 'no request reached the model server, embeddings included');
    assert.equal(findings.narrative.cached, true);
    assert.equal(findings.narrative.insights!.cached, true);
    assert.equal(findings.narrative.text, 'cheap 요약입니다.');
    const report = costReport('2024-04', await usageRecords('2024-04'));
    assert.equal(report.total.calls, 3, 'still the three real calls');
    assert.equal(report.total.cacheHits, 3);
    assert.equal(report.cacheHitRate, 0.5);
  });

  test('a primary failing with 500 gets 3 attempts, then the fallback model writes, as the history shows', async () => {
    const before = requestsTo('strong').length;
    llm.script('strong', () => ({ status: 500 }));
    const { findings, pdf } = await runMonth('llm-fallback-500', 'c01-가람', '2024-01');
    assert.equal(requestsTo('strong').length - before, 3);
    assert.deepEqual(await narrativeCalls('llm-fallback-500'), ['insights:strong', 'insights:strong-b', 'summary:cheap']);
    assert.equal(findings.narrative.insights!.model, 'strong-b');
    assert.equal(findings.narrative.insights!.fallbackUsed, true);
    assert.equal(findings.narrative.fallbackUsed, false, 'the summary was written by its own primary');
    assert.match(await pdf(), /AI 모델 strong-b \(대체 모델\)/);
    scriptHealthy();
  });

  test('a 429 is retried on the same model after its Retry-After', async () => {
    let limited = false;
    llm.script('strong', (_, r): ScriptedReply => {
      if (limited) return { text: insightsReply(r), usage: STRONG_USAGE };
      limited = true;
      return { status: 429, headers: { 'retry-after': '1' } };
    });
    const before = requestsTo('strong').length;
    const { findings } = await runMonth('llm-429', 'c02-누리', '2024-02');
    assert.equal(requestsTo('strong').length - before, 2);
    assert.equal(findings.narrative.insights!.model, 'strong');
    assert.equal(findings.narrative.insights!.fallbackUsed, false);
    scriptHealthy();
  });

  test('a call hanging past the timeout is retried on the same model', async () => {
    let hung = false;
    llm.script('strong', (_, r): ScriptedReply => {
      if (hung) return { text: insightsReply(r), usage: STRONG_USAGE };
      hung = true;
      return { delayMs: 4000, text: insightsReply(r) };
    });
    const before = requestsTo('strong').length;
    const { findings } = await runMonth('llm-timeout', 'c04-미르', '2024-01');
    assert.equal(requestsTo('strong').length - before, 2);
    assert.equal(findings.narrative.insights!.model, 'strong');
    scriptHealthy();
  });

  const rejections: Array<{
    name: string;
    company: string;
    period: string;
    reply: (r: RecordedRequest) => ScriptedReply;
    reason: RegExp;
    outcome: string;
    inputTokens: number;
  }> = [
    {
      name: 'malformed JSON',
      company: 'c05-새봄',
      period: '2024-03',
      reply: () => ({ text: '{"conclusions": [', usage: STRONG_USAGE }),
      reason: /not JSON/,
      outcome: 'rejected',
      inputTokens: 1200,
    },
    {
      name: 'an invented number',
      company: 'c01-가람',
      period: '2024-02',
      reply: (r) => ({ text: insightsReply(r, '과태료 9,999,999원이 예상됩니다.'), usage: STRONG_USAGE }),
      reason: /numbers not in the finding or metrics they are written about: 9,999,999원/,
      outcome: 'rejected',
      inputTokens: 1200,
    },
    {
      name: 'a claim the findings contradict',
      company: 'c04-미르',
      period: '2024-02',
      reply: (r) => ({ text: insightsReply(r, '이미 해소되어 별도 조치가 필요하지 않습니다.'), usage: STRONG_USAGE }),
      reason: /claims the findings contradict: "이미 해소"/,
      outcome: 'rejected',
      inputTokens: 1200,
    },
    {
      name: 'a 400 context-length error',
      company: 'c02-누리',
      period: '2024-06',
      reply: () => ({ status: 400, text: "This model's maximum context length is 128000 tokens (context_length_exceeded)" }),
      reason: /context_length/,
      outcome: 'failed',
      inputTokens: 0,
    },
  ];
  for (const { name, company, period, reply, reason, outcome, inputTokens } of rejections) {
    test(`${name}: no second attempt on that model, the fallback writes`, async () => {
      llm.script('strong', (_, r) => reply(r));
      const before = requestsTo('strong').length;
      const workflowId = `llm-rejected-${company}-${period}`;
      const { findings } = await runMonth(workflowId, company, period);
      assert.equal(requestsTo('strong').length - before, 1);
      assert.equal(findings.narrative.insights!.model, 'strong-b');
      assert.match(await activityFailures(workflowId), reason);
      // A rejected answer was still paid for: its tokens are in the ledger, once.
      const strong = (await usageRecords(period)).filter((u) => u.companyId === company && u.model === 'strong');
      assert.deepEqual(
        strong.map((u) => [u.outcome, u.inputTokens]),
        [[outcome, inputTokens]],
      );
      scriptHealthy();
    });
  }

  test('with every model down both parts are written offline and the report says so', async () => {
    for (const model of ['strong', 'strong-b', 'cheap']) llm.script(model, () => ({ status: 503 }));
    llm.script('cheap-b', () => ({ status: 401 }));
    const { result, findings, pdf } = await runMonth('llm-all-down', 'c00-한빛', '2024-02');
    assert.equal(result.narrativeModel, 'offline');
    assert.deepEqual({ model: findings.narrative.model, fallbackUsed: findings.narrative.fallbackUsed }, { model: 'offline', fallbackUsed: true });
    assert.equal(findings.narrative.insights!.model, 'offline');
    assert.match(findings.narrative.text, /최종 판단은 담당 세무사가 합니다/);
    assert.match(await pdf(), /AI 모델 응답 실패로 대체/);
    const metrics = await h.metrics.registry.getSingleMetricAsString('tax_llm_narrative_total');
    assert.match(metrics, /tax_llm_narrative_total\{task="summary",model="offline",fallback="true"\} 1/);
    assert.match(metrics, /tax_llm_narrative_total\{task="insights",model="offline",fallback="true"\} 1/);
    const report = costReport(
      '2024-02',
      (await usageRecords('2024-02')).filter((u) => u.companyId === 'c00-한빛'),
    );
    assert.equal(report.offline, 2);
    assert.equal(report.total.usd, 0);
    scriptHealthy();
  });

  // Last: the day's spend stays over the limit for the rest of this file.
  test('at the hard daily budget only the cheapest model of each chain is called', async () => {
    const ledger = new FileUsageLedger(h.config.LLM_USAGE_DIR);
    const now = new Date();
    await ledger.record({
      id: 'budget-filler',
      at: now.toISOString(),
      day: seoulDay(now),
      period: '2023-12',
      companyId: 'c00-한빛',
      task: 'insights',
      model: 'strong',
      cached: false,
      fallbackUsed: false,
      inputTokens: 0,
      cachedInputTokens: 0,
      outputTokens: 0,
      usd: 31,
      estimated: false,
      outcome: 'ok',
    });
    const strongBefore = requestsTo('strong').length;
    const cheapBefore = requestsTo('cheap').length;
    const { findings } = await runMonth('llm-budget', 'c05-새봄', '2024-04');
    assert.equal(requestsTo('strong').length, strongBefore, 'the expensive model was not called');
    assert.equal(requestsTo('cheap').length, cheapBefore);
    assert.equal(findings.narrative.insights!.model, 'strong-b');
    assert.equal(findings.narrative.model, 'cheap-b');
    assert.deepEqual(await narrativeCalls('llm-budget'), ['insights:strong', 'insights:strong-b', 'summary:cheap', 'summary:cheap-b']);
    assert.match(await activityFailures('llm-budget'), /LlmBudgetExceeded: daily LLM budget reached/);
    const hard = await h.metrics.registry.getSingleMetricAsString('tax_llm_budget_limit_reached');
    assert.match(hard, /limit="hard"\} 1/);
  });
});

/** The messages and types of a run's failed activity attempts. */
async function activityFailures(workflowId: string): Promise<string> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.activityTaskFailedEventAttributes?.failure)
    .filter(Boolean)
    .map((f) => `${f!.applicationFailureInfo?.type}: ${f!.message}`)
    .join('\n');
}
