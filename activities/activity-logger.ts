// Every activity log line carries the run's identity so one query finds a run across all steps.
import { trace } from '@opentelemetry/api';
import { Context } from '@temporalio/activity';
import type { Logger } from '../lib/logging';

export function activityLogger(base: Logger, fields: { companyId?: string; period?: string } = {}): Logger {
  const { workflowExecution, attempt, activityType } = Context.current().info;
  return base.child({
    // The activity runs inside the span the OpenTelemetry interceptor opened from the workflow's headers.
    trace_id: trace.getActiveSpan()?.spanContext().traceId,
    workflow_id: workflowExecution?.workflowId,
    run_id: workflowExecution?.runId,
    activity: activityType,
    attempt,
    ...(fields.companyId ? { company_id: fields.companyId } : {}),
    ...(fields.period ? { period: fields.period, fiscal_year: Number(fields.period.slice(0, 4)) } : {}),
  });
}
