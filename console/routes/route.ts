// Route registration with the access rule as a required argument, and the context pages render with.
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { ConsoleDeps } from '../deps';
import { sessionCookie, type Access } from '../http/access';
import type { PageContext } from '../pages/layout';
import { inRequestSpan } from '../http/request-span';

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export function route(app: FastifyInstance, method: HTTPMethods, url: string, access: Access, handler: Handler): void {
  app.route({ method, url, config: { access }, handler: (request, reply) => inRequestSpan(request, () => handler(request, reply)) });
}

/** The same handler as a page and under /api (JSON), e.g. a report view and its findings.json. */
export function pageAndApi(
  app: FastifyInstance,
  method: HTTPMethods,
  url: string,
  permission: Access['permission'],
  handler: (kind: Access['kind']) => Handler,
): void {
  route(app, method, url, { permission, kind: 'page' }, handler('page'));
  route(app, method, `/api${url}`, { permission, kind: 'api' }, handler('api'));
}

export function pageContext(deps: ConsoleDeps, request: FastifyRequest): PageContext {
  const cookie = request.cookies[sessionCookie(deps)];
  return {
    firmName: deps.config.FIRM_NAME,
    principal: request.principal,
    csrf: cookie && request.principal?.via === 'session' ? deps.sessions.csrfToken(cookie) : undefined,
  };
}

export function sendPage(reply: FastifyReply, markup: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(markup);
}
