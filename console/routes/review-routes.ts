// The review page of a company-month, its decisions (approve, request changes) and the finding reviews. Every
// decision is audited with its outcome, the refused ones too: who tried to approve what, and why it was refused.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditAction } from '../../lib/audit/audit-log';
import { readFindingsDoc } from '../../lib/storage/findings-json';
import { ObjectNotFoundError, reportKeys } from '../../lib/storage/object-store';
import type { ConsoleDeps } from '../deps';
import { requestParty, requireCompanyMonth } from '../http/access';
import { reviewPage } from '../pages/review-page';
import {
  ApproveRequest,
  ChangesRequest,
  FindingReviewRequest,
  ReviewRefusedError,
  approveReport,
  readDraft,
  requestChanges,
  reviewFinding,
  reviewedFindings,
  reviewerOf,
} from '../services/report-review';
import { pageAndApi, pageContext, sendPage } from './route';
import { companyReportWorkflowId } from '../../lib/temporal-contract';

export function registerReviewRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const { temporal } = deps;

  /** Runs a decision and audits it, refused or not, with the draft version it was about. */
  async function audited<T>(
    request: FastifyRequest,
    action: AuditAction,
    target: string,
    details: Record<string, unknown>,
    decide: () => Promise<T>,
  ): Promise<T> {
    const party = requestParty(request);
    try {
      const result = await decide();
      await deps.audit.append({ action, ...party, target, outcome: 'success', details: { ...details, result } });
      return result;
    } catch (err) {
      if (err instanceof ReviewRefusedError)
        await deps.audit.append({ action, ...party, target, outcome: 'failure', details: { ...details, reason: err.message } });
      throw err;
    }
  }

  const back = (reply: FastifyReply, companyId: string, period: string, notice: string) =>
    reply.redirect(`/review/${encodeURIComponent(companyId)}/${period}?notice=${encodeURIComponent(notice)}`, 303);

  pageAndApi(app, 'GET', '/review/:companyId/:period', 'reports:read', (kind) => async (request, reply) => {
    const { companyId, period } = await requireCompanyMonth(deps, request);
    const [doc, draft] = await Promise.all([
      readFindingsDoc(deps.objects, reportKeys(companyId, period).findings),
      readDraft(temporal, companyId, period),
    ]);
    const findings = await reviewedFindings(deps.graph, doc);
    if (kind === 'api') return { draft, findings };
    const { notice } = request.query as { notice?: string };
    return sendPage(reply, reviewPage(pageContext(deps, request), { doc, draft, findings, notice }));
  });

  // The PDF the reviewer decides on: the run's current draft (report.pdf is overwritten by each revision).
  pageAndApi(app, 'GET', '/review/:companyId/:period/draft.pdf', 'reports:read', () => async (request, reply) => {
    const { companyId, period } = await requireCompanyMonth(deps, request);
    const draft = await readDraft(temporal, companyId, period);
    if (!draft) throw new ObjectNotFoundError(`${companyId}/${period}/draft`);
    const pdf = await deps.objects.get(draft.pdfKey);
    await deps.audit.append({
      action: 'report.downloaded',
      ...requestParty(request),
      target: `${companyId}/${period}`,
      outcome: 'success',
      details: { draftVersion: draft.draftVersion, bytes: pdf.length },
    });
    return reply.type('application/pdf').header('content-disposition', `inline; filename="draft-v${draft.draftVersion}.pdf"`).send(pdf);
  });

  pageAndApi(app, 'POST', '/review/:companyId/:period/approve', 'reports:review', (kind) => async (request, reply) => {
    const { companyId, period } = await requireCompanyMonth(deps, request);
    const body = ApproveRequest.parse(request.body);
    const target = `${companyId}/${period}`;
    const result = await audited(
      request,
      'report.approved',
      target,
      { draftVersion: body.draftVersion, workflowId: companyReportWorkflowId(companyId, period) },
      () => approveReport(temporal, companyId, period, reviewerOf(request.principal!), body),
    );
    if (kind === 'api') return result;
    return back(reply, companyId, period, `제${result.approvedVersion}안을 승인했습니다. 발송합니다.`);
  });

  pageAndApi(app, 'POST', '/review/:companyId/:period/changes', 'reports:review', (kind) => async (request, reply) => {
    const { companyId, period } = await requireCompanyMonth(deps, request);
    const body = ChangesRequest.parse(request.body);
    // The form posts the summary as shown: only a changed text is an edit.
    const current = (await readFindingsDoc(deps.objects, reportKeys(companyId, period).findings)).narrative.text.trim();
    const narrative = body.narrative !== undefined && body.narrative !== current ? body.narrative : undefined;
    const details = {
      draftVersion: body.draftVersion,
      comment: body.comment,
      edited: narrative !== undefined,
      workflowId: companyReportWorkflowId(companyId, period),
    };
    const result = await audited(request, 'report.changes_requested', `${companyId}/${period}`, details, () =>
      requestChanges(temporal, companyId, period, reviewerOf(request.principal!), { ...body, narrative }),
    );
    if (kind === 'api') return result;
    return back(reply, companyId, period, narrative ? `수정한 요약으로 제${result.draftVersion}안을 만들었습니다.` : '수정 요청을 남겼습니다.');
  });

  pageAndApi(app, 'POST', '/review/:companyId/:period/findings', 'reports:review', (kind) => async (request, reply) => {
    const { companyId, period } = await requireCompanyMonth(deps, request);
    const body = FindingReviewRequest.parse(request.body);
    const doc = await readFindingsDoc(deps.objects, reportKeys(companyId, period).findings);
    const review = await reviewFinding(deps.graph, doc, request.principal!.subject, body);
    await deps.audit.append({
      action: 'finding.reviewed',
      ...requestParty(request),
      target: `${companyId}/${period}`,
      outcome: 'success',
      details: { findingKey: review.findingKey, ruleId: review.ruleId, status: review.status, version: review.version, note: review.note },
    });
    if (kind === 'api') return reply.code(201).send(review);
    return back(reply, companyId, period, `${review.ruleId} 항목을 저장했습니다 (v${review.version}).`);
  });
}
