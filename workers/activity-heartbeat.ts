// Every running activity heartbeats while its worker process lives. A worker that dies (SIGKILL, OOM, node loss)
// stops heartbeating, so Temporal retries its activities after the heartbeat timeout instead of waiting out
// the whole start-to-close timeout. The beats are also how a cancellation arrives: the server answers a heartbeat
// with "cancel requested", and the SDK then aborts the activity's cancellationSignal (activity-cancellation.ts).
// The interval must stay well below the shortest heartbeat timeout (15 s, workflows/activity-proxies.ts), and the
// worker must not throttle beats beyond it (activityCapacity in report-worker.ts). Errors pass through untouched:
// Temporal tells a cancellation from a failure by the error the activity ends with.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export function activityHeartbeat(intervalMs: number): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const timer = setInterval(() => ctx.heartbeat(), intervalMs);
        try {
          return await next(input);
        } finally {
          clearInterval(timer);
        }
      },
    },
  });
}
