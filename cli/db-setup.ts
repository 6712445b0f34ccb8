// `npm run db:setup`: creates or upgrades the PostgreSQL tables (audit log, API tokens) as the owner login
// DATABASE_OWNER_URL, and grants DATABASE_CONSOLE_ROLE, DATABASE_WORKER_ROLE, DATABASE_AUDIT_ROLE and
// DATABASE_BACKUP_ROLE (each optional, each an existing login) their role's privileges (lib/storage/pg-roles.ts);
// AUDIT_RETENTION becomes the floor below which not even the audit job's login can prune.
// Idempotent: run on every install and upgrade (the chart's setup Job does). Exit 0 when done, 2 on an error.
import { loadConfig } from '../lib/config';
import { configuredLogger } from '../lib/logging';
import { setupDatabase } from '../lib/storage/pg-roles';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = configuredLogger(config, process.stderr);
  if (!config.DATABASE_OWNER_URL) throw new Error('db:setup works as the owner login: set DATABASE_OWNER_URL');
  const granted = await setupDatabase(
    config.DATABASE_OWNER_URL,
    {
      console: config.DATABASE_CONSOLE_ROLE,
      worker: config.DATABASE_WORKER_ROLE,
      audit: config.DATABASE_AUDIT_ROLE,
      backup: config.DATABASE_BACKUP_ROLE,
    },
    config.AUDIT_RETENTION,
    log,
  );
  console.log(`database set up: tables and functions owned by the owner login; ${granted.length} role(s) granted`);
  for (const line of granted) console.log(`  ${line}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
