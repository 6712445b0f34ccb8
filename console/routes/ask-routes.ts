// 질문 (page and JSON): Korean questions over the knowledge graph, read into the intent catalogue's vetted queries
// within the asker's company scope; and the admins' read-only SPARQL box. Both are audit-logged by lib/ask.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { askDepsFromConfig } from '../../lib/ask/ask-deps';
import { askGraph, type AskDeps, type Asker } from '../../lib/ask/ask-graph';
import { runSparql } from '../../lib/ask/sparql-box';
import type { ConsoleDeps } from '../deps';
import { NO_GRAPH_NOTICE, askPage } from '../pages/ask-page';
import { pageAndApi, pageContext, sendPage } from './route';

const QuestionQuery = z.object({ q: z.string().trim().max(500).optional() });
const SparqlRequest = z.object({ query: z.string().min(1).max(20_000) });

/** The ask deps over the console's graph: built at start-up with it, or on first use when a graph was set later. */
async function askDeps(deps: ConsoleDeps): Promise<AskDeps | undefined> {
  if (!deps.graph) return undefined;
  if (!deps.ask || deps.ask.graph !== deps.graph) {
    deps.ask = await askDepsFromConfig(deps.config, deps.graph, { audit: deps.audit, log: deps.log });
  }
  return deps.ask;
}

function askerOf(request: FastifyRequest): Asker {
  const { subject, role, companies } = request.principal!;
  return { subject, role, companies, sourceIp: request.ip };
}

export function registerAskRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  pageAndApi(app, 'GET', '/ask', 'reports:read', (kind) => async (request, reply) => {
    const { q } = QuestionQuery.parse(request.query);
    const question = q || undefined;
    const ask = await askDeps(deps);
    if (!ask) {
      if (kind === 'api') return reply.code(503).send({ error: NO_GRAPH_NOTICE });
      return sendPage(reply, askPage(pageContext(deps, request), { question, noGraph: true }));
    }
    const answer = question === undefined ? undefined : await askGraph(ask, askerOf(request), question);
    if (answer) deps.metrics.question(answer.intent ?? 'none', answer.readBy, answer.status);
    if (kind === 'api') {
      if (!answer) return reply.code(400).send({ error: 'q: ask a question (500 characters at most)' });
      return answer;
    }
    return sendPage(reply, askPage(pageContext(deps, request), { question, answer, noGraph: false }));
  });

  pageAndApi(app, 'POST', '/ask/sparql', 'graph:query', (kind) => async (request, reply) => {
    const { query } = SparqlRequest.parse(request.body);
    const ask = await askDeps(deps);
    if (!ask) {
      if (kind === 'api') return reply.code(503).send({ error: NO_GRAPH_NOTICE });
      return sendPage(reply, askPage(pageContext(deps, request), { noGraph: true, sparql: { text: query } }));
    }
    const answer = await runSparql(ask, askerOf(request), query);
    if (kind === 'api') return answer.status === 'refused' ? reply.code(400).send({ error: answer.reason }) : answer;
    return sendPage(reply, askPage(pageContext(deps, request), { noGraph: false, sparql: { text: query, answer } }));
  });
}
