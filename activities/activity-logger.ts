// Every activity log line carries the run's identity so one query finds a run across all steps.
import { trace } from '@opentelemetry/api';
import { Context } from '@temporalio/activity';
import type { Company } from '../lib/domain/company';
import type { FindingsDocument } from '../lib/domain/findings';
import { fiscalYearStart } from '../lib/domain/periods';
import { loadCompany } from '../lib/erp/company';
import type { Logger } from '../lib/logging';

/** What a step is about. `fiscalYearStart` (YYYY-MM) gives fiscal_year: the year the period's fiscal year starts in. */
export interface RunSubject {
  companyId?: string;
  period?: string;
  fiscalYearStart?: string;
}

export function activityLogger(base: Logger, fields: RunSubject = {}): Logger {
  const { workflowExecution, attempt, activityType } = Context.current().info;
  return base.child({
    // The activity runs inside the span the OpenTelemetry interceptor opened from the workflow's headers.
    trace_id: trace.getActiveSpan()?.spanContext().traceId,
    workflow_id: workflowExecution?.workflowId,
    run_id: workflowExecution?.runId,
    activity: activityType,
    attempt,
    ...(fields.companyId ? { company_id: fields.companyId } : {}),
    ...(fields.period ? { period: fields.period } : {}),
    ...(fields.fiscalYearStart ? { fiscal_year: Number(fields.fiscalYearStart.slice(0, 4)) } : {}),
  });
}

/** A company-month of a step that holds the company master. */
export function companyMonth(company: Company, period: string): RunSubject {
  return { companyId: company.id, period, fiscalYearStart: fiscalYearStart(period, company.fiscalYearStartMonth) };
}

/** The company-month of a findings.json (the render and LLM roles read no company master). */
export function documentMonth(doc: FindingsDocument): RunSubject {
  return { companyId: doc.companyId, period: doc.period, fiscalYearStart: doc.fiscalYearStart };
}

/** For a step that holds no company master: read for its fiscal year, left out when unreadable (the step's own error says why). */
export async function readCompanyMonth(dataDir: string, companyId: string, period: string): Promise<RunSubject> {
  return loadCompany(dataDir, companyId).then(
    (company) => companyMonth(company, period),
    () => ({ companyId, period }),
  );
}
