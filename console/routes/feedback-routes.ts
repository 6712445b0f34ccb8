// 규칙 피드백 (page and JSON): firm-wide statistics of the reviews, so for analysts and up who see every company.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assertPeriod } from '../../lib/domain/ids';
import { lastTwelveMonths } from '../../lib/review/rule-feedback';
import { feedbackAndProposal, rulesParametersFile } from '../../lib/review/rule-feedback-run';
import type { ConsoleDeps } from '../deps';
import { deny } from '../http/access';
import { NO_GRAPH_NOTICE, feedbackPage } from '../pages/feedback-page';
import { pageAndApi, pageContext, sendPage } from './route';

const RangeQuery = z
  .object({ from: z.string().transform(assertPeriod).optional(), to: z.string().transform(assertPeriod).optional() })
  .refine((q) => (q.from === undefined) === (q.to === undefined), { message: 'give both from and to, or neither' });

export function registerFeedbackRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  pageAndApi(app, 'GET', '/rule-feedback', 'config:read', (kind) => async (request, reply) => {
    // Every company's findings in one table: a principal scoped to some companies would see the others'.
    if (request.principal!.companies !== undefined)
      await deny(deps, request, 'rule feedback is firm-wide: a principal scoped to some companies may not');
    const query = RangeQuery.parse(request.query);
    const range = query.from && query.to ? { from: query.from, to: query.to } : lastTwelveMonths();
    const { graph, config } = deps;
    if (!graph) {
      if (kind === 'api') return reply.code(503).send({ error: NO_GRAPH_NOTICE });
      return sendPage(reply, feedbackPage(pageContext(deps, request), { range }));
    }
    const files = { dataDir: config.ERP_DATA_DIR, parametersFile: rulesParametersFile(config.SHAPES_DIR) };
    const { feedback, proposal } = await feedbackAndProposal(graph, files, range);
    if (kind === 'api') return { feedback, proposals: proposal.proposals, diff: proposal.diff };
    return sendPage(reply, feedbackPage(pageContext(deps, request), { range, result: { feedback, proposal } }));
  });
}
