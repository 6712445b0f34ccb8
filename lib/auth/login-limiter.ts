/**
 * Failed sign-ins per key (a client address, or an API token's id) in a fixed window that opens at the first
 * failure: after `maxFailures` the key is refused until the window ends. Only failures count, and a success
 * clears nothing: behind a load balancer one address is many people, and one of them signing in must not reset
 * another's failures. In memory, per console process.
 */
export interface LoginLimiter {
  check(key: string): { allowed: boolean; retryAfterSeconds: number };
  fail(key: string): void;
}

interface Window {
  failures: number;
  endsAt: number;
}

export function createLoginLimiter(opts: {
  maxFailures: number;
  windowMs: number;
  now?: () => Date;
  /** Keys tracked at most; beyond it the oldest windows are dropped, so a flood of addresses cannot exhaust memory. */
  maxKeys?: number;
}): LoginLimiter {
  const { maxFailures, windowMs, maxKeys = 10_000 } = opts;
  const now = () => (opts.now ?? (() => new Date()))().getTime();
  const windows = new Map<string, Window>();
  let lastSweep = now();

  const current = (key: string, at: number): Window | undefined => {
    const window = windows.get(key);
    if (window && window.endsAt <= at) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };

  // Expired windows of addresses that never come back would otherwise stay forever.
  const sweep = (at: number) => {
    for (const [key, window] of windows) if (window.endsAt <= at) windows.delete(key);
    // Map order is insertion order: the first entries are the oldest windows.
    for (const key of windows.keys()) {
      if (windows.size < maxKeys) break;
      windows.delete(key);
    }
    lastSweep = at;
  };

  return {
    check(key) {
      const at = now();
      const window = current(key, at);
      if (!window || window.failures < maxFailures) return { allowed: true, retryAfterSeconds: 0 };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - at) / 1000)) };
    },
    fail(key) {
      const at = now();
      const window = current(key, at);
      if (window) {
        window.failures += 1;
        return;
      }
      if (windows.size >= maxKeys || at - lastSweep >= windowMs) sweep(at);
      windows.set(key, { failures: 1, endsAt: at + windowMs });
    },
  };
}
