/**
 * The hash chain both stores share: how a record is built and hashed, how a chain is verified, and which
 * records a prune removes. Stores only persist and read back what this module produces.
 */
import { createHash } from 'node:crypto';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditEvent, type AuditRecord, type VerifyResult } from './audit-log';

export const GENESIS_HASH = '0'.repeat(64);

/** A position in the chain: the prune anchor (last removed record) and the head mark (newest record). */
export interface ChainLink {
  seq: number;
  hash: string;
}

export const linkOf = (record: AuditRecord): ChainLink => ({ seq: record.seq, hash: record.hash });

/** JSON with object keys sorted at every depth and undefined members left out: the same text after any round trip (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashRecord(record: Omit<AuditRecord, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...content } = record;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** The record that follows `prev` (or starts the chain). Only the event's known fields are kept, normalised to what JSON stores. */
export function buildRecord(event: AuditEvent, prev: ChainLink | undefined, now: Date): AuditRecord {
  if (!(AUDIT_ACTIONS as readonly string[]).includes(event.action)) throw new TypeError(`unknown audit action: ${event.action}`);
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(event.outcome)) throw new TypeError(`unknown audit outcome: ${event.outcome}`);
  if (typeof event.actor !== 'string' || event.actor === '') throw new TypeError('an audit event needs an actor');
  // `?? undefined`: a null would come back from PostgreSQL as a missing column and change the hash.
  const content: Omit<AuditRecord, 'hash'> = JSON.parse(
    JSON.stringify({
      seq: (prev?.seq ?? 0) + 1,
      ts: now.toISOString(),
      action: event.action,
      actor: event.actor,
      role: event.role ?? undefined,
      target: event.target ?? undefined,
      outcome: event.outcome,
      sourceIp: event.sourceIp ?? undefined,
      details: event.details ?? undefined,
      prevHash: prev?.hash ?? GENESIS_HASH,
    }),
  );
  return { ...content, hash: hashRecord(content) };
}

/** A stored line or row that is not a record at all, with where it was found. */
export interface Malformed {
  malformed: string;
}
export type ChainEntry = AuditRecord | Malformed;

/** Checks the shape the chain logic relies on; everything else is covered by the hash. */
export function parseRecord(value: unknown): ChainEntry {
  const r = value as Partial<AuditRecord> | null;
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return { malformed: 'not a JSON object' };
  if (!Number.isSafeInteger(r.seq) || r.seq! < 1) return { malformed: 'no valid seq' };
  for (const field of ['ts', 'action', 'actor', 'outcome', 'prevHash', 'hash'] as const) {
    if (typeof r[field] !== 'string') return { malformed: `seq ${r.seq}: no ${field}` };
  }
  return r as AuditRecord;
}

export interface ChainMarks {
  /** The last record a prune removed; absent when nothing was ever pruned. */
  anchor?: ChainLink;
  /** The newest record at the last append: records missing from the end show up against it. */
  head?: ChainLink;
}

/**
 * Every record's hash matches its content; seqs run on without gaps from the anchor (or seq 1 and the
 * genesis hash); each prevHash is the previous record's hash; an anchor is accounted for by its
 * `audit.pruned` record; nothing is missing before the head mark.
 */
export function verifyChain(entries: Iterable<ChainEntry>, marks: ChainMarks): VerifyResult {
  const { anchor, head } = marks;
  const problems: string[] = [];
  let expected = anchor ? { seq: anchor.seq + 1, prevHash: anchor.hash } : { seq: 1, prevHash: GENESIS_HASH };
  let first: AuditRecord | undefined;
  let last: AuditRecord | undefined;
  let count = 0;
  let anchorAccounted = false;
  for (const entry of entries) {
    if ('malformed' in entry) {
      problems.push(`after seq ${last?.seq ?? 0}: unreadable entry (${entry.malformed})`);
      continue;
    }
    const r = entry;
    count += 1;
    if (hashRecord(r) !== r.hash) problems.push(`seq ${r.seq}: hash does not match the content (record edited)`);
    if (r.seq !== expected.seq) {
      if (!first) {
        const why = anchor ? `it should continue the prune anchor (seq ${anchor.seq})` : `there is no prune anchor, so seq 1..${r.seq - 1} were deleted`;
        problems.push(`seq ${r.seq}: the log starts at seq ${r.seq} but ${why}`);
      } else if (r.seq > expected.seq) {
        problems.push(`seq ${r.seq}: follows seq ${last!.seq} (seq ${expected.seq}..${r.seq - 1} missing)`);
      } else {
        problems.push(`seq ${r.seq}: out of order or repeated after seq ${last!.seq}`);
      }
    } else if (r.prevHash !== expected.prevHash) {
      const of = first ? `seq ${last!.seq}` : anchor ? `the prune anchor (seq ${anchor.seq})` : 'the genesis record';
      problems.push(`seq ${r.seq}: prevHash does not match the hash of ${of} (chain broken)`);
    }
    if (anchor && r.action === 'audit.pruned' && r.details?.throughSeq === anchor.seq && r.details?.throughHash === anchor.hash) {
      anchorAccounted = true;
    }
    if (head && r.seq === head.seq && r.hash !== head.hash) problems.push(`seq ${r.seq}: hash differs from the head mark`);
    // The stored hash, not the recomputed one: an edited record is one problem, not two.
    expected = { seq: r.seq + 1, prevHash: r.hash };
    first ??= r;
    last = r;
  }
  if (anchor && !anchorAccounted) {
    problems.push(`seq ${anchor.seq}: no audit.pruned record accounts for the prune anchor (record deleted or anchor edited)`);
  }
  if (head && (last?.seq ?? 0) < head.seq) {
    problems.push(`seq ${(last?.seq ?? 0) + 1}..${head.seq}: missing at the end (the head mark names seq ${head.seq})`);
  }
  return { ok: problems.length === 0, records: count, firstSeq: first?.seq, lastSeq: last?.seq, problems };
}

export interface PrunePlan {
  removed: number;
  /** The last removed record: the new prune anchor. */
  anchor: ChainLink;
  /** The `audit.pruned` record to append after the kept records. */
  pruned: AuditRecord;
}

/**
 * Removes a leading run only (records up to the first one not older than `before`), so what is kept
 * is still one contiguous chain. Undefined when nothing is old enough.
 */
export function planPrune(records: readonly AuditRecord[], verified: VerifyResult, before: Date, actor: string, now: Date): PrunePlan | undefined {
  if (!verified.ok) throw new Error(`refusing to prune an audit log that does not verify:\n  ${verified.problems.join('\n  ')}`);
  const firstKept = records.findIndex((r) => Date.parse(r.ts) >= before.getTime());
  const removed = firstKept === -1 ? records.length : firstKept;
  if (removed === 0) return undefined;
  const anchor = linkOf(records[removed - 1]!);
  const event: AuditEvent = {
    action: 'audit.pruned',
    actor,
    outcome: 'success',
    details: { throughSeq: anchor.seq, throughHash: anchor.hash, removed, before: before.toISOString() },
  };
  return { removed, anchor, pruned: buildRecord(event, linkOf(records.at(-1)!), now) };
}
