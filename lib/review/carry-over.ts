// What the accountants' reviews change in next month's findings: last month's findings with their status (the
// report's 조치 현황), findings marked 오탐 that are not raised again unless their amount grew past the margin,
// and the company's risk trend. Everything is read from the knowledge graph: the months' findings graphs
// (lib/llm/findings-graph.ts) and the company's reviews (finding-reviews.ts).
import {
  overallRiskLevel,
  type CarriedFinding,
  type Finding,
  type FindingCategory,
  type FindingsDocument,
  type Severity,
  type SuppressedFinding,
  type TrendPoint,
} from '../domain/findings';
import { addMonths } from '../domain/periods';
import type { GraphStore } from '../graph/graph-store';
import { graphIriRef } from '../graph/graph-sparql';
import { companyIri, findingsGraphIri } from '../rdf/iris';
import { TAX } from '../rdf/vocabulary';
import { findingKey } from './finding-key';
import { latestReviews, readReviews, reviewKey, type FindingReview } from './finding-reviews';

/** The console's trend spans this many months, the report month included. */
export const TREND_MONTHS = 12;

export type ReviewedMonth = Pick<FindingsDocument, 'findings' | 'riskLevel' | 'trend' | 'carryOver' | 'suppressed'>;

/** A finding as its month's findings graph records it; its place there is finding/<index>. */
type RecordedFinding = Pick<CarriedFinding, 'findingKey' | 'ruleId' | 'category' | 'severity' | 'message' | 'amount'> & {
  period: string;
  index: number;
};

/**
 * The freshly evaluated `findings` of a company-month after the reviews: dismissed ones moved to `suppressed`,
 * the risk level of what remains, last month's findings with their status, and the trend up to this month.
 * `margin` is FALSE_POSITIVE_MARGIN: a dismissed finding is raised again once its amount exceeds the dismissed
 * amount by more than this share.
 */
export async function applyReviews(
  graph: GraphStore,
  month: Pick<FindingsDocument, 'companyId' | 'period' | 'fiscalYearStart'>,
  findings: readonly Finding[],
  margin: number,
): Promise<ReviewedMonth> {
  const { companyId, period } = month;
  const [recorded, reviews] = await Promise.all([
    recordedFindings(graph, companyId, period),
    // Reviews of later months (a re-run of an earlier month) do not decide this one.
    readReviews(graph, companyId).then((all) => all.filter((r) => r.period <= period)),
  ]);
  const latest = latestReviews(reviews);
  const dismissals = currentDismissals(latest.values());

  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const finding of findings) {
    const key = findingKey(finding, month);
    const dismissal = dismissals.get(key);
    if (dismissal && !grownPast(finding.amount, dismissal.amount, margin)) {
      suppressed.push({
        finding,
        findingKey: key,
        dismissedIn: dismissal.period,
        reviewer: dismissal.reviewer,
        ...(dismissal.note !== undefined && { reason: dismissal.note }),
        ...(dismissal.amount !== undefined && { dismissedAmount: dismissal.amount }),
      });
    } else {
      kept.push(finding);
    }
  }

  const riskLevel = overallRiskLevel(kept);
  const previousPeriod = addMonths(period, -1);
  const previous = recorded.filter((f) => f.period === previousPeriod);
  const keptKeys = new Set(kept.map((f) => findingKey(f, month)));
  return {
    findings: kept,
    riskLevel,
    ...(previous.length > 0 && {
      carryOver: { previousPeriod, items: previous.map((f) => carried(f, latest.get(reviewKey(previousPeriod, f.findingKey)), keptKeys)) },
    }),
    ...(suppressed.length > 0 && { suppressed }),
    trend: [...monthlyPoints(recorded), { period, riskLevel, findings: kept.length }],
  };
}

/**
 * Per finding key, the dismissal in force: the most recent decision among the latest versions of every month the
 * key was reviewed in, when that decision is 오탐. A later 확인, 조치완료 or re-opening (open) cancels it.
 */
function currentDismissals(latest: Iterable<FindingReview>): Map<string, FindingReview> {
  const decisive = new Map<string, FindingReview>();
  for (const review of latest) {
    const current = decisive.get(review.findingKey);
    if (!current || newer(review, current)) decisive.set(review.findingKey, review);
  }
  return new Map([...decisive].filter(([, review]) => review.status === 'false-positive'));
}

/** Decided later; of two decisions at the same instant, the one about the later month. */
function newer(a: FindingReview, b: FindingReview): boolean {
  return (Date.parse(a.reviewedAt) - Date.parse(b.reviewedAt) || a.period.localeCompare(b.period)) > 0;
}

/** Whether a dismissed finding's amount grew past the margin; without amounts to compare, it did not. */
function grownPast(amount: number | undefined, dismissedAmount: number | undefined, margin: number): boolean {
  return amount !== undefined && dismissedAmount !== undefined && amount > dismissedAmount * (1 + margin);
}

function carried(f: RecordedFinding, review: FindingReview | undefined, keptKeys: ReadonlySet<string>): CarriedFinding {
  return {
    findingKey: f.findingKey,
    ruleId: f.ruleId,
    category: f.category,
    severity: f.severity,
    message: f.message,
    ...(f.amount !== undefined && { amount: f.amount }),
    status: review?.status ?? 'open',
    ...(review?.note !== undefined && { note: review.note }),
    ...(review && { reviewer: review.reviewer, reviewedAt: review.reviewedAt }),
    recurring: keptKeys.has(f.findingKey),
  };
}

/** One trend point per earlier month with recorded findings, oldest first. */
function monthlyPoints(recorded: readonly RecordedFinding[]): TrendPoint[] {
  const byMonth = new Map<string, RecordedFinding[]>();
  for (const f of recorded) byMonth.set(f.period, [...(byMonth.get(f.period) ?? []), f]);
  return [...byMonth]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([period, findings]) => ({ period, riskLevel: overallRiskLevel(findings), findings: findings.length }));
}

/**
 * The recorded findings of the TREND_MONTHS − 1 months before `period`, in their months' order. A month analysed
 * with no findings at all has an empty graph, which the store does not keep: it is absent here like a month never
 * analysed.
 */
async function recordedFindings(graph: GraphStore, companyId: string, period: string): Promise<RecordedFinding[]> {
  const months = Array.from({ length: TREND_MONTHS - 1 }, (_, i) => addMonths(period, -(i + 1)));
  const rows = await graph.select(`PREFIX tax: <${TAX}>
SELECT ?f ?period ?key ?rule ?category ?severity ?message ?amount WHERE {
  VALUES ?g { ${months.map((p) => graphIriRef(findingsGraphIri(companyId, p))).join(' ')} }
  GRAPH ?g {
    ?f a tax:Finding ; tax:company ${graphIriRef(companyIri(companyId))} ; tax:period ?period ; tax:findingKey ?key ;
       tax:ruleId ?rule ; tax:category ?category ; tax:severity ?severity ; tax:message ?message .
    OPTIONAL { ?f tax:amount ?amount }
  }
}`);
  return rows
    .map((row) => ({
      period: row.period!.value,
      index: Number(/\/(\d+)$/.exec(row.f!.value)?.[1]),
      findingKey: row.key!.value,
      ruleId: row.rule!.value,
      category: row.category!.value as FindingCategory,
      severity: row.severity!.value as Severity,
      message: row.message!.value,
      ...(row.amount && { amount: Number(row.amount.value) }),
    }))
    .sort((a, b) => a.period.localeCompare(b.period) || a.index - b.index);
}
