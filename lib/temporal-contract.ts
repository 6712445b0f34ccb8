// The Temporal contract: every name and shape that workflows, activities, workers, the console and the CLIs must
// agree on. Workflow ids, task queues, search attributes, signals, queries, updates, failure types and the
// inputs and results of the workflows live here and nowhere else. Pure: the workflow bundle imports it.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import declaredSearchAttributes from '../temporal-config/search-attributes.json';
import type { BatchCounts, CompanyFailure } from './domain/batch';
import type { RiskLevel } from './domain/findings';
import type { Role } from './security/roles';

// ── Workflows, ids, schedule ────────────────────────────────────────────────────────────────────────────────────

export const WORKFLOW_TYPES = { companyReport: 'monthlyCompanyReport', batch: 'monthlyReportBatch' } as const;

/** The monthly schedule (1st of the month, 09:00 Asia/Seoul) and the workflow id its batch runs under. */
export const SCHEDULE_ID = 'monthly-tax-reports';
export const BATCH_WORKFLOW_ID = 'monthly-report-batch';

/**
 * One report per company and month, whoever starts it (batch, console, `temporal workflow start`), so a second
 * start of a running month is recognised instead of run twice.
 */
export function companyReportWorkflowId(companyId: string, period: string): string {
  return `${COMPANY_REPORT_ID_PREFIX}${companyId}-${period}`;
}
export const COMPANY_REPORT_ID_PREFIX = 'tax-report-';

/** When the starter names no wait (a run started by hand): three days, the firm's usual grace period. */
export const DEFAULT_LEDGER_WAIT_MS = 72 * 60 * 60 * 1000;

// ── Task queues ─────────────────────────────────────────────────────────────────────────────────────────────────

/** The kinds of work, each on its own queue so its workers scale and rate-limit separately. */
export type WorkKind = 'orchestration' | 'llm' | 'render';

/** Workflows and graph/delivery work use the base queue; LLM and render work `<base>-llm` and `<base>-render`. */
export function taskQueueFor(base: string, kind: WorkKind): string {
  return kind === 'orchestration' ? base : `${base}-${kind}`;
}

export function taskQueues(base: string): Record<WorkKind, string> {
  return { orchestration: base, llm: taskQueueFor(base, 'llm'), render: taskQueueFor(base, 'render') };
}

// ── Search attributes ───────────────────────────────────────────────────────────────────────────────────────────
// Declared once, in temporal-config/search-attributes.json, which temporal-config/setup.sh registers on servers.

type DeclaredSearchAttribute = keyof typeof declaredSearchAttributes;
const keyword = (name: DeclaredSearchAttribute) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);

export const CompanyIdKey = keyword('CompanyId');
export const PeriodKey = keyword('Period');
export const RiskLevelKey = keyword('RiskLevel');
/** Where a running report is (waiting-for-ledger, analysing, awaiting-review, delivering): the month overview's status. */
export const ReportStageKey = keyword('ReportStage');
/** Set by the server on runs started by a schedule (also on backfills): the nominal fire time. */
export const ScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

// ── Failure types ───────────────────────────────────────────────────────────────────────────────────────────────

