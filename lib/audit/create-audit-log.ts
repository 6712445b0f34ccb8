/** The audit log the configuration names: PostgreSQL when a database URL is given, else the JSON-lines file. */
import type { Logger } from '../logging';
import type { AuditLog } from './audit-log';
import { FileAuditLog } from './file-audit-log';
import { PgAuditLog } from './pg-audit-log';

export function createAuditLog(opts: { file: string; databaseUrl?: string; log: Logger; now?: () => Date }): AuditLog {
  return opts.databaseUrl ? new PgAuditLog(opts.databaseUrl, opts.log, opts.now) : new FileAuditLog(opts.file, opts.log, opts.now);
}
