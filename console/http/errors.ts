// One mapping from errors to HTTP answers: clear messages for bad input, nothing internal for the rest.
import { ScheduleNotFoundError } from '@temporalio/client';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { InvalidTokenRequestError, TokenNameTakenError } from '../../lib/auth/api-tokens';
import { AuthError } from '../../lib/auth/auth-error';
import { InvalidIdError } from '../../lib/domain/ids';
import { UnknownCompanyError } from '../../lib/erp/company';
import { InvalidObjectKeyError, ObjectNotFoundError } from '../../lib/storage/object-store';
import type { ConsoleDeps } from '../deps';
import { errorPage } from '../pages/layout';
import { pageContext, sendPage } from '../routes/route';
import { AccessDeniedError } from './access';
import { TooManySignInsError } from './sign-in';
import { RunAlreadyRunningError } from '../services/runs';
import { GraphUnavailableError, ReviewRefusedError } from '../services/report-review';
import { ReviewConflictError } from '../../lib/review/finding-reviews';

interface Answer {
  status: number;
  message: string;
}

function answerFor(err: unknown): Answer | undefined {
  if (err instanceof AuthError) return { status: err.status, message: err.status === 401 ? '로그인이 필요합니다.' : '권한이 없습니다.' };
  if (err instanceof AccessDeniedError) return { status: 403, message: '권한이 없습니다.' };
  if (err instanceof TooManySignInsError)
    return { status: 429, message: `로그인 시도가 너무 많습니다. ${err.retryAfterSeconds}초 후에 다시 시도하십시오.` };
  if (err instanceof InvalidIdError || err instanceof InvalidObjectKeyError || err instanceof RangeError)
    return { status: 400, message: err.message };
  if (err instanceof ZodError) return { status: 400, message: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
  if (err instanceof UnknownCompanyError) return { status: 404, message: err.message };
  if (err instanceof ObjectNotFoundError) return { status: 404, message: '이 기간의 리포트가 없습니다.' };
  if (err instanceof ScheduleNotFoundError) return { status: 404, message: 'the monthly schedule does not exist yet: npm run schedule' };
  if (err instanceof RunAlreadyRunningError || err instanceof TokenNameTakenError) return { status: 409, message: err.message };
  if (err instanceof InvalidTokenRequestError) return { status: 400, message: err.message };
  if (err instanceof ReviewRefusedError || err instanceof ReviewConflictError) return { status: 409, message: err.message };
  if (err instanceof GraphUnavailableError) return { status: 503, message: err.message };
  const fastifyError = err as FastifyError;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, message: fastifyError.message };
  }
  return undefined;
}

export function errorHandler(deps: ConsoleDeps) {
  return async (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = answerFor(err);
    const { status, message } = known ?? { status: 500, message: '내부 오류가 발생했습니다. 운영팀에 문의하십시오.' };
    if (!known) deps.log.error({ event: 'console_error', err, route: request.routeOptions.url, method: request.method }, 'console request failed');
    if (err instanceof TooManySignInsError) reply.header('retry-after', String(err.retryAfterSeconds));
    const kind = request.routeOptions.config.access?.kind ?? (request.url.startsWith('/api/') ? 'api' : 'page');
    if (kind === 'page' && status === 401) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    if (kind === 'page') return sendPage(reply, errorPage(pageContext(deps, request), status, message), status);
    return reply.code(status).send({ error: message });
  };
}
