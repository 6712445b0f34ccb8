// `tsx scripts/build-workflow-bundle.ts [out]`: bundles workflows/ once, at image build time, into
// dist/workflow-bundle.js. The worker loads it with `workflowBundle: { codePath }` when WORKFLOW_BUNDLE_PATH
// is set, so a pod starts without webpack and every pod of one image runs byte-identical workflow code.
import { bundleWorkflowCode } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setupTracing } from '../lib/observability/tracing';

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  // The same plugins the worker registers: their bundler hooks add the workflow interceptor modules
  // (OpenTelemetry) that a worker ignores when it is handed a prebuilt bundle.
  const tracing = setupTracing({ OTEL_SERVICE_NAME: 'tax-reports-bundler' });
  try {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      plugins: [tracing.plugin],
    });
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, code);
    const sha256 = createHash('sha256').update(code).digest('hex');
    console.log(`workflow bundle ${out} (${(code.length / 1024).toFixed(0)} KiB, sha256 ${sha256})`);
  } finally {
    await tracing.shutdown();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
