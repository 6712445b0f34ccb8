// One narrative task (insights or summary) written by one model, or offline, in three steps that run on two roles:
// prepare (offline text, cache re-checked, budget) and apply (schema and guardrails, metering, cache) where the
// findings live; ask (the model call) on the LLM role, which sees only the request. The workflow runs them once per
// model of the task's fallback chain.
import { offlineInsights } from '../analysis/offline-insights';
import { offlineNarrative } from '../analysis/offline-narrative';
import type { FindingsDocument, NarrativeAuthor } from '../domain/findings';
import type { Logger } from '../logging';
import type { TaxMetrics } from '../observability/metrics';
import { checkAnswer, type Answer } from './answer-check';
import type { InsightsAnswer, SummaryAnswer } from './answer-schemas';
import { callModel, type CallUsage, type LlmEndpoint } from './chat-call';
import { budgetVerdict, type BudgetLimits } from './daily-budget';
import { cacheKey, type LlmCache } from './llm-cache';
import { classifyLlmError } from './llm-errors';
import { callCostUsd, type PriceTable } from './llm-prices';
import { PROMPT_VERSION, buildPrompt, compactInput, promptFindings, quotedBlock, type CompactInput, type LlmTask, type QuotedBlock } from './prompts';
import { seoulDay } from '../domain/periods';
import { usageRecord, type UsageLedger, type UsageRecord } from './usage-ledger';

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

export interface TaskOutcome {
  doc: FindingsDocument;
  author: NarrativeAuthor;
  usage?: CallUsage;
}

/**
 * What the model role needs to write a part, and nothing else: the compact input (findings, the figures they
 * need, articles, earlier months) and the quoted text (company, the findings' sentences, memos). It travels
 * through the workflow history to the LLM queue, so the LLM workers read no store, hold no keys and mount no data.
 */
export interface NarrativeRequest {
  task: LlmTask;
  model: string;
  input: CompactInput;
  quoted: QuotedBlock;
}

/** The model's reply as it came: checked again where it is applied, since it crossed from the LLM role. */
export interface NarrativeReply {
  answer?: unknown;
  /** Why the text was not the schema's JSON. */
  invalid?: string;
  usage: CallUsage;
}

export type PreparedTask = { written: true; outcome: TaskOutcome } | { written: false; request: NarrativeRequest };

/**
 * Before a model is called: the offline text, or a cached answer that passes the checks again, is applied at once;
 * the daily budget may refuse the model; otherwise the request for the LLM role. Runs where the findings and the
 * cache live.
 */
