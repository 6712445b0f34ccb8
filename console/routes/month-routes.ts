// The month overview, as a page and as JSON; /months opens the month the last batch reported on.
import type { FastifyInstance } from 'fastify';
import { assertPeriod } from '../../lib/domain/ids';
import { addMonths, previousMonthInSeoul } from '../../lib/domain/periods';
import type { ConsoleDeps } from '../deps';
import { monthPage } from '../pages/month-page';
import { monthOverview, parseMonthFilter } from '../services/month-overview';
import { pageAndApi, pageContext, route, sendPage } from './route';

// The analysts' working view (statuses, reviews, runs to restart): analyst and up, like starting runs; a scoped
// principal sees its own companies only.
const PERMISSION = 'runs:start';

export function registerMonthRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const sources = {
    dataDir: deps.config.ERP_DATA_DIR,
    temporal: deps.temporal,
    objects: deps.objects,
    defaultAccountant: deps.config.DEFAULT_ADVISOR,
  };

  route(app, 'GET', '/months', { permission: PERMISSION, kind: 'page' }, async (_request, reply) =>
    reply.redirect(`/months/${previousMonthInSeoul(new Date())}`, 303),
  );

  pageAndApi(app, 'GET', '/months/:period', PERMISSION, (kind) => async (request, reply) => {
    const period = assertPeriod((request.params as { period: string }).period);
    const filter = parseMonthFilter(request.query as Record<string, string | undefined>);
    const view = await monthOverview(sources, request.principal!, period, filter);
    return kind === 'page' ? sendPage(reply, monthPage(pageContext(deps, request), view, addMonths(period, -1), addMonths(period, 1))) : view;
  });
}
