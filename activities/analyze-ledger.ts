import { llmConfigured } from '../lib/config';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { loadCompany } from '../lib/erp/company';
import { analyzeCompanyMonth } from '../lib/pipeline/analyze-month';
import { writeFindingsDoc } from '../lib/storage/findings-json';
import { reportKeys } from '../lib/storage/object-store';
import { activityLogger } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { AnalyzeInput, AnalyzeResult } from './types';

export function createAnalysisActivities({ config, graph, objects, rules, log }: ActivityDeps) {
  return {
    /** Derives the month's findings from the graph and writes findings.json with the offline narrative. */
    async analyzeLedger(input: AnalyzeInput): Promise<AnalyzeResult> {
      const companyId = assertCompanyId(input.companyId);
      const period = assertPeriod(input.period);
      const company = await loadCompany(config.ERP_DATA_DIR, companyId);
      const doc = await analyzeCompanyMonth(
        { graph, rules, shapesDir: config.SHAPES_DIR },
        company,
        period,
        input.warnings,
      );
      const findingsKey = reportKeys(companyId, period).findings;
      await writeFindingsDoc(objects, findingsKey, doc);
      activityLogger(log, { companyId, period }).info(
        {
          event: 'ledger_analyzed',
          risk_level: doc.riskLevel,
          findings: doc.findings.map((f) => f.ruleId),
          ytd_months: doc.metrics.ytdMonths,
          ytd_months_missing: doc.metrics.ytdMonthsMissing,
        },
        'findings written',
      );
      return {
        findingsKey,
        riskLevel: doc.riskLevel,
        findingCount: doc.findings.length,
        narrativeModels: llmConfigured(config) ? config.LLM_MODELS : [],
      };
    },
  };
}
