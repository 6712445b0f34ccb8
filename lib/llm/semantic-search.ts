// With an embeddings model configured, grounding also searches by meaning: for each finding, the law articles
// and the month's memo texts closest to its message. Vectors are cached without expiry (same model, same text).
import { OpenAIEmbeddings } from '@langchain/openai';
import type { Grounding, LawArticleRef } from '../domain/findings';
import { clientOptions, type LlmEndpoint } from './chat-call';
import { cacheKey, type LlmCache } from './llm-cache';
import { estimateTokens } from './token-estimate';

const RELATED_ARTICLES = 2;
const RELATED_MEMOS = 3;

export interface Embedder {
  model: string;
  embed(texts: string[]): Promise<number[][]>;
}

/**
 * OpenAI-compatible embeddings. LangChain's embedDocuments takes no signal, so the endpoint's `signal()` of the
 * calling moment reaches the HTTP request through the client's fetch; an aborted call rejects with its reason.
 */
export function openAiEmbedder(endpoint: LlmEndpoint, model: string): Embedder {
  const options = clientOptions(endpoint);
  const client = new OpenAIEmbeddings({
    model,
    ...options,
    configuration: endpoint.signal ? { ...options.configuration, fetch: fetchWithSignal(endpoint.signal) } : options.configuration,
  });
  return {
    model,
    async embed(texts) {
      const signal = endpoint.signal?.();
      signal?.throwIfAborted();
      return client.embedDocuments(texts).catch((err: unknown) => {
        throw signal?.aborted ? signal.reason : err;
      });
    },
  };
}

/** fetch that also ends when the current call's signal aborts (the client's own timeout signal still applies). */
function fetchWithSignal(current: () => AbortSignal | undefined): typeof fetch {
  return (input, init) => {
    const signal = current();
    if (!signal) return fetch(input, init);
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
  };
}

export interface EmbeddingCache {
  cache: LlmCache;
  ttlMs: number;
}

/** Vectors for the texts; only texts not in the cache are sent. Returns the tokens sent (estimated: no usage in the API's answer here). */
export async function embedCached(embedder: Embedder, { cache, ttlMs }: EmbeddingCache, texts: readonly string[]) {
  const keys = texts.map((t) => cacheKey('embedding', embedder.model, t));
  const vectors = await Promise.all(keys.map((k) => cache.get<number[]>(k)));
  const missing = [...new Set(texts.filter((_, i) => !vectors[i]))];
  const fresh = missing.length > 0 ? await embedder.embed(missing) : [];
  const byText = new Map(missing.map((t, i) => [t, fresh[i]!]));
  await Promise.all(missing.map((t) => cache.set(cacheKey('embedding', embedder.model, t), byText.get(t), ttlMs)));
  return {
    vectors: texts.map((t, i) => vectors[i] ?? byText.get(t)!),
    hits: vectors.filter(Boolean).length,
    sentTokens: missing.reduce((sum, t) => sum + estimateTokens(embedder.model, t), 0),
  };
}

/** Per finding (by index), the nearest articles not already linked to its rule, and the nearest memos. */
export function relatedByMeaning(
  findings: ReadonlyArray<{ ruleId: string; message: string }>,
  queryVectors: number[][],
  articles: ReadonlyArray<{ article: Omit<LawArticleRef, 'rules'>; vector: number[] }>,
  linked: readonly LawArticleRef[],
  memos: ReadonlyArray<{ text: string; vector: number[] }>,
): NonNullable<Grounding['related']> {
  return findings.map((f, finding) => {
    const query = queryVectors[finding]!;
    const own = new Set(linked.filter((a) => a.rules.includes(f.ruleId)).map((a) => a.id));
    return {
      finding,
      articles: nearest(query, articles.filter((a) => !own.has(a.article.id)), RELATED_ARTICLES).map((a) => a.article.id),
      memos: nearest(query, memos, RELATED_MEMOS).map((m) => m.text),
    };
  });
}

function nearest<T extends { vector: number[] }>(query: number[], items: readonly T[], k: number): T[] {
  return items
    .map((item) => ({ item, score: cosine(query, item.vector) }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((s) => s.item);
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
