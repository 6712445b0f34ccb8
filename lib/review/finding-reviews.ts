// What the accountants made of each finding (확인 / 조치완료 / 오탐), kept in the knowledge graph as versioned
// annotations: one node per decision, never overwritten, in one named graph per company. The latest version of a
// finding's annotations is its status; the earlier ones are its history, readable by SPARQL like everything else.
import { createHash } from 'node:crypto';
import { DataFactory, Writer, type Quad } from 'n3';
import type { ReviewStatus } from '../domain/findings';
import { assertPeriod } from '../domain/ids';
import type { GraphStore, SelectRow } from '../graph/graph-store';
import { graphIriRef } from '../graph/graph-sparql';
import { companyIri, findingsGraphIri } from '../rdf/iris';
import { RDF_TYPE, TAX, XSD, tax } from '../rdf/vocabulary';

const { namedNode, literal, quad } = DataFactory;

/** How the report and the console name each status. */
export const REVIEW_STATUS_LABELS: Readonly<Record<ReviewStatus, string>> = {
  open: '미검토',
  acknowledged: '확인',
  resolved: '조치완료',
  'false-positive': '오탐',
};

/** A decision needs its reason: what was done (조치완료) or why it is no finding (오탐). */
export function noteRequired(status: ReviewStatus): boolean {
  return status === 'resolved' || status === 'false-positive';
}

export interface FindingReview {
  companyId: string;
  /** The month of the finding reviewed. */
  period: string;
  /** lib/review/finding-key.ts */
  findingKey: string;
  ruleId: string;
  status: ReviewStatus;
  note?: string;
  /** The signed-in principal's name (token name or OIDC subject); the audit log adds which credential. */
  reviewer: string;
  /** ISO 8601. */
  reviewedAt: string;
  /** 1, 2, 3, … per (period, finding key). */
  version: number;
  /** The finding's amount when it was reviewed: what a dismissed finding must grow past to be raised again. */
  amount?: number;
  /** The finding's node in its month's findings graph. */
  finding?: string;
}

export class ReviewConflictError extends Error {
  override readonly name = 'ReviewConflictError';
}

/** The named graph of one company's finding reviews. */
export function reviewsGraphIri(companyId: string): string {
  return `${companyIri(companyId)}/reviews`;
}

/** A review's node: stable per (company, period, key, version), so a retried write is the same write. */
function reviewIri(r: Pick<FindingReview, 'companyId' | 'period' | 'findingKey' | 'version'>): string {
  const id = createHash('sha256').update(`${r.period}\n${r.findingKey}`).digest('hex').slice(0, 24);
  return `${reviewsGraphIri(r.companyId)}/${assertPeriod(r.period)}/${id}/v${r.version}`;
}

function reviewQuads(r: FindingReview): Quad[] {
  const node = namedNode(reviewIri(r));
  const p = (local: string) => namedNode(tax(local));
  return [
    quad(node, namedNode(RDF_TYPE), p('FindingReview')),
    quad(node, p('company'), namedNode(companyIri(r.companyId))),
    quad(node, p('period'), literal(r.period)),
    quad(node, p('findingKey'), literal(r.findingKey)),
    quad(node, p('ruleId'), literal(r.ruleId)),
    quad(node, p('reviewStatus'), literal(r.status)),
    quad(node, p('reviewer'), literal(r.reviewer)),
    quad(node, p('reviewedAt'), literal(r.reviewedAt, namedNode(`${XSD}dateTime`))),
    quad(node, p('reviewVersion'), literal(String(r.version), namedNode(`${XSD}integer`))),
    ...(r.note === undefined ? [] : [quad(node, p('note'), literal(r.note))]),
    ...(r.amount === undefined ? [] : [quad(node, p('reviewedAmount'), literal(String(r.amount), namedNode(`${XSD}integer`)))]),
    ...(r.finding === undefined ? [] : [quad(node, p('annotates'), namedNode(r.finding))]),
  ];
}

