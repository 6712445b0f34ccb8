// A company whose ledger for the month has not arrived: the report waits for the `ledgerUploaded` signal up to
// the configured deadline, then tells the admin instead of retrying forever.
import { ActivityFailure, ApplicationFailure, condition, deprecatePatch, setHandler, workflowInfo } from '@temporalio/workflow';
import type { CompanyMonth, ExtractResult } from '../activities/types';
import { deliverLedgerMissingNotice, extractLedger } from './activity-proxies';
import { DEFAULT_LEDGER_WAIT_MS, FailureType, ledgerUploadedSignal } from '../lib/temporal-contract';

/** `onWait` runs once, when the wait begins (the batch gives the run's slot to the next company). */
export async function extractWhenUploaded(
  month: CompanyMonth,
  waitMs = DEFAULT_LEDGER_WAIT_MS,
  onWait: () => Promise<void> = async () => undefined,
): Promise<ExtractResult> {
  let uploaded = false;
  setHandler(ledgerUploadedSignal, () => {
    uploaded = true;
  });
  const deadline = Date.now() + waitMs;
  let waiting = false;
  for (;;) {
    try {
      return await extractLedger(month);
    } catch (err) {
      if (!isLedgerMissing(err)) throw err;
      // Deprecated, not removed: runs of the builds still served that waited carry the marker patched() wrote.
      deprecatePatch('ledger-wait');
      if (!waiting) {
        waiting = true;
        await onWait();
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || !(await condition(() => uploaded, remaining))) {
        const { workflowId, runId } = workflowInfo();
        await deliverLedgerMissingNotice({ ...month, waitedMs: waitMs, deliveryId: `${workflowId}/${runId}/ledger-missing` });
        throw ApplicationFailure.nonRetryable(
          `${month.companyId} ${month.period}: no ledger arrived within ${Math.round(waitMs / 3_600_000)} h; the admin was told`,
          FailureType.LedgerMissing,
        );
      }
      uploaded = false;
    }
  }
}

function isLedgerMissing(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === FailureType.LedgerMissing;
}
