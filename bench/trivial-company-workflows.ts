// The real monthly batch over company runs that only report back: the batch's bookkeeping at the size of a large
// firm without the pipeline's cost. Registered as `monthlyCompanyReport`, the type the batch starts.
import { batchMembership } from '../workflows/batch-membership';

export { monthlyReportBatch } from '../workflows/monthly-report-batch';

export async function monthlyCompanyReport({ companyId }: { companyId: string }): Promise<{ companyId: string }> {
  await batchMembership(companyId).ended('succeeded');
  return { companyId };
}
