// Authentication and authorization for every console route: deny by default, 401 for "who are you", 403 for "not you".
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../../lib/auth/auth-error';
import { looksLikeJwt } from '../../lib/auth/oidc';
import { assertCompanyId } from '../../lib/domain/ids';
import { can, canSeeCompany, type Permission, type Principal } from '../../lib/security/roles';
import type { ConsoleDeps } from '../deps';

export const SESSION_COOKIE = 'txr_session';

/** Every route declares this in its config; a route without it is refused (see `guard`). */
export interface Access {
  /** 'signed-in': any role (e.g. sign out, who am I). */
  permission: Permission | 'signed-in' | 'public';
  /** Pages redirect an anonymous visitor to the sign-in page; the API answers 401. */
  kind: 'page' | 'api';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
}

/** The address failed to sign in too often: 429 until the window ends, whatever the credentials. */
export class TooManySignInsError extends Error {
  override readonly name = 'TooManySignInsError';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed sign-ins: try again in ${retryAfterSeconds} s`);
  }
}

/**
 * Who sent the request: a bearer token (an OIDC JWT, or one of our API tokens) or the session cookie.
 * A bearer token that does not verify is a failed sign-in (audited and rate-limited like one).
 */
export async function authenticate(deps: ConsoleDeps, request: FastifyRequest): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) {
    const session = deps.sessions.read(request.cookies[SESSION_COOKIE]);
    // The cookie outlives nothing it was issued for: a revoked API token ends its sessions at once.
    if (session?.tokenId !== undefined && !(await deps.tokens.isActive(session.tokenId))) return undefined;
    return session;
  }
  const ip = request.ip;
  const limit = deps.loginLimiter.check(ip);
  if (!limit.allowed) {
    deps.metrics.signInFailed('bearer');
    await deps.audit.append({ action: 'login.failed', actor: 'anonymous', outcome: 'denied', sourceIp: ip, details: { via: 'bearer', reason: 'rate limited' } });
    throw new TooManySignInsError(limit.retryAfterSeconds);
  }
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  try {
    if (!match) throw new AuthError(401, 'expected Authorization: Bearer <token>');
    const token = match[1]!;
    const principal = await verifyToken(deps, token);
    if (!principal) throw new AuthError(401, 'unknown or revoked API token');
    if (principal.via === 'api-token') {
      const details = { tokenId: principal.tokenId };
      await deps.audit.append({ action: 'api_key.used', ...requestParty(request, principal), target: routeOf(request), outcome: 'success', details });
    }
    return principal;
  } catch (err) {
    if (!(err instanceof AuthError) || err.status !== 401) throw err;
    deps.loginLimiter.fail(ip);
    deps.metrics.signInFailed('bearer');
    await deps.audit.append({
      action: 'login.failed',
      actor: 'anonymous',
      outcome: 'failure',
      sourceIp: ip,
      details: { via: 'bearer', reason: err.reason },
    });
    throw err;
  }
}

/** Who acted and from where: the audit fields every console record shares. */
export function requestParty(
  request: FastifyRequest,
  principal: Principal | undefined = request.principal,
): { actor: string; role?: Principal['role']; sourceIp: string } {
  return { actor: principal?.subject ?? 'anonymous', role: principal?.role, sourceIp: request.ip };
}

function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url}`;
}

/**
 * The principal of a bearer or pasted token: an OIDC JWT (AuthError when it does not verify) or one of our API
 * tokens (undefined when unknown, revoked or wrong).
 */
export async function verifyToken(deps: ConsoleDeps, token: string): Promise<Principal | undefined> {
  if (!looksLikeJwt(token)) return deps.tokens.verify(token);
  if (!deps.oidc) throw new AuthError(401, 'OIDC is not configured');
  return deps.oidc.verify(token);
}

/** The route's permission check; also the place where a route that forgot to declare its access is refused. */
export async function guard(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const access = request.routeOptions.config.access;
  if (!access) throw new AccessDeniedError('route without an access rule');
  if (access.permission === 'public' || request.is404) return;
  const principal = request.principal;
  if (!principal) {
    if (access.kind === 'page') {
      await reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      return;
    }
    throw new AuthError(401, 'sign in or send a bearer token');
  }
  if (access.permission !== 'signed-in' && !can(principal.role, access.permission)) await deny(deps, request, `${principal.role} lacks ${access.permission}`);
}

/** For routes about one company: the validated id; a principal scoped to other companies is refused. */
export async function requireCompany(deps: ConsoleDeps, request: FastifyRequest, raw: unknown): Promise<string> {
  const companyId = assertCompanyId(raw);
  const principal = request.principal;
  if (principal && !canSeeCompany(principal, companyId)) await deny(deps, request, `not allowed to see ${companyId}`);
  return companyId;
}

async function deny(deps: ConsoleDeps, request: FastifyRequest, reason: string): Promise<never> {
  await deps.audit.append({ action: 'access.denied', ...requestParty(request), target: routeOf(request), outcome: 'denied', details: { reason } });
  throw new AccessDeniedError(reason);
}
