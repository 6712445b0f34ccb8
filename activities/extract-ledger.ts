import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { listCompanyIds } from '../lib/erp/company';
import { activityLogger, readCompanyMonth } from './activity-logger';
import type { ActivityDeps } from './deps';
import { failDataErrorsFast } from './failures';
import { stageLedger } from '../lib/pipeline/ledger-loading';
import type { CompanyMonth, CompanyPageInput, ExtractResult } from './types';

export function createEtlActivities(deps: ActivityDeps) {
  return {
    /** The next `limit` company ids after `after`, in id order: the batch reads the firm a page at a time. */
    async listCompanyPage({ after, limit }: CompanyPageInput): Promise<string[]> {
      const ids = await listCompanyIds(deps.config.ERP_DATA_DIR);
      const start = after === undefined ? 0 : ids.findIndex((id) => id > after);
      return start < 0 ? [] : ids.slice(start, start + limit);
    },

    /** Parses the month's journal into the company-month's staging graph. */
    async extractLedger(input: CompanyMonth): Promise<ExtractResult> {
      return failDataErrorsFast(async () => {
        const companyId = assertCompanyId(input.companyId);
        const period = assertPeriod(input.period);
        const started = performance.now();
        const result = await stageLedger(deps, companyId, period);
        activityLogger(deps.log, await readCompanyMonth(deps.config.ERP_DATA_DIR, companyId, period)).info(
          {
            event: 'ledger_extracted',
            lines: result.lines,
            vouchers: result.vouchers,
            duration_ms: Math.round(performance.now() - started),
          },
          'ledger loaded into staging graph',
        );
        return result;
      });
    },
  };
}
