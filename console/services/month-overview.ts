// The month overview: every company the principal may see, for one period, with its status, risk, findings per
// category, the change since last month and its 12-month trend; from company.json, Temporal visibility and findings.json.
import type { Client } from '@temporalio/client';
import { inBatches } from '../../lib/backup/backup-set';
import { FINDING_CATEGORIES, type FindingCategory, type FindingsDocument, type RiskLevel, type TrendPoint } from '../../lib/domain/findings';
import type { Company } from '../../lib/domain/company';
import { assertPeriod } from '../../lib/domain/ids';
import { loadCompany, scanCompanyDirs } from '../../lib/erp/company';
import { findingKey } from '../../lib/review/finding-key';
import { canSeeCompany, type Principal } from '../../lib/security/roles';
import { readFindingsDoc } from '../../lib/storage/findings-json';
import { ObjectNotFoundError, reportKeys, type ObjectStore } from '../../lib/storage/object-store';
import { listRuns, type RunSummary } from './runs';

export const MONTH_STATUSES = ['not-started', 'waiting-for-ledger', 'analysing', 'awaiting-review', 'sent', 'failed'] as const;
export type MonthStatus = (typeof MONTH_STATUSES)[number];
export const RISK_LEVELS: readonly RiskLevel[] = ['HIGH', 'MEDIUM', 'LOW', 'NONE'];

/** 1,000 companies mean 1,000 files per page load: read this many at a time, not all at once. */
const READ_CONCURRENCY = 32;

/** Last month's findings against this month's; absent when the document has no carry-over (yet). */
export interface MonthChanges {
  new: number;
  resolved: number;
  recurring: number;
}

export interface MonthRow {
  companyId: string;
  /** Absent when company.json cannot be read. */
  companyName?: string;
  accountant: string;
  status: MonthStatus;
  /** The newest run's workflow id, when there is a run. */
  workflowId?: string;
  /** 'absent': no findings.json for the month; 'unreadable': one that could not be read (the row still shows its status). */
  report: 'present' | 'absent' | 'unreadable';
  riskLevel?: RiskLevel;
  /** Findings per category; absent without a readable report. */
  categories?: Partial<Record<FindingCategory, number>>;
  changes?: MonthChanges;
  trend: TrendPoint[];
}

export interface MonthFilter {
  risk?: RiskLevel;
  category?: FindingCategory;
  status?: MonthStatus;
  accountant?: string;
}

export interface MonthOverview {
  period: string;
  /** Companies per status over every visible company, before the filter. */
  summary: Record<MonthStatus, number>;
  /** Every accountant of the visible companies, for the filter. */
  accountants: string[];
  filter: MonthFilter;
  rows: MonthRow[];
}

export interface MonthSources {
  dataDir: string;
  temporal: Client;
  objects: ObjectStore;
  /** Whose name stands for a company without an `accountant` in company.json. */
  defaultAccountant: string;
}

/** The company's status in the month, from its newest run (`runs` are newest first). */
export function monthStatus(run: RunSummary | undefined): MonthStatus {
  if (!run) return 'not-started';
  if (run.status === 'COMPLETED') return 'sent';
  if (run.status !== 'RUNNING') return 'failed';
  if (run.stage === 'waiting-for-ledger' || run.stage === 'awaiting-review') return run.stage;
  return 'analysing';
}

/**
 * New: this month's findings that were not last month's. Recurring: last month's the rules found again. Resolved:
 * last month's that are gone, or that an accountant marked 조치완료. Filing deadlines are the calendar, not risks:
 * each month has its own, so they would count as new and resolved every month.
 */
export function monthChanges(doc: FindingsDocument): MonthChanges | undefined {
  if (!doc.carryOver) return undefined;
  const risk = ({ category }: { category: FindingCategory }) => category !== 'FILING_DEADLINE';
  const items = doc.carryOver.items.filter(risk);
  const carried = new Set(items.map((item) => item.findingKey));
  return {
    new: doc.findings.filter((f) => risk(f) && !carried.has(findingKey(f, doc))).length,
    resolved: items.filter((item) => !item.recurring || item.status === 'resolved').length,
    recurring: items.filter((item) => item.recurring).length,
  };
}

