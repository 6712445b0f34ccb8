import {
  ActivityFailure,
  ApplicationFailure,
  log,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AnalyzeResult, DataValidationDetails, NarrativeInput } from '../activities/types';
import type { RiskLevel } from '../lib/domain/findings';
import {
  analyzeLedger,
  deliverDataQualityReport,
  deliverReport,
  groundNarrative,
  loadEarlierMonths,
  narrativeActivities,
  renderActivities,
  validateLedger,
} from './activity-proxies';
import { extractWhenUploaded } from './ledger-arrival';
import { reportMetrics } from './report-sinks';
import { CompanyIdKey, PeriodKey, RiskLevelKey } from './search-attributes';

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
  durationMs: number;
}

/** One company's month: ETL → SHACL validation → analysis → PDF → e-mail. */
export async function monthlyCompanyReport(
  input: MonthlyCompanyReportInput,
): Promise<MonthlyCompanyReportResult> {
  const { companyId, period } = input;
  const startedAt = Date.now();
  reportMetrics.started(companyId);
  try {
    const result = await runReport(input, startedAt);
    reportMetrics.finished(companyId, 'success', result.durationMs / 1000);
    return result;
  } catch (err) {
    const dataError = err instanceof ApplicationFailure && (err.type === 'DataValidationError' || err.type === 'LedgerMissingError');
    reportMetrics.finished(companyId, dataError ? 'data_error' : 'failed', (Date.now() - startedAt) / 1000);
    throw err;
  }
}

async function runReport(input: MonthlyCompanyReportInput, startedAt: number): Promise<MonthlyCompanyReportResult> {
  const { companyId, period } = input;
  upsertSearchAttributes([
    { key: CompanyIdKey, value: companyId },
    { key: PeriodKey, value: period },
  ]);

  const extracted = await extractWhenUploaded({ companyId, period }, input.ledgerWaitMs);
  const validated = await validateLedger({ companyId, period, stagingGraph: extracted.stagingGraph }).catch(
    async (err: unknown) => {
      const details = dataValidationDetails(err);
      if (!details) throw err;
      // Bad data gets the firm's admin an explanation, not the customer a wrong report; no retry can fix it.
      // Keyed by run: a later bad run of the same month must notify again, a retry or replay must not.
      const { workflowId, runId } = workflowInfo();
      const rendered = await renderActivities().renderDataQualityReport({ companyId, period, findingsKey: details.findingsKey });
      await deliverDataQualityReport({
        companyId,
        period,
        pdfKey: rendered.pdfKey,
        findingsKey: details.findingsKey,
        deliveryId: `${workflowId}/${runId}/data-quality`,
      });
      throw ApplicationFailure.nonRetryable(
        `${companyId} ${period}: ledger failed data-quality validation (${details.violations} violations, first ${details.sample[0] ?? '-'}); the admin was sent an error report`,
        'DataValidationError',
        details,
      );
    },
  );

  await loadEarlierMonths({ companyId, period });
  const analysis = await analyzeLedger({ companyId, period, graph: validated.graph, warnings: validated.warnings });
  upsertSearchAttributes([{ key: RiskLevelKey, value: analysis.riskLevel }]);
  const narrativeModel = await writeNarrative(companyId, period, analysis);

  const rendered = await renderActivities().renderReport({ companyId, period, findingsKey: analysis.findingsKey });
  const delivered = await deliverReport({
    companyId,
    period,
    pdfKey: rendered.pdfKey,
    findingsKey: analysis.findingsKey,
    deliveryId: workflowInfo().workflowId,
  });

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
    durationMs: Date.now() - startedAt,
  };
}

/**
 * The narrative's parts: the insights (결론 per finding, next month's actions) on the strong chain, then the
 * summary on the cheap one, after grounding them in the graph. Runs recorded before the tasks existed
 * wrote one summary from one chain. Returns the summary's writer.
 */
async function writeNarrative(companyId: string, period: string, analysis: AnalyzeResult): Promise<string> {
  const { findingsKey } = analysis;
  if (!patched('llm-tasks')) return writeWithFallback({ companyId, period, findingsKey }, analysis.narrativeModels ?? []);
  const chains = analysis.llmChains ?? { insights: [], summary: [] };
  await groundNarrative({ companyId, period, findingsKey });
  await writeWithFallback({ companyId, period, findingsKey, task: 'insights' }, chains.insights);
  return writeWithFallback({ companyId, period, findingsKey, task: 'summary' }, chains.summary);
}

/**
 * One activity per model, so each attempt and each fallback shows in the history; after the last model,
 * the deterministic offline text is written; with no models, analyzeLedger's offline text stays.
 */
async function writeWithFallback(part: Omit<NarrativeInput, 'model' | 'fallbackUsed'>, models: string[]): Promise<string> {
  const { writeNarrative } = narrativeActivities();
  for (const [index, model] of models.entries()) {
    try {
      return (await writeNarrative({ ...part, model, fallbackUsed: index > 0 })).model;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('narrative model failed; falling back', { task: part.task, model, error: err.cause?.message });
    }
  }
  if (models.length === 0) return 'offline';
  return (await writeNarrative({ ...part, model: 'offline', fallbackUsed: true })).model;
}

function dataValidationDetails(err: unknown): DataValidationDetails | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === 'DataValidationError') {
    return cause.details?.[0] as DataValidationDetails | undefined;
  }
  return undefined;
}
