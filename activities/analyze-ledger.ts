import { llmChains } from '../lib/config';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { loadCompany } from '../lib/erp/company';
import { analyzeCompanyMonth } from '../lib/pipeline/analyze-month';
import { recordFindings } from '../lib/llm/findings-graph';
import { retrieveGrounding } from '../lib/llm/grounding';
import { ensureReferenceGraph } from '../lib/llm/reference-graph';
import { readFindingsDoc, writeFindingsDoc } from '../lib/storage/findings-json';
import { reportKeys } from '../lib/storage/object-store';
import { activityLogger } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { AnalyzeInput, AnalyzeResult, GroundingInput } from './types';

export function createAnalysisActivities({ config, graph, objects, rules, log }: ActivityDeps) {
  return {
    /**
     * Derives the month's findings from the graph, writes findings.json with the offline narrative and records
     * the findings in the month's findings graph (what later months are grounded on).
     */
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
      await recordFindings(graph, doc);
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
        llmChains: llmChains(config),
      };
    },

    /** GraphRAG: the findings' legal basis and the company's earlier findings, from the graph into findings.json. */
    async groundNarrative(input: GroundingInput): Promise<{ articles: number; previousMonths: number }> {
      await ensureReferenceGraph(graph, config.LAW_ARTICLES_FILE);
      const doc = await readFindingsDoc(objects, input.findingsKey);
      const grounding = await retrieveGrounding(graph, doc);
      await writeFindingsDoc(objects, input.findingsKey, { ...doc, grounding });
      activityLogger(log, input).info(
        { event: 'grounding_retrieved', articles: grounding.articles.map((a) => a.id), previous_months: grounding.previousMonths.map((m) => m.period) },
        'grounding retrieved',
      );
      return { articles: grounding.articles.length, previousMonths: grounding.previousMonths.length };
    },
  };
}
