import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { contextMonths } from '../lib/domain/periods';
import { loadCompany } from '../lib/erp/company';
import { ledgerGraphIri } from '../lib/rdf/iris';
import { activityLogger } from './activity-logger';
import type { ActivityDeps } from './deps';
import { checkAndPromote, LedgerMissingError, stageLedger } from './ledger-loading';
import type { CompanyMonth, EarlierMonthsResult } from './types';

export function createEarlierMonthsActivities(deps: ActivityDeps) {
  return {
    /**
     * Year-to-date and trailing rules read earlier months (lib/domain/periods.ts contextMonths). Loads those
     * missing from the graph, once (a month already there is left alone); reports months that have no file
     * or fail data quality, so the report can say what its figures cover.
     */
    async loadEarlierMonths(input: CompanyMonth): Promise<EarlierMonthsResult> {
      const companyId = assertCompanyId(input.companyId);
      const period = assertPeriod(input.period);
      const logger = activityLogger(deps.log, { companyId, period });
      const company = await loadCompany(deps.config.ERP_DATA_DIR, companyId);
      const result: EarlierMonthsResult = { present: [], loaded: [], missing: [], invalid: [] };
      for (const month of contextMonths(period, company.fiscalYearStartMonth)) {
        if ((await deps.graph.countTriples(ledgerGraphIri(companyId, month))) > 0) {
          result.present.push(month);
          continue;
        }
        try {
          await stageLedger(deps, companyId, month);
        } catch (err) {
          if (err instanceof LedgerMissingError) result.missing.push(month);
          else if (err instanceof Error && err.name === 'LedgerFormatError') result.invalid.push(month);
          else throw err;
          continue;
        }
        const { outcome } = await checkAndPromote(deps, companyId, month);
        result[outcome.conforms ? 'loaded' : 'invalid'].push(month);
      }
      logger.info({ event: 'earlier_months_loaded', ...result }, 'fiscal-year context ready');
      return result;
    },
  };
}