function categoryCounts(doc: FindingsDocument): Partial<Record<FindingCategory, number>> {
  const counts: Partial<Record<FindingCategory, number>> = {};
  for (const f of doc.findings) counts[f.category] = (counts[f.category] ?? 0) + 1;
  return counts;
}

async function readReport(objects: ObjectStore, companyId: string, period: string): Promise<Pick<MonthRow, 'report'> & { doc?: FindingsDocument }> {
  try {
    return { report: 'present', doc: await readFindingsDoc(objects, reportKeys(companyId, period).findings) };
  } catch (err) {
    return { report: err instanceof ObjectNotFoundError ? 'absent' : 'unreadable' };
  }
}

function matches(row: MonthRow, filter: MonthFilter): boolean {
  return (
    (filter.risk === undefined || row.riskLevel === filter.risk) &&
    (filter.category === undefined || (row.categories?.[filter.category] ?? 0) > 0) &&
    (filter.status === undefined || row.status === filter.status) &&
    (filter.accountant === undefined || row.accountant === filter.accountant)
  );
}

/** company.json and findings.json of each visible company, READ_CONCURRENCY at a time. */
async function readCompanyMonths(sources: MonthSources, principal: Principal, period: string) {
  const visible = (await scanCompanyDirs(sources.dataDir)).ids.filter((id) => canSeeCompany(principal, id));
  const read = new Map<string, { company?: Company; report: MonthRow['report']; doc?: FindingsDocument }>();
  await inBatches(visible, READ_CONCURRENCY, async (companyId) => {
    const [company, report] = await Promise.all([
      loadCompany(sources.dataDir, companyId).catch(() => undefined),
      readReport(sources.objects, companyId, period),
    ]);
    read.set(companyId, { company, ...report });
  });
  // In id order, as the company folders are listed.
  return visible.map((companyId) => ({ companyId, ...read.get(companyId)! }));
}

export async function monthOverview(sources: MonthSources, principal: Principal, period: string, filter: MonthFilter): Promise<MonthOverview> {
  assertPeriod(period);
  // The visibility listing and the files are independent: one waits on Temporal while the other reads.
  const [runs, months] = await Promise.all([
    listRuns(sources.temporal, { period, scope: principal.companies, limit: Infinity }),
    readCompanyMonths(sources, principal, period),
  ]);
  const newestRun = new Map<string, RunSummary>();
  for (const run of runs) if (run.companyId !== undefined && !newestRun.has(run.companyId)) newestRun.set(run.companyId, run);

  const all = months.map(({ companyId, company, report, doc }): MonthRow => {
    const run = newestRun.get(companyId);
    return {
      companyId,
      companyName: company?.name,
      accountant: company?.accountant ?? sources.defaultAccountant,
      status: monthStatus(run),
      workflowId: run?.workflowId,
      report,
      riskLevel: doc?.riskLevel ?? (run?.riskLevel as RiskLevel | undefined),
      categories: doc && categoryCounts(doc),
      changes: doc && monthChanges(doc),
      // Documents written before the trend existed: their own month is the whole trend.
      trend: doc ? (doc.trend ?? [{ period, riskLevel: doc.riskLevel, findings: doc.findings.length }]) : [],
    };
  });
  const summary = Object.fromEntries(MONTH_STATUSES.map((s) => [s, 0])) as Record<MonthStatus, number>;
  for (const row of all) summary[row.status]++;
  return {
    period,
    summary,
    accountants: [...new Set(all.map((row) => row.accountant))].sort(),
    filter,
    rows: all.filter((row) => matches(row, filter)),
  };
}

/** The filter from a query string: unknown values are refused (400), empty ones mean "any". */
export function parseMonthFilter(query: Record<string, string | undefined>): MonthFilter {
  const pick = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const value = query[name];
    if (value === undefined || value === '') return undefined;
    if (!(allowed as readonly string[]).includes(value))
      throw new RangeError(`invalid ${name} ${JSON.stringify(value)}: expected one of ${allowed.join(', ')}`);
    return value as T;
  };
  return {
    risk: pick('risk', RISK_LEVELS),
    category: pick('category', FINDING_CATEGORIES),
    status: pick('status', MONTH_STATUSES),
    accountant: query.accountant || undefined,
  };
}
