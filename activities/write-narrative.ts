import { ApplicationFailure } from '@temporalio/activity';
import { llmErrorStatus, llmNarrative } from '../lib/analysis/llm-narrative';
import { callCostUsd } from '../lib/analysis/llm-prices';
import { offlineNarrative } from '../lib/analysis/offline-narrative';
import type { FindingsDocument } from '../lib/domain/findings';
import { readFindingsDoc, writeFindingsDoc } from '../lib/storage/findings-json';
import { activityLogger } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { NarrativeInput, NarrativeResult } from './types';

/** 400 (context length, content policy), 401, 403, 404: another attempt with the same model cannot succeed. */
const REJECTED_STATUSES = new Set([400, 401, 403, 404, 422]);

/** The LLM worker's activities (task queue `<TASK_QUEUE>-llm`). */
export function createNarrativeActivities({ config, objects, metrics, prices, log }: ActivityDeps) {
  return {
    /** Replaces the narrative of findings.json with one model's text (or the offline text). Idempotent. */
    async writeNarrative(input: NarrativeInput): Promise<NarrativeResult> {
      const logger = activityLogger(log, { companyId: input.companyId, period: input.period });
      const doc = await readFindingsDoc(objects, input.findingsKey);
      const { narrative: _previous, ...base } = doc;
      let result: NarrativeResult = { model: 'offline', inputTokens: 0, outputTokens: 0 };
      let text = offlineNarrative(base);
      if (input.model !== 'offline') {
        try {
          const reply = await llmNarrative(
            { baseURL: config.OPENAI_BASE_URL, apiKey: config.OPENAI_API_KEY, timeoutMs: config.LLM_TIMEOUT_MS },
            input.model,
            base,
          );
          text = reply.text;
          result = { model: input.model, inputTokens: reply.inputTokens, outputTokens: reply.outputTokens };
          const usd = callCostUsd(prices, input.model, reply.inputTokens, reply.outputTokens);
          if (usd === undefined) logger.warn({ event: 'llm_price_missing', model: input.model }, 'no price for model; cost counted as 0');
          metrics.llmUsage(input.model, reply.inputTokens, reply.outputTokens, usd ?? 0);
        } catch (err) {
          const status = llmErrorStatus(err);
          metrics.llmError(input.model, status === undefined ? (err instanceof Error ? err.name : 'Unknown') : `http_${status}`);
          logger.warn({ event: 'llm_call_failed', model: input.model, status, error: String(err) }, 'LLM call failed');
          if (status !== undefined && REJECTED_STATUSES.has(status)) {
            throw ApplicationFailure.create({
              type: 'LlmRequestRejected',
              nonRetryable: true,
              message: `model ${input.model} rejected the request (HTTP ${status})`,
            });
          }
          throw err;
        }
      }
      const updated: FindingsDocument = {
        ...base,
        narrative: { model: result.model, fallbackUsed: input.fallbackUsed, cached: false, text },
      };
      await writeFindingsDoc(objects, input.findingsKey, updated);
      logger.info({ event: 'narrative_written', model: result.model, fallback_used: input.fallbackUsed }, 'narrative written');
      return result;
    },
  };
}
