import { ApplicationFailure } from '@temporalio/activity';
import {
  LlmTaskError,
  applyModelReply,
  askModel,
  prepareNarrativeTask,
  recordFailedCall,
  type NarrativeReply,
  type NarrativeRequest,
  type NarrativeWriterDeps,
  type TaskOutcome,
} from '../lib/llm/narrative-writer';
import type { Logger } from '../lib/logging';
import { readFindingsDoc, writeFindingsDoc } from '../lib/storage/findings-json';
import { reportKeys } from '../lib/storage/object-store';
import { activityLogger, documentMonth } from './activity-logger';
import { attemptId, callId } from './attempt-id';
import type { ActivityDeps } from './deps';
import type { ApplyNarrativeInput, NarrativeInput, NarrativeResult, PreparedNarrative } from './types';

/**
 * The narrative's activities on two roles. Beside the workflows (the findings, the keys, the cache and the call
 * ledger): prepare a part, apply a model's reply, or write the offline text. On `<TASK_QUEUE>-llm`: the model call
 * alone, from the request in its arguments; that role reads nothing and needs no key but the model's.
 */
export function createNarrativeActivities({ config, objects, metrics, prices, llmCache, llmUsage, log, cancellation }: ActivityDeps) {
  const writer: NarrativeWriterDeps = {
    endpoint: { baseURL: config.OPENAI_BASE_URL, apiKey: config.OPENAI_API_KEY, timeoutMs: config.LLM_TIMEOUT_MS, signal: cancellation },
    cache: llmCache,
    usage: llmUsage,
    prices,
    metrics,
    limits: { softUsd: config.LLM_BUDGET_SOFT_USD, hardUsd: config.LLM_BUDGET_HARD_USD, hardAction: config.LLM_BUDGET_HARD_ACTION },
    chains: { insights: config.LLM_INSIGHT_MODELS, summary: config.LLM_SUMMARY_MODELS },
    cacheTtlMs: { insights: config.LLM_CACHE_TTL_INSIGHTS, summary: config.LLM_CACHE_TTL_SUMMARY },
  };
  const findingsKeyOf = (input: NarrativeInput) => reportKeys(input.companyId, input.period).findings;
  const run = (input: NarrativeInput, id: string) => ({
    task: input.task ?? 'summary',
    model: input.model,
    fallbackUsed: input.fallbackUsed,
    callId: id,
  });

  /** Writes the part into findings.json (sealed by the store when encryption is on) and says who wrote it. */
  async function save(input: NarrativeInput, outcome: TaskOutcome, logger: Logger): Promise<NarrativeResult> {
    await writeFindingsDoc(objects, findingsKeyOf(input), outcome.doc);
    logger.info({ event: 'narrative_written', task: input.task, ...outcome.author, usage: outcome.usage }, 'narrative part written');
    return {
      model: outcome.author.model,
      cached: outcome.author.cached,
      inputTokens: outcome.usage?.inputTokens ?? 0,
      outputTokens: outcome.usage?.outputTokens ?? 0,
    };
  }

  async function prepareNarrative(input: NarrativeInput): Promise<PreparedNarrative> {
    const doc = await readFindingsDoc(objects, findingsKeyOf(input));
    const logger = activityLogger(log, documentMonth(doc));
    const prepared = await failAsTemporal(logger, input, () => prepareNarrativeTask(writer, run(input, attemptId()), doc, logger));
    return prepared.written ? { written: true, result: await save(input, prepared.outcome, logger) } : prepared;
  }

  return {
    /** Offline text or a cached answer applied at once; the budget checked; else the request for the model. */
    prepareNarrative,

    /** The model call (LLM role). Retried by Temporal per the error's kind; a 429 waits out its Retry-After. */
    async callNarrativeModel(request: NarrativeRequest): Promise<NarrativeReply> {
      return failAsTemporal(log, request, () => askModel(writer.endpoint, metrics, request));
    },

    /**
     * The reply checked again and applied, or a model's final failure recorded. Metered once per run and activity
     * (not per attempt): a retried apply does not count the call twice.
     */
    async applyNarrative(input: ApplyNarrativeInput): Promise<NarrativeResult> {
      const doc = await readFindingsDoc(objects, findingsKeyOf(input));
      const logger = activityLogger(log, documentMonth(doc));
      if (!input.reply) {
        await recordFailedCall(writer, run(input, callId()), doc);
        return { model: input.model, inputTokens: 0, outputTokens: 0 };
      }
      const reply = input.reply;
      const outcome = await failAsTemporal(logger, input, () => applyModelReply(writer, run(input, callId()), doc, input.request, reply, logger));
      return save(input, outcome, logger);
    },

    /** The deterministic text once every model failed: beside the workflows, so no LLM worker is needed. */
    writeOfflineNarrative: async (input: NarrativeInput): Promise<NarrativeResult> => {
      const prepared = await prepareNarrative({ ...input, model: 'offline' });
      if (!prepared.written) throw new Error('the offline narrative is always written at once');
      return prepared.result;
    },
  };
}

/** A model that cannot do the work now becomes an ApplicationFailure Temporal retries, or not, by its kind. */
export async function failAsTemporal<T>(log: Logger, part: { task?: string; model: string }, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof LlmTaskError)) throw err;
    log.warn({ event: 'llm_call_failed', task: part.task, model: part.model, error_type: err.type, error: err.message }, 'LLM call failed');
    throw ApplicationFailure.create({
      type: err.type,
      message: err.message,
      nonRetryable: !err.retryable,
      ...(err.retryAfterMs === undefined ? {} : { nextRetryDelay: err.retryAfterMs }),
    });
  }
}