export async function prepareNarrativeTask(deps: NarrativeWriterDeps, run: TaskRun, doc: FindingsDocument, log: Logger): Promise<PreparedTask> {
  const now = deps.now?.() ?? new Date();
  if (run.model === 'offline') {
    const author = { model: 'offline', fallbackUsed: run.fallbackUsed, cached: false };
    await recordUsage(deps, run, doc, now, { model: 'offline', cached: false, outcome: 'ok', usd: 0, estimated: false });
    deps.metrics.llmNarrative(run.task, 'offline', run.fallbackUsed);
    return { written: true, outcome: { doc: applyOffline(run.task, doc, author), author } };
  }

  const request = narrativeRequest(run, doc);
  const hit = await cachedAnswer(deps, request, log);
  deps.metrics.llmCache(hit ? 'hit' : 'miss');
  if (hit) {
    const author = { model: run.model, fallbackUsed: run.fallbackUsed, cached: true };
    await recordUsage(deps, run, doc, now, { model: run.model, cached: true, outcome: 'ok', usd: 0, estimated: false });
    deps.metrics.llmNarrative(run.task, run.model, run.fallbackUsed);
    return { written: true, outcome: { doc: applyAnswer(run.task, doc, hit, author), author } };
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
  return { written: false, request };
}

/**
 * The cached answer of the request, checked as a reply would be: the cache is shared and outlives releases of the
 * checks, so an entry that fails them (poisoned, or written before a check existed) is not served but replaced.
 */
async function cachedAnswer(deps: NarrativeWriterDeps, request: NarrativeRequest, log: Logger): Promise<Answer | undefined> {
  const entry = await deps.cache.get<unknown>(requestCacheKey(request));
  if (entry === undefined) return undefined;
  const checked = checkAnswer(request.task, entry, request.input, request.quoted);
  if (checked.problem === undefined) return checked.answer;
  deps.metrics.llmError(request.model, 'guardrail_cached');
  log.warn(
    { event: 'llm_cache_rejected', task: request.task, model: request.model, reason: checked.problem },
    'cached answer refused by the guardrail',
  );
  return undefined;
}

/**
 * A failed model call (chat or embeddings) as the LlmTaskError its kind makes it, counted as a model error.
 * Cancelled, not failed: no model error; the signal's reason goes up as it is.
 */
export function modelCallFailure(model: string, metrics: TaxMetrics, signal: AbortSignal | undefined) {
  return (err: unknown): never => {
    if (signal?.aborted) throw err;
    const c = classifyLlmError(err);
    metrics.llmError(model, c.label);
    throw new LlmTaskError(
      `${model}: ${c.label}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      c.type,
      c.retryable,
      c.retryAfterMs,
    );
  };
}

/** The model call itself, on the LLM role: the endpoint and its key, the request in, the reply out. */
export async function askModel(endpoint: LlmEndpoint, metrics: TaxMetrics, request: NarrativeRequest): Promise<NarrativeReply> {
  const signal = endpoint.signal?.();
  const result = await callModel(endpoint, request.model, request.task, buildPrompt(request.task, request.input, request.quoted), { signal }).catch(
    modelCallFailure(request.model, metrics, signal),
  );
  return { answer: result.answer, invalid: result.invalid, usage: result.usage };
}

/**
 * The reply, where it is applied: checked again (answer-check.ts), metered, cached, and written into the document;
 * a refused answer throws, and the next model writes.
 */
export async function applyModelReply(
  deps: NarrativeWriterDeps,
  run: TaskRun,
  doc: FindingsDocument,
  request: NarrativeRequest,
  reply: NarrativeReply,
  log: Logger,
): Promise<TaskOutcome> {
  const now = deps.now?.() ?? new Date();
  const usd = callCostUsd(deps.prices, run.model, reply.usage);
  if (usd === undefined) log.warn({ event: 'llm_price_missing', model: run.model }, 'no price for model; cost counted as 0');
  deps.metrics.llmUsage(run.model, reply.usage, usd ?? 0);
  const checked = reply.invalid === undefined ? checkAnswer(request.task, reply.answer, request.input, request.quoted) : { problem: reply.invalid };
  const { answer, problem: rejection } = checked;
  await recordUsage(deps, run, doc, now, { model: run.model, cached: false, outcome: rejection ? 'rejected' : 'ok', usd: usd ?? 0, ...reply.usage });
  if (rejection || !answer) {
    deps.metrics.llmError(run.model, reply.invalid ? 'invalid_output' : 'guardrail');
    throw new LlmTaskError(`${run.model}: answer rejected: ${rejection}`, 'LlmOutputRejected', false);
  }
  await deps.cache.set(requestCacheKey(request), answer, deps.cacheTtlMs[run.task]);
  const author = { model: run.model, fallbackUsed: run.fallbackUsed, cached: false };
  deps.metrics.llmNarrative(run.task, run.model, run.fallbackUsed);
  return { doc: applyAnswer(run.task, doc, answer, author), author, usage: reply.usage };
}

/** A model that could not answer (after its retries): in the call ledger at $0, for the cost report's call counts. */
export async function recordFailedCall(deps: NarrativeWriterDeps, run: TaskRun, doc: FindingsDocument): Promise<void> {
  await recordUsage(deps, run, doc, deps.now?.() ?? new Date(), { model: run.model, cached: false, outcome: 'failed', usd: 0, estimated: false });
}

/** The part's request: the summary is written to agree with the insights already in the document. */
export function narrativeRequest(run: Pick<TaskRun, 'task' | 'model'>, doc: FindingsDocument): NarrativeRequest {
  const quoted = quotedBlock(doc, run.task === 'summary' ? insightsForSummary(doc) : undefined);
  return { task: run.task, model: run.model, input: compactInput(doc), quoted };
}

function requestCacheKey({ task, model, input, quoted }: NarrativeRequest): string {
  return cacheKey(task, model, PROMPT_VERSION, input, quoted);
}

function recordUsage(
  deps: NarrativeWriterDeps,
  run: TaskRun,
  doc: FindingsDocument,
  now: Date,
  fields: Pick<UsageRecord, 'model' | 'cached' | 'outcome' | 'usd' | 'estimated'> & Partial<CallUsage>,
): Promise<void> {
  return deps.usage.record(
    usageRecord(now, { id: run.callId, period: doc.period, companyId: doc.companyId, task: run.task, fallbackUsed: run.fallbackUsed, ...fields }),
  );
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
function insightsForSummary(doc: FindingsDocument): QuotedBlock['insights'] {
  const insights = doc.narrative.insights;
  if (!insights) return undefined;
  return {
    conclusions: promptFindings(doc).map(({ id, index }) => ({ finding: id, text: insights.conclusions[index] ?? '' })),
    actions: insights.actions,
  };
}
