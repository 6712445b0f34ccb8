// One structured call to an OpenAI-compatible chat model.
import { ChatOpenAI } from '@langchain/openai';
import type { ZodType } from 'zod';
import type { AIMessage } from '@langchain/core/messages';
import { ANSWER_SCHEMAS, type TaskAnswer } from './answer-schemas';
import type { LlmTask, PromptMessages } from './prompts';
import { estimateTokens } from './token-estimate';

export interface LlmEndpoint {
  baseURL?: string;
  apiKey?: string;
  timeoutMs: number;
  /**
   * The signal of the call being made now, asked at each call (the worker's: the running activity's cancellation).
   * An aborted call closes its HTTP request and rejects with the signal's reason.
   */
  signal?: () => AbortSignal | undefined;
}

export interface CallOptions {
  /** Overrides the endpoint's `signal()` for this call. */
  signal?: AbortSignal;
}

/** Client options shared by chat and embeddings: Temporal owns retries, so the client never retries. */
export function clientOptions(endpoint: LlmEndpoint) {
  return {
    apiKey: endpoint.apiKey ?? 'unused-by-local-endpoints',
    configuration: endpoint.baseURL ? { baseURL: endpoint.baseURL } : {},
    maxRetries: 0,
    timeout: endpoint.timeoutMs,
  };
}

export interface CallUsage {
  inputTokens: number;
  /** Input tokens the provider served from its prompt cache (billed at the cached-input price). */
  cachedInputTokens: number;
  outputTokens: number;
  /** Counted with js-tiktoken because the response carried no usage. */
  estimated: boolean;
}

/** The model answered; `answer` is absent when its text was not the schema's JSON (then `invalid` says why). */
export interface CallResult<T extends LlmTask> {
  answer?: TaskAnswer<T>;
  invalid?: string;
  usage: CallUsage;
}

export async function callModel<T extends LlmTask>(
  endpoint: LlmEndpoint,
  model: string,
  task: T,
  prompt: PromptMessages,
  options: CallOptions = {},
): Promise<CallResult<T>> {
  return callStructured(endpoint, model, task, ANSWER_SCHEMAS[task] as unknown as ZodType<TaskAnswer<T>>, prompt, options);
}

/** One call whose answer must be JSON of `schema`: the narrative's tasks, and the reading of a question (lib/ask). */
export async function callStructured<A>(
  endpoint: LlmEndpoint,
  model: string,
  name: string,
  schema: ZodType<A>,
  prompt: PromptMessages,
  options: CallOptions = {},
): Promise<{ answer?: A; invalid?: string; usage: CallUsage }> {
  const signal = options.signal ?? endpoint.signal?.();
  signal?.throwIfAborted();
  const chat = new ChatOpenAI({ model, ...clientOptions(endpoint), temperature: 0.2 });
  // JSON mode, the shape given in the prompt, the zod schema checked here: with response_format json_schema the
  // OpenAI SDK parses the answer itself and throws the response (and its usage) away when the text is not JSON,
  // and JSON mode is also what most OpenAI-compatible servers (vLLM, Ollama) support.
  const structured = chat.withStructuredOutput(schema as ZodType<Record<string, unknown>>, { name, method: 'jsonMode', includeRaw: true });
  // LangChain hands the signal to the OpenAI client, which aborts the request; the rejection is made the signal's
  // reason whatever wrapper LangChain put around it.
  const { raw } = await structured
    .invoke(
      [
        { role: 'system', content: prompt.system },
        { role: 'user', content: prompt.user },
      ],
      signal ? { signal } : undefined,
    )
    .catch((err: unknown) => {
      throw signal?.aborted ? signal.reason : err;
    });
  const message = raw as AIMessage;
  const text = typeof message.content === 'string' ? message.content : message.content.map((c) => ('text' in c ? c.text : '')).join('');
  const usage = usageOf(message, model, prompt, text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { invalid: `not JSON: ${JSON.stringify(text.slice(0, 120))}`, usage };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { invalid: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '), usage };
  }
  return { answer: parsed.data, usage };
}

function usageOf(message: AIMessage, model: string, prompt: PromptMessages, text: string): CallUsage {
  const meta = message.usage_metadata;
  if (meta && meta.input_tokens + meta.output_tokens > 0) {
    return {
      inputTokens: meta.input_tokens,
      cachedInputTokens: meta.input_token_details?.cache_read ?? 0,
      outputTokens: meta.output_tokens,
      estimated: false,
    };
  }
  return {
    inputTokens: estimateTokens(model, prompt.system) + estimateTokens(model, prompt.user),
    cachedInputTokens: 0,
    outputTokens: estimateTokens(model, text),
    estimated: true,
  };
}
