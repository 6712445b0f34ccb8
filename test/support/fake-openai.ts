// A local OpenAI-compatible chat-completions server with scripted replies per model, for tests.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
  status?: number;
  text?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface RecordedRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  authorization?: string;
}

export interface FakeOpenAi {
  baseURL: string;
  requests: RecordedRequest[];
  /** How the server answers a model from now on. */
  script(model: string, reply: (call: number) => ScriptedReply): void;
  close(): Promise<void>;
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const scripts = new Map<string, (call: number) => ScriptedReply>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as RecordedRequest;
    requests.push({ model: body.model, messages: body.messages, authorization: req.headers.authorization });
    const call = requests.filter((r) => r.model === body.model).length;
    const reply = scripts.get(body.model)?.(call) ?? { status: 404 };
    const status = reply.status ?? 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    if (status !== 200) {
      res.end(JSON.stringify({ error: { message: `scripted ${status}`, type: 'test' } }));
      return;
    }
    res.end(
      JSON.stringify({
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: 0,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply.text ?? '' }, finish_reason: 'stop' }],
        usage: {
          ...(reply.usage ?? { prompt_tokens: 10, completion_tokens: 5 }),
          total_tokens: (reply.usage?.prompt_tokens ?? 10) + (reply.usage?.completion_tokens ?? 5),
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (model, reply) => scripts.set(model, reply),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let data = '';
  for await (const chunk of req) data += chunk;
  return data;
}
