// A local OpenAI-compatible server (chat completions and embeddings) with replies scripted per model and
// per request: success with usage, errors with headers, hangs, malformed or invented answers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
  status?: number;
  /** The assistant message's content (for structured output: the JSON text). */
  text?: string;
  /** null: the response carries no usage at all. */
  usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number } | null;
  headers?: Record<string, string>;
  /** Answer only after this long (past the client's timeout: a hang). */
  delayMs?: number;
}

export interface RecordedRequest {
  path: string;
  model: string;
  messages: Array<{ role: string; content: string }>;
  /** Embeddings requests. */
  input?: string[];
  responseFormat?: { type: string };
  authorization?: string;
}

export interface FakeOpenAi {
  baseURL: string;
  requests: RecordedRequest[];
  /** How the server answers a model's chat calls from now on; `call` counts that model's calls from 1. */
  script(model: string, reply: (call: number, request: RecordedRequest) => ScriptedReply): void;
  /** Embeddings: each input text gets the vector `embed(text)`, or every request fails with the status. */
  scriptEmbeddings(model: string, embed: ((text: string) => number[]) | { status: number }): void;
  close(): Promise<void>;
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const scripts = new Map<string, (call: number, request: RecordedRequest) => ScriptedReply>();
  const embedders = new Map<string, ((text: string) => number[]) | { status: number }>();
  const requests: RecordedRequest[] = [];
  const respond = async (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.parse(await readBody(req)) as {
      model: string;
      messages?: RecordedRequest['messages'];
      input?: string | string[];
      encoding_format?: 'float' | 'base64';
      response_format?: { type: string };
    };
    const request: RecordedRequest = {
      path: req.url ?? '',
      model: body.model,
      messages: body.messages ?? [],
      ...(body.input === undefined ? {} : { input: [body.input].flat() }),
      ...(body.response_format ? { responseFormat: body.response_format } : {}),
      authorization: req.headers.authorization,
    };
    requests.push(request);
    if (request.path.endsWith('/embeddings')) return answerEmbeddings(res, request, embedders.get(body.model), body.encoding_format);
    const call = requests.filter((r) => r.model === body.model && !r.path.endsWith('/embeddings')).length;
    const reply = scripts.get(body.model)?.(call, request) ?? { status: 404 };
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (res.destroyed) return;
    const status = reply.status ?? 200;
    res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
    if (status !== 200) {
      res.end(JSON.stringify({ error: { message: reply.text ?? `scripted ${status}`, type: 'test', code: null } }));
      return;
    }
    const usage = reply.usage === undefined ? { prompt_tokens: 10, completion_tokens: 5 } : reply.usage;
    res.end(
      JSON.stringify({
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: 0,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply.text ?? '' }, finish_reason: 'stop' }],
        ...(usage === null
          ? {}
          : {
              usage: {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                total_tokens: usage.prompt_tokens + usage.completion_tokens,
                prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
              },
            }),
      }),
    );
  };
  // A listener's promise goes nowhere: a request it cannot answer (a body that is not JSON) gets a 500 rather than an
  // unhandled rejection, which would end the test process.
  const server: Server = createServer((req, res) => {
    respond(req, res).catch((err: unknown) => {
      if (res.writableEnded) return;
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: err instanceof Error ? err.message : String(err), type: 'test', code: null } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (model, reply) => scripts.set(model, reply),
    scriptEmbeddings: (model, embed) => embedders.set(model, embed),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answerEmbeddings(
  res: ServerResponse,
  request: RecordedRequest,
  embed: ((text: string) => number[]) | { status: number } | undefined,
  encoding: 'float' | 'base64' = 'float',
): void {
  if (typeof embed !== 'function') {
    const status = embed?.status ?? 404;
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { message: status === 404 ? 'no such model' : `scripted ${status}` } }));
    return;
  }
  const input = request.input ?? [];
  res.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      object: 'list',
      model: request.model,
      // The openai client asks for base64 (little-endian float32) unless told otherwise, as the real API answers it.
      data: input.map((text, index) => ({ object: 'embedding', index, embedding: encoded(embed(text), encoding) })),
      usage: { prompt_tokens: input.length * 4, total_tokens: input.length * 4 },
    }),
  );
}

function encoded(vector: number[], encoding: 'float' | 'base64'): number[] | string {
  return encoding === 'base64' ? Buffer.from(Float32Array.from(vector).buffer).toString('base64') : vector;
}

const EMBEDDING_WORDS = ['가지급금', '이자', '기업업무추진비', '증빙', '차량', '신고', '가수금'];

/** A deterministic embedding: which of a few tax words the text mentions (never the zero vector). */
export function taxWordEmbedding(text: string): number[] {
  return [0.01, ...EMBEDDING_WORDS.map((w) => (text.includes(w) ? 1 : 0))];
}

/** The compact input a chat request carries in its <data> block. */
export function promptData(request: RecordedRequest): { findings: Array<{ id: string }>; [key: string]: unknown } {
  const user = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const match = /<data>\n([\s\S]*?)\n<\/data>/.exec(user);
  if (!match) throw new Error('request has no <data> block');
  return JSON.parse(match[1]!);
}

/** A valid insights answer without numbers: one 결론 per finding of the prompt. */
export function insightsReply(request: RecordedRequest, text = '담당 세무사와 확인하십시오.'): string {
  const { findings } = promptData(request);
  return JSON.stringify({ conclusions: findings.map((f) => ({ finding: f.id, text })), actions: ['증빙을 정리하십시오.'] });
}

/** A valid summary answer. */
export function summaryReply(summary: string): string {
  return JSON.stringify({ summary });
}

/** Answers each task of the narrative validly: the task is told apart by its JSON schema's name. */
export function narrativeReply(request: RecordedRequest, summary = '이번 달 요약입니다.'): string {
  return isInsightsRequest(request) ? insightsReply(request) : summaryReply(summary);
}

export function isInsightsRequest(request: RecordedRequest): boolean {
  return request.messages[0]?.content.includes('"conclusions"') ?? false;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let data = '';
  for await (const chunk of req) data += chunk;
  return data;
}
