import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { loadCompany } from '../lib/erp/company';
import { loadContextMonths, type ContextMonths } from '../lib/pipeline/ledger-loading';
import { activityLogger, companyMonth } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { CompanyMonth } from './types';

export function createEarlierMonthsActivities(deps: ActivityDeps) {
  return {
    /** Loads the earlier months the month's rules read, once; idempotent. */
    async loadEarlierMonths(input: CompanyMonth): Promise<ContextMonths> {
      const companyId = assertCompanyId(input.companyId);
      const period = assertPeriod(input.period);
      const company = await loadCompany(deps.erp.dataDir, companyId);
      const result = await loadContextMonths(deps, company, period);
      activityLogger(deps.log, companyMonth(company, period)).info({ event: 'earlier_months_loaded', ...result }, 'context months ready');
      return result;
    },
  };
}
