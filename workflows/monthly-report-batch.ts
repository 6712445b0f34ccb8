import {
  ChildWorkflowFailure,
  ParentClosePolicy,
  defineQuery,
  executeChild,
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
}

export interface CompanyOutcome {
  companyId: string;
  workflowId: string;
  status: 'succeeded' | 'failed';
  result?: MonthlyCompanyReportResult;
  error?: string;
}

export interface MonthlyReportBatchResult {
  period: string;
  total: number;
  succeeded: number;
  failed: number;
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

/** Child workflow id for a company-month: one report per company and month, whoever starts it. */
export function companyReportWorkflowId(companyId: string, period: string): string {
  return `tax-report-${companyId}-${period}`;
}

/** The monthly fan-out: one child workflow per company, at most `concurrency` at a time. */
export async function monthlyReportBatch(input: MonthlyReportBatchInput = {}): Promise<MonthlyReportBatchResult> {
  reportMetrics.batchStarted();
  const period = input.period ?? previousMonthInSeoul(nominalStartTime());
  const concurrency = Math.max(1, Math.floor(input.concurrency ?? DEFAULT_CONCURRENCY));
  const companyIds = await listCompanies();

  const outcomes: CompanyOutcome[] = [];
  let running = 0;
  setHandler(batchProgressQuery, () => ({
    period,
    total: companyIds.length,
    running,
    succeeded: outcomes.filter((o) => o.status === 'succeeded').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
  }));

  const pending = [...companyIds];
  const lane = async (): Promise<void> => {
    for (let companyId = pending.shift(); companyId !== undefined; companyId = pending.shift()) {
      running++;
      outcomes.push(await runCompany(companyId, period));
      running--;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, companyIds.length) }, lane));

  outcomes.sort((a, b) => (a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0));
  const succeeded = outcomes.filter((o) => o.status === 'succeeded').length;
  return { period, total: outcomes.length, succeeded, failed: outcomes.length - succeeded, outcomes };
}

async function runCompany(companyId: string, period: string): Promise<CompanyOutcome> {
  const workflowId = companyReportWorkflowId(companyId, period);
  try {
    const result = await executeChild(monthlyCompanyReport, {
      workflowId,
      args: [{ companyId, period }],
      // A cancelled or reset batch must not kill a report that may be mid-delivery.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return { companyId, workflowId, status: 'succeeded', result };
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
