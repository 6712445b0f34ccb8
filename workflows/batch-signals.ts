// How company runs and the month's batch talk. The batch learns of its children by signal, not by awaiting
// them: it continues as new while they run (ParentClosePolicy.ABANDON), and a signal to its workflow id
// reaches whichever run is current.
import { defineSignal } from '@temporalio/workflow';

export type CompanyRunStatus = 'succeeded' | 'unchanged' | 'failed' | 'cancelled';

export interface CompanyFinished {
  companyId: string;
  status: CompanyRunStatus;
  /** One line: the failure's type and message. */
  cause?: string;
  /** The run waited for its ledger (the batch counted it as waiting, outside its window). */
  waited: boolean;
}

/** Child → batch: the ledger is late; the run waits for it and frees its slot of the window. */
export const companyWaitingSignal = defineSignal<[companyId: string]>('companyWaiting');

/** Child (or a joined run) → batch: the run ended. */
export const companyFinishedSignal = defineSignal<[CompanyFinished]>('companyFinished');

/** Batch → a run of the month already in progress: report your end to this batch too. */
export const joinBatchSignal = defineSignal<[batchWorkflowId: string]>('joinBatch');
