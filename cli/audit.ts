// `npm run audit:verify [-- --file PATH]`: checks the audit log's hash chain; exit 0 when intact, 1 with one line per problem.
// `npm run audit:prune [-- --file PATH]`: removes records older than AUDIT_RETENTION, keeping the chain verifiable.
// `npm run audit:checkpoint [-- --file PATH]`: verifies the chain as it stands and signs a first (or fresh) checkpoint.
// The log is the `audit_log` table with DATABASE_URL, else AUDIT_LOG_FILE; --file names a log file instead of either.
// With AUDIT_CHECKPOINT_KEY (the audit job's), verify and prune also check the chain against the last signed
// checkpoint (missing, forged or older than AUDIT_CHECKPOINT_MAX_AGE fails) and, when it holds, sign a new one
// (lib/audit/audit-checkpoint.ts). `checkpoint` is the operator's acceptance of the chain as it is: at install,
// after a restore, or after the job was down longer than the maximum age; a forged checkpoint still fails it.
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { useCheckpoint } from '../lib/audit/audit-checkpoint';
import { createAuditLog } from '../lib/audit/create-audit-log';
import type { AuditLog, CheckpointUse } from '../lib/audit/audit-log';
import { loadConfig, type AppConfig } from '../lib/config';
import { configuredLogger } from '../lib/logging';

const USAGE = 'usage: tsx cli/audit.ts verify|prune|checkpoint [--file PATH]';
const COMMANDS = ['verify', 'prune', 'checkpoint'] as const;
type Command = (typeof COMMANDS)[number];

/** What the stored checkpoint allows: the link to check against and whether to sign anew, or why not. */
type Opened = { use?: CheckpointUse; problems: string[] };

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { file: { type: 'string' } } });
  const [command] = positionals as [Command];
  if (positionals.length !== 1 || !COMMANDS.includes(command)) throw new Error(USAGE);
  const config = loadConfig();
  // Logs go to stderr: stdout carries the result.
  const log = configuredLogger(config, process.stderr);
  const audit = values.file
    ? createAuditLog({ file: path.resolve(values.file), log })
    : createAuditLog({ file: config.AUDIT_LOG_FILE, databaseUrl: config.DATABASE_URL, log });
  try {
    if (command === 'checkpoint' && !config.AUDIT_CHECKPOINT_KEY) throw new Error('a checkpoint is signed with AUDIT_CHECKPOINT_KEY: set it');
    const opened = await openCheckpoint(audit, config, command === 'checkpoint');
    return command === 'prune' ? await prune(audit, config.AUDIT_RETENTION, opened) : await verify(audit, opened);
  } finally {
    await audit.close();
  }
}

async function openCheckpoint(audit: AuditLog, config: AppConfig, renew: boolean): Promise<Opened> {
  const key = config.AUDIT_CHECKPOINT_KEY;
  return key ? useCheckpoint(audit, { key, maxAgeMs: config.AUDIT_CHECKPOINT_MAX_AGE, now: new Date(), renew }) : { problems: [] };
}

async function verify(audit: AuditLog, opened: Opened): Promise<number> {
  const checked = await audit.verify(opened.use);
  const problems = [...opened.problems, ...checked.problems];
  if (problems.length === 0) {
    const range = checked.records > 0 ? `, seq ${checked.firstSeq}..${checked.lastSeq}` : '';
    console.log(`audit log OK: ${checked.records} records${range}`);
    if (opened.use?.sign) console.log(`checkpoint signed: seq ${checked.lastSeq ?? 0}`);
    return 0;
  }
  console.log(`audit log FAILED verification (${checked.records} records):`);
  for (const problem of problems) console.log(`  ${problem}`);
  return 1;
}

async function prune(audit: AuditLog, retentionMs: number, opened: Opened): Promise<number> {
  if (opened.problems.length > 0) throw new Error(`refusing to prune: ${opened.problems.join('; ')}`);
  const before = new Date(Date.now() - retentionMs);
  const { removed } = await audit.prune(before, `cli:${userInfo().username}`, opened.use);
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
