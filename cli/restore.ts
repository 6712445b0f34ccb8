// `npm run restore -- <backup-id | latest> [--force]`: a backup set from the backup store into the configured graph
// store, report store and audit log. Refuses an incomplete or damaged set (every file's sha256 is checked before
// anything is written) and, without --force, a stack that already holds data. Stop the workers and the console first.
// Exit 0: restored; 1: refused or failed (the reason on stderr).
import { parseArgs } from 'node:util';
import { createBackupStore, openStack } from '../lib/backup/backup-stores';
import { findBackup, restoreBackup } from '../lib/backup/restore-backup';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logging';

const USAGE = 'usage: tsx cli/restore.ts <backup-id | latest> [--force]';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
  if (positionals.length !== 1) throw new Error(USAGE);
  const config = loadConfig();
  const stack = openStack(config, createLogger(config.LOG_LEVEL, process.stderr));
  const backups = createBackupStore(config);
  try {
    const manifest = await findBackup(backups, positionals[0]!);
    const restored = await restoreBackup(backups, manifest, stack, { force: values.force });
    const audit = restored.auditRecords === undefined ? 'audit log left as it was (not empty)' : `${restored.auditRecords} audit records`;
    console.log(
      `restored backup ${restored.id} (taken ${manifest.createdAt} from ${manifest.source.graph}): ` +
        `${restored.graphs} graphs (${restored.statements} statements), ${restored.objects} report objects, ${audit}; the audit log verifies`,
    );
  } finally {
    await stack.close();
    backups.close?.();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
