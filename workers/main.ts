// The worker process: `npm run worker`. Ctrl-C / SIGTERM drain running activities before exit.
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { TaxMetrics } from '../lib/observability/metrics';
import { startMetricsServer } from '../lib/observability/metrics-server';
import { setupTracing } from '../lib/observability/tracing';
import { createReportWorker } from './report-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    ...(config.TEMPORAL_METRICS_PORT > 0
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.TEMPORAL_METRICS_PORT}` } } } }
      : {}),
  });
  const tracing = setupTracing(config);
  const metrics = new TaxMetrics();
  const metricsServer = config.METRICS_PORT > 0 ? await startMetricsServer(metrics.registry, { port: config.METRICS_PORT }) : undefined;
  const { run } = await createReportWorker(config, { tracing, metrics });
  await run();
  await metricsServer?.close();
  await tracing.shutdown();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
