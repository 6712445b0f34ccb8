import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  deprecatePatch,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AnalyzeResult, DataValidationDetails, GroundingInput, NarrativeInput } from '../activities/types';
import {
  analyzeLedger,
  applyGrounding,
  deliverDataQualityReport,
  deliverReport,
  deliverRunFailureNotice,
  groundNarrative,
  llmActivities,
  loadEarlierMonths,
  renderActivities,
  reviewActivities,
  applyNarrative,
  prepareNarrative,
  validateLedger,
  writeOfflineNarrative,
} from './activity-proxies';
import { batchMembership, type BatchMembership } from './batch-membership';
import { extractWhenUploaded } from './ledger-arrival';
import { reportMetrics } from './report-sinks';
import { reportReview, type ReportReview } from './report-review';
import {
  CompanyIdKey,
  type CompanyRunStatus,
  FailureType,
  type MonthlyCompanyReportInput,
  type MonthlyCompanyReportResult,
  PeriodKey,
  type ReportStage,
  ReportStageKey,
  reportStageQuery,
  type ReviewDraft,
  RiskLevelKey,
  SELF_REPORTING_FAILURE_TYPES,
} from '../lib/temporal-contract';

/**
 * One company's month: ETL → SHACL validation → analysis → PDF → e-mail. Every way it can end is reported: to the
 * batches that wait on it (by signal), and, when it fails for a cause whose own report did not already reach the
 * admin, to the admin by a notice naming the cause.
 */
export async function monthlyCompanyReport(input: MonthlyCompanyReportInput): Promise<MonthlyCompanyReportResult> {
  const { companyId, period } = input;
  const startedAt = Date.now();
  // Deprecated patches (batch-window here; split-task-queues, llm-tasks, stateless-llm-role, ledger-wait): the builds
  // before them are retired (docs/architecture.md, replay safety), and runs that carry their markers still replay.
  deprecatePatch('batch-window');
  const membership = batchMembership(companyId);
  // Runs recorded before review existed have neither the review handlers nor the stage attribute.
  const review = patched('review-before-sending') ? reportReview(companyId) : undefined;
  let stage: ReportStage = 'extracting';
  setHandler(reportStageQuery, () => stage);
  const step = (next: ReportStage) => {
    stage = next;
    // The month overview's status comes from visibility, not from a query per run.
    if (review) upsertSearchAttributes([{ key: ReportStageKey, value: next }]);
  };
  reportMetrics.started(companyId);
  try {
    const result = await runReport(input, startedAt, step, membership, review);
    reportMetrics.finished(companyId, 'success', result.durationMs / 1000);
    // Shielded like the delivery before it: a report that went out is reported as such, even to a cancelling run.
    await CancellationScope.nonCancellable(() => membership.ended(result.unchanged ? 'unchanged' : 'succeeded'));
    return result;
  } catch (err) {
    const failure = describeFailure(err);
    const status: CompanyRunStatus = isCancellation(err) ? 'cancelled' : 'failed';
    const dataError = SELF_REPORTING_FAILURE_TYPES.has(failure.type);
    reportMetrics.finished(companyId, status === 'cancelled' ? 'cancelled' : dataError ? 'data_error' : 'failed', (Date.now() - startedAt) / 1000);
    // Shielded: a cancelled run still tells its batch, and a failed one the admin.
    await CancellationScope.nonCancellable(async () => {
      if (status === 'failed' && !dataError) await noticeOfFailure(companyId, period, failure);
      await membership.ended(status, `${failure.type}: ${failure.message}`);
    });
    throw err;
  }
}

