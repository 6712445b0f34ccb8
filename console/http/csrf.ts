// CSRF protection for requests that ride on the session cookie; bearer-token clients are not exposed to it.
import type { FastifyRequest } from 'fastify';
import { AuthError } from '../../lib/auth/auth-error';
import type { ConsoleDeps } from '../deps';
import { SESSION_COOKIE } from './access';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * A state-changing request with the session cookie must carry the session's CSRF token (form field or header)
 * and, when the browser sends one, an Origin of this host. SameSite=Strict on the cookie is the first line; this is the second.
 */
export function checkCsrf(deps: ConsoleDeps, request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method) || request.principal?.via !== 'session') return;
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) {
    throw new AuthError(403, 'cross-origin request refused');
  }
  const body = request.body as Record<string, unknown> | undefined;
  const sent = request.headers[CSRF_HEADER] ?? body?.[CSRF_FIELD];
  const cookie = request.cookies[SESSION_COOKIE]!;
  if (typeof sent !== 'string' || !deps.sessions.checkCsrf(cookie, sent)) {
    throw new AuthError(403, 'missing or wrong CSRF token: reload the page and try again');
  }
}
