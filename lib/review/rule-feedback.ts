// Rules that learn, the counting half: per rule and threshold band, what the accountants made of a year's findings
// (확인 / 조치완료 / 오탐, or still 미검토), firm-wide and per industry. Read from the knowledge graph: each month's
// findings graph (lib/llm/findings-graph.ts) and each company's latest reviews (finding-reviews.ts).
import type { ReviewStatus } from '../domain/findings';
import { addMonths, monthRange, previousMonthInSeoul } from '../domain/periods';
import { loadCompany, scanCompanyDirs } from '../erp/company';
import type { GraphStore } from '../graph/graph-store';
import { graphIriRef } from '../graph/graph-sparql';
import { findingsGraphIri } from '../rdf/iris';
import { TAX } from '../rdf/vocabulary';
import { latestReviews, readReviews, reviewKey } from './finding-reviews';

/**
 * How far a finding's amount lies past the threshold it was compared with (amount / threshold):
 * - `at-or-below`: not above it (≤ 1×): raised by a lower level of the rule (가수금 triggerLevel, EXP-PROOF's lines,
 *   ENT-LIMIT's warning level), so raising the threshold leaves these findings be;
 * - `up-to-1.5x`: just past it (1× < r ≤ 1.5×), the band a threshold set too low fills with false alarms;
 * - `1.5x-3x`, `over-3x`: clearly past it;
 * - `no-threshold`: no amount, or no positive threshold (DEADLINE, WELFARE-MISCLASS, 가지급금 above 0, data quality).
 */
export const BANDS = ['at-or-below', 'up-to-1.5x', '1.5x-3x', 'over-3x', 'no-threshold'] as const;
export type Band = (typeof BANDS)[number];

export const BAND_LABELS: Readonly<Record<Band, string>> = {
  'at-or-below': '≤1× (기준 이하)',
  'up-to-1.5x': '1–1.5×',
  '1.5x-3x': '1.5–3×',
  'over-3x': '>3×',
  'no-threshold': '기준 없음',
};

export function bandOf(amount: number | undefined, threshold: number | undefined): Band {
  if (amount === undefined || threshold === undefined || threshold <= 0) return 'no-threshold';
  const ratio = amount / threshold;
  return ratio <= 1 ? 'at-or-below' : ratio <= 1.5 ? 'up-to-1.5x' : ratio <= 3 ? '1.5x-3x' : 'over-3x';
}

/** Findings by their latest review status; `dismissed` is 오탐 (false-positive). */
export interface ReviewCounts {
  findings: number;
  open: number;
  acknowledged: number;
  resolved: number;
  dismissed: number;
}

export interface FeedbackRow {
  ruleId: string;
  band: Band;
  counts: ReviewCounts;
}

export interface RuleFeedback {
  from: string;
  to: string;
  /** Companies with at least one finding in the range. */
  companies: number;
  firmWide: FeedbackRow[];
  /** By the company master's industry (업종), in Korean collation. */
  byIndustry: Array<{ industry: string; companies: number; rows: FeedbackRow[] }>;
}

/** The companies to count, with the industry their findings are grouped under. */
export interface FeedbackCompany {
  id: string;
  industry: string;
}

/** Where a company master cannot be read: its findings still count, under this industry. */
export const UNKNOWN_INDUSTRY = '업종 미상';

/** The companies of the ERP data directory with their industry (folders that are no company are left out). */
export async function feedbackCompanies(dataDir: string): Promise<FeedbackCompany[]> {
  const { ids } = await scanCompanyDirs(dataDir);
  return Promise.all(
    ids.map(async (id) => ({ id, industry: (await loadCompany(dataDir, id).catch(() => undefined))?.industry ?? UNKNOWN_INDUSTRY })),
  );
}

/** Shares of the reviewed findings (0–1); `reviewed` is the share of all findings that were reviewed at all. */
export interface ReviewRates {
  reviewed: number;
  acknowledged: number;
  resolved: number;
  dismissed: number;
}

export function reviewedCount(c: ReviewCounts): number {
  return c.acknowledged + c.resolved + c.dismissed;
}

