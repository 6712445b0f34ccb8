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

/** What an empty chain's checkpoint signs: nothing appended yet. */
const EMPTY_CHAIN: ChainLink = { seq: 0, hash: GENESIS_HASH };

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
  const content = JSON.parse(
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
  ) as Omit<AuditRecord, 'hash'>;
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
  /**
   * A link signed outside the store (audit-checkpoint.ts), already checked by the caller: the chain must still
   * hold it, so a cut tail shows even when the head mark was rewritten to match.
   */
  checkpoint?: ChainLink;
}

/** Problems listed in full; past this they are only counted, so a log with every record edited cannot exhaust memory. */
const MAX_LISTED_PROBLEMS = 100;

/**
 * Checks a chain one entry at a time, holding only the previous link: every record's hash matches its content;
 * seqs run on without gaps from the anchor (or seq 1 and the genesis hash); each prevHash is the previous record's
 * hash; an anchor is accounted for by its `audit.pruned` record; nothing is missing before the head mark or the
 * checkpoint, and the checkpoint's record is still the one it signed.
 */
export class ChainVerifier {
  private readonly problems: string[] = [];
  private unlisted = 0;
  private expected: { seq: number; prevHash: string };
  private firstSeq?: number;
  private last?: ChainLink;
  private count = 0;
  private anchorAccounted = false;

  constructor(private readonly marks: ChainMarks) {
    const { anchor } = marks;
    this.expected = anchor ? { seq: anchor.seq + 1, prevHash: anchor.hash } : { seq: 1, prevHash: GENESIS_HASH };
  }

  add(entry: ChainEntry): void {
    const { anchor, head, checkpoint } = this.marks;
    const last = this.last;
    if ('malformed' in entry) {
      this.problem(`after seq ${last?.seq ?? 0}: unreadable entry (${entry.malformed})`);
      return;
    }
    const r = entry;
    this.count += 1;
    if (hashRecord(r) !== r.hash) this.problem(`seq ${r.seq}: hash does not match the content (record edited)`);
    if (r.seq !== this.expected.seq) {
      if (!last) {
        const why = anchor
          ? `it should continue the prune anchor (seq ${anchor.seq})`
          : `there is no prune anchor, so seq 1..${r.seq - 1} were deleted`;
        this.problem(`seq ${r.seq}: the log starts at seq ${r.seq} but ${why}`);
      } else if (r.seq > this.expected.seq) {
        this.problem(`seq ${r.seq}: follows seq ${last.seq} (seq ${this.expected.seq}..${r.seq - 1} missing)`);
      } else {
        this.problem(`seq ${r.seq}: out of order or repeated after seq ${last.seq}`);
      }
    } else if (r.prevHash !== this.expected.prevHash) {
      const of = last ? `seq ${last.seq}` : anchor ? `the prune anchor (seq ${anchor.seq})` : 'the genesis record';
      this.problem(`seq ${r.seq}: prevHash does not match the hash of ${of} (chain broken)`);
    }
    if (anchor && r.action === 'audit.pruned' && r.details?.throughSeq === anchor.seq && r.details?.throughHash === anchor.hash) {
      this.anchorAccounted = true;
    }
    if (head && r.seq === head.seq && r.hash !== head.hash) this.problem(`seq ${r.seq}: hash differs from the head mark`);
    if (checkpoint && r.seq === checkpoint.seq && r.hash !== checkpoint.hash) this.problem(`seq ${r.seq}: hash differs from the signed checkpoint`);
    // The stored hash, not the recomputed one: an edited record is one problem, not two.
    this.expected = { seq: r.seq + 1, prevHash: r.hash };
    this.firstSeq ??= r.seq;
    this.last = linkOf(r);
  }

  /** The newest record seen (seq 0 for an empty chain): what the checkpoint of a chain that verified signs. */
  get newest(): ChainLink {
    return this.last ?? EMPTY_CHAIN;
  }

