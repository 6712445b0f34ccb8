// CSRF protection: same-origin state changes only, and the session's token on those that ride on its cookie.
import type { FastifyRequest } from 'fastify';
import { AuthError } from '../../lib/auth/auth-error';
import type { ConsoleDeps } from '../deps';
import { sessionCookie } from './access';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * A state-changing request must come, when the browser names an Origin, from this host; one riding on the session
 * cookie must also carry the session's CSRF token (form field or header). SameSite=Strict on the cookie is the
 * first line; this is the second.
 */
export function checkCsrf(deps: ConsoleDeps, request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  // Every state change, the sign-in included (no login CSRF), comes from a page of this console or from no
  // browser at all. Hosts, not schemes, are compared: TLS may end before the console.
  if (request.headers.origin !== undefined && originHost(request.headers.origin) !== request.host) {
    throw new AuthError(403, 'cross-origin request refused');
  }
  if (request.principal?.via !== 'session') return;
  const body = request.body as Record<string, unknown> | undefined;
  const sent = request.headers[CSRF_HEADER] ?? body?.[CSRF_FIELD];
  const cookie = request.cookies[sessionCookie(deps)]!;
  if (typeof sent !== 'string' || !deps.sessions.checkCsrf(cookie, sent)) {
    throw new AuthError(403, 'missing or wrong CSRF token: reload the page and try again');
  }
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // `Origin: null` (sandboxed frames, privacy redirects) is no origin of ours
  }
}
