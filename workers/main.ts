// The worker process: `npm run worker`. Ctrl-C / SIGTERM drain running activities before exit.
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { setupTracing } from '../lib/observability/tracing';
import { createReportWorker } from './report-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const tracing = setupTracing(config);
  const { run } = await createReportWorker(config, { tracing });
  await run();
  await tracing.shutdown();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
