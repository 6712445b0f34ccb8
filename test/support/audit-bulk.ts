// Long audit logs for the bounded-memory tests: a valid chain written through the store's own bulk path
// (importChain, what a restore uses), and verify or prune run in a child process whose heap is capped, so an
// implementation that loads the whole log fails with an out-of-memory exit instead of passing slowly.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildRecord, linkOf, type ChainLink } from '../../lib/audit/audit-chain';
import type { AuditLog, AuditRecord } from '../../lib/audit/audit-log';
import { PROJECT_ROOT } from '../../lib/config';

const PROBE = join(PROJECT_ROOT, 'test/support/audit-memory-probe.ts');
/** Old space the child may use: a fraction of what 100,000 records take once loaded (measured in docs/security.md). */
export const HEAP_CAP_MB = 48;

/** Record `i` of a long log, about as large as the console's: a target, an address and some details. */
function recordAt(i: number, prev: ChainLink | undefined, ts: number): AuditRecord {
  return buildRecord(
    {
      action: i % 3 ? 'report.viewed' : 'api_key.used',
      actor: `analyst${i % 97}@tax-firm.example`,
      role: 'analyst',
      target: `c${String(i % 500).padStart(4, '0')}/2025-${String((i % 12) + 1).padStart(2, '0')}`,
      outcome: 'success',
      sourceIp: `10.1.${i % 250}.${i % 200}`,
      details: { tokenId: `t${i % 1000}`, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36', attempt: i },
    },
    prev,
    new Date(ts),
  );
}

/** Records 1..count, one second apart from `t0`, generated as they are consumed. */
function* chain(count: number, t0: number): Generator<AuditRecord> {
  let prev: ChainLink | undefined;
  for (let i = 1; i <= count; i++) {
    const record = recordAt(i, prev, t0 + i * 1000);
    prev = linkOf(record);
    yield record;
  }
}

/** Fills an empty log with `count` chained records (one second apart from t0) and their head mark. */
export async function writeLongLog(audit: AuditLog, count: number, t0: number): Promise<void> {
  let head: ChainLink | undefined;
  for (const record of chain(count, t0)) head = linkOf(record);
  async function* records(): AsyncGenerator<AuditRecord> {
    yield* chain(count, t0);
  }
  await audit.importChain({ marks: { head }, records: records() });
}

export interface ProbeResult {
  /** verify's result, or prune's. */
  result: { ok?: boolean; records?: number; removed?: number; problems?: string[] };
  /** Heap in use before the operation, and the most seen during it (sampled), in MiB. */
  baseMB: number;
  peakMB: number;
}

/** Runs verify or prune (`before`) in a child with HEAP_CAP_MB of old space; rejects when the child fails, e.g. out of memory. */
export async function probeInChild(op: 'verify' | 'prune', store: { file: string } | { databaseUrl: string }, before?: Date): Promise<ProbeResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [`--max-old-space-size=${HEAP_CAP_MB}`, '--expose-gc', '--import', 'tsx', PROBE, op, before?.toISOString() ?? ''],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        PROBE_AUDIT_FILE: 'file' in store ? store.file : '',
        PROBE_DATABASE_URL: 'databaseUrl' in store ? store.databaseUrl : '',
      },
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout) as ProbeResult;
}
