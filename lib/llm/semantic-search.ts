// With an embeddings model configured, grounding also searches by meaning: for each finding, the law articles
// and the month's memo texts closest to its message. The search runs on the LLM role from the texts alone (the
// request below); vectors stay in that worker's memory and never reach the workflow history.
import { OpenAIEmbeddings } from '@langchain/openai';
import type { Grounding } from '../domain/findings';
import { clientOptions, type LlmEndpoint } from './chat-call';
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

/** What the search compares, as texts: prepared beside the workflows, sent to the LLM queue in the activity's arguments. */
export interface SemanticSearchRequest {
  model: string;
  /** Per finding (by index): its message, and the articles already linked to its rule (never suggested again). */
  findings: Array<{ text: string; linked: string[] }>;
  articles: Array<{ id: string; text: string }>;
  memos: string[];
}

/** The nearest neighbours only (ids and memo texts), and the embedding use for metering where the result is applied. */
export interface SemanticSearchReply {
  related: Related;
  usage: EmbeddingUsage;
}

export type Related = NonNullable<Grounding['related']>;

/** Texts compared, of them found in the cache, and the tokens sent (estimated: the API's answer is not passed on). */
export interface EmbeddingUsage {
  texts: number;
  hits: number;
  sentTokens: number;
}

type Vector = ArrayLike<number>;

/**
 * Vectors by model and text in the LLM worker's memory (that role has no Redis and no volume), the least recently
 * used dropped first. Article texts repeat for every company, so they stay; memos come and go. Held as float32,
 * as the API computes them: 6 KiB per 1,536-dimension vector.
 */
export class VectorCache {
  private readonly entries = new Map<string, { vector: Float32Array; storedAt: number }>();

  /** ttlMs 0: a vector never expires (same model, same text, same vector). */
  constructor(
    readonly maxEntries: number,
    private readonly ttlMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(model: string, text: string): Float32Array | undefined {
    const key = cacheKeyOf(model, text);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (this.ttlMs > 0 && this.now() - entry.storedAt >= this.ttlMs) return undefined;
    this.entries.set(key, entry);
    return entry.vector;
  }

  set(model: string, text: string, vector: readonly number[]): Float32Array {
    const key = cacheKeyOf(model, text);
    const stored = Float32Array.from(vector);
    this.entries.delete(key);
    this.entries.set(key, { vector: stored, storedAt: this.now() });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return stored;
  }
}

const cacheKeyOf = (model: string, text: string) => `${model}\u0000${text}`;

/** Vectors for the texts; only texts not in the cache are sent, each once. */
export async function embedCached(embedder: Embedder, cache: VectorCache, texts: readonly string[]) {
  const known = texts.map((t) => cache.get(embedder.model, t));
  const missing = [...new Set(texts.filter((_, i) => !known[i]))];
  const fresh = missing.length > 0 ? await embedder.embed(missing) : [];
  // Kept here too: a request larger than the cache must not lose its own vectors to eviction.
  const byText = new Map(missing.map((t, i) => [t, cache.set(embedder.model, t, fresh[i]!)]));
  return {
    vectors: texts.map((t, i): Vector => known[i] ?? byText.get(t)!),
    hits: known.filter(Boolean).length,
    sentTokens: missing.reduce((sum, t) => sum + estimateTokens(embedder.model, t), 0),
  };
}

/** The search on the LLM role: the request's texts embedded (through the cache), the nearest neighbours per finding. */
export async function searchByMeaning(embedder: Embedder, cache: VectorCache, request: SemanticSearchRequest): Promise<SemanticSearchReply> {
  const { findings, articles, memos } = request;
  const texts = [...findings.map((f) => f.text), ...articles.map((a) => a.text), ...memos];
  const { vectors, hits, sentTokens } = await embedCached(embedder, cache, texts);
  const at = (offset: number) => (i: number) => vectors[offset + i]!;
  const [article, memo] = [at(findings.length), at(findings.length + articles.length)];
  return {
    related: relatedByMeaning(
      findings.map((f, i) => ({ vector: vectors[i]!, linked: f.linked })),
      articles.map((a, i) => ({ id: a.id, vector: article(i) })),
      memos.map((text, i) => ({ text, vector: memo(i) })),
    ),
    usage: { texts: texts.length, hits, sentTokens },
  };
}

/** Per finding (by index), the nearest articles not already linked to its rule, and the nearest memos. */
export function relatedByMeaning(
  findings: ReadonlyArray<{ vector: Vector; linked: readonly string[] }>,
  articles: ReadonlyArray<{ id: string; vector: Vector }>,
  memos: ReadonlyArray<{ text: string; vector: Vector }>,
): Related {
  return findings.map(({ vector, linked }, finding) => ({
    finding,
    articles: nearest(
      vector,
      articles.filter((a) => !linked.includes(a.id)),
      RELATED_ARTICLES,
    ).map((a) => a.id),
    memos: nearest(vector, memos, RELATED_MEMOS).map((m) => m.text),
  }));
}

function nearest<T extends { vector: Vector }>(query: Vector, items: readonly T[], k: number): T[] {
  return items
    .map((item) => ({ item, score: cosine(query, item.vector) }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((s) => s.item);
}

export function cosine(a: Vector, b: Vector): number {
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
