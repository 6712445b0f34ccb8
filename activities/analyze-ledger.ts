import { ApplicationFailure } from '@temporalio/activity';
import { llmConfigured } from '../lib/config';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { loadCompany } from '../lib/erp/company';
import { llmErrorStatus, llmNarrative } from '../lib/analysis/llm-narrative';
import { offlineNarrative } from '../lib/analysis/offline-narrative';
import type { FindingsDocument } from '../lib/domain/findings';
import { analyzeCompanyMonth } from '../lib/pipeline/analyze-month';
import { reportKeys } from '../lib/storage/object-store';
import { activityLogger } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { AnalyzeInput, AnalyzeResult, NarrativeInput, NarrativeResult } from './types';

/** 400 (context length, content policy), 401, 403, 404: another attempt with the same model cannot succeed. */
const REJECTED_STATUSES = new Set([400, 401, 403, 404, 422]);

export function createAnalysisActivities({ config, graph, objects, rules, log }: ActivityDeps) {
  const readFindings = async (key: string): Promise<FindingsDocument> =>
    JSON.parse((await objects.get(key)).toString('utf8')) as FindingsDocument;

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
      await objects.put(findingsKey, JSON.stringify(doc, null, 2), 'application/json');
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

    /** Replaces the narrative of findings.json with one model's text (or the offline text). Idempotent. */
    async writeNarrative(input: NarrativeInput): Promise<NarrativeResult> {
      const logger = activityLogger(log, { companyId: input.companyId, period: input.period });
      const doc = await readFindings(input.findingsKey);
      const { narrative: _previous, ...base } = doc;
      let result: NarrativeResult = { model: 'offline', inputTokens: 0, outputTokens: 0 };
      let text = offlineNarrative(base);
      if (input.model !== 'offline') {
        try {
          const reply = await llmNarrative(
            { baseURL: config.OPENAI_BASE_URL, apiKey: config.OPENAI_API_KEY, timeoutMs: config.LLM_TIMEOUT_MS },
            input.model,
            base,
          );
          text = reply.text;
          result = { model: input.model, inputTokens: reply.inputTokens, outputTokens: reply.outputTokens };
        } catch (err) {
          const status = llmErrorStatus(err);
          logger.warn({ event: 'llm_call_failed', model: input.model, status, error: String(err) }, 'LLM call failed');
          if (status !== undefined && REJECTED_STATUSES.has(status)) {
            throw ApplicationFailure.create({
              type: 'LlmRequestRejected',
              nonRetryable: true,
              message: `model ${input.model} rejected the request (HTTP ${status})`,
            });
          }
          throw err;
        }
      }
      const updated: FindingsDocument = {
        ...base,
        narrative: { model: result.model, fallbackUsed: input.fallbackUsed, cached: false, text },
      };
      await objects.put(input.findingsKey, JSON.stringify(updated, null, 2), 'application/json');
      logger.info({ event: 'narrative_written', model: result.model, fallback_used: input.fallbackUsed }, 'narrative written');
      return result;
    },
  };
}
