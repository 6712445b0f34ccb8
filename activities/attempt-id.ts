import { Context } from '@temporalio/activity';

/** This activity attempt, unique across runs: the idempotency id of what it records (a retry is a new attempt). */
export function attemptId(): string {
  const { workflowExecution: run, activityId, attempt } = Context.current().info;
  return `${run?.workflowId}/${run?.runId}/${activityId}/${attempt}`;
}