export function reviewRates(c: ReviewCounts): ReviewRates {
  const reviewed = reviewedCount(c);
  const share = (n: number) => (reviewed === 0 ? 0 : n / reviewed);
  return {
    reviewed: c.findings === 0 ? 0 : reviewed / c.findings,
    acknowledged: share(c.acknowledged),
    resolved: share(c.resolved),
    dismissed: share(c.dismissed),
  };
}

/** The 12 months up to the month before `now`'s (Asia/Seoul), the default range. */
export function lastTwelveMonths(now = new Date()): { from: string; to: string } {
  const to = previousMonthInSeoul(now);
  return { from: addMonths(to, -11), to };
}

/** A month's recorded finding with the status of its latest review. */
interface ReviewedFinding {
  ruleId: string;
  band: Band;
  status: ReviewStatus;
}

const COUNTED: Readonly<Record<ReviewStatus, keyof ReviewCounts>> = {
  open: 'open',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  'false-positive': 'dismissed',
};

/** Reads every company's findings of `from`..`to` with their latest reviews, and counts them. */
export async function ruleFeedback(
  graph: GraphStore,
  companies: readonly FeedbackCompany[],
  range: { from: string; to: string },
): Promise<RuleFeedback> {
  const periods = periodsOf(range);
  const perCompany: Array<{ company: FeedbackCompany; findings: ReviewedFinding[] }> = [];
  for (const company of companies) {
    const findings = await reviewedFindings(graph, company.id, periods);
    if (findings.length > 0) perCompany.push({ company, findings });
  }
  const industries = new Map<string, ReviewedFinding[][]>();
  for (const { company, findings } of perCompany) industries.set(company.industry, [...(industries.get(company.industry) ?? []), findings]);
  return {
    ...range,
    companies: perCompany.length,
    firmWide: tally(perCompany.flatMap((c) => c.findings)),
    byIndustry: [...industries]
      .sort(([a], [b]) => a.localeCompare(b, 'ko'))
      .map(([industry, lists]) => ({ industry, companies: lists.length, rows: tally(lists.flat()) })),
  };
}

function periodsOf({ from, to }: { from: string; to: string }): string[] {
  const count = (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5)) - Number(from.slice(5)) + 1;
  if (count < 1) throw new Error(`period range ${from}..${to} ends before it starts`);
  return monthRange(from, count);
}

async function reviewedFindings(graph: GraphStore, companyId: string, periods: readonly string[]): Promise<ReviewedFinding[]> {
  const graphs = periods.map((p) => graphIriRef(findingsGraphIri(companyId, p))).join(' ');
  const [rows, reviews] = await Promise.all([
    graph.select(`PREFIX tax: <${TAX}>
SELECT ?period ?rule ?key ?amount ?threshold WHERE {
  VALUES ?g { ${graphs} }
  GRAPH ?g {
    ?f a tax:Finding ; tax:period ?period ; tax:ruleId ?rule ; tax:findingKey ?key .
    OPTIONAL { ?f tax:amount ?amount }
    OPTIONAL { ?f tax:threshold ?threshold }
  }
}`),
    readReviews(graph, companyId, periods),
  ]);
  const latest = latestReviews(reviews);
  const number = (term: { value: string } | undefined) => (term === undefined ? undefined : Number(term.value));
  return rows.map((row) => ({
    ruleId: row.rule!.value,
    band: bandOf(number(row.amount), number(row.threshold)),
    status: latest.get(reviewKey(row.period!.value, row.key!.value))?.status ?? 'open',
  }));
}

/** Rows by rule id, then band in BANDS order. */
function tally(findings: readonly ReviewedFinding[]): FeedbackRow[] {
  const rows = new Map<string, FeedbackRow>();
  for (const f of findings) {
    const id = `${f.ruleId}|${f.band}`;
    const row = rows.get(id) ?? { ruleId: f.ruleId, band: f.band, counts: { findings: 0, open: 0, acknowledged: 0, resolved: 0, dismissed: 0 } };
    row.counts.findings++;
    row.counts[COUNTED[f.status]]++;
    rows.set(id, row);
  }
  return [...rows.values()].sort((a, b) => a.ruleId.localeCompare(b.ruleId) || BANDS.indexOf(a.band) - BANDS.indexOf(b.band));
}
