// Times every activity under its agent (AgentName) and counts its failed attempts by agent and error type.
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { AgentName, TaxMetrics } from '../lib/observability/metrics';

const AGENT_OF: Record<keyof Activities, AgentName> = {
  listCompanyPage: 'data',
  extractLedger: 'data',
  loadEarlierMonths: 'data',
  validateLedger: 'validation',
  analyzeLedger: 'analysis',
  groundNarrative: 'analysis',
  rankByMeaning: 'analysis',
  applyGrounding: 'analysis',
  prepareNarrative: 'analysis',
  callNarrativeModel: 'analysis',
  applyNarrative: 'analysis',
  writeOfflineNarrative: 'analysis',
  renderReport: 'report',
  renderDataQualityReport: 'report',
  deliverReport: 'delivery',
  deliverDataQualityReport: 'delivery',
  deliverLedgerMissingNotice: 'delivery',
  deliverRunFailureNotice: 'delivery',
  deliverBatchSummary: 'delivery',
  reviseNarrative: 'report',
  recordApproval: 'report',
  notifyReviewOverdue: 'delivery',
};

export function activityMetrics(metrics: TaxMetrics): ActivityInterceptorsFactory {
  return (ctx: Context) => {
    const agent = AGENT_OF[ctx.info.activityType as keyof Activities] ?? 'data';
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const started = performance.now();
        try {
          const result = await next(input);
          metrics.agentFinished(agent, (performance.now() - started) / 1000);
          return result;
        } catch (err) {
          // A cancelled activity was stopped on purpose: no failure to count or alert on.
          if (!(err instanceof CancelledFailure)) metrics.agentFailed(agent, errorType(err));
          throw err;
        }
      },
    };
    return { inbound };
  };
}

function errorType(err: unknown): string {
  if (err instanceof ApplicationFailure && err.type) return err.type;
  return err instanceof Error ? err.name : 'Unknown';
}
