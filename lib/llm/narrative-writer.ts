// One narrative task (insights or summary) written by one model, or offline: cache, budget, the structured
// call, the number guardrail, metering. The workflow calls it once per model of the task's fallback chain.
import { offlineInsights } from '../analysis/offline-insights';
import { offlineNarrative } from '../analysis/offline-narrative';
import type { FindingsDocument, NarrativeAuthor } from '../domain/findings';
import type { Logger } from '../logging';
import type { TaxMetrics } from '../observability/metrics';
import { answerTexts, type InsightsAnswer, type SummaryAnswer } from './answer-schemas';
import { callModel, type CallUsage, type LlmEndpoint } from './chat-call';
import { budgetVerdict, type BudgetLimits } from './daily-budget';
import { cacheKey, type LlmCache } from './llm-cache';
import { classifyLlmError } from './llm-errors';
import { callCostUsd, type PriceTable } from './llm-prices';
import { checkNumbers, numbersOf } from './number-guardrail';
import { PROMPT_VERSION, buildPrompt, compactInput, memoBlock, promptFindings, type CompactInput, type LlmTask } from './prompts';
import { seoulDay, usageRecord, type UsageLedger, type UsageRecord } from './usage-ledger';

export interface NarrativeWriterDeps {
  endpoint: LlmEndpoint;
  cache: LlmCache;
  usage: UsageLedger;
  prices: PriceTable;
  metrics: TaxMetrics;
  limits: BudgetLimits;
  /** Each task's fallback chain: the budget's cheapest model is picked from it. */
  chains: Record<LlmTask, readonly string[]>;
  cacheTtlMs: Record<LlmTask, number>;
  now?: () => Date;
}

export interface TaskRun {
  task: LlmTask;
  /** A model name, or 'offline'. */
  model: string;
  fallbackUsed: boolean;
  /** Idempotency id of this attempt in the call ledger (workflow, activity, attempt). */
  callId: string;
}

