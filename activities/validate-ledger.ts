import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { expectedLedgerPath, findLedger, loadCompany } from '../lib/erp/company';
import { dataQualityFindings } from '../lib/pipeline/data-quality-findings';
import { writeFindingsDoc } from '../lib/storage/findings-json';
import { reportKeys } from '../lib/storage/object-store';
import type { ValidationOutcome } from '../lib/validation/ledger-validator';
import { activityLogger, readCompanyMonth } from './activity-logger';
import type { ActivityDeps } from './deps';
import { checkAndPromote } from '../lib/pipeline/ledger-loading';
import type { DataValidationDetails, ValidateInput, ValidateResult } from './types';
import { FailureType } from '../lib/temporal-contract';

export function createValidationActivities(deps: ActivityDeps) {
  const { config, objects, log } = deps;

  /** Keeps the violations for the admin's error report, beside (never over) the month's findings.json. */
  async function writeDataQualityFindings(companyId: string, period: string, outcome: ValidationOutcome): Promise<string> {
    const company = await loadCompany(config.ERP_DATA_DIR, companyId);
    const key = reportKeys(companyId, period).dataQualityFindings;
    await writeFindingsDoc(objects, key, dataQualityFindings(company, period, outcome));
    return key;
  }

  return {
    /** Data-quality shapes over the staged month; a Violation ends the run with a non-retryable failure. */
    async validateLedger(input: ValidateInput): Promise<ValidateResult> {
      const companyId = assertCompanyId(input.companyId);
      const period = assertPeriod(input.period);
      const logger = activityLogger(log, await readCompanyMonth(config.ERP_DATA_DIR, companyId, period));
      const { outcome, graph } = await checkAndPromote(deps, companyId, period);

      if (!outcome.conforms) {
        // Named as the operator finds it: relative to ERP_DATA_DIR, with the line.
        const ledger = await findLedger(config.ERP_DATA_DIR, companyId, period);
        const file = path.relative(config.ERP_DATA_DIR, ledger?.path ?? expectedLedgerPath(config.ERP_DATA_DIR, companyId, period));
        const findingsKey = await writeDataQualityFindings(companyId, period, outcome);
        logger.error(
          {
            event: 'data_validation_failed',
            violations: outcome.violations.length,
            rules: [...new Set(outcome.violations.map((v) => v.ruleId))],
          },
          'ledger failed data-quality validation',
        );
        const details: DataValidationDetails = {
          findingsKey,
          violations: outcome.violations.length,
          warnings: outcome.warnings.length,
          sample: outcome.violations.slice(0, 10).map((v) => `${file}:${v.sourceLine ?? '?'}: ${v.ruleId} ${v.message}`),
        };
        throw ApplicationFailure.create({
          type: FailureType.DataValidation,
          nonRetryable: true,
          message: `${companyId} ${period}: ${details.violations} data-quality violations (${details.sample[0] ?? ''})`,
          details: [details],
        });
      }

      for (const w of outcome.warnings) logger.warn({ event: 'shacl_warning', rule_id: w.ruleId }, w.message);
      logger.info({ event: 'ledger_validated', warnings: outcome.warnings.length }, 'ledger conforms');
      return { graph, warnings: outcome.warnings.slice(0, 50) };
    },
  };
}
