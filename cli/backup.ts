// `npm run backup`: one backup set of the graph, the report store and the audit log into the backup store
// (BACKUP_S3_BUCKET/BACKUP_S3_PREFIX, else BACKUP_DIR); prints its id and counts. Exit 0 when the set is complete
// (its manifest written), 1 otherwise. The scheduled run is the chart's backup CronJob.
import { createBackup } from '../lib/backup/create-backup';
import { createBackupStore, describeBackupStore, openStack } from '../lib/backup/backup-stores';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logging';

async function main(): Promise<void> {
  if (process.argv.length > 2) throw new Error('usage: tsx cli/backup.ts (no arguments: the settings come from the environment)');
  const config = loadConfig();
  // Logs go to stderr: stdout carries the result.
  const stack = openStack(config, createLogger(config.LOG_LEVEL, process.stderr));
  const backups = createBackupStore(config);
  try {
    const manifest = await createBackup(stack, backups);
    const statements = manifest.graphs.reduce((sum, g) => sum + g.statements, 0);
    console.log(
      `backup ${manifest.id} complete in ${describeBackupStore(config)}: ${manifest.graphs.length} graphs (${statements} statements), ` +
        `${manifest.reports.objects} report objects, ${manifest.audit.records} audit records`,
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
