// The console's side of review before sending: the draft read by query, decisions sent by Temporal Update to the
// company-month's run (whose validators have the last word), and findings marked in the knowledge graph.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { REVIEW_STATUSES, type Finding, type FindingsDocument } from '../../lib/domain/findings';
import type { GraphStore } from '../../lib/graph/graph-store';
import { findingKey } from '../../lib/review/finding-key';
import { appendReview, findingIri, latestReviews, noteRequired, readReviews, reviewKey, type FindingReview } from '../../lib/review/finding-reviews';
import type { Principal } from '../../lib/security/roles';
import { MAX_COMMENT_CHARS, MAX_NARRATIVE_CHARS } from '../../workflows/report-review';
import {
  approveReportUpdate,
  requestChangesUpdate,
  reviewDraftQuery,
  type Reviewer,
  type ReviewDraft,
  companyReportWorkflowId,
} from '../../lib/temporal-contract';

/** The run refused the decision (not waiting, another draft, not this reviewer's company) or has ended. */
export class ReviewRefusedError extends Error {
  override readonly name = 'ReviewRefusedError';
}

/** Finding reviews live in the graph server; an embedded graph is inside the worker, out of the console's reach. */
export class GraphUnavailableError extends Error {
  override readonly name = 'GraphUnavailableError';
  constructor() {
    super('검토 결과 표시는 그래프 서버(GRAPHDB_URL)가 있어야 합니다: 내장 그래프는 워커 프로세스 안에 있습니다.');
  }
}

const draftVersion = z.coerce.number().int().positive();
/** A free-text note; blank is none. */
const optionalNote = z
  .string()
  .trim()
  .max(MAX_COMMENT_CHARS)
  .optional()
  .transform((s) => s || undefined);
export const ApproveRequest = z.object({
  draftVersion,
  note: optionalNote,
});
export const ChangesRequest = z.object({
  draftVersion,
  comment: z.string().trim().min(1, '수정 요청 사유를 적어 주십시오').max(MAX_COMMENT_CHARS),
  // A form always posts the textarea: unchanged text is a request without an edit.
  narrative: z.string().trim().max(MAX_NARRATIVE_CHARS).optional(),
});
export const FindingReviewRequest = z
  .object({
    findingKey: z.string().min(1).max(500),
    status: z.enum(REVIEW_STATUSES),
    note: optionalNote,
    /** The version the reviewer saw (0: none): a review saved meanwhile by someone else is not overwritten blindly. */
    seenVersion: z.coerce.number().int().min(0),
  })
  .refine((r) => !noteRequired(r.status) || r.note !== undefined, {
    message: '조치완료와 오탐에는 메모(조치 내용 또는 사유)가 필요합니다',
    path: ['note'],
  });

export function reviewerOf(principal: Principal): Reviewer {
  return { name: principal.subject, role: principal.role, ...(principal.companies && { companies: [...principal.companies] }) };
}

const handleOf = (client: Client, companyId: string, period: string) => client.workflow.getHandle(companyReportWorkflowId(companyId, period));

/** The draft under review, or undefined when the month has no run or its run has none. */
export async function readDraft(client: Client, companyId: string, period: string): Promise<ReviewDraft | undefined> {
  try {
    return await handleOf(client, companyId, period).query(reviewDraftQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

async function decide<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new ReviewRefusedError(err.cause?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError) throw new ReviewRefusedError('이 달의 리포트 실행이 없습니다');
    // An ended run answers an update with "workflow execution already completed".
    if (err instanceof Error && /already completed/i.test(err.message)) throw new ReviewRefusedError('리포트 실행이 이미 끝났습니다');
    throw err;
  }
}

export function approveReport(client: Client, companyId: string, period: string, reviewer: Reviewer, input: z.infer<typeof ApproveRequest>) {
  return decide(() => handleOf(client, companyId, period).executeUpdate(approveReportUpdate, { args: [{ reviewer, ...input }] }));
}

export function requestChanges(client: Client, companyId: string, period: string, reviewer: Reviewer, input: z.infer<typeof ChangesRequest>) {
  return decide(() => handleOf(client, companyId, period).executeUpdate(requestChangesUpdate, { args: [{ reviewer, ...input }] }));
}

export interface ReviewedFinding {
  finding: Finding;
  index: number;
  key: string;
  latest?: FindingReview;
  history: FindingReview[];
}

/** The month's findings with their reviews, newest version first in each history. */
export async function reviewedFindings(graph: GraphStore | undefined, doc: FindingsDocument): Promise<ReviewedFinding[] | undefined> {
  if (!graph) return undefined;
  const reviews = await readReviews(graph, doc.companyId, [doc.period]);
  const latest = latestReviews(reviews);
  return doc.findings.map((finding, index) => {
    const key = findingKey(finding, doc);
    return {
      finding,
      index,
      key,
      latest: latest.get(reviewKey(doc.period, key)),
      history: reviews.filter((r) => r.findingKey === key).reverse(),
    };
  });
}

/** One decision on one finding, as the next version of its annotations; refused when the reviewer's view is stale. */
export async function reviewFinding(
  graph: GraphStore | undefined,
  doc: FindingsDocument,
  reviewer: string,
  input: z.infer<typeof FindingReviewRequest>,
): Promise<FindingReview> {
  if (!graph) throw new GraphUnavailableError();
  const findings = await reviewedFindings(graph, doc);
  const target = findings!.find((f) => f.key === input.findingKey);
  if (!target) throw new ReviewRefusedError(`${doc.companyId} ${doc.period}에 이 검토 결과가 없습니다: ${input.findingKey}`);
  const current = target.latest?.version ?? 0;
  if (current !== input.seenVersion) {
    throw new ReviewRefusedError(
      `${target.latest?.reviewer ?? '다른 사람'}이(가) 방금 이 항목을 검토했습니다(버전 ${current}). 새로 고친 뒤 다시 저장하십시오.`,
    );
  }
  const review: FindingReview = {
    companyId: doc.companyId,
    period: doc.period,
    findingKey: target.key,
    ruleId: target.finding.ruleId,
    status: input.status,
    ...(input.note !== undefined && { note: input.note }),
    reviewer,
    reviewedAt: new Date().toISOString(),
    version: current + 1,
    ...(target.finding.amount !== undefined && { amount: target.finding.amount }),
    finding: findingIri(doc.companyId, doc.period, target.index),
  };
  await appendReview(graph, review);
  return review;
}
