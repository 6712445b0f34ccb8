// The console process: `npm run console`. Serves the pages and the API until SIGINT/SIGTERM.
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { configuredLogger } from '../lib/logging';
import { startMetricsServer } from '../lib/observability/metrics-server';
import { setupTracing } from '../lib/observability/tracing';
import { createConsoleDeps } from './console-deps';
import { buildConsoleServer } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = configuredLogger(config);
  const tracing = setupTracing(config);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, plugins: [tracing.plugin] });
  const { deps, close } = await createConsoleDeps(config, temporal, log);
  const { app } = await buildConsoleServer(deps);
  await app.listen({ host: config.CONSOLE_HOST, port: config.CONSOLE_PORT });
  const metricsServer =
    config.CONSOLE_METRICS_PORT > 0 ? await startMetricsServer(deps.metrics.registry, { port: config.CONSOLE_METRICS_PORT }) : undefined;
  log.info({ event: 'console_started', address: `http://${config.CONSOLE_HOST}:${config.CONSOLE_PORT}` }, 'console ready');
  const stop = async () => {
    await app.close();
    await metricsServer?.close();
    await close();
    await connection.close();
    await tracing.shutdown();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
