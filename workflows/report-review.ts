// Review before sending: the company run stops with its draft and waits for the 담당 세무사's decision, given by
// Temporal Update so the caller learns at once whether it was accepted. The validators refuse, before anything
// enters the history, a decision from someone who may not review this company, on a draft that is not the current
// one, or while the run is not waiting. The history holds only keys and versions, never the report itself.
import { HandlerUnfinishedPolicy } from '@temporalio/common';
import { condition, setHandler } from '@temporalio/workflow';
import type { ReviewPolicy } from '../activities/types';
import { can, canSeeCompany, isRole } from '../lib/security/roles';
import { renderActivities, reviewActivities } from './activity-proxies';
import { reportMetrics } from './report-sinks';
import {
  approveReportUpdate,
  requestChangesUpdate,
  type ApproveReportInput,
  type RequestChangesInput,
  type ReviewDraft,
  reviewDraftQuery,
  type Reviewer,
  type ReviewStage,
} from '../lib/temporal-contract';

export const MAX_COMMENT_CHARS = 2_000;
export const MAX_NARRATIVE_CHARS = 20_000;
/** Revisions a draft may go through: each costs a few events, and the history must stay bounded. */
export const MAX_REVISIONS = 20;
const MAX_LOGGED_REQUESTS = 10;

/** The draft the run rendered: the month's keys and the PDF's digest. */
export interface DraftRefs {
  period: string;
  findingsKey: string;
  pdfKey: string;
  pdfSha256: string;
}

export interface ReportReview {
  /** Waits for approval (or the deadline policy); returns the approved (or sent) draft's PDF key. */
  awaitDecision(draft: DraftRefs, policy: ReviewPolicy, onEscalate: (draft: ReviewDraft) => Promise<void>): Promise<{ pdfKey: string }>;
}

/** Registers the handlers at the run's start, so an early decision is refused with a reason rather than lost. */
export function reportReview(companyId: string): ReportReview {
  let draft: ReviewDraft | undefined;
  let period: string | undefined;
  let recorded = false;

  setHandler(reviewDraftQuery, () => draft);

  const refuse = (message: string): never => {
    throw new Error(message);
  };
  const checkReviewer = (reviewer: Reviewer) => {
    if (typeof reviewer?.name !== 'string' || reviewer.name.trim() === '' || !isRole(reviewer.role)) refuse('a reviewer needs a name and a role');
    if (reviewer.companies !== undefined && !Array.isArray(reviewer.companies)) refuse('reviewer.companies must be a list of company ids');
    if (!can(reviewer, 'reports:review')) refuse(`${reviewer.name} (${reviewer.role}) may not review reports`);
    if (!canSeeCompany(reviewer, companyId)) refuse(`${reviewer.name} may not review ${companyId}`);
  };
  const checkDraft = (version: number, stages: readonly ReviewStage[]) => {
    if (!draft) refuse(`the report of ${companyId} is not waiting for review`);
    if (!stages.includes(draft!.stage)) refuse(`the report of ${companyId} is ${draft!.stage}, not ${stages.join(' or ')}`);
    if (version !== draft!.draftVersion) refuse(`draft ${version} is not the current draft (${draft!.draftVersion})`);
  };
  const checkText = (label: string, text: unknown, max: number, required: boolean) => {
    if (text === undefined && !required) return;
    if (typeof text !== 'string' || text.trim() === '') refuse(`${label} must be non-empty text`);
    if ((text as string).length > max) refuse(`${label} is longer than ${max} characters`);
  };

  setHandler(
    approveReportUpdate,
    async ({ reviewer, draftVersion, note }) => {
      Object.assign(draft!, { stage: 'approved', approvedBy: reviewer.name, ...(note !== undefined && { approvalNote: note }) });
      // Answered once the approval is on record: the caller learns it took, and the answer comes in a task of its
      // own, after the one that stops the deadline's timer (the same order on every replay).
      await condition(() => recorded);
      return { approvedVersion: draftVersion };
    },
    {
      // A run that fails recording the approval (a PDF that is not the one approved) ends with the update open.
      unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON,
      validator: ({ reviewer, draftVersion, note }: ApproveReportInput) => {
        checkReviewer(reviewer);
        // After a request without an edit, the draft may still be approved as it is.
        checkDraft(draftVersion, ['awaiting-review', 'changes-requested']);
        checkText('note', note, MAX_COMMENT_CHARS, false);
      },
    },
  );

  setHandler(
    requestChangesUpdate,
    async ({ reviewer, draftVersion, comment, narrative }) => {
      const current = draft!;
      current.requests = [...current.requests, { reviewer: reviewer.name, at: new Date().toISOString(), comment, draftVersion }].slice(
        -MAX_LOGGED_REQUESTS,
      );
      if (narrative === undefined) {
        current.stage = 'changes-requested';
        return { draftVersion };
      }
      const before = current.stage;
      current.stage = 'revising';
      const next = draftVersion + 1;
      const month = { companyId, period: period! };
      let rendered: { pdfKey: string; sha256?: string };
      try {
        await reviewActivities().reviseNarrative({ ...month, text: narrative, reviewer: reviewer.name, draftVersion: next });
        rendered = await renderActivities().renderReport(month);
      } catch (err) {
        // The draft under review is still the one before: its PDF was not replaced, so it may still be approved.
        current.stage = before;
        throw err;
      }
      Object.assign(current, { stage: 'awaiting-review', draftVersion: next, pdfKey: rendered.pdfKey, pdfSha256: rendered.sha256! });
      return { draftVersion: next };
    },
    {
      validator: ({ reviewer, draftVersion, comment, narrative }: RequestChangesInput) => {
        checkReviewer(reviewer);
        checkDraft(draftVersion, ['awaiting-review', 'changes-requested']);
        checkText('comment', comment, MAX_COMMENT_CHARS, true);
        checkText('narrative', narrative, MAX_NARRATIVE_CHARS, false);
        if (narrative !== undefined && draftVersion >= MAX_REVISIONS)
          refuse(`a draft is revised at most ${MAX_REVISIONS} times; approve it or start the month again`);
      },
    },
  );

  return {
    async awaitDecision(start, policy, onEscalate) {
      period = start.period;
      const deadline = Date.now() + policy.deadlineMs;
      draft = {
        stage: 'awaiting-review',
        draftVersion: 1,
        findingsKey: start.findingsKey,
        pdfKey: start.pdfKey,
        pdfSha256: start.pdfSha256,
        deadlineAt: new Date(deadline).toISOString(),
        onDeadline: policy.onDeadline,
        escalated: false,
        requests: [],
      };
      reportMetrics.review('draft');
      const decided = () => draft!.stage === 'approved';
      if (!(await condition(decided, policy.deadlineMs))) {
        draft.escalated = true;
        reportMetrics.review('overdue');
        await onEscalate(draft);
        if (policy.onDeadline === 'hold') await condition(decided);
        else {
          // A revision being rendered at the deadline is finished first: what goes out is a whole draft.
          await condition(() => draft!.stage !== 'revising');
          if (!decided()) {
            draft.stage = 'sent-unapproved';
            reportMetrics.review('sent_unapproved');
          }
        }
      }
      const approval = {
        draftVersion: draft.draftVersion,
        ...(draft.approvedBy !== undefined && { reviewer: draft.approvedBy }),
        ...(draft.approvalNote !== undefined && { note: draft.approvalNote }),
        at: new Date().toISOString(),
        pdfSha256: draft.pdfSha256,
      };
      await reviewActivities().recordApproval({ companyId, period, approval });
      recorded = true;
      return { pdfKey: draft.pdfKey };
    },
  };
}
