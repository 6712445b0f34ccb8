// Companies, runs (list, start, backfill) and reports (view, download).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assertPeriod } from '../../lib/domain/ids';
import { loadCompany } from '../../lib/erp/company';
import { readFindingsDoc } from '../../lib/storage/findings-json';
import { reportKeys } from '../../lib/storage/object-store';
import type { ConsoleDeps } from '../deps';
import { requestParty, requireCompany, requireCompanyMonth } from '../http/access';
import { companyPage, overviewPage, reportPage } from '../pages/report-pages';
import { visibleCompanies } from '../services/companies';
import { listRuns, startBackfill, startCompanyRun } from '../services/runs';
import { pageAndApi, pageContext, route, sendPage } from './route';

// Company ids are validated (and scope-checked) by requireCompany.
const RunRequest = z.object({ companyId: z.string(), period: z.string().transform(assertPeriod) });
const BackfillRequest = z.object({
  companyId: z.string(),
  from: z.string().transform(assertPeriod),
  to: z.string().transform(assertPeriod),
});

export function registerReportRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const { config, temporal } = deps;

  route(app, 'GET', '/', { permission: 'reports:read', kind: 'page' }, async (request, reply) => {
    const principal = request.principal!;
    const [{ companies, skippedFolders }, runs] = await Promise.all([
      visibleCompanies(config.ERP_DATA_DIR, principal),
      listRuns(temporal, { scope: principal.companies, limit: 50 }),
    ]);
    return sendPage(reply, overviewPage(pageContext(deps, request), companies, runs, skippedFolders));
  });

  route(app, 'GET', '/api/companies', { permission: 'reports:read', kind: 'api' }, async (request) =>
    visibleCompanies(config.ERP_DATA_DIR, request.principal!),
  );

  route(app, 'GET', '/companies/:companyId', { permission: 'reports:read', kind: 'page' }, async (request, reply) => {
    const companyId = await requireCompany(deps, request, (request.params as { companyId: string }).companyId);
    const company = await loadCompany(config.ERP_DATA_DIR, companyId);
    const runs = await listRuns(temporal, { companyId });
    const { started } = request.query as { started?: string };
    const notice = started ? `실행을 시작했습니다: ${started}` : undefined;
    return sendPage(reply, companyPage(pageContext(deps, request), { id: company.id, name: company.name }, runs, notice));
  });

  route(app, 'GET', '/api/runs', { permission: 'reports:read', kind: 'api' }, async (request) => {
    const query = request.query as { companyId?: string; period?: string };
    if (query.companyId !== undefined) await requireCompany(deps, request, query.companyId);
    return { runs: await listRuns(temporal, { scope: request.principal!.companies, companyId: query.companyId, period: query.period }) };
  });

  pageAndApi(app, 'POST', '/runs', 'runs:start', (kind) => async (request, reply) => {
    const body = RunRequest.parse(request.body);
    const companyId = await requireCompany(deps, request, body.companyId);
    const { period } = body;
    await loadCompany(config.ERP_DATA_DIR, companyId);
    const run = await startCompanyRun(temporal, config.TASK_QUEUE, companyId, period);
    await deps.audit.append({ action: 'run.started', ...requestParty(request), target: `${companyId}/${period}`, outcome: 'success', details: run });
    if (kind === 'page') return reply.redirect(`/companies/${encodeURIComponent(companyId)}?started=${encodeURIComponent(run.workflowId)}`, 303);
    return reply.code(202).send(run);
  });

  pageAndApi(app, 'POST', '/backfills', 'runs:start', (kind) => async (request, reply) => {
    const body = BackfillRequest.parse(request.body);
    const companyId = await requireCompany(deps, request, body.companyId);
    const { from, to } = body;
    await loadCompany(config.ERP_DATA_DIR, companyId);
    const { started, alreadyRunning } = await startBackfill(temporal, config.TASK_QUEUE, companyId, from, to);
    await deps.audit.append({
      action: 'backfill.started',
      ...requestParty(request),
      target: `${companyId}/${from}..${to}`,
      outcome: 'success',
      details: { started: started.length, alreadyRunning },
    });
    if (kind === 'page')
      return reply.redirect(`/companies/${encodeURIComponent(companyId)}?started=${encodeURIComponent(`${from}..${to} (${started.length})`)}`, 303);
    return reply.code(202).send({ started, alreadyRunning });
  });

  pageAndApi(app, 'GET', '/reports/:companyId/:period', 'reports:read', (kind) => async (request, reply) => {
    const { companyId, period } = await requireCompanyMonth(deps, request);
    const doc = await readFindingsDoc(deps.objects, reportKeys(companyId, period).findings);
    await deps.audit.append({ action: 'report.viewed', ...requestParty(request), target: `${companyId}/${period}`, outcome: 'success' });
    return kind === 'page' ? sendPage(reply, reportPage(pageContext(deps, request), doc)) : doc;
  });

  pageAndApi(app, 'GET', '/reports/:companyId/:period/report.pdf', 'reports:read', () => async (request, reply) => {
    const { companyId, period } = await requireCompanyMonth(deps, request);
    const pdf = await deps.objects.get(reportKeys(companyId, period).pdf);
    await deps.audit.append({
      action: 'report.downloaded',
      ...requestParty(request),
      target: `${companyId}/${period}`,
      outcome: 'success',
      details: { bytes: pdf.length },
    });
    // Company ids may be Hangul: an ASCII fallback name plus the RFC 6266 UTF-8 one.
    const name = `${companyId}-${period}-tax-report.pdf`;
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="tax-report-${period}.pdf"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .send(pdf);
  });
}