/**
 * Appends `review` as the next version of its finding's annotations. The insert carries its own check, so of two
 * accountants saving version n at once exactly one wins; the other gets a ReviewConflictError and re-reads.
 * Writing the same review again (a retry) is a no-op.
 */
export async function appendReview(graph: GraphStore, review: FindingReview): Promise<void> {
  const triples = new Writer({ format: 'N-Triples' }).quadsToString(reviewQuads(review));
  const g = graphIriRef(reviewsGraphIri(review.companyId));
  const node = graphIriRef(reviewIri(review));
  await graph.update(
    `PREFIX tax: <${TAX}>
INSERT { GRAPH ${g} { ${triples} } }
WHERE { FILTER NOT EXISTS { GRAPH ${g} { ${node} tax:reviewVersion ?v } } }`,
  );
  const [stored] = await graph.select(`PREFIX tax: <${TAX}>
SELECT ?reviewer ?at WHERE { GRAPH ${g} { ${node} tax:reviewer ?reviewer ; tax:reviewedAt ?at } }`);
  // Compared as instants: a store may write the dateTime in a shorter canonical form (…00.000Z → …00Z).
  if (stored?.reviewer?.value !== review.reviewer || Date.parse(stored.at?.value ?? '') !== Date.parse(review.reviewedAt)) {
    throw new ReviewConflictError(
      `${review.companyId} ${review.period} ${review.findingKey}: version ${review.version} was just saved by ${stored?.reviewer?.value ?? 'someone else'}`,
    );
  }
}

/** Every review of a company, optionally only of some months, oldest version first within a finding. */
export async function readReviews(graph: GraphStore, companyId: string, periods?: readonly string[]): Promise<FindingReview[]> {
  const filter = periods === undefined ? '' : `VALUES ?period { ${periods.map((p) => JSON.stringify(assertPeriod(p))).join(' ')} }`;
  const rows = await graph.select(`PREFIX tax: <${TAX}>
SELECT ?node ?period ?key ?rule ?status ?note ?reviewer ?at ?version ?amount ?finding WHERE {
  ${filter}
  GRAPH ${graphIriRef(reviewsGraphIri(companyId))} {
    ?node a tax:FindingReview ; tax:period ?period ; tax:findingKey ?key ; tax:ruleId ?rule ; tax:reviewStatus ?status ;
      tax:reviewer ?reviewer ; tax:reviewedAt ?at ; tax:reviewVersion ?version .
    OPTIONAL { ?node tax:note ?note }
    OPTIONAL { ?node tax:reviewedAmount ?amount }
    OPTIONAL { ?node tax:annotates ?finding }
  }
} ORDER BY ?period ?key ?version`);
  return rows.map((row) => reviewOf(companyId, row));
}

function reviewOf(companyId: string, row: SelectRow): FindingReview {
  return {
    companyId,
    period: row.period!.value,
    findingKey: row.key!.value,
    ruleId: row.rule!.value,
    status: row.status!.value as ReviewStatus,
    ...(row.note && { note: row.note.value }),
    reviewer: row.reviewer!.value,
    reviewedAt: row.at!.value,
    version: Number(row.version!.value),
    ...(row.amount && { amount: Number(row.amount.value) }),
    ...(row.finding && { finding: row.finding.value }),
  };
}

/** The latest review per `<period>|<finding key>` (reviewKey). */
export function latestReviews(reviews: readonly FindingReview[]): Map<string, FindingReview> {
  const latest = new Map<string, FindingReview>();
  for (const review of reviews) {
    const key = reviewKey(review.period, review.findingKey);
    if ((latest.get(key)?.version ?? 0) < review.version) latest.set(key, review);
  }
  return latest;
}

export function reviewKey(period: string, findingKey: string): string {
  return `${period}|${findingKey}`;
}

/** The node recordFindings gives the finding at `index` (0-based) of a month's findings graph. */
export function findingIri(companyId: string, period: string, index: number): string {
  return `${findingsGraphIri(companyId, period)}/finding/${index + 1}`;
}
