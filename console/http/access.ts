// Authentication and authorization for every console route: deny by default, 401 for "who are you", 403 for "not you".
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../../lib/auth/auth-error';
import { assertCompanyId, assertPeriod } from '../../lib/domain/ids';
import { can, canSeeCompany, type Permission, type Principal } from '../../lib/security/roles';
import type { ConsoleDeps } from '../deps';
import { signIn } from './sign-in';

/**
 * The session cookie's name: with Secure cookies, the `__Host-` prefix makes the browser refuse one that was set
 * without Secure, for a Domain, or for a narrower Path (a sibling host or a cleartext page cannot plant one).
 */
export function sessionCookie(deps: Pick<ConsoleDeps, 'config'>): string {
  return deps.config.CONSOLE_SECURE_COOKIES ? '__Host-txr_session' : 'txr_session';
}

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

/**
 * Who sent the request: a bearer token (an OIDC JWT, or one of our API tokens) or the session cookie.
 * A bearer token that does not verify is a failed sign-in (limited and audited like one: see sign-in.ts).
 */
export async function authenticate(deps: ConsoleDeps, request: FastifyRequest): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) {
    const session = deps.sessions.open(request.cookies[sessionCookie(deps)]);
    if (!session || (await deps.revokedSessions.isRevoked(session.id))) return undefined;
    // The cookie outlives nothing it was issued for: a revoked API token ends its sessions at once.
    const { principal } = session;
    if (principal.tokenId !== undefined && !(await deps.tokens.isActive(principal.tokenId))) return undefined;
    return principal;
  }
  const token = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header)?.[1];
  const principal = await signIn(deps, request, token, 'bearer');
  if (principal.via === 'api-token') {
    const details = { tokenId: principal.tokenId };
    await deps.audit.append({ action: 'api_key.used', ...requestParty(request, principal), target: routeOf(request), outcome: 'success', details });
  }
  return principal;
}

/**
 * A token's name with its id: names are unique only among live tokens, so after a revocation the name alone could
 * point at two tokens. An OIDC subject is the IdP's stable `sub` already.
 */
export function actorOf(principal: Principal): string {
  return principal.tokenId === undefined ? principal.subject : `${principal.subject} [token ${principal.tokenId}]`;
}

/** Who acted and from where: the audit fields every console record shares. */
export function requestParty(
  request: FastifyRequest,
  principal: Principal | undefined = request.principal,
): { actor: string; role?: Principal['role']; sourceIp: string } {
  return { actor: principal ? actorOf(principal) : 'anonymous', role: principal?.role, sourceIp: request.ip };
}

function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url}`;
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
  if (access.permission !== 'signed-in' && !can(principal, access.permission)) await deny(deps, request, lacking(principal, access.permission));
}

/** For routes about one company: the validated id; a principal scoped to other companies is refused. */
export async function requireCompany(deps: ConsoleDeps, request: FastifyRequest, raw: unknown): Promise<string> {
  const companyId = assertCompanyId(raw);
  const principal = request.principal;
  if (principal && !canSeeCompany(principal, companyId)) await deny(deps, request, `not allowed to see ${companyId}`);
  return companyId;
}

/** The validated company id and period of a `/:companyId/:period` URL; a company outside the principal's scope is refused. */
export async function requireCompanyMonth(deps: ConsoleDeps, request: FastifyRequest): Promise<{ companyId: string; period: string }> {
  const params = request.params as { companyId: string; period: string };
  return { companyId: await requireCompany(deps, request, params.companyId), period: assertPeriod(params.period) };
}

function lacking(principal: Principal, permission: Permission): string {
  return can({ role: principal.role }, permission)
    ? `${permission} is firm-wide: a principal scoped to some companies may not`
    : `${principal.role} lacks ${permission}`;
}

/** Audits the refusal, then refuses (403). */
export async function deny(deps: ConsoleDeps, request: FastifyRequest, reason: string): Promise<never> {
  await deps.audit.append({ action: 'access.denied', ...requestParty(request), target: routeOf(request), outcome: 'denied', details: { reason } });
  throw new AccessDeniedError(reason);
}
