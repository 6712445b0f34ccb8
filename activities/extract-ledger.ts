import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { listCompanyIds } from '../lib/erp/company';
import { activityLogger } from './activity-logger';
import type { ActivityDeps } from './deps';
import { failDataErrorsFast } from './failures';
import { stageLedger } from '../lib/pipeline/ledger-loading';
import type { CompanyMonth, ExtractResult } from './types';

export function createEtlActivities(deps: ActivityDeps) {
  return {
    async listCompanies(): Promise<string[]> {
      return listCompanyIds(deps.config.ERP_DATA_DIR);
    },

    /** Parses the month's journal into the company-month's staging graph. */
    async extractLedger(input: CompanyMonth): Promise<ExtractResult> {
      return failDataErrorsFast(async () => {
        const companyId = assertCompanyId(input.companyId);
        const period = assertPeriod(input.period);
        const started = performance.now();
        const result = await stageLedger(deps, companyId, period);
        activityLogger(deps.log, { companyId, period }).info(
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
