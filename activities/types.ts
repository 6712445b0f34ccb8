// Inputs and outputs of the activities: plain JSON, references only (graph IRIs, storage keys), never ledgers or PDFs.
import type { BatchCounts, BatchSummaryKind, CompanyFailure } from '../lib/domain/batch';
import type { DataQualityViolation, ReportApproval, RiskLevel } from '../lib/domain/findings';
import type { NarrativeReply, NarrativeRequest } from '../lib/llm/narrative-writer';
import type { LlmTask } from '../lib/llm/prompts';
import type { SemanticSearchReply, SemanticSearchRequest } from '../lib/llm/semantic-search';

export interface CompanyPageInput {
  /** The last company id of the previous page; absent for the first page. */
  after?: string;
  limit: number;
}

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
  /** Set when the report waits for an accountant's approval before it is sent (REVIEW_REQUIRED, company.json). */
  review?: ReviewPolicy;
}

export interface ReviewPolicy {
  /** How long the draft waits for a decision before the admin is told. */
  deadlineMs: number;
  /** What happens then: keep waiting (`hold`) or send the draft unapproved (`send`). */
  onDeadline: 'hold' | 'send';
}

/** The month whose findings.json is grounded (its key comes from the company and period). */
export type GroundingInput = CompanyMonth;

export interface GroundingResult {
  articles: number;
  previousMonths: number;
  /**
   * With an embeddings model and findings: the texts to search by meaning on the LLM queue (runs recorded before
   * the search moved there have none: it ran inside groundNarrative).
   */
  search?: SemanticSearchRequest;
}

/** The search's neighbours and embedding use, applied to findings.json and metered beside the workflows. */
export interface ApplyGroundingInput extends GroundingInput, SemanticSearchReply {
  /** The embeddings model that searched. */
  model: string;
}

export interface NarrativeInput extends CompanyMonth {
  /** Absent in runs recorded before the tasks existed: the summary. */
  task?: LlmTask;
  /** A model name, or 'offline' for the deterministic narrative. */
  model: string;
  fallbackUsed: boolean;
}

/** A part already written (offline, or from the cache), or the request for the model on the LLM queue. */
export type PreparedNarrative = { written: true; result: NarrativeResult } | { written: false; request: NarrativeRequest };

export interface ApplyNarrativeInput extends NarrativeInput {
  request: NarrativeRequest;
  /** The model's reply; absent when the model failed for good (the call is recorded as failed). */
  reply?: NarrativeReply;
}

export interface NarrativeResult {
  model: string;
  /** Answered from the cache: no model call. */
  cached?: boolean;
  inputTokens: number;
  outputTokens: number;
}

/** Storage keys derive from the company and period (reportKeys): runs pass the month, not its keys. */
export type RenderInput = CompanyMonth;

export interface RenderResult {
  pdfKey: string;
  bytes: number;
  /** sha256 of the PDF (absent in results recorded before review existed): what a reviewer approves. */
  sha256?: string;
}

/** A draft under review: its findings.json and PDF are the month's (reportKeys). */
export type DraftInput = CompanyMonth;

export interface ReviseNarrativeInput extends DraftInput {
  /** The summary as the accountant rewrote it. */
  text: string;
  reviewer: string;
  /** The draft this revision becomes. */
  draftVersion: number;
}

export interface RecordApprovalInput extends DraftInput {
  approval: ReportApproval;
}

export interface ReviewOverdueInput extends CompanyMonth {
  draftVersion: number;
  /** ISO 8601. */
  deadlineAt: string;
  onDeadline: ReviewPolicy['onDeadline'];
  workflowId: string;
  /** Idempotency key: one notice per run. */
  deliveryId: string;
}

export interface DeliverInput extends CompanyMonth {
  /** Idempotency key of the delivery: the workflow id, so retries and replays never send twice. */
  deliveryId: string;
}

export interface DeliverResult {
  recipients: number;
  sent: number;
  alreadySent: number;
  messageIds: string[];
  outboxPaths: string[];
  /** The report version now with the customer (runs recorded before versions existed have none). */
  version?: number;
  /** A re-run whose findings equal the delivered version's: nothing was sent. */
  unchanged?: boolean;
}

export interface LedgerMissingInput extends CompanyMonth {
  /** How long the run waited for the file. */
  waitedMs: number;
  /** Idempotency key of the notice: the run, so a retry or replay never sends it twice. */
  deliveryId: string;
}

/** A company-month run that failed for a cause other than its data (those send their own reports). */
export interface RunFailureNoticeInput extends CompanyMonth {
  workflowId: string;
  runId: string;
  /** The failure's type (an ApplicationFailure type, or e.g. 'TimeoutFailure') and its message. */
  errorType: string;
  cause: string;
  /** Idempotency key of the notice: the run, so a retry or replay never sends it twice. */
  deliveryId: string;
}

export type { BatchCounts, CompanyFailure } from '../lib/domain/batch';

export interface BatchSummaryInput {
  period: string;
  batchWorkflowId: string;
  kind: BatchSummaryKind;
  counts: BatchCounts;
  /** At most BATCH_LIST_CAP entries each; the counts say how many more there are. */
  failed: CompanyFailure[];
  waitingForLedger: string[];
  /** Absent from batches of earlier builds. */
  awaitingReview?: string[];
  alreadyRunning: string[];
  /** Idempotency key: the batch's workflow id and the kind. */
  deliveryId: string;
}
