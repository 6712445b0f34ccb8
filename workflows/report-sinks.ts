// Business metrics from workflow code go out through sinks: no I/O in the workflow, and (with
// callDuringReplay off on the worker) a replay never counts a report twice.
import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { ReportStatus, ReviewEvent } from '../lib/observability/metrics';

export interface ReportSinks extends Sinks {
  reportMetrics: {
    started(companyId: string): void;
    finished(companyId: string, status: ReportStatus, durationSeconds: number): void;
    /** The monthly batch started: the scheduler's heartbeat. */
    batchStarted(): void;
    /** Review before sending: a draft waits for its accountant, passed its deadline, or went out unapproved. */
    review(event: ReviewEvent): void;
  };
}

export const { reportMetrics } = proxySinks<ReportSinks>();