async function runReport(
  input: MonthlyCompanyReportInput,
  startedAt: number,
  step: (stage: ReportStage) => void,
  membership: BatchMembership,
  review: ReportReview | undefined,
): Promise<MonthlyCompanyReportResult> {
  const { companyId, period } = input;
  // The batch and the console start runs with their attributes; a run started with the bare CLI gets them here.
  if (workflowInfo().typedSearchAttributes.get(CompanyIdKey) === undefined) {
    upsertSearchAttributes([
      { key: CompanyIdKey, value: companyId },
      { key: PeriodKey, value: period },
    ]);
  }

  const extracted = await extractWhenUploaded({ companyId, period }, input.ledgerWaitMs, async () => {
    step('waiting-for-ledger');
    await membership.waiting();
  });
  step('validating');
  const validated = await validateLedger({ companyId, period, stagingGraph: extracted.stagingGraph }).catch(async (err: unknown) => {
    const details = dataValidationDetails(err);
    if (!details) throw err;
    // Bad data gets the firm's admin an explanation, not the customer a wrong report; no retry can fix it.
    // Keyed by run: a later bad run of the same month must notify again, a retry or replay must not.
    const { workflowId, runId } = workflowInfo();
    await renderActivities().renderDataQualityReport({ companyId, period });
    await deliverDataQualityReport({
      companyId,
      period,
      deliveryId: `${workflowId}/${runId}/data-quality`,
    });
    throw ApplicationFailure.nonRetryable(
      `${companyId} ${period}: ledger failed data-quality validation (${details.violations} violations, first ${details.sample[0] ?? '-'}); the admin was sent an error report`,
      FailureType.DataValidation,
      details,
    );
  });

  step('analysing');
  await loadEarlierMonths({ companyId, period });
  const analysis = await analyzeLedger({ companyId, period, graph: validated.graph, warnings: validated.warnings });
  upsertSearchAttributes([{ key: RiskLevelKey, value: analysis.riskLevel }]);
  step('writing-narrative');
  const narrativeModel = await writeNarrative(companyId, period, analysis);

  step('rendering');
  const rendered = await renderActivities().renderReport({ companyId, period });
  if (review && analysis.review) {
    step('awaiting-review');
    // A report waiting for a person holds no slot of the batch's window.
    await membership.waiting('review');
    const draft = { period, findingsKey: analysis.findingsKey, pdfKey: rendered.pdfKey, pdfSha256: rendered.sha256! };
    await review.awaitDecision(draft, analysis.review, (waiting) => noticeOfOverdueReview(companyId, period, waiting));
  }
  step('delivering');
  // Once sending has begun it finishes: a cancellation must not leave some recipients with the report and others without.
  const delivered = await CancellationScope.nonCancellable(() =>
    deliverReport({
      companyId,
      period,
      deliveryId: workflowInfo().workflowId,
    }),
  );

  return {
    companyId,
    period,
    riskLevel: analysis.riskLevel,
    findingCount: analysis.findingCount,
    narrativeModel,
    graph: validated.graph,
    findingsKey: analysis.findingsKey,
    pdfKey: rendered.pdfKey,
    outboxPaths: delivered.outboxPaths,
    emailsSent: delivered.sent + delivered.alreadySent,
    version: delivered.version,
    unchanged: delivered.unchanged,
    durationMs: Date.now() - startedAt,
  };
}

/**
 * The narrative's parts: the insights (결론 per finding, next month's actions) on the strong chain, then the
 * summary on the cheap one, after grounding them in the graph. Returns the summary's writer.
 */
async function writeNarrative(companyId: string, period: string, analysis: AnalyzeResult): Promise<string> {
  deprecatePatch('llm-tasks');
  const chains = analysis.llmChains ?? { insights: [], summary: [] };
  await ground({ companyId, period });
  await writeWithFallback({ companyId, period, task: 'insights' }, chains.insights);
  return writeWithFallback({ companyId, period, task: 'summary' }, chains.summary);
}

/**
 * The findings grounded in the graph beside the workflows; with an embeddings model, also searched by meaning on
 * the LLM queue (the role with the API key, under the queue's rate limit) from the texts alone, and the neighbours
 * applied beside the workflows: no vector enters the history. The search only adds context, so grounding goes on
 * without it when it fails. Runs recorded before it moved searched inside groundNarrative.
 */