  result(): VerifyResult {
    const { anchor, head, checkpoint } = this.marks;
    const lastSeq = this.last?.seq;
    const problems = [...this.problems];
    if (anchor && !this.anchorAccounted) {
      problems.push(`seq ${anchor.seq}: no audit.pruned record accounts for the prune anchor (record deleted or anchor edited)`);
    }
    if (head && (lastSeq ?? 0) < head.seq) {
      problems.push(`seq ${(lastSeq ?? 0) + 1}..${head.seq}: missing at the end (the head mark names seq ${head.seq})`);
    }
    if (checkpoint) {
      // Only audit:prune removes records, and it renews the checkpoint after: an anchor past it was set some other way.
      if (anchor && checkpoint.seq < anchor.seq) {
        problems.push(
          `seq ${checkpoint.seq}: the signed checkpoint names a record that a prune removed without renewing the checkpoint (pruned outside audit:prune)`,
        );
      } else if (anchor && checkpoint.seq === anchor.seq && checkpoint.hash !== anchor.hash) {
        problems.push(`seq ${checkpoint.seq}: the prune anchor's hash differs from the signed checkpoint`);
      } else if ((lastSeq ?? 0) < checkpoint.seq && !(anchor && checkpoint.seq === anchor.seq)) {
        problems.push(`seq ${(lastSeq ?? 0) + 1}..${checkpoint.seq}: missing at the end (the signed checkpoint names seq ${checkpoint.seq})`);
      }
    }
    if (this.unlisted > 0) problems.push(`${this.unlisted} more problems not listed`);
    return { ok: problems.length === 0, records: this.count, firstSeq: this.firstSeq, lastSeq, problems };
  }

  private problem(text: string): void {
    if (this.problems.length < MAX_LISTED_PROBLEMS) this.problems.push(text);
    else this.unlisted += 1;
  }
}

/** Verifies entries as they arrive (a file read line by line, a table page by page): memory does not grow with the log. */
export async function verifyChain(entries: AsyncIterable<ChainEntry>, marks: ChainMarks): Promise<ChainVerifier> {
  const verifier = new ChainVerifier(marks);
  for await (const entry of entries) verifier.add(entry);
  return verifier;
}

export interface PrunePlan {
  removed: number;
  /** The last removed record: the new prune anchor. */
  anchor: ChainLink;
  /** The `audit.pruned` record to append after the kept records. */
  pruned: AuditRecord;
}

/**
 * In the same single pass as verification: the leading run of records older than `before` (only a leading run
 * goes, so what is kept is still one contiguous chain); `plan` is undefined when nothing is old enough. `newest` is
 * what a checkpoint signs afterwards: the `audit.pruned` record, else the newest record verified. Throws when the
 * chain does not verify, so a prune cannot launder tampering.
 */
export async function planPrune(
  entries: AsyncIterable<ChainEntry>,
  marks: ChainMarks,
  opts: { before: Date; actor: string; now: Date },
): Promise<{ plan?: PrunePlan; newest: ChainLink }> {
  const verifier = new ChainVerifier(marks);
  let removed = 0;
  let anchor: ChainLink | undefined;
  let leading = true;
  for await (const entry of entries) {
    verifier.add(entry);
    leading &&= !('malformed' in entry) && Date.parse(entry.ts) < opts.before.getTime();
    if (leading) {
      removed += 1;
      anchor = linkOf(entry as AuditRecord);
    }
  }
  const verified = verifier.result();
  if (!verified.ok) throw new Error(`refusing to prune an audit log that does not verify:\n  ${verified.problems.join('\n  ')}`);
  if (!anchor) return { newest: verifier.newest };
  const event: AuditEvent = {
    action: 'audit.pruned',
    actor: opts.actor,
    outcome: 'success',
    details: { throughSeq: anchor.seq, throughHash: anchor.hash, removed, before: opts.before.toISOString() },
  };
  const pruned = buildRecord(event, verifier.newest, opts.now);
  return { plan: { removed, anchor, pruned }, newest: linkOf(pruned) };
}
