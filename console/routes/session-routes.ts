// Sign-in with an API token (or an OIDC ID token), sign-out, and who am I.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuthError } from '../../lib/auth/auth-error';
import type { Principal } from '../../lib/security/roles';
import type { ConsoleDeps } from '../deps';
import { SESSION_COOKIE, requestParty, verifyToken } from '../http/access';
import { localPath } from '../http/local-path';
import { loginPage } from '../pages/login-page';
import { pageContext, route, sendPage } from './route';

const LoginForm = z.object({ token: z.string().trim().min(1).max(4096), next: z.string().max(2048).optional() });

export function registerSessionRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  route(app, 'GET', '/login', { permission: 'public', kind: 'page' }, async (request, reply) => {
    const { next } = request.query as { next?: string };
    return sendPage(reply, loginPage(pageContext(deps, request), { next: localPath(next) }));
  });

  route(app, 'POST', '/login', { permission: 'public', kind: 'page' }, async (request, reply) => {
    const ctx = { firmName: deps.config.FIRM_NAME };
    const form = LoginForm.safeParse(request.body);
    const next = localPath(form.data?.next);
    const limit = deps.loginLimiter.check(request.ip);
    if (!limit.allowed) {
      deps.metrics.signInFailed('form');
      await deps.audit.append({ action: 'login.failed', ...requestParty(request), outcome: 'denied', details: { reason: 'rate limited' } });
      reply.header('retry-after', String(limit.retryAfterSeconds));
      return sendPage(reply, loginPage(ctx, { error: `로그인 시도가 너무 많습니다. ${limit.retryAfterSeconds}초 후에 다시 시도하십시오.`, next }), 429);
    }
    const principal = form.success ? await signIn(deps, form.data.token) : { failure: 'empty token' };
    if ('failure' in principal) {
      deps.loginLimiter.fail(request.ip);
      deps.metrics.signInFailed('form');
      await deps.audit.append({ action: 'login.failed', ...requestParty(request), outcome: 'failure', details: { via: 'form', reason: principal.failure } });
      return sendPage(reply, loginPage(ctx, { error: '토큰이 올바르지 않습니다.', next }), 401);
    }
    deps.loginLimiter.succeed(request.ip);
    reply.setCookie(SESSION_COOKIE, deps.sessions.issue(principal), {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.config.CONSOLE_SECURE_COOKIES,
      path: '/',
      maxAge: Math.floor(deps.config.CONSOLE_SESSION_TTL / 1000),
    });
    const details = { via: principal.via, ...(principal.tokenId && { tokenId: principal.tokenId }) };
    await deps.audit.append({ action: 'login.succeeded', ...requestParty(request, principal), outcome: 'success', details });
    return reply.redirect(next, 303);
  });

  route(app, 'POST', '/logout', { permission: 'signed-in', kind: 'page' }, async (request, reply) => {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    await deps.audit.append({ action: 'logout', ...requestParty(request), outcome: 'success' });
    return reply.redirect('/login', 303);
  });

  route(app, 'GET', '/api/me', { permission: 'signed-in', kind: 'api' }, async (request: FastifyRequest) => {
    const { subject, role, via, companies } = request.principal!;
    return { subject, role, via, companies: companies ?? null };
  });
}

/** The principal for a pasted token, or why not (for the audit log; the page says only "wrong token"). */
async function signIn(deps: ConsoleDeps, token: string): Promise<Principal | { failure: string }> {
  try {
    return (await verifyToken(deps, token)) ?? { failure: 'unknown or revoked API token' };
  } catch (err) {
    if (err instanceof AuthError) return { failure: err.reason };
    throw err;
  }
}
