/**
 * The audit log's contract: who did what to which target, in an append-only, hash-chained log.
 * Built by createAuditLog (create-audit-log.ts): a JSON-lines file, or PostgreSQL when DATABASE_URL is set.
 */
import type { Role } from '../security/roles';
import type { ChainLink, ChainMarks } from './audit-chain';
import type { SignedCheckpoint } from './audit-checkpoint';

export const AUDIT_ACTIONS = [
  'report.generated',
  'report.viewed',
  'report.downloaded',
  'run.started',
  'backfill.started',
  'config.changed',
  'login.succeeded',
  'login.failed',
  'logout',
  'api_key.used',
  'token.created',
  'token.revoked',
  'access.denied',
  'audit.pruned',
  'backup.restored',
  'report.approved',
  'report.changes_requested',
  'report.review_escalated',
  'report.sent_unapproved',
  'finding.reviewed',
  'graph.asked',
  'graph.queried',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;

export interface AuditEvent {
  action: AuditAction;
  actor: string;
  role?: Role | 'system';
  target?: string;
  outcome: (typeof AUDIT_OUTCOMES)[number];
  sourceIp?: string;
  /** Stored as JSON: undefined members are dropped, Dates become strings. Never put secrets here. */
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEvent {
  /** 1, 2, 3, … without gaps. */
  seq: number;
  /** ISO 8601, UTC, millisecond precision. */
  ts: string;
  /** The previous record's hash (64 zeros before seq 1). */
  prevHash: string;
  /** sha256 (hex) of the record's canonical JSON without `hash`. */
  hash: string;
}

export interface AuditQuery {
  /** Newest first; default 100. */
  limit?: number;
  /** Only records before this seq: the cursor of the next, older page (the last seq of the page before). */
  beforeSeq?: number;
  action?: AuditAction;
  target?: string;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  firstSeq?: number;
  lastSeq?: number;
  /** Each names the seq it is about. */
  problems: string[];
}

/** The signed checkpoint's part in a verify or prune (audit-checkpoint.ts); the store never holds the key. */
export interface CheckpointUse {
  /** The stored checkpoint's link, signature and age already checked: the chain must still hold it. */
  expected?: ChainLink;
  /** Signs the newest record once the chain verified (after a prune, its `audit.pruned` record); the store keeps it. */
  sign?(newest: ChainLink): SignedCheckpoint;
}

/** Every operation holds a bounded part of the log in memory, however long the log is. */
export interface AuditLog {
  append(event: AuditEvent): Promise<AuditRecord>;
  list(query?: AuditQuery): Promise<AuditRecord[]>;
  /** Streams the whole chain through the verifier: time grows with the log, memory does not. */
  verify(checkpoint?: CheckpointUse): Promise<VerifyResult>;
  /**
   * Removes the oldest records up to the first one not older than `before`, then appends an `audit.pruned`
   * record; the chain stays verifiable through the prune anchor. Removes nothing (and appends nothing)
   * when no record is old enough; refuses to prune a log that does not verify, so pruning cannot hide tampering.
   */
  prune(before: Date, actor: string, checkpoint?: CheckpointUse): Promise<{ removed: number }>;
  /** The checkpoint the last verify or prune with `sign` left, unchecked. */
  readCheckpoint(): Promise<SignedCheckpoint | undefined>;
  /**
   * Hands one consistent snapshot of the chain to `consume`, for a backup: records appended meanwhile are not in
   * it, and the records are streamed, never all in memory. An entry that is not a record fails the export.
   */
  exportChain<T>(consume: (snapshot: ChainSnapshot) => Promise<T>): Promise<T>;
  /** Fills an empty log with an exported chain as it was (seqs, hashes, marks); throws AuditLogNotEmptyError otherwise. */
  importChain(snapshot: ChainSnapshot): Promise<{ records: number }>;
  close(): Promise<void>;
}

/** The chain as a backup holds it: the marks verification checks against, and the records in seq order. */
export interface ChainSnapshot {
  marks: ChainMarks;
  records: AsyncIterable<AuditRecord>;
}

/** A restore never merges two chains: their seqs would collide. */
export class AuditLogNotEmptyError extends Error {
  override readonly name = 'AuditLogNotEmptyError';
}
