/**
 * Failed sign-ins reach the audit log as a digest, never one record per request: a source's first failure in a
 * window is written at once (a single mistyped token shows up immediately), and whatever follows from it within
 * the window becomes one record with the count when the window closes. A flood of bad requests therefore costs at
 * most two records per source per window, and the number of sources tracked is capped: beyond it, the rest share
 * one overflow digest.
 */
import type { AuditEvent } from '../audit/audit-log';
import type { Logger } from '../logging';

export interface FailedSignIn {
  sourceIp: string;
  via: 'bearer' | 'form';
  reason: string;
  /** Refused by the limiter (429) rather than by the credential check (401). */
  limited: boolean;
}

export interface FailedSignInDigest {
  /** Resolves once the record it may write is in the log (the first failure of a window). */
  record(failure: FailedSignIn): Promise<void>;
  /** Writes every open window's count now (at shutdown, or for a test). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface Window {
  openedAt: number;
  lastAt: number;
  /** Failures after the first, by reason. */
  reasons: Map<string, number>;
  count: number;
  limited: number;
  via: Set<FailedSignIn['via']>;
}

/** The key of the digest every source beyond `maxSources` shares. */
const OVERFLOW = '*';
/** Distinct reasons kept per window: reasons are our own strings, but a cap keeps the record small regardless. */
const MAX_REASONS = 16;

export function createFailedSignInDigest(opts: {
  append: (event: AuditEvent) => Promise<unknown>;
  windowMs: number;
  log: Logger;
  maxSources?: number;
  now?: () => Date;
}): FailedSignInDigest {
  const { append, windowMs, log, maxSources = 1000 } = opts;
  const now = () => (opts.now ?? (() => new Date()))().getTime();
  const windows = new Map<string, Window>();

  /** A failed-sign-in record from `source`; the overflow digest names no address. */
  const eventOf = (source: string, limited: boolean, details: Record<string, unknown>): AuditEvent => ({
    action: 'login.failed',
    actor: 'anonymous',
    outcome: limited ? 'denied' : 'failure',
    ...(source === OVERFLOW ? {} : { sourceIp: source }),
    details: { ...details, ...(source === OVERFLOW && { sources: 'beyond the tracked limit' }) },
  });

  const summary = (source: string, w: Window): AuditEvent =>
    eventOf(source, w.limited > 0, {
      aggregated: true,
      count: w.count,
      limited: w.limited,
      reasons: Object.fromEntries(w.reasons),
      via: [...w.via],
      from: new Date(w.openedAt).toISOString(),
      to: new Date(w.lastAt).toISOString(),
    });

  // One write at a time: a burst of new sources must queue here, not race for the audit log's lock.
  let queue: Promise<void> = Promise.resolve();
  const write = (event: AuditEvent): Promise<void> =>
    (queue = queue.then(async () => {
      try {
        await append(event);
      } catch (err) {
        // The counter metric still counts every failure; the log line names what the audit log missed.
        log.error({ event: 'audit_append_failed', action: event.action, error: (err as Error).message }, 'failed sign-in not audited');
      }
    }));

  const close = (keys: Iterable<string>) =>
    Promise.all(
      [...keys].map((source) => {
        const w = windows.get(source)!;
        windows.delete(source);
        return w.count > 0 ? write(summary(source, w)) : Promise.resolve();
      }),
    ).then(() => undefined);

  const expired = () => {
    const at = now();
    return [...windows].filter(([, w]) => w.openedAt + windowMs <= at).map(([source]) => source);
  };
  const timer = setInterval(() => void close(expired()), Math.min(windowMs, 60_000));
  timer.unref();

  return {
    async record(failure) {
      await close(expired().filter((source) => source === failure.sourceIp || source === OVERFLOW));
      const at = now();
      const source = windows.has(failure.sourceIp) || windows.size < maxSources ? failure.sourceIp : OVERFLOW;
      const w = windows.get(source);
      if (w) {
        w.count += 1;
        w.lastAt = at;
        if (failure.limited) w.limited += 1;
        w.via.add(failure.via);
        if (w.reasons.has(failure.reason) || w.reasons.size < MAX_REASONS) w.reasons.set(failure.reason, (w.reasons.get(failure.reason) ?? 0) + 1);
        return;
      }
      windows.set(source, { openedAt: at, lastAt: at, reasons: new Map(), count: 0, limited: 0, via: new Set([failure.via]) });
      await write(eventOf(source, failure.limited, { via: failure.via, reason: failure.reason }));
    },
    flush: () => close([...windows.keys()]),
    async close() {
      clearInterval(timer);
      await close([...windows.keys()]);
    },
  };
}
