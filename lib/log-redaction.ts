/**
 * What the logger writes instead of a logged object: a copy with every credential replaced, at any depth. pino's
 * own `redact` paths reach a fixed depth only, and an error's `config.headers.authorization` or a client's
 * `options.auth.pass` sits deeper than anyone lists. The walk is bounded: past MAX_DEPTH levels or MAX_NODES
 * values the rest is cut, never written unchecked.
 */
import pino from 'pino';
import { SECRET_SETTINGS } from './security/secret-settings';

export const CENSOR = '[redacted]';
const CUT = '[cut: too deep or too large to check]';
const MAX_DEPTH = 16;
const MAX_NODES = 10_000;

/** Compared without case, `-` or `_`: `Authorization`, `x_api_key` and `apiKey` are all caught. */
const normalize = (key: string) => key.toLowerCase().replace(/[-_]/g, '');

/** Credentials by field name, headers that carry them, and every secret setting (a logged config). */
const SECRET_KEYS = new Set(
  [
    'password',
    'passphrase',
    'pass',
    'secret',
    'clientSecret',
    'apiKey',
    'xApiKey',
    'privateKey',
    'token',
    'accessToken',
    'refreshToken',
    'idToken',
    'sessionToken',
    'secretAccessKey',
    'authorization',
    'proxyAuthorization',
    'cookie',
    'setCookie',
    ...Object.keys(SECRET_SETTINGS),
  ].map(normalize),
);

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(normalize(key));
}

/** A copy of `value` with secrets replaced by CENSOR; errors anywhere become pino's {type, message, stack, …}. */
export function redactSecrets<T>(value: T): T {
  let nodes = 0;
  const ancestors = new Set<object>();
  const walk = (v: unknown, depth: number): unknown => {
    nodes++;
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_DEPTH) return CUT;
    if (ancestors.has(v)) return '[circular]';
    // Date, Buffer, URL…: written as their toJSON says, which holds no field to look into.
    if (!(v instanceof Error) && typeof (v as { toJSON?: unknown }).toJSON === 'function') return v;
    const source: object = v instanceof Error ? pino.stdSerializers.err(v) : v;
    ancestors.add(v);
    try {
      if (Array.isArray(source)) {
        const items: unknown[] = [];
        for (const item of source) {
          if (nodes >= MAX_NODES) return [...items, CUT];
          items.push(walk(item, depth + 1));
        }
        return items;
      }
      const fields: Record<string, unknown> = {};
      for (const key in source) {
        if (!Object.hasOwn(source, key)) continue;
        if (nodes >= MAX_NODES) return { ...fields, '…': CUT };
        const item = (source as Record<string, unknown>)[key];
        fields[key] = item !== undefined && isSecretKey(key) ? CENSOR : walk(item, depth + 1);
      }
      return fields;
    } finally {
      ancestors.delete(v);
    }
  };
  return walk(value, 0) as T;
}
