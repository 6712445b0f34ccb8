// Every activity log line carries the run's identity so one query finds a run across all steps.
import { Context } from '@temporalio/activity';
import type { Logger } from '../lib/logging';

export function activityLogger(base: Logger, fields: { companyId?: string; period?: string } = {}): Logger {
  const { workflowExecution, attempt, activityType } = Context.current().info;
  return base.child({
    // Until OpenTelemetry spans carry it, the run id is the trace id that joins the five steps.
    trace_id: workflowExecution?.runId,
    workflow_id: workflowExecution?.workflowId,
    run_id: workflowExecution?.runId,
    activity: activityType,
    attempt,
    ...(fields.companyId ? { company_id: fields.companyId } : {}),
    ...(fields.period ? { period: fields.period, fiscal_year: Number(fields.period.slice(0, 4)) } : {}),
  });
}
