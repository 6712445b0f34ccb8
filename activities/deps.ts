// What the activities need from the outside world; built once per worker process (workers/).
import type { AuditLog } from '../lib/audit/audit-log';
import type { LlmCache } from '../lib/llm/llm-cache';
import type { PriceTable } from '../lib/llm/llm-prices';
import type { UsageLedger } from '../lib/llm/usage-ledger';
import type { AppConfig } from '../lib/config';
import type { ErpSource } from '../lib/erp/erp-source';
import type { GraphStore } from '../lib/graph/graph-store';
import type { Logger } from '../lib/logging';
import type { TaxMetrics } from '../lib/observability/metrics';
import type { MailTransport } from '../lib/mail/mail-transport';
import type { QueryCatalog } from '../lib/rdf/query-catalog';
import type { PdfRenderer } from '../lib/report/pdf-renderer';
import type { TaxRuleEngine } from '../lib/rules/tax-rule-engine';
import type { ObjectStore } from '../lib/storage/object-store';
import type { LedgerValidator } from '../lib/validation/ledger-validator';

export interface ActivityDeps {
  config: AppConfig;
  graph: GraphStore;
  objects: ObjectStore;
  mail: MailTransport;
  validator: LedgerValidator;
  rules: TaxRuleEngine;
  /** The pipeline's SPARQL of shapes/ (metrics, figures, account totals), read once. */
  queries: QueryCatalog;
  metrics: TaxMetrics;
  /** USD per 1M tokens by model. */
  prices: PriceTable;
  /** Validated answers and embeddings, shared by all workers when Redis is configured. */
  llmCache: LlmCache;
  /** Every LLM outcome: the daily budget and the cost report read it. */
  llmUsage: UsageLedger;
  /** The worker's warm Chromium, launched on first use. */
  renderer: () => Promise<PdfRenderer>;
  log: Logger;
  /** Records every generated report (the console records views and downloads). */
  audit: AuditLog;
  /**
   * The ERP drop (ERP_DATA_DIR, STANDARD_CHART), with the keys when encryption at rest is configured: it seals and
   * opens the ledgers (the object store seals on its own).
   */
  erp: ErpSource;
  /**
   * The running activity's cancellation signal (undefined outside an activity). `graph`, `mail` and `renderer`
   * already abort on it; this is for calls built from config in the activities, such as the LLM endpoint's `signal`.
   */
  cancellation?: () => AbortSignal | undefined;
}
