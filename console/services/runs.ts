// Company-month runs from Temporal visibility (by the CompanyId / Period / RiskLevel search attributes), and starting them.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { assertCompanyId, assertPeriod } from '../../lib/domain/ids';
import { monthsBetween } from '../../lib/domain/periods';
import type { monthlyCompanyReport } from '../../workflows/monthly-company-report';
import { CompanyIdKey, companyReportWorkflowId, PeriodKey, ReportStageKey, RiskLevelKey, WORKFLOW_TYPES } from '../../lib/temporal-contract';

export interface RunSummary {
  workflowId: string;
  runId: string;
  companyId?: string;
  period?: string;
  /** RUNNING, COMPLETED, FAILED, TERMINATED, ... */
  status: string;
  riskLevel?: string;
  /** Where a running report is (ReportStage); absent on runs that never set it. */
  stage?: string;
  startTime: string;
  closeTime?: string;
}

export interface RunFilter {
  /** The principal's company scope; undefined = every company. */
  scope?: readonly string[];
  companyId?: string;
  period?: string;
  /** 200 unless given; Infinity lists every match (the month overview, one run per company or more). */
  limit?: number;
}

/** A backfill covers at most three fiscal years of one company. */
export const MAX_BACKFILL_MONTHS = 36;

export class RunAlreadyRunningError extends Error {
  override readonly name = 'RunAlreadyRunningError';
}

/** Newest first. Ids and periods are validated before they reach the visibility query. */
export async function listRuns(client: Client, filter: RunFilter): Promise<RunSummary[]> {
  if (filter.scope?.length === 0) return [];
  const clauses = [`WorkflowType = '${WORKFLOW_TYPES.companyReport}'`];
  if (filter.companyId !== undefined) clauses.push(`CompanyId = '${assertCompanyId(filter.companyId)}'`);
  if (filter.period !== undefined) clauses.push(`Period = '${assertPeriod(filter.period)}'`);
  if (filter.scope) clauses.push(`CompanyId IN (${filter.scope.map((id) => `'${assertCompanyId(id)}'`).join(', ')})`);
  const runs: RunSummary[] = [];
  for await (const execution of client.workflow.list({ query: clauses.join(' AND ') })) {
    const attributes = execution.typedSearchAttributes;
    runs.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      companyId: attributes.get(CompanyIdKey),
      period: attributes.get(PeriodKey),
      status: execution.status.name,
      riskLevel: attributes.get(RiskLevelKey),
      stage: attributes.get(ReportStageKey),
      startTime: execution.startTime.toISOString(),
      closeTime: execution.closeTime?.toISOString(),
    });
    if (runs.length >= (filter.limit ?? 200)) break;
  }
  return runs;
}

/**
 * Starts a company-month under the id the batch uses, so a hand-started run and a scheduled one are the same
 * report (and delivery stays once per recipient). A run of that month still in progress is a conflict.
 */
export async function startCompanyRun(
  client: Client,
  taskQueue: string,
  companyId: string,
  period: string,
): Promise<{ workflowId: string; runId: string }> {
  const workflowId = companyReportWorkflowId(assertCompanyId(companyId), assertPeriod(period));
  try {
    const handle = await client.workflow.start<typeof monthlyCompanyReport>(WORKFLOW_TYPES.companyReport, {
      taskQueue,
      workflowId,
      args: [{ companyId, period }],
      typedSearchAttributes: [
        { key: CompanyIdKey, value: companyId },
        { key: PeriodKey, value: period },
      ],
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new RunAlreadyRunningError(`the report of ${companyId} for ${period} is already running`);
    }
    throw err;
  }
}

/**
 * Starts every month of a range for a company. A month whose run is still in progress is not started twice: it
 * is reported as already running, and the others go on.
 */
export async function startBackfill(
  client: Client,
  taskQueue: string,
  companyId: string,
  from: string,
  to: string,
): Promise<{ started: string[]; alreadyRunning: string[] }> {
  const started: string[] = [];
  const alreadyRunning: string[] = [];
  for (const period of periodsBetween(from, to)) {
    try {
      started.push((await startCompanyRun(client, taskQueue, companyId, period)).workflowId);
    } catch (err) {
      if (!(err instanceof RunAlreadyRunningError)) throw err;
      alreadyRunning.push(period);
    }
  }
  return { started, alreadyRunning };
}

/** Every month from `from` to `to`, both included. */
export function periodsBetween(from: string, to: string): string[] {
  const months = monthsBetween(assertPeriod(from), assertPeriod(to));
  if (months.length === 0) throw new RangeError(`the range ${from}..${to} ends before it starts`);
  if (months.length > MAX_BACKFILL_MONTHS) throw new RangeError(`a backfill covers at most ${MAX_BACKFILL_MONTHS} months`);
  return months;
}
