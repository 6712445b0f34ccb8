// Child process of probeInChild (audit-bulk.ts): runs verify or prune on the log named by the environment and prints
// the result with the heap before and at its sampled peak. Started with a capped heap and --expose-gc.
import { createAuditLog } from '../../lib/audit/create-audit-log';
import { createLogger } from '../../lib/logging';

const MB = 1024 * 1024;

async function main(): Promise<void> {
  const [op, before] = process.argv.slice(2);
  const audit = createAuditLog({
    file: process.env.PROBE_AUDIT_FILE || '/nonexistent/unused.jsonl',
    databaseUrl: process.env.PROBE_DATABASE_URL || undefined,
    log: createLogger('silent'),
  });
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().heapUsed));
  const sampler = setInterval(sample, 1);
  try {
    const result = op === 'verify' ? await audit.verify() : await audit.prune(new Date(before!), 'memory-probe');
    sample();
    console.log(JSON.stringify({ result, baseMB: +(base / MB).toFixed(1), peakMB: +(peak / MB).toFixed(1) }));
  } finally {
    clearInterval(sampler);
    await audit.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