async function ground(part: GroundingInput): Promise<void> {
  const { search } = await groundNarrative(part);
  if (!search || !patched('semantic-on-llm-queue')) return;
  const ranked = await llmActivities()
    .rankByMeaning(search)
    .catch((err: unknown) => {
      if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      log.warn('search by meaning failed; grounding without it', { model: search.model, error: err.cause?.message });
      return undefined;
    });
  if (ranked) await applyGrounding({ ...part, model: search.model, ...ranked });
}

/**
 * Each model in turn, so each attempt and each fallback shows in the history; after the last model, the
 * deterministic offline text is written; with no models, analyzeLedger's offline text stays.
 */
async function writeWithFallback(part: Omit<NarrativeInput, 'model' | 'fallbackUsed'>, models: string[]): Promise<string> {
  deprecatePatch('stateless-llm-role');
  // Taken here, before any model, where a run without a search first uses the LLM queue (split-task-queues).
  const llm = llmActivities();
  for (const [index, model] of models.entries()) {
    const attempt = { ...part, model, fallbackUsed: index > 0 };
    try {
      return await writeWithModel(attempt, llm);
    } catch (err) {
      // A cancelled run stops here; only a model's failure moves on to the next model.
      if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      log.warn('narrative model failed; falling back', { task: part.task, model, error: err.cause?.message });
    }
  }
  if (models.length === 0) return 'offline';
  const offline = { ...part, model: 'offline', fallbackUsed: true };
  return (await writeOfflineNarrative(offline)).model;
}

/**
 * One model's part: prepared and applied beside the workflows (findings, keys, cache, call ledger), the call made on
 * the LLM queue from the request alone. A model that fails for good is recorded as a failed call, then given up.
 */
async function writeWithModel(attempt: NarrativeInput, llm: ReturnType<typeof llmActivities>): Promise<string> {
  const prepared = await prepareNarrative(attempt);
  if (prepared.written) return prepared.result.model;
  const { request } = prepared;
  const reply = await llm.callNarrativeModel(request).catch(async (err: unknown) => {
    if (err instanceof ActivityFailure && !isCancellation(err)) await applyNarrative({ ...attempt, request });
    throw err;
  });
  return (await applyNarrative({ ...attempt, request, reply })).model;
}

function dataValidationDetails(err: unknown): DataValidationDetails | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === FailureType.DataValidation) {
    return cause.details?.[0] as DataValidationDetails | undefined;
  }
  return undefined;
}

/** The admin hears once per run that its draft is past the review deadline, and what the policy does. */
async function noticeOfOverdueReview(companyId: string, period: string, draft: ReviewDraft): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  await reviewActivities().notifyReviewOverdue({
    companyId,
    period,
    draftVersion: draft.draftVersion,
    deadlineAt: draft.deadlineAt,
    onDeadline: draft.onDeadline,
    workflowId,
    deliveryId: `${workflowId}/${runId}/review-overdue`,
  });
}

/** The admin hears of every failed month with its cause; idempotent per run, so a replay or retry sends one notice. */
async function noticeOfFailure(companyId: string, period: string, failure: { type: string; message: string }): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  try {
    await deliverRunFailureNotice({
      companyId,
      period,
      workflowId,
      runId,
      errorType: failure.type,
      cause: failure.message,
      deliveryId: `${workflowId}/${runId}/failed`,
    });
  } catch (err) {
    // Mail itself may be what failed: the TaxReportFailed alert still fires on the run's failure.
    log.error('the failure notice could not be sent', { error: String(err) });
  }
}

/** The innermost cause, named by its type: what an operator needs to tell a graph outage from a bad ledger. */
function describeFailure(err: unknown): { type: string; message: string } {
  let cause: unknown = err;
  while (cause instanceof TemporalFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'Error', message: String(cause) };
}
