/**
 * The chain's newest link anchored outside the store: `{seq, hash, at}` signed (HMAC-SHA256) with
 * AUDIT_CHECKPOINT_KEY, which only the audit job holds, never the database or the application roles. Whoever can
 * write the store can cut its tail, rewrite the head mark to match and recompute every hash after an edit; they
 * cannot sign a checkpoint for the result, so verifying against the last checkpoint shows it. The store keeps the
 * checkpoint (it is signed, not secret); one older than AUDIT_CHECKPOINT_MAX_AGE is refused, so an earlier one put
 * back cannot hide records removed since. What was appended after the newest checkpoint is not covered.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson, type ChainLink } from './audit-chain';
import type { AuditLog, CheckpointUse } from './audit-log';

export interface SignedCheckpoint extends ChainLink {
  /** When it was signed (ISO 8601). */
  at: string;
  /** HMAC-SHA256 (hex) of the canonical JSON of seq, hash and at. */
  mac: string;
}

export interface CheckpointOptions {
  key: string;
  maxAgeMs: number;
  now: Date;
  /**
   * audit:checkpoint, an operator accepting the chain as it stands: no checkpoint yet (a new or restored log) or a
   * stale one (the job did not run) is accepted; a forged one never.
   */
  renew?: boolean;
}

export function signCheckpoint(key: string, newest: ChainLink, now: Date): SignedCheckpoint {
  const body = { seq: newest.seq, hash: newest.hash, at: now.toISOString() };
  return { ...body, mac: macOf(key, body) };
}

/** The link the chain must still hold, or why the stored checkpoint cannot be trusted (then nothing is signed anew). */
export function openCheckpoint(stored: SignedCheckpoint | undefined, opts: CheckpointOptions): { expected?: ChainLink; problems: string[] } {
  if (!stored) {
    return { problems: opts.renew ? [] : ['no signed checkpoint: after checking the log, run npm run audit:checkpoint once to create the first'] };
  }
  const { seq, hash, at, mac } = stored;
  const wellFormed = Number.isSafeInteger(seq) && typeof hash === 'string' && typeof at === 'string' && typeof mac === 'string';
  if (!wellFormed || !macMatches(macOf(opts.key, { seq, hash, at }), mac)) {
    return { problems: ['the signed checkpoint does not match its signature (forged or edited, or AUDIT_CHECKPOINT_KEY changed)'] };
  }
  const expected = { seq, hash };
  if (!opts.renew && !(opts.now.getTime() - Date.parse(at) <= opts.maxAgeMs)) {
    return {
      expected,
      problems: [
        `the signed checkpoint (seq ${seq}) is from ${at}, older than AUDIT_CHECKPOINT_MAX_AGE: an earlier checkpoint put back ` +
          'would hide the records removed since; check the log, then run npm run audit:checkpoint',
      ],
    };
  }
  return { expected, problems: [] };
}

/** The stored checkpoint opened for a verify or prune: signs anew only when it could be trusted. */
export async function useCheckpoint(audit: AuditLog, opts: CheckpointOptions): Promise<{ use: CheckpointUse; problems: string[] }> {
  const { expected, problems } = openCheckpoint(await audit.readCheckpoint(), opts);
  const sign = (newest: ChainLink) => signCheckpoint(opts.key, newest, opts.now);
  return { use: { expected, ...(problems.length === 0 && { sign }) }, problems };
}

function macOf(key: string, body: { seq: number; hash: string; at: string }): string {
  return createHmac('sha256', key).update(canonicalJson(body)).digest('hex');
}

function macMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
