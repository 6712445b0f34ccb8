// The pipeline's Prometheus metrics, with the names and labels of the operations design, on a registry of
// their own (no prom-client globals), recorded once per business event.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ReportStatus = 'success' | 'failed' | 'data_error' | 'cancelled';
export type ReviewEvent = 'draft' | 'overdue' | 'sent_unapproved';
/**
 * The five agents of a run (data, validation, analysis, report, delivery): every activity is timed and its failures
 * counted under one of them (workers/activity-metrics.ts), as the label agent_name of tax_agent_execution_seconds and
 * agent of tax_error_total.
 */
export type AgentName = 'data' | 'validation' | 'analysis' | 'report' | 'delivery';

export class TaxMetrics {
  readonly registry = new Registry();
  private readonly reports = new Counter({
    name: 'tax_report_total',
    help: 'Company-month reports finished, by outcome',
    labelNames: ['company_id', 'status'],
    registers: [this.registry],
  });
  private readonly reviewEvents = new Counter({
    name: 'tax_report_review_total',
    help: 'Review before sending: drafts that reached review (draft), were past the review deadline (overdue) and were sent unapproved by policy (sent_unapproved)',
    labelNames: ['event'],
    registers: [this.registry],
  });
  private readonly reportDuration = new Histogram({
    name: 'tax_report_duration_seconds',
    help: 'Time from the start of a company-month workflow to its end',
    labelNames: ['company_id'],
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800],
    registers: [this.registry],
  });
  private readonly agentSeconds = new Histogram({
    name: 'tax_agent_execution_seconds',
    help: 'Execution time of one successful step (activity) of a run',
    labelNames: ['agent_name'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  private readonly llmTokens = new Counter({
    name: 'tax_llm_tokens_total',
    help: 'LLM tokens by model and direction',
    labelNames: ['model', 'type'],
    registers: [this.registry],
  });
  private readonly llmCost = new Counter({
    name: 'tax_llm_cost_usd',
    help: 'LLM spend in USD by model, from the price table',
    labelNames: ['model'],
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'tax_error_total',
    help: 'Failed step attempts by error type and step',
    labelNames: ['error_type', 'agent'],
    registers: [this.registry],
  });
  private readonly llmErrors = new Counter({
    name: 'tax_llm_error_total',
    help: 'Failed LLM calls by model and error type',
    labelNames: ['model', 'error_type'],
    registers: [this.registry],
  });
  private readonly llmCacheLookups = new Counter({
    name: 'tax_llm_cache_total',
    help: 'LLM answer and embedding cache lookups, by result (hit: no model call, 0 tokens)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly llmNarratives = new Counter({
    name: 'tax_llm_narrative_total',
    help: 'Narrative parts written, by task and by who wrote them (model name or offline) and whether a fallback was used',
    labelNames: ['task', 'model', 'fallback'],
    registers: [this.registry],
  });
  private readonly llmBudgetSpent = new Gauge({
    name: 'tax_llm_budget_spent_usd',
    help: "Today's LLM spend (Asia/Seoul day) from the shared call ledger, as last read by this worker",
    registers: [this.registry],
  });
  private readonly llmBudgetLimit = new Gauge({
    name: 'tax_llm_budget_limit_reached',
    help: '1 while the daily LLM spend is at or over the limit (soft: warning; hard: only the cheapest model or offline)',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  private readonly llmBudgetDowngrades = new Counter({
    name: 'tax_llm_budget_downgrade_total',
    help: 'Model calls skipped because the hard daily budget was reached, by task and skipped model',
    labelNames: ['task', 'model'],
    registers: [this.registry],
  });
  private readonly deadlinesUncovered = new Counter({
    name: 'tax_deadline_calendar_uncovered_total',
    help: 'Filing deadlines reported without a date because their year is not in the holiday calendar (shapes/tax/holidays.ttl)',
    registers: [this.registry],
  });
  private readonly calendarLastYear = new Gauge({
    name: 'tax_deadline_calendar_last_year',
    help: 'The last year the holiday calendar (shapes/tax/holidays.ttl) of this worker covers',
    registers: [this.registry],
  });
  private readonly schedulerHeartbeatGauge = new Gauge({
    name: 'tax_scheduler_heartbeat_timestamp_seconds',
    help: 'Unix time when a monthly batch (scheduled, backfilled or by hand) last started on this worker',
    registers: [this.registry],
  });
  private readonly inProgress = new Gauge({
    name: 'tax_reports_in_progress',
    help: 'Company-month workflows this worker has seen start and not yet finish',
    registers: [this.registry],
  });
  /** Runs started here; a run resumed on this worker after a restart is not counted in progress twice. */
  private readonly running = new Set<string>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // The offline series exist from the start, so an alert on their increase sees the first one.
    for (const task of ['insights', 'summary']) this.llmNarratives.inc({ task, model: 'offline', fallback: 'true' }, 0);
    for (const event of ['draft', 'overdue', 'sent_unapproved'] as const) this.reviewEvents.inc({ event }, 0);
  }

  reportStarted(runId: string): void {
    if (this.running.has(runId)) return;
    this.running.add(runId);
    this.inProgress.inc();
  }

  reportFinished(runId: string, companyId: string, status: ReportStatus, durationSeconds: number): void {
    if (this.running.delete(runId)) this.inProgress.dec();
    this.reports.inc({ company_id: companyId, status });
    this.reportDuration.observe({ company_id: companyId }, durationSeconds);
  }

  reviewEvent(event: ReviewEvent): void {
    this.reviewEvents.inc({ event });
  }

  agentFinished(agent: AgentName, seconds: number): void {
    this.agentSeconds.observe({ agent_name: agent }, seconds);
  }

  agentFailed(agent: AgentName, errorType: string): void {
    this.errors.inc({ error_type: errorType, agent });
  }

  llmUsage(model: string, usage: { inputTokens: number; cachedInputTokens: number; outputTokens: number }, usd: number): void {
    this.llmTokens.inc({ model, type: 'input' }, usage.inputTokens - usage.cachedInputTokens);
    this.llmTokens.inc({ model, type: 'cached_input' }, usage.cachedInputTokens);
    this.llmTokens.inc({ model, type: 'output' }, usage.outputTokens);
    this.llmCost.inc({ model }, usd);
  }

  llmCache(result: 'hit' | 'miss', count = 1): void {
    this.llmCacheLookups.inc({ result }, count);
  }

  llmNarrative(task: string, model: string, fallbackUsed: boolean): void {
    this.llmNarratives.inc({ task, model, fallback: String(fallbackUsed) });
  }

  llmBudget(spentUsd: number, soft: boolean, hard: boolean): void {
    this.llmBudgetSpent.set(spentUsd);
    this.llmBudgetLimit.set({ limit: 'soft' }, soft ? 1 : 0);
    this.llmBudgetLimit.set({ limit: 'hard' }, hard ? 1 : 0);
  }

  llmBudgetDowngrade(task: string, model: string): void {
    this.llmBudgetDowngrades.inc({ task, model });
  }

  llmError(model: string, errorType: string): void {
    this.llmErrors.inc({ model, error_type: errorType });
  }

  deadlineCalendarUncovered(count: number): void {
    this.deadlinesUncovered.inc(count);
  }

  deadlineCalendarCovers(lastYear: number): void {
    this.calendarLastYear.set(lastYear);
  }

  schedulerHeartbeat(at: Date): void {
    this.schedulerHeartbeatGauge.set(at.getTime() / 1000);
  }
}
