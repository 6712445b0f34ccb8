// Every running activity heartbeats while its worker process lives. A worker that dies (SIGKILL, OOM, node loss)
// stops heartbeating, so Temporal retries its activities after the heartbeat timeout instead of waiting out
// the whole start-to-close timeout.
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
