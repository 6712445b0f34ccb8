// `npm run replay -- history.json [...]`: replays histories (e.g. downloaded from the Web UI) against the
// current workflow code. A non-zero exit means the code would not replay that run: a determinism break.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

async function main(): Promise<void> {
  const files = process.argv.slice(2).filter((a) => a !== '--');
  if (files.length === 0) throw new Error('usage: npm run replay -- <history.json> [more.json ...]');
  const histories = await Promise.all(
    files.map(async (file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromJSON(JSON.parse(await readFile(file, 'utf8'))),
    })),
  );
  let failed = 0;
  for await (const result of Worker.runReplayHistories({ workflowsPath: require.resolve('../workflows') }, histories)) {
    if (result.error) {
      failed++;
      console.error(`✗ ${result.workflowId}: ${result.error.message}`);
    } else {
      console.log(`✓ ${result.workflowId} replays`);
    }
  }
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
