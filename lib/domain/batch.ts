// A month's batch as the workflow counts it and the admin's summary shows it.

/** How the companies of a month's batch stand; carried across continue-as-new, so counters only. */
export interface BatchCounts {
  /** Companies read from the company list so far. */
  listed: number;
  /** Child runs this batch started. */
  started: number;
  /** Reports delivered (first version or a correction). */
  succeeded: number;
  /** Re-runs whose findings matched the report already delivered: nothing was sent. */
  unchanged: number;
  failed: number;
  cancelled: number;
  /** Runs of the month already in progress when the batch reached the company (started by hand or a backfill). */
  alreadyRunning: number;
  /** Runs waiting for their ledger right now (they hold no slot of the window). */
  waitingForLedger: number;
  /** Runs whose draft waits for the accountant's approval right now (no slot either); absent in states of earlier builds. */
  awaitingReview?: number;
}

export interface CompanyFailure {
  companyId: string;
  /** One line: the failure's type and message. */
  cause: string;
}

/**
 * 'on-time': every company whose ledger was there has ended, some still wait for theirs; 'final': every company
 * has ended; 'cancelled': an operator cancelled the batch.
 */
export type BatchSummaryKind = 'on-time' | 'final' | 'cancelled';
