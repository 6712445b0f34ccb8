// The operations console: server-rendered pages and a JSON API over the same routes and the same access rules.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppConfig } from '../lib/config';
import type { ConsoleDeps } from './deps';
import { authenticate, guard, type Access } from './http/access';
import { checkCsrf } from './http/csrf';
import { endRequestSpan, startRequestSpan } from './http/request-span';
import { errorHandler } from './http/errors';
import { setSecurityHeaders } from './http/security-headers';
import { registerAskRoutes } from './routes/ask-routes';
import { registerMonthRoutes } from './routes/month-routes';
import { registerFeedbackRoutes } from './routes/feedback-routes';
import { registerOpsRoutes } from './routes/ops-routes';
import { registerReportRoutes } from './routes/report-routes';
import { registerReviewRoutes } from './routes/review-routes';
import { route } from './routes/route';
import { registerSessionRoutes } from './routes/session-routes';

const STYLESHEET = readFileSync(path.join(__dirname, 'static', 'console.css'));

export interface ConsoleServer {
  app: FastifyInstance;
  /** `METHOD /url` of every route, each with its access rule. */
  routes: ReadonlyArray<{ method: string; url: string; access: Access }>;
}

/** fastify counts hops itself for a number, but its types take the function form only. */
function trustProxy(setting: AppConfig['CONSOLE_TRUST_PROXY']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

export async function buildConsoleServer(deps: ConsoleDeps): Promise<ConsoleServer> {
  const app = Fastify({
    logger: false,
    trustProxy: trustProxy(deps.config.CONSOLE_TRUST_PROXY),
    bodyLimit: 64 * 1024,
    exposeHeadRoutes: false,
  });
  const routes: Array<{ method: string; url: string; access: Access }> = [];
  // Deny by default starts here: a route without an access rule stops the console at start-up.
  app.addHook('onRoute', (options) => {
    const access = options.config?.access;
    if (!access) throw new Error(`console route ${String(options.method)} ${options.url} has no access rule`);
    for (const method of [options.method].flat()) routes.push({ method, url: options.url, access });
  });
  await app.register(cookie);
  await app.register(formbody);

  app.addHook('onRequest', async (request, reply) => {
    startRequestSpan(request);
    setSecurityHeaders(reply, deps.config.CONSOLE_SECURE_COOKIES);
    request.principal = await authenticate(deps, request);
  });
  app.addHook('preHandler', async (request, reply) => {
    await guard(deps, request, reply);
    if (!reply.sent) checkCsrf(deps, request);
  });
  // One line per request; the path pattern, never the query or headers (tokens live there).
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.request(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    deps.log.info(
      {
        event: 'console_request',
        trace_id: endRequestSpan(request, reply.statusCode),
        method: request.method,
        route,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime),
        actor: request.principal?.subject,
        role: request.principal?.role,
      },
      'console request',
    );
  });
  app.setErrorHandler(errorHandler(deps));

  route(app, 'GET', '/healthz', { permission: 'public', kind: 'api' }, async () => ({ ok: true }));
  route(app, 'GET', '/static/console.css', { permission: 'public', kind: 'api' }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );
  registerSessionRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerReviewRoutes(app, deps);
  registerMonthRoutes(app, deps);
  registerOpsRoutes(app, deps);
  registerFeedbackRoutes(app, deps);
  registerAskRoutes(app, deps);
  await app.ready();
  return { app, routes };
}
