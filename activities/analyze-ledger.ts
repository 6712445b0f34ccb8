import { CALENDAR_RULE_ID } from '../lib/analysis/filing-deadlines';
import { llmChains, llmConfigured, reviewRequired } from '../lib/config';
import { OPENING_RULE_ID } from '../lib/domain/balances';
import type { FindingsDocument } from '../lib/domain/findings';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { loadCompany } from '../lib/erp/company';
import { analyzeCompanyMonth } from '../lib/pipeline/analyze-month';
import { recordFindings } from '../lib/llm/findings-graph';
import { retrieveGrounding, withRelated } from '../lib/llm/grounding';
import { callCostUsd } from '../lib/llm/llm-prices';
import type { EmbeddingUsage } from '../lib/llm/semantic-search';
import { usageRecord } from '../lib/llm/usage-ledger';
import { callId } from './attempt-id';
import { ensureReferenceGraph, readReferenceGraph, type ReferenceGraph } from '../lib/llm/reference-graph';
import { readFindingsDoc, writeFindingsDoc } from '../lib/storage/findings-json';
import { reportKeys } from '../lib/storage/object-store';
import { activityLogger, companyMonth, documentMonth } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { AnalyzeInput, AnalyzeResult, ApplyGroundingInput, GroundingInput, GroundingResult } from './types';

export function createAnalysisActivities({ config, graph, objects, rules, queries, log, llmUsage, prices, metrics }: ActivityDeps) {
  // The search itself runs on the LLM role (activities/search-by-meaning.ts): this role only names the model.
  const embeddingModel = llmConfigured(config) ? config.LLM_EMBEDDING_MODEL : undefined;

  let reference: Promise<ReferenceGraph> | undefined;

  /**
   * Embeddings are metered like chat calls: tokens estimated (the embeddings answer's usage is not passed on).
   * Once per run and activity: a retried apply does not count the search twice.
   */
  async function meterEmbeddings(doc: FindingsDocument, model: string, use: EmbeddingUsage) {
    const usage = { inputTokens: use.sentTokens, cachedInputTokens: 0, outputTokens: 0 };
    const usd = callCostUsd(prices, model, usage) ?? 0;
    metrics.llmUsage(model, usage, usd);
    metrics.llmCache('hit', use.hits);
    metrics.llmCache('miss', use.texts - use.hits);
    await llmUsage.record(
      usageRecord(new Date(), {
        id: callId(),
        period: doc.period,
        companyId: doc.companyId,
        task: 'embeddings',
        model,
        cached: use.sentTokens === 0,
        fallbackUsed: false,
        ...usage,
        usd,
        estimated: true,
        outcome: 'ok',
      }),
    );
  }

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
        { graph, rules, queries, dataDir: config.ERP_DATA_DIR, falsePositiveMargin: config.FALSE_POSITIVE_MARGIN },
        company,
        period,
        input.warnings,
      );
      const findingsKey = reportKeys(companyId, period).findings;
      await writeFindingsDoc(objects, findingsKey, doc);
      await recordFindings(graph, doc);
      const logger = activityLogger(log, companyMonth(company, period));
      // Deadlines past the holiday calendar: the report warns its reader, the metric alerts operations.
      const undated = doc.dataQuality.details.filter((d) => d.ruleId === CALENDAR_RULE_ID);
      if (undated.length > 0) {
        metrics.deadlineCalendarUncovered(undated.length);
        logger.warn({ event: 'deadline_calendar_uncovered', deadlines: undated.length }, undated[0]!.message);
      }
      // A fiscal year whose opening balances are unknown: its balance figures start at 0, and the report says why.
      for (const w of doc.dataQuality.details.filter((d) => d.ruleId === OPENING_RULE_ID)) {
        logger.warn({ event: 'opening_balances_unknown' }, w.message);
      }
      logger.info(
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
        ...(reviewRequired(config, company) && { review: { deadlineMs: config.REVIEW_DEADLINE, onDeadline: config.REVIEW_DEADLINE_POLICY } }),
      };
    },

    /**
     * GraphRAG: the findings' legal basis and the company's earlier findings, from the graph into findings.json;
     * with an embeddings model, also the texts to search by meaning, for the LLM queue.
     */
    async groundNarrative(input: GroundingInput): Promise<GroundingResult> {
      await ensureReferenceGraph(graph, await (reference ??= readReferenceGraph(config.LAW_ARTICLES_FILE)));
      const findingsKey = reportKeys(input.companyId, input.period).findings;
      const doc = await readFindingsDoc(objects, findingsKey);
      const { grounding, search } = await retrieveGrounding(graph, doc, embeddingModel);
      await writeFindingsDoc(objects, findingsKey, { ...doc, grounding });
      activityLogger(log, documentMonth(doc)).info(
        {
          event: 'grounding_retrieved',
          articles: grounding.articles.map((a) => a.id),
          previous_months: grounding.previousMonths.map((m) => m.period),
          ...(search ? { search_texts: search.findings.length + search.articles.length + search.memos.length } : {}),
        },
        'grounding retrieved',
      );
      return { articles: grounding.articles.length, previousMonths: grounding.previousMonths.length, search };
    },

    /** The search by meaning's neighbours into findings.json's grounding, its embeddings metered. */
    async applyGrounding(input: ApplyGroundingInput): Promise<{ articles: number }> {
      const findingsKey = reportKeys(input.companyId, input.period).findings;
      const doc = await readFindingsDoc(objects, findingsKey);
      if (!doc.grounding) throw new Error(`${findingsKey} has no grounding to add the search by meaning to`);
      const grounding = await withRelated(graph, doc.grounding, input.related);
      await meterEmbeddings(doc, input.model, input.usage);
      await writeFindingsDoc(objects, findingsKey, { ...doc, grounding });
      activityLogger(log, documentMonth(doc)).info(
        {
          event: 'grounding_related',
          articles_by_meaning: grounding.articles.slice(doc.grounding.articles.length).map((a) => a.id),
          embedded_texts: input.usage.texts,
          embedding_cache_hits: input.usage.hits,
        },
        'search by meaning applied',
      );
      return { articles: grounding.articles.length };
    },
  };
}
