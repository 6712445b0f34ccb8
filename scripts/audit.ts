// `npm run audit:verify [-- --file PATH]`: checks the audit log's hash chain; exit 0 when intact, 1 with one line per problem.
// `npm run audit:prune [-- --file PATH]`: removes records older than AUDIT_RETENTION, keeping the chain verifiable.
// The log is the `audit_log` table with DATABASE_URL, else AUDIT_LOG_FILE; --file names a log file instead of either.
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAuditLog } from '../lib/audit/create-audit-log';
import type { AuditLog } from '../lib/audit/audit-log';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logging';

const USAGE = 'usage: tsx scripts/audit.ts verify|prune [--file PATH]';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { file: { type: 'string' } } });
  const [command] = positionals;
  if (positionals.length !== 1 || (command !== 'verify' && command !== 'prune')) throw new Error(USAGE);
  const config = loadConfig();
  // Logs go to stderr: stdout carries the result.
  const log = createLogger(config.LOG_LEVEL, process.stderr);
  const audit = values.file
    ? createAuditLog({ file: path.resolve(values.file), log })
    : createAuditLog({ file: config.AUDIT_LOG_FILE, databaseUrl: config.DATABASE_URL, log });
  try {
    return command === 'verify' ? await verify(audit) : await prune(audit, config.AUDIT_RETENTION);
  } finally {
    await audit.close();
  }
}

async function verify(audit: AuditLog): Promise<number> {
  const result = await audit.verify();
  if (result.ok) {
    const range = result.records > 0 ? `, seq ${result.firstSeq}..${result.lastSeq}` : '';
    console.log(`audit log OK: ${result.records} records${range}`);
    return 0;
  }
  console.log(`audit log FAILED verification (${result.records} records):`);
  for (const problem of result.problems) console.log(`  ${problem}`);
  return 1;
}

async function prune(audit: AuditLog, retentionMs: number): Promise<number> {
  const before = new Date(Date.now() - retentionMs);
  const { removed } = await audit.prune(before, `cli:${userInfo().username}`);
  console.log(`audit log pruned: ${removed} records older than ${before.toISOString()} removed`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
