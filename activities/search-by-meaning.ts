import { modelCallFailure } from '../lib/llm/narrative-writer';
import { VectorCache, openAiEmbedder, searchByMeaning, type SemanticSearchReply, type SemanticSearchRequest } from '../lib/llm/semantic-search';
import type { ActivityDeps } from './deps';
import { failAsTemporal } from './write-narrative';

/**
 * Vectors an LLM worker keeps: about 25 MiB at 1,536 dimensions (text-embedding-3-small), 50 MiB at 3,072. A
 * company's request is the 11 articles and at most 200 memos, so the articles, used by every company, stay cached.
 */
export const VECTOR_CACHE_ENTRIES = 4_096;

/**
 * The search by meaning on `<TASK_QUEUE>-llm`, the role with the API key and egress, under the queue's rate limit:
 * the texts come in the arguments, only the neighbours go back; the vectors stay in this worker's memory.
 */
export function createSemanticSearchActivities({ config, metrics, log, cancellation }: ActivityDeps) {
  const endpoint = { baseURL: config.OPENAI_BASE_URL, apiKey: config.OPENAI_API_KEY, timeoutMs: config.LLM_TIMEOUT_MS, signal: cancellation };
  const vectors = new VectorCache(VECTOR_CACHE_ENTRIES, config.LLM_CACHE_TTL_EMBEDDINGS);

  return {
    /** Retried by Temporal per the error's kind, as a narrative call is; a 429 waits out its Retry-After. */
    async rankByMeaning(request: SemanticSearchRequest): Promise<SemanticSearchReply> {
      const signal = cancellation?.();
      return failAsTemporal(log, { task: 'embeddings', model: request.model }, () =>
        searchByMeaning(openAiEmbedder(endpoint, request.model), vectors, request).catch(modelCallFailure(request.model, metrics, signal)),
      );
    },
  };
}
