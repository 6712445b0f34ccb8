/**
 * The console's session cookie, stateless: the claims themselves, HMAC-signed with CONSOLE_SESSION_SECRET.
 * `base64url(JSON claims) + '.' + base64url(HMAC-SHA256)`. Each session has a random id that its CSRF token is
 * derived from, so a form posted from another site (which cannot read the page) lacks a matching token.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRole, type Principal, type Role } from '../security/roles';
import { AuthError } from './auth-error';

export interface SessionCodec {
  issue(principal: Principal): string;
  /** The signed-in principal (via 'session'); undefined for a missing, tampered or expired cookie. */
  read(cookieValue: string | undefined): Principal | undefined;
  /** `read`'s principal with the session's id and end (ms since the epoch), which revocation needs; one check of the cookie. */
  open(cookieValue: string | undefined): { principal: Principal; id: string; expiresAt: number } | undefined;
  /** The CSRF token for the page forms of this session; AuthError 401 without a valid session. */
  csrfToken(cookieValue: string): string;
  checkCsrf(cookieValue: string | undefined, token: string | undefined): boolean;
}

interface SessionClaims {
  sub: string;
  role: Role;
  companies?: string[];
  /** How the user signed in. */
  origin: Principal['via'];
  tokenId?: string;
  /** Milliseconds since the epoch. */
  iat: number;
  exp: number;
  sid: string;
}

const ORIGINS: ReadonlySet<unknown> = new Set<Principal['via']>(['api-token', 'oidc', 'session']);

export function createSessionCodec(opts: { secret: string | Buffer; ttlMs: number; now?: () => Date }): SessionCodec {
  const secret = Buffer.from(opts.secret);
  if (secret.length < 32) throw new Error('session secret: at least 32 bytes');
  if (!(opts.ttlMs > 0)) throw new Error('session ttl: must be positive');
  const now = () => (opts.now ?? (() => new Date()))().getTime();
  // Payloads are base64url, which has no ':', so a CSRF token can never double as a cookie signature.
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest('base64url');

  const claimsOf = (cookieValue: string | undefined): SessionClaims | undefined => {
    if (typeof cookieValue !== 'string') return undefined;
    const [payload, signature, ...rest] = cookieValue.split('.');
    if (!payload || !signature || rest.length > 0 || !sameString(signature, mac(payload))) return undefined;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    return wellFormed(claims) && now() < claims.exp ? claims : undefined;
  };

  const open: SessionCodec['open'] = (cookieValue) => {
    const claims = claimsOf(cookieValue);
    if (!claims) return undefined;
    const principal: Principal = {
      subject: claims.sub,
      role: claims.role,
      via: 'session',
      ...(claims.companies ? { companies: claims.companies } : {}),
      ...(claims.tokenId ? { tokenId: claims.tokenId } : {}),
    };
    return { principal, id: claims.sid, expiresAt: claims.exp };
  };

  return {
    issue(principal) {
      const iat = now();
      const claims: SessionClaims = {
        sub: principal.subject,
        role: principal.role,
        ...(principal.companies ? { companies: [...principal.companies] } : {}),
        origin: principal.via,
        ...(principal.tokenId ? { tokenId: principal.tokenId } : {}),
        iat,
        // A session opened with an OIDC token ends when that token does, so the IdP's lifetime still holds.
        exp: Math.min(iat + opts.ttlMs, principal.expiresAt ?? Infinity),
        sid: randomBytes(16).toString('base64url'),
      };
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${payload}.${mac(payload)}`;
    },
    read: (cookieValue) => open(cookieValue)?.principal,
    open,
    csrfToken(cookieValue) {
      const claims = claimsOf(cookieValue);
      if (!claims) throw new AuthError(401, 'no valid session');
      return mac(`csrf:${claims.sid}`);
    },
    checkCsrf(cookieValue, token) {
      const claims = claimsOf(cookieValue);
      return Boolean(claims && typeof token === 'string' && sameString(token, mac(`csrf:${claims.sid}`)));
    },
  };
}

/** Compares the encoded strings, not decoded bytes: Node's base64 decoder skips stray characters. */
function sameString(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function wellFormed(value: unknown): value is SessionClaims {
  const c = value as Partial<SessionClaims> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.sub === 'string' &&
    isRole(c.role) &&
    ORIGINS.has(c.origin) &&
    typeof c.iat === 'number' &&
    typeof c.exp === 'number' &&
    typeof c.sid === 'string' &&
    (c.tokenId === undefined || typeof c.tokenId === 'string') &&
    (c.companies === undefined || (Array.isArray(c.companies) && c.companies.every((id) => typeof id === 'string')))
  );
}
