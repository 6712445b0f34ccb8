import {
  ChildWorkflowFailure,
  ParentClosePolicy,
  continueAsNew,
  defineQuery,
  executeChild,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { listCompanies } from './activity-proxies';
import { monthlyCompanyReport, type MonthlyCompanyReportResult } from './monthly-company-report';
import { previousMonthInSeoul } from './period';
import { reportMetrics } from './report-sinks';
import { ScheduledStartTimeKey } from './search-attributes';

export interface MonthlyReportBatchInput {
  /** YYYY-MM; default: the month before the (scheduled) start time, in Asia/Seoul. */
  period?: string;
  /** How many company workflows run at once. */
  concurrency?: number;
  /** How long a company's report waits for a ledger that has not arrived (the schedule passes LEDGER_WAIT). */
  ledgerWaitMs?: number;
  /** Companies per run before continue-as-new (default BATCH_PAGE_SIZE). */
  pageSize?: number;
  /** Set by continue-as-new: the companies of the month, where the next run starts, and what earlier runs did. */
  companyIds?: string[];
  offset?: number;
  earlier?: CompanyOutcome[];
}

export interface CompanyOutcome {
  companyId: string;
  workflowId: string;
  status: 'succeeded' | 'failed';
  riskLevel?: MonthlyCompanyReportResult['riskLevel'];
  /** The child's whole result, for the companies of the batch's last run only (earlier runs keep their history small). */
  result?: MonthlyCompanyReportResult;
  error?: string;
}

export interface MonthlyReportBatchResult {
  period: string;
  total: number;
  succeeded: number;
  failed: number;
  /** Every company, by id. */
  outcomes: CompanyOutcome[];
}

export interface BatchProgress {
  period: string;
  total: number;
  running: number;
  succeeded: number;
  failed: number;
}

export const batchProgressQuery = defineQuery<BatchProgress>('progress');

const DEFAULT_CONCURRENCY = 4;
/**
 * Companies per run: each child adds about 7 events, so a run stays far under Temporal's 10,240-event warning;
 * the rest continue in a new run of the same workflow id.
 */
export const BATCH_PAGE_SIZE = 200;

/** Child workflow id for a company-month: one report per company and month, whoever starts it. */
export function companyReportWorkflowId(companyId: string, period: string): string {
  return `tax-report-${companyId}-${period}`;
}

/** The monthly fan-out: one child workflow per company, at most `concurrency` at a time, `pageSize` per run. */
export async function monthlyReportBatch(input: MonthlyReportBatchInput = {}): Promise<MonthlyReportBatchResult> {
  const first = input.companyIds === undefined;
  if (first) reportMetrics.batchStarted();
  const period = input.period ?? previousMonthInSeoul(nominalStartTime());
  const concurrency = Math.max(1, Math.floor(input.concurrency ?? DEFAULT_CONCURRENCY));
  const companyIds = input.companyIds ?? (await listCompanies());
  const paged = patched('batch-pages');
  const offset = input.offset ?? 0;
  const pageSize = Math.max(1, Math.floor(input.pageSize ?? BATCH_PAGE_SIZE));
  const page = paged ? companyIds.slice(offset, offset + pageSize) : companyIds;
  const earlier = input.earlier ?? [];

  const outcomes: CompanyOutcome[] = [];
  let running = 0;
  setHandler(batchProgressQuery, () => {
    const done = [...earlier, ...outcomes];
    const failed = done.filter((o) => o.status === 'failed').length;
    return { period, total: companyIds.length, running, succeeded: done.length - failed, failed };
  });

  const pending = [...page];
  const lane = async (): Promise<void> => {
    for (let companyId = pending.shift(); companyId !== undefined; companyId = pending.shift()) {
      running++;
      outcomes.push(await runCompany(companyId, period, input.ledgerWaitMs));
      running--;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, lane));

  const next = offset + page.length;
  if (paged && next < companyIds.length) {
    const carried = outcomes.map(({ result: _result, ...light }) => light);
    await continueAsNew<typeof monthlyReportBatch>({ ...input, period, companyIds, offset: next, earlier: [...earlier, ...carried] });
  }
  const all = [...earlier, ...outcomes].sort((a, b) => (a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0));
  const succeeded = all.filter((o) => o.status === 'succeeded').length;
  return { period, total: all.length, succeeded, failed: all.length - succeeded, outcomes: all };
}

async function runCompany(companyId: string, period: string, ledgerWaitMs: number | undefined): Promise<CompanyOutcome> {
  const workflowId = companyReportWorkflowId(companyId, period);
  try {
    const result = await executeChild(monthlyCompanyReport, {
      workflowId,
      args: [{ companyId, period, ...(ledgerWaitMs === undefined ? {} : { ledgerWaitMs }) }],
      // A cancelled or reset batch must not kill a report that may be mid-delivery.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return { companyId, workflowId, status: 'succeeded', riskLevel: result.riskLevel, result };
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    return { companyId, workflowId, status: 'failed', error: err.cause?.message ?? err.message };
  }
}

/** Schedules (and backfills) stamp the nominal fire time; a hand-started run uses its start time. */
function nominalStartTime(): Date {
  const info = workflowInfo();
  return info.typedSearchAttributes.get(ScheduledStartTimeKey) ?? info.startTime;
}