/** The `type` of ApplicationFailures (the `name` of the domain errors they come from) that the code branches on. */
export const FailureType = {
  DataValidation: 'DataValidationError',
  LedgerFormat: 'LedgerFormatError',
  UnknownCompany: 'UnknownCompanyError',
  InvalidId: 'InvalidIdError',
  LedgerMissing: 'LedgerMissingError',
  /** A sealed file that does not open (wrong key, tampered bytes) opens no better on a retry. */
  Decryption: 'DecryptionError',
  /** The embedded graph store at its size limit: a retry finds it no emptier (the firm belongs on GRAPHDB_URL). */
  EmbeddedGraphFull: 'EmbeddedGraphFullError',
  /** The PDF is not the one a reviewer approved: only a new draft and a new approval can fix that. */
  ApprovalMismatch: 'ApprovalMismatch',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** No retry can fix these: every activity's retry policy stops on them. */
export const NON_RETRYABLE_FAILURE_TYPES: string[] = Object.values(FailureType);

/** Domain errors of bad input that activities turn into non-retryable failures, keeping file, sheet and line. */
export const DATA_ERROR_TYPES: ReadonlySet<string> = new Set([
  FailureType.LedgerFormat,
  FailureType.InvalidId,
  FailureType.UnknownCompany,
  FailureType.LedgerMissing,
  FailureType.Decryption,
]);

/** Failures whose own report already reached the admin (the data-quality report, the missing-ledger notice). */
export const SELF_REPORTING_FAILURE_TYPES: ReadonlySet<string> = new Set([FailureType.DataValidation, FailureType.LedgerMissing]);

// ── The company run ─────────────────────────────────────────────────────────────────────────────────────────────

export interface MonthlyCompanyReportInput {
  companyId: string;
  /** YYYY-MM */
  period: string;
  /** How long to wait for a ledger that has not arrived (default: DEFAULT_LEDGER_WAIT_MS). */
  ledgerWaitMs?: number;
}

export interface MonthlyCompanyReportResult {
  companyId: string;
  period: string;
  riskLevel: RiskLevel;
  findingCount: number;
  narrativeModel: string;
  graph: string;
  findingsKey: string;
  pdfKey: string;
  outboxPaths: string[];
  emailsSent: number;
  /** The report version the customer has: 1, or higher after a re-run changed the findings (정정본). */
  version?: number;
  /** A re-run whose findings matched the delivered report: nothing was sent. */
  unchanged?: boolean;
  durationMs: number;
}

export type ReportStage =
  'extracting' | 'waiting-for-ledger' | 'validating' | 'analysing' | 'writing-narrative' | 'rendering' | 'awaiting-review' | 'delivering';

/** Where the run is: `temporal workflow query --name stage`. */
export const reportStageQuery = defineQuery<ReportStage>('stage');

/** Sent (by an upload hook, or by hand: `temporal workflow signal --name ledgerUploaded`) once the file is in place. */
export const ledgerUploadedSignal = defineSignal('ledgerUploaded');

// ── Review before sending ───────────────────────────────────────────────────────────────────────────────────────

/** Who decides, as the console authenticated them (the Temporal API itself is for operators: docs/security.md). */
export interface Reviewer {
  name: string;
  role: Role;
  /** Absent: every company. */
  companies?: string[];
}

export interface ApproveReportInput {
  reviewer: Reviewer;
  /** The draft the reviewer read: approving another one is refused. */
  draftVersion: number;
  note?: string;
}

export interface RequestChangesInput {
  reviewer: Reviewer;
  draftVersion: number;
  /** Why: kept in the run's review log. */
  comment: string;
  /** The narrative summary as the accountant rewrote it; the report is re-rendered as the next draft. */
  narrative?: string;
}

export type ReviewStage = 'awaiting-review' | 'changes-requested' | 'revising' | 'approved' | 'sent-unapproved';

/** What `temporal workflow query --name draft` and the console's review page read. */
export interface ReviewDraft {
  stage: ReviewStage;
  draftVersion: number;
  findingsKey: string;
  pdfKey: string;
  /** sha256 of the draft's PDF: what an approval approves. */
  pdfSha256: string;
  /** ISO 8601: when the admin is told, and the deadline policy applies. */
  deadlineAt: string;
  onDeadline: 'hold' | 'send';
  escalated: boolean;
  /** The latest requests for changes, oldest first (bounded). */
  requests: Array<{ reviewer: string; at: string; comment: string; draftVersion: number }>;
  approvedBy?: string;
  approvalNote?: string;
}

export const approveReportUpdate = defineUpdate<{ approvedVersion: number }, [ApproveReportInput]>('approveReport');
export const requestChangesUpdate = defineUpdate<{ draftVersion: number }, [RequestChangesInput]>('requestChanges');
/** The draft under review; undefined before the run reaches review (or when its company needs none). */
export const reviewDraftQuery = defineQuery<ReviewDraft | undefined>('draft');

// ── The month's batch ───────────────────────────────────────────────────────────────────────────────────────────
// Company runs and the batch talk by signal: the batch continues as new while its children run
// (ParentClosePolicy.ABANDON), and a signal to its workflow id reaches whichever run is current.

export type CompanyRunStatus = 'succeeded' | 'unchanged' | 'failed' | 'cancelled';

/** Why a run gave its slot back: its ledger is late, or its draft waits for the accountant's approval. */
export type WaitReason = 'ledger' | 'review';

export interface CompanyFinished {
  companyId: string;
  status: CompanyRunStatus;
  /** One line: the failure's type and message. */
  cause?: string;
  /** The run waited (the batch counted it as waiting, outside its window). */
  waited: boolean;
  /** What it waited for last; absent from runs of earlier builds, which only waited for ledgers. */
  waitedFor?: WaitReason;
}

/**
 * Child → batch: the run waits (for its ledger, or for review) and frees its slot of the window. A run that waited
 * for its ledger and then waits for review says so (`fromLedger`), so the batch moves it between its counts.
 * Runs of earlier builds send the id alone: a ledger wait.
 */
export const companyWaitingSignal = defineSignal<[companyId: string, reason?: WaitReason, fromLedger?: boolean]>('companyWaiting');

/** Child (or a joined run) → batch: the run ended. */
export const companyFinishedSignal = defineSignal<[CompanyFinished]>('companyFinished');

/** Batch → a run of the month already in progress: report your end to this batch too. */
export const joinBatchSignal = defineSignal<[batchWorkflowId: string]>('joinBatch');

export interface BatchProgress {
  period: string;
  counts: BatchCounts;
  /** Runs holding a slot now. */
  running: number;
  /** Runs waited on outside the window (late ledgers, joined runs). */
  outside: number;
  exhausted: boolean;
}

export interface MonthlyReportBatchResult extends BatchProgress {
  /** At most BATCH_LIST_CAP each; the counts are complete. */
  failed: CompanyFailure[];
  waitingForLedger: string[];
  awaitingReview: string[];
  alreadyRunning: string[];
}

/** `temporal workflow query --name progress` on the batch. */
export const batchProgressQuery = defineQuery<BatchProgress>('progress');