/** Why this model cannot write the part now; `retryable` says whether the same model may be asked again. */
export class LlmTaskError extends Error {
  override readonly name = 'LlmTaskError';
  constructor(
    message: string,
    readonly type: 'LlmRateLimited' | 'LlmUnavailable' | 'LlmRequestRejected' | 'LlmOutputRejected' | 'LlmBudgetExceeded',
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

type Answer = InsightsAnswer | SummaryAnswer;

export interface TaskOutcome {
  doc: FindingsDocument;
  author: NarrativeAuthor;
  usage?: CallUsage;
}

export async function writeNarrativeTask(
  deps: NarrativeWriterDeps,
  run: TaskRun,
  doc: FindingsDocument,
  log: Logger,
): Promise<TaskOutcome> {
  const now = deps.now?.() ?? new Date();
  const record = (fields: Pick<UsageRecord, 'model' | 'cached' | 'outcome' | 'usd' | 'estimated'> & Partial<CallUsage>) =>
    deps.usage.record(
      usageRecord(now, { id: run.callId, period: doc.period, companyId: doc.companyId, task: run.task, fallbackUsed: run.fallbackUsed, ...fields }),
    );

  if (run.model === 'offline') {
    const author = { model: 'offline', fallbackUsed: run.fallbackUsed, cached: false };
    await record({ model: 'offline', cached: false, outcome: 'ok', usd: 0, estimated: false });
    deps.metrics.llmNarrative(run.task, 'offline', run.fallbackUsed);
    return { doc: applyOffline(run.task, doc, author), author };
  }

  const input = run.task === 'summary' ? compactInput(doc, insightsForSummary(doc)) : compactInput(doc);
  const memos = memoBlock(doc);
  const key = cacheKey(run.task, run.model, PROMPT_VERSION, input, memos);
  const hit = await deps.cache.get<Answer>(key);
  deps.metrics.llmCache(hit ? 'hit' : 'miss');
  if (hit) {
    const author = { model: run.model, fallbackUsed: run.fallbackUsed, cached: true };
    await record({ model: run.model, cached: true, outcome: 'ok', usd: 0, estimated: false });
    deps.metrics.llmNarrative(run.task, run.model, run.fallbackUsed);
    return { doc: applyAnswer(run.task, doc, hit, author), author };
  }

  const budget = budgetVerdict(deps.limits, await deps.usage.spentOn(seoulDay(now)), deps.prices, deps.chains[run.task], run.model);
  deps.metrics.llmBudget(budget.spentUsd, budget.soft, budget.hard);
  if (budget.soft) {
    log.warn({ event: 'llm_budget_soft_limit', spent_usd: budget.spentUsd, soft_usd: deps.limits.softUsd }, 'daily LLM budget: soft limit reached');
  }
  if (!budget.allowed) {
    deps.metrics.llmBudgetDowngrade(run.task, run.model);
    throw new LlmTaskError(
      `daily LLM budget reached ($${budget.spentUsd.toFixed(2)} of $${deps.limits.hardUsd}): ${run.model} is not called today`,
      'LlmBudgetExceeded',
      false,
    );
  }

  const signal = deps.endpoint.signal?.();
  const result = await callModel(deps.endpoint, run.model, run.task, buildPrompt(run.task, input, memos), { signal }).catch(async (err: unknown) => {
    // Cancelled, not failed: no model error, no call outcome; the signal's reason goes up as it is.
    if (signal?.aborted) throw err;
    const c = classifyLlmError(err);
    deps.metrics.llmError(run.model, c.label);
    // No usage without an answer: the failed call is recorded for the cost report's call counts, at $0.
    await record({ model: run.model, cached: false, outcome: 'failed', usd: 0, estimated: false });
    throw new LlmTaskError(`${run.model}: ${c.label}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, c.type, c.retryable, c.retryAfterMs);
  });
  const usd = callCostUsd(deps.prices, run.model, result.usage);
  if (usd === undefined) log.warn({ event: 'llm_price_missing', model: run.model }, 'no price for model; cost counted as 0');
  deps.metrics.llmUsage(run.model, result.usage, usd ?? 0);
  const rejection = result.invalid ?? (result.answer && answerProblem(run.task, result.answer, input));
  await record({ model: run.model, cached: false, outcome: rejection ? 'rejected' : 'ok', usd: usd ?? 0, ...result.usage });
  if (rejection || !result.answer) {
    deps.metrics.llmError(run.model, result.invalid ? 'invalid_output' : 'guardrail');
    throw new LlmTaskError(`${run.model}: answer rejected: ${rejection}`, 'LlmOutputRejected', false);
  }
  await deps.cache.set(key, result.answer, deps.cacheTtlMs[run.task]);
  const author = { model: run.model, fallbackUsed: run.fallbackUsed, cached: false };
  deps.metrics.llmNarrative(run.task, run.model, run.fallbackUsed);
  return { doc: applyAnswer(run.task, doc, result.answer, author), author, usage: result.usage };
}

/** Why an answer in the right shape is still refused: a finding left out or made up, or a number not in the data. */
function answerProblem(task: LlmTask, answer: Answer, input: CompactInput): string | undefined {
  if (task === 'insights') {
    const ids = (answer as InsightsAnswer).conclusions.map((c) => c.finding);
    const expected = input.findings.map((f) => f.id);
    const unknown = ids.filter((id) => !expected.includes(id));
    const missing = expected.filter((id) => !ids.includes(id));
    if (unknown.length > 0 || missing.length > 0 || new Set(ids).size !== ids.length) {
      return `conclusions must cover each finding once (unknown: ${unknown.join(',') || '-'}, missing: ${missing.join(',') || '-'})`;
    }
  }
  const allowed = numbersOf(input);
  const invented = answerTexts(answer).flatMap((text) => checkNumbers(text, allowed).unknown.map((n) => n.text));
  return invented.length > 0 ? `numbers not in the findings or metrics: ${invented.join(', ')}` : undefined;
}

function applyAnswer(task: LlmTask, doc: FindingsDocument, answer: Answer, author: NarrativeAuthor): FindingsDocument {
  const narrative = { ...doc.narrative, promptVersion: PROMPT_VERSION };
  if (task === 'summary') return { ...doc, narrative: { ...narrative, ...author, text: (answer as SummaryAnswer).summary } };
  const { conclusions, actions } = answer as InsightsAnswer;
  const byId = new Map(conclusions.map((c) => [c.finding, c.text]));
  const offline = offlineInsights(doc.findings).conclusions;
  return {
    ...doc,
    narrative: {
      ...narrative,
      insights: { ...author, conclusions: doc.findings.map((_, i) => byId.get(`F${i + 1}`) ?? offline[i]!), actions },
    },
  };
}

function applyOffline(task: LlmTask, doc: FindingsDocument, author: NarrativeAuthor): FindingsDocument {
  if (task === 'summary') return { ...doc, narrative: { ...doc.narrative, ...author, text: offlineNarrative(doc) } };
  return { ...doc, narrative: { ...doc.narrative, insights: { ...author, ...offlineInsights(doc.findings) } } };
}

/** The insights already written, by prompt finding id, for the summary to agree with. */
function insightsForSummary(doc: FindingsDocument): CompactInput['insights'] {
  const insights = doc.narrative.insights;
  if (!insights) return undefined;
  return {
    conclusions: promptFindings(doc).map(({ id, index }) => ({ finding: id, text: insights.conclusions[index] ?? '' })),
    actions: insights.actions,
  };
}
