// `npm run dev-stack`: the local Temporal dev server (SQLite under .data/, Web UI on 8233) until Ctrl-C.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DATA_DIR } from './paths';
import { startDevServer } from './temporal-dev-server';

async function main(): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  console.log('starting temporal dev server (first start can take a while) ...');
  const server = await startDevServer({
    port: 7233,
    uiPort: 8233,
    dbFile: path.join(DATA_DIR, 'temporal.db'),
    reuseExisting: true,
  });
  if (!server.owned) {
    console.log(`a Temporal server already answers on ${server.address}; nothing to start`);
    return;
  }
  console.log(`Temporal ready on ${server.address}; Web UI ${server.uiUrl}. Ctrl-C stops it.`);
  const stop = async () => {
    console.log('\nstopping temporal dev server ...');
    await server.stop();
    process.exit(0);
  };
  // A signal listener cannot be awaited: a failed stop is reported, and the process still ends.
  const onSignal = () =>
    void stop().catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
