/** The stores `npm run backup` reads and `npm run restore` writes, and the backup store, as the configuration names them. */
import { createAuditLog } from '../audit/create-audit-log';
import type { AppConfig } from '../config';
import { graphStoreFromConfig, type GraphStoreSettings } from '../graph/create-graph-store';
import type { Logger } from '../logging';
import { createObjectStore, s3StoreOptions, type ObjectStoreSettings, type S3Settings } from '../storage/create-object-store';
import { FsObjectStore } from '../storage/fs-object-store';
import type { ObjectStore } from '../storage/object-store';
import { S3ObjectStore } from '../storage/s3-object-store';
import type { BackupSources } from './create-backup';
import type { RestoreTargets } from './restore-backup';

export type Stack = BackupSources & RestoreTargets & { close(): Promise<void> };

type BackupStoreSettings = Pick<AppConfig, 'BACKUP_S3_BUCKET' | 'BACKUP_S3_PREFIX' | 'BACKUP_DIR'>;

/** BACKUP_S3_BUCKET under BACKUP_S3_PREFIX, else BACKUP_DIR. */
export function createBackupStore(config: BackupStoreSettings & S3Settings): ObjectStore {
  return config.BACKUP_S3_BUCKET
    ? new S3ObjectStore(s3StoreOptions(config, config.BACKUP_S3_BUCKET, config.BACKUP_S3_PREFIX))
    : new FsObjectStore(config.BACKUP_DIR);
}

export function describeBackupStore(config: BackupStoreSettings): string {
  return config.BACKUP_S3_BUCKET ? `s3://${config.BACKUP_S3_BUCKET}/${config.BACKUP_S3_PREFIX}` : config.BACKUP_DIR;
}

/**
 * The graph, the report store without keys (objects are copied as stored: a backup never decrypts, and the
 * job gets no encryption keys) and the audit log. An embedded graph without GRAPH_PERSIST_FILE lives only in
 * the process that holds it, so there is nothing to back up or restore into: refused.
 */
export function openStack(config: GraphStoreSettings & ObjectStoreSettings & Pick<AppConfig, 'AUDIT_LOG_FILE' | 'DATABASE_URL'>, log: Logger): Stack {
  if (!config.GRAPHDB_URL && !config.GRAPH_PERSIST_FILE) {
    throw new Error('the graph is in no store a backup can reach: set GRAPHDB_URL (or GRAPH_PERSIST_FILE for the embedded store)');
  }
  const graph = graphStoreFromConfig(config, log);
  const reports = createObjectStore(config);
  const audit = createAuditLog({ file: config.AUDIT_LOG_FILE, databaseUrl: config.DATABASE_URL, log });
  return {
    graph,
    reports,
    audit,
    describe: {
      graph: config.GRAPHDB_URL ?? `embedded (${config.GRAPH_PERSIST_FILE})`,
      reports: config.S3_BUCKET ? `s3://${config.S3_BUCKET}/${config.S3_PREFIX}` : config.REPORT_STORE_DIR,
      audit: config.DATABASE_URL ? withoutCredentials(config.DATABASE_URL) : config.AUDIT_LOG_FILE,
    },
    async close() {
      await Promise.all([graph.close(), audit.close()]);
      reports.close?.();
    },
  };
}

/** Host and database only: user, password and parameters (which may carry a password) left out. */
function withoutCredentials(url: string): string {
  const { protocol, host, pathname } = new URL(url);
  return `${protocol}//${host}${pathname}`;
}
