// A company run's side of the batch protocol (batch-signals.ts): tell the batch that started it when it waits
// for its ledger, and tell it and every batch that joined it when it ends.
import { getExternalWorkflowHandle, log, setHandler, workflowInfo, type SignalDefinition } from '@temporalio/workflow';
import { companyFinishedSignal, companyWaitingSignal, joinBatchSignal, type CompanyRunStatus, type WaitReason } from '../lib/temporal-contract';

/** A month has one scheduled batch, maybe a hand-started one and a backfill: more joiners than this is a bug. */
const MAX_JOINED_BATCHES = 8;

export interface BatchMembership {
  /** The ledger is late, or the draft waits for review: the starting batch frees this run's slot. */
  waiting(reason?: WaitReason): Promise<void>;
  ended(status: CompanyRunStatus, cause?: string): Promise<void>;
}

/** Call before the run's first await, so a join that arrives with the first task is handled. */
export function batchMembership(companyId: string): BatchMembership {
  const parent = workflowInfo().parent?.workflowId;
  const batches = new Set(parent ? [parent] : []);
  let waitedFor: WaitReason | undefined;
  setHandler(joinBatchSignal, (batchWorkflowId) => {
    if (batches.size < MAX_JOINED_BATCHES) batches.add(batchWorkflowId);
  });
  return {
    async waiting(reason = 'ledger') {
      if (waitedFor === reason) return;
      const fromLedger = waitedFor === 'ledger';
      waitedFor = reason;
      // A ledger wait goes out as before (the id alone), so a batch of an earlier build understands it.
      if (parent)
        await (reason === 'ledger'
          ? signalQuietly(parent, companyWaitingSignal, companyId)
          : signalQuietly(parent, companyWaitingSignal, companyId, reason, fromLedger));
    },
    async ended(status, cause) {
      await Promise.all(
        [...batches].map((batch) =>
          signalQuietly(batch, companyFinishedSignal, {
            companyId,
            status,
            cause,
            waited: waitedFor !== undefined && batch === parent,
            ...(waitedFor && batch === parent && { waitedFor }),
          }),
        ),
      );
    },
  };
}

/** A batch that has ended (or was cancelled) no longer listens; the run's own outcome stands without it. */
async function signalQuietly<Args extends unknown[]>(workflowId: string, signal: SignalDefinition<Args>, ...args: Args): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(signal, ...args);
  } catch (err) {
    log.info('batch not reachable; outcome not reported to it', { batch: workflowId, signal: signal.name, error: String(err) });
  }
}
