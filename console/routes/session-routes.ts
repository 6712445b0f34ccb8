// Sign-in with an API token (or an OIDC ID token), sign-out, and who am I.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuthError } from '../../lib/auth/auth-error';
import type { Principal } from '../../lib/security/roles';
import type { ConsoleDeps } from '../deps';
import { requestParty, sessionCookie } from '../http/access';
import { signIn, TooManySignInsError } from '../http/sign-in';
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
    let principal: Principal;
    try {
      principal = await signIn(deps, request, form.data?.token, 'form');
    } catch (err) {
      if (err instanceof TooManySignInsError) {
        reply.header('retry-after', String(err.retryAfterSeconds));
        return sendPage(
          reply,
          loginPage(ctx, { error: `로그인 시도가 너무 많습니다. ${err.retryAfterSeconds}초 후에 다시 시도하십시오.`, next }),
          429,
        );
      }
      if (err instanceof AuthError && err.status === 401) return sendPage(reply, loginPage(ctx, { error: '토큰이 올바르지 않습니다.', next }), 401);
      throw err;
    }
    reply.setCookie(sessionCookie(deps), deps.sessions.issue(principal), {
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

  // Ends the session for good, not just in this browser: a copied cookie is refused from now on.
  route(app, 'POST', '/logout', { permission: 'signed-in', kind: 'page' }, async (request, reply) => {
    const session = deps.sessions.open(request.cookies[sessionCookie(deps)]);
    if (session) await deps.revokedSessions.revoke(session.id, session.expiresAt);
    reply.clearCookie(sessionCookie(deps), { path: '/', secure: deps.config.CONSOLE_SECURE_COOKIES });
    await deps.audit.append({ action: 'logout', ...requestParty(request), outcome: 'success' });
    return reply.redirect('/login', 303);
  });

  route(app, 'GET', '/api/me', { permission: 'signed-in', kind: 'api' }, async (request: FastifyRequest) => {
    const { subject, role, via, companies } = request.principal!;
    return { subject, role, via, companies: companies ?? null };
  });
}
