// A deliberately incompatible edit of monthlyCompanyReport (validation scheduled before extraction), used to
// prove the replay test catches a change that was not guarded with patched().
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

const { extractLedger, validateLedger } = proxyActivities<Activities>({ startToCloseTimeout: '1m' });

export async function monthlyCompanyReport(input: { companyId: string; period: string }): Promise<void> {
  await validateLedger({ ...input, stagingGraph: 'urn:x' });
  await extractLedger(input);
}

export { monthlyReportBatch } from '../../workflows/monthly-report-batch';
