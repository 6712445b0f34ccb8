import { Context } from '@temporalio/activity';

/** This activity attempt, unique across runs: the idempotency id of what it records (a retry is a new attempt). */
export function attemptId(): string {
  const { attempt } = Context.current().info;
  return `${callId()}/${attempt}`;
}

/** This activity across its attempts: the idempotency id of what a retry must not record again. */
export function callId(): string {
  const { workflowExecution: run, activityId } = Context.current().info;
  return `${run?.workflowId}/${run?.runId}/${activityId}`;
}
