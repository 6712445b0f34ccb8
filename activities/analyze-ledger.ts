import { llmChains, llmConfigured } from '../lib/config';
import type { FindingsDocument } from '../lib/domain/findings';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { loadCompany } from '../lib/erp/company';
import { analyzeCompanyMonth } from '../lib/pipeline/analyze-month';
import { recordFindings } from '../lib/llm/findings-graph';
import { retrieveGrounding, type SemanticSearch } from '../lib/llm/grounding';
import { callCostUsd } from '../lib/llm/llm-prices';
import { openAiEmbedder } from '../lib/llm/semantic-search';
import { usageRecord } from '../lib/llm/usage-ledger';
import { attemptId } from './attempt-id';
import { ensureReferenceGraph, readReferenceGraph, type ReferenceGraph } from '../lib/llm/reference-graph';
import { readFindingsDoc, writeFindingsDoc } from '../lib/storage/findings-json';
import { reportKeys } from '../lib/storage/object-store';
import { activityLogger } from './activity-logger';
import type { ActivityDeps } from './deps';
import type { AnalyzeInput, AnalyzeResult, GroundingInput } from './types';

export function createAnalysisActivities({ config, graph, objects, rules, log, llmCache, llmUsage, prices, metrics, cancellation }: ActivityDeps) {
  const semantic: SemanticSearch | undefined =
    config.LLM_EMBEDDING_MODEL && llmConfigured(config)
      ? {
          embedder: openAiEmbedder({ baseURL: config.OPENAI_BASE_URL, apiKey: config.OPENAI_API_KEY, timeoutMs: config.LLM_TIMEOUT_MS, signal: cancellation }, config.LLM_EMBEDDING_MODEL),
          cache: llmCache,
          ttlMs: config.LLM_CACHE_TTL_EMBEDDINGS,
        }
      : undefined;

  let reference: Promise<ReferenceGraph> | undefined;

  /** Embeddings are metered like chat calls: tokens estimated (the embeddings answer's usage is not passed on). */
  async function meterEmbeddings(doc: FindingsDocument, model: string, use: { texts: number; hits: number; sentTokens: number }) {
    const usage = { inputTokens: use.sentTokens, cachedInputTokens: 0, outputTokens: 0 };
    const usd = callCostUsd(prices, model, usage) ?? 0;
    metrics.llmUsage(model, usage, usd);
    metrics.llmCache('hit', use.hits);
    metrics.llmCache('miss', use.texts - use.hits);
    await llmUsage.record(
      usageRecord(new Date(), {
        id: attemptId(), period: doc.period, companyId: doc.companyId, task: 'embeddings', model, cached: use.sentTokens === 0,
        fallbackUsed: false, ...usage, usd, estimated: true, outcome: 'ok',
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

    /**
     * GraphRAG: the findings' legal basis and the company's earlier findings, from the graph into findings.json;
     * with an embeddings model, also the articles and memos nearest to each finding by meaning.
     */
    async groundNarrative(input: GroundingInput): Promise<{ articles: number; previousMonths: number }> {
      const logger = activityLogger(log, input);
      await ensureReferenceGraph(graph, await (reference ??= readReferenceGraph(config.LAW_ARTICLES_FILE)));
      const doc = await readFindingsDoc(objects, input.findingsKey);
      const { grounding, embeddings } = await retrieveGrounding(graph, doc, semantic).catch(async (err: unknown) => {
        // Search by meaning only adds context: without it the prompt still has the linked articles.
        logger.warn({ event: 'semantic_search_failed', error: String(err) }, 'semantic search failed; grounding without it');
        return retrieveGrounding(graph, doc);
      });
      if (embeddings && semantic) await meterEmbeddings(doc, semantic.embedder.model, embeddings);
      await writeFindingsDoc(objects, input.findingsKey, { ...doc, grounding });
      logger.info(
        {
          event: 'grounding_retrieved',
          articles: grounding.articles.map((a) => a.id),
          previous_months: grounding.previousMonths.map((m) => m.period),
          ...(embeddings ? { embedded_texts: embeddings.texts, embedding_cache_hits: embeddings.hits } : {}),
        },
        'grounding retrieved',
      );
      return { articles: grounding.articles.length, previousMonths: grounding.previousMonths.length };
    },
  };
}
