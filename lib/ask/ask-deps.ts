// What askGraph needs, from the configuration: the chart's accounts, the limits, and the model chain that reads
// questions when this process holds an LLM key (the narrative's cache, call ledger, prices and daily budget). The
// key, not only OPENAI_BASE_URL: the chart hands the base URL to every role but the key and the egress to the LLM
// role only, and a console without them would wait out each call before the matcher read the question.
import type { AuditLog } from '../audit/audit-log';
import type { AppConfig } from '../config';
import { loadStandardChart } from '../erp/chart';
import type { GraphStore } from '../graph/graph-store';
import { createLlmCache } from '../llm/llm-cache';
import { loadPriceTable } from '../llm/llm-prices';
import { createUsageLedger } from '../llm/usage-ledger';
import type { Logger } from '../logging';
import { accountVocabulary } from './account-concepts';
import type { AskDeps } from './ask-graph';
import { CachedDirectory } from './company-directory';
import { QuestionModel } from './question-model';

/** How long the names of the companies are kept (company-directory.ts). */
const DIRECTORY_TTL_MS = 60_000;

export async function askDepsFromConfig(config: AppConfig, graph: GraphStore, extra: { audit?: AuditLog; log?: Logger } = {}): Promise<AskDeps> {
  const accounts = accountVocabulary(await loadStandardChart(config.STANDARD_CHART));
  const chain = config.OPENAI_API_KEY ? config.LLM_QUESTION_MODELS : [];
  const interpreter =
    chain.length === 0
      ? undefined
      : new QuestionModel({
          // A person is waiting: the question's deadline, not the narrative's.
          endpoint: {
            baseURL: config.OPENAI_BASE_URL,
            apiKey: config.OPENAI_API_KEY,
            timeoutMs: Math.min(config.LLM_TIMEOUT_MS, config.ASK_TIMEOUT_MS),
          },
          chain,
          cache: createLlmCache({ redisUrl: config.REDIS_URL, dir: config.LLM_CACHE_DIR, log: extra.log }),
          usage: createUsageLedger({ redisUrl: config.REDIS_URL, dir: config.LLM_USAGE_DIR, log: extra.log }),
          prices: await loadPriceTable(config.LLM_PRICES_FILE),
          limits: { softUsd: config.LLM_BUDGET_SOFT_USD, hardUsd: config.LLM_BUDGET_HARD_USD, hardAction: config.LLM_BUDGET_HARD_ACTION },
          cacheTtlMs: config.LLM_CACHE_TTL_QUESTION,
          log: extra.log,
        });
  const limits = { maxRows: config.ASK_MAX_ROWS, timeoutMs: config.ASK_TIMEOUT_MS };
  return { graph, accounts, limits, interpreter, directory: new CachedDirectory(graph, DIRECTORY_TTL_MS), ...extra };
}
