import { ApplicationFailure } from '@temporalio/activity';
import { LlmTaskError, writeNarrativeTask, type NarrativeWriterDeps } from '../lib/llm/narrative-writer';
import { readFindingsDoc, writeFindingsDoc } from '../lib/storage/findings-json';
import { activityLogger } from './activity-logger';
import { attemptId } from './attempt-id';
import type { ActivityDeps } from './deps';
import type { NarrativeInput, NarrativeResult } from './types';

/** The narrative's activities: model calls on `<TASK_QUEUE>-llm`, the offline fallback beside the workflows. */
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
  /**
   * Writes one part of findings.json's narrative (the insights, or the summary; runs recorded before the tasks
   * existed name no task and mean the summary) with one model or offline. Idempotent: a retry finds the
   * answer in the cache, and each attempt is metered once under its own id.
   */
  async function writeNarrative(input: NarrativeInput): Promise<NarrativeResult> {
    const logger = activityLogger(log, { companyId: input.companyId, period: input.period });
    const task = input.task ?? 'summary';
    const doc = await readFindingsDoc(objects, input.findingsKey);
    try {
      const outcome = await writeNarrativeTask(
        writer,
        { task, model: input.model, fallbackUsed: input.fallbackUsed, callId: attemptId() },
        doc,
        logger,
      );
      await writeFindingsDoc(objects, input.findingsKey, outcome.doc);
      logger.info({ event: 'narrative_written', task, ...outcome.author, usage: outcome.usage }, 'narrative part written');
      return {
        model: outcome.author.model,
        cached: outcome.author.cached,
        inputTokens: outcome.usage?.inputTokens ?? 0,
        outputTokens: outcome.usage?.outputTokens ?? 0,
      };
    } catch (err) {
      if (!(err instanceof LlmTaskError)) throw err;
      logger.warn({ event: 'llm_call_failed', task, model: input.model, error_type: err.type, error: err.message }, 'LLM call failed');
      throw ApplicationFailure.create({
        type: err.type,
        message: err.message,
        nonRetryable: !err.retryable,
        ...(err.retryAfterMs === undefined ? {} : { nextRetryDelay: err.retryAfterMs }),
      });
    }
  }

  return {
    /** On the LLM queue: one model's attempt at a part. */
    writeNarrative,
    /** On the workflow's queue: the deterministic text once every model failed, needing no LLM worker. */
    writeOfflineNarrative: (input: NarrativeInput) => writeNarrative({ ...input, model: 'offline' }),
  };
}
