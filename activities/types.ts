// Inputs and outputs of the activities: plain JSON, references only (graph IRIs, storage keys), never ledgers or PDFs.
import type { DataQualityViolation, RiskLevel } from '../lib/domain/findings';
import type { LlmTask } from '../lib/llm/prompts';

export interface CompanyMonth {
  companyId: string;
  /** YYYY-MM */
  period: string;
}

export type { StagedLedger as ExtractResult } from '../lib/pipeline/ledger-loading';

export interface ValidateInput extends CompanyMonth {
  stagingGraph: string;
}

export interface ValidateResult {
  /** The company-month graph, now holding the validated ledger. */
  graph: string;
  /** Data-quality warnings (they do not block the report). */
  warnings: DataQualityViolation[];
}

/** Details carried by the non-retryable DataValidationError failure. */
export interface DataValidationDetails {
  findingsKey: string;
  violations: number;
  warnings: number;
  sample: string[];
}

export interface AnalyzeInput extends CompanyMonth {
  graph: string;
  warnings: DataQualityViolation[];
}

export interface AnalyzeResult {
  findingsKey: string;
  riskLevel: RiskLevel;
  findingCount: number;
  /** Each narrative task's fallback chain, strongest first; empty when no LLM is configured. */
  llmChains?: Record<LlmTask, string[]>;
  /** The single chain of runs recorded before the narrative had tasks. */
  narrativeModels?: string[];
}

export interface GroundingInput extends CompanyMonth {
  findingsKey: string;
}

export interface NarrativeInput extends CompanyMonth {
  findingsKey: string;
  /** Absent in runs recorded before the tasks existed: the summary. */
  task?: LlmTask;
  /** A model name, or 'offline' for the deterministic narrative. */
  model: string;
  fallbackUsed: boolean;
}

export interface NarrativeResult {
  model: string;
  /** Answered from the cache: no model call. */
  cached?: boolean;
  inputTokens: number;
  outputTokens: number;
}

export interface RenderInput extends CompanyMonth {
  findingsKey: string;
}

export interface RenderResult {
  pdfKey: string;
  bytes: number;
}

export interface DeliverInput extends CompanyMonth {
  pdfKey: string;
  findingsKey: string;
  /** Idempotency key of the delivery: the workflow id, so retries and replays never send twice. */
  deliveryId: string;
}

export interface DeliverResult {
  recipients: number;
  sent: number;
  alreadySent: number;
  messageIds: string[];
  outboxPaths: string[];
}

export interface LedgerMissingInput extends CompanyMonth {
  /** How long the run waited for the file. */
  waitedMs: number;
  /** Idempotency key of the notice: the run, so a retry or replay never sends it twice. */
  deliveryId: string;
}
