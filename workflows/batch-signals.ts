// How company runs and the month's batch talk. The batch learns of its children by signal, not by awaiting
// them: it continues as new while they run (ParentClosePolicy.ABANDON), and a signal to its workflow id
// reaches whichever run is current.
import { defineSignal } from '@temporalio/workflow';

export type CompanyRunStatus = 'succeeded' | 'unchanged' | 'failed' | 'cancelled';

/** Why a run gave its slot back: its ledger is late, or its draft waits for the accountant's approval. */
export type WaitReason = 'ledger' | 'review';

export interface CompanyFinished {
  companyId: string;
  status: CompanyRunStatus;
  /** One line: the failure's type and message. */
  cause?: string;
  /** The run waited (the batch counted it as waiting, outside its window). */
  waited: boolean;
  /** What it waited for last; absent from runs of earlier builds, which only waited for ledgers. */
  waitedFor?: WaitReason;
}

/**
 * Child → batch: the run waits (for its ledger, or for review) and frees its slot of the window. A run that waited
 * for its ledger and then waits for review says so (`fromLedger`), so the batch moves it between its counts.
 * Runs of earlier builds send the id alone: a ledger wait.
 */
export const companyWaitingSignal = defineSignal<[companyId: string, reason?: WaitReason, fromLedger?: boolean]>('companyWaiting');

/** Child (or a joined run) → batch: the run ended. */
export const companyFinishedSignal = defineSignal<[CompanyFinished]>('companyFinished');

/** Batch → a run of the month already in progress: report your end to this batch too. */
export const joinBatchSignal = defineSignal<[batchWorkflowId: string]>('joinBatch');
