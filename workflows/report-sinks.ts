// Business metrics from workflow code go out through sinks: no I/O in the workflow, and (with
// callDuringReplay off on the worker) a replay never counts a report twice.
import { proxySinks, type Sinks } from '@temporalio/workflow';

export type ReportOutcome = 'success' | 'failed' | 'data_error';

export interface ReportSinks extends Sinks {
  reportMetrics: {
    started(companyId: string): void;
    finished(companyId: string, status: ReportOutcome, durationSeconds: number): void;
    /** The monthly batch started: the scheduler's heartbeat. */
    batchStarted(): void;
  };
}

export const { reportMetrics } = proxySinks<ReportSinks>();
