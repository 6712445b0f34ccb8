// What a failed model call means for the next step: try the same model again (Temporal's retry), or move on.
// 429, 5xx, timeouts and connection errors pass; 400 (context length, content policy), 401, 403, 404, 422 do not.

export interface LlmErrorClass {
  /** The ApplicationFailure type. */
  type: 'LlmRateLimited' | 'LlmUnavailable' | 'LlmRequestRejected';
  retryable: boolean;
  /** For tax_llm_error_total{error_type}: http_429, timeout, connection, context_length, ... */
  label: string;
  status?: number;
  /** The server's Retry-After, when it sent one. */
  retryAfterMs?: number;
}

const REJECTED_STATUSES = new Set([400, 401, 403, 404, 422]);

export function classifyLlmError(err: unknown): LlmErrorClass {
  const e = err as { name?: unknown; status?: unknown; cause?: { status?: unknown }; code?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  if (name === 'ContextOverflowError') return { type: 'LlmRequestRejected', retryable: false, label: 'context_length', status: 400 };
  const status = typeof e?.status === 'number' ? e.status : typeof e?.cause?.status === 'number' ? e.cause.status : undefined;
  if (status === 429) return { type: 'LlmRateLimited', retryable: true, label: 'http_429', status, ...retryAfter(err) };
  if (status !== undefined && REJECTED_STATUSES.has(status)) {
    return { type: 'LlmRequestRejected', retryable: false, label: `http_${status}`, status };
  }
  if (status !== undefined) return { type: 'LlmUnavailable', retryable: true, label: `http_${status}`, status };
  if (name === 'TimeoutError' || name === 'APIConnectionTimeoutError') return { type: 'LlmUnavailable', retryable: true, label: 'timeout' };
  return { type: 'LlmUnavailable', retryable: true, label: 'connection' };
}

/** Retry-After in seconds or as an HTTP date, or OpenAI's retry-after-ms. */
function retryAfter(err: unknown): { retryAfterMs?: number } {
  const headers = (err as { headers?: unknown }).headers;
  const get = (name: string): string | null | undefined =>
    headers instanceof Headers ? headers.get(name) : (headers as Record<string, string | undefined> | undefined)?.[name];
  const ms = Number(get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return { retryAfterMs: ms };
  const value = get('retry-after');
  if (!value) return {};
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return { retryAfterMs: Math.max(0, seconds * 1000) };
  const date = Date.parse(value);
  return Number.isNaN(date) ? {} : { retryAfterMs: Math.max(0, date - Date.now()) };
}
