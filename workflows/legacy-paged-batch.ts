// The batch as it ran before the sliding window (build of 2026-12): pages of children awaited together, every
// company id and outcome carried through continue-as-new. Kept only so that runs started by that build replay
// (test/histories/monthlyReportBatch-v1, -v2); delete it with those histories once no such run is open.
import {
  ChildWorkflowFailure,
  ParentClosePolicy,
  continueAsNew,
  defineQuery,
  executeChild,
  patched,
  setHandler,
} from '@temporalio/workflow';
import { listCompanies } from './activity-proxies';
import { monthlyCompanyReport } from './monthly-company-report';
import { reportMetrics } from './report-sinks';
import { type MonthlyCompanyReportResult, companyReportWorkflowId } from '../lib/temporal-contract';

export interface LegacyBatchInput {
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

interface CompanyOutcome {
  companyId: string;
  workflowId: string;
  status: 'succeeded' | 'failed';
  riskLevel?: MonthlyCompanyReportResult['riskLevel'];
  /** The child's whole result, for the companies of the batch's last run only (earlier runs keep their history small). */
  result?: MonthlyCompanyReportResult;
  error?: string;
}

export interface LegacyBatchResult {
  period: string;
  total: number;
  succeeded: number;
  failed: number;
  /** Every company, by id. */
  outcomes: CompanyOutcome[];
}

interface LegacyBatchProgress {
  period: string;
  total: number;
  running: number;
  succeeded: number;
  failed: number;
}

const batchProgressQuery = defineQuery<LegacyBatchProgress>('progress');

const DEFAULT_CONCURRENCY = 4;
const BATCH_PAGE_SIZE = 200;

/** The old fan-out: one child workflow per company, at most `concurrency` at a time, `pageSize` per run. */
export async function legacyPagedBatch(input: LegacyBatchInput, period: string): Promise<LegacyBatchResult> {
  const first = input.companyIds === undefined;
  if (first) reportMetrics.batchStarted();
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
    await continueAsNew<(input: LegacyBatchInput) => Promise<LegacyBatchResult>>({ ...input, period, companyIds, offset: next, earlier: [...earlier, ...carried] });
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
