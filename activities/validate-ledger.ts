import { ApplicationFailure } from '@temporalio/activity';
import type { FindingsDocument } from '../lib/domain/findings';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { loadCompany } from '../lib/erp/company';
import { graphIriRef } from '../lib/graph/graph-sparql';
import { ledgerGraphIri, stagingGraphIri } from '../lib/rdf/iris';
import { reportKeys } from '../lib/storage/object-store';
import { activityLogger } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { DataValidationDetails, ValidateInput, ValidateResult } from './types';

export function createValidationActivities({ config, graph, objects, validator, log }: ActivityDeps) {
  return {
    /**
     * Runs the data-quality shapes over the staging graph. Conforming data is promoted into the company-month
     * graph in one SPARQL MOVE; failing data is dropped, so the knowledge graph stays as it was.
     */
    async validateLedger(input: ValidateInput): Promise<ValidateResult> {
      const companyId = assertCompanyId(input.companyId);
      const period = assertPeriod(input.period);
      const logger = activityLogger(log, { companyId, period });
      const staging = stagingGraphIri(companyId, period);
      const target = ledgerGraphIri(companyId, period);
      // A retry after a successful MOVE finds the staging graph gone: validate what was promoted instead.
      const promoted = (await graph.countTriples(staging)) === 0;
      const outcome = await validator.validate(graph, promoted ? target : staging);

      if (!outcome.conforms) {
        const findingsKey = reportKeys(companyId, period).dataQualityFindings;
        const company = await loadCompany(config.ERP_DATA_DIR, companyId);
        const doc: FindingsDocument = {
          schemaVersion: 1,
          companyId,
          companyName: company.name,
          period,
          generatedAt: new Date().toISOString(),
          riskLevel: 'HIGH',
          dataQuality: {
            conforms: false,
            violations: outcome.violations.length,
            warnings: outcome.warnings.length,
            details: [...outcome.violations, ...outcome.warnings],
          },
          findings: [],
          metrics: { revenueMonth: 0, expenseMonth: 0, revenueYtd: 0, expenseYtd: 0, lineCount: 0 },
          narrative: { model: 'offline', fallbackUsed: false, cached: false, text: '' },
        };
        await objects.put(findingsKey, JSON.stringify(doc, null, 2), 'application/json');
        if (!promoted) await graph.dropGraph(staging);
        logger.error(
          { event: 'data_validation_failed', violations: outcome.violations.length, rules: [...new Set(outcome.violations.map((v) => v.ruleId))] },
          'ledger failed data-quality validation',
        );
        const details: DataValidationDetails = {
          findingsKey,
          violations: outcome.violations.length,
          warnings: outcome.warnings.length,
          sample: outcome.violations.slice(0, 10).map((v) => `line ${v.sourceLine ?? '?'}: ${v.ruleId} ${v.message}`),
        };
        throw ApplicationFailure.create({
          type: 'DataValidationError',
          nonRetryable: true,
          message: `${companyId} ${period}: ${details.violations} data-quality violations (${details.sample[0] ?? ''})`,
          details: [details],
        });
      }

      if (!promoted) await graph.update(`MOVE ${graphIriRef(staging)} TO ${graphIriRef(target)}`);
      for (const w of outcome.warnings) logger.warn({ event: 'shacl_warning', rule_id: w.ruleId }, w.message);
      logger.info({ event: 'ledger_validated', warnings: outcome.warnings.length }, 'ledger conforms');
      return { graph: target, warnings: outcome.warnings.slice(0, 50) };
    },
  };
}
