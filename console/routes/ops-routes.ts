// LLM cost, configuration (view; schedule changes for admins), secrets metadata, the audit log and API tokens.
import { ScheduleNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../lib/audit/audit-log';
import { assertCompanyId, assertPeriod } from '../../lib/domain/ids';
import { costReport } from '../../lib/llm/cost-report';
import { monthInSeoul } from '../../lib/domain/periods';
import { changeMonthlySchedule, describeMonthlySchedule, type ScheduleChange, type ScheduleState } from '../../lib/schedule/monthly-schedule';
import { can, canGrant, canSeeCompany, ROLES, withinScope } from '../../lib/security/roles';
import { redactedConfig, secretMetadata } from '../../lib/security/secret-settings';
import type { ConsoleDeps } from '../deps';
import { deny, requestParty } from '../http/access';
import { auditPage, costsPage, settingsPage } from '../pages/ops-pages';
import { pageAndApi, pageContext, route, sendPage, type Handler } from './route';

const HOUR_MS = 3_600_000;
/** A form sends strings; the API sends JSON. Both end as one ScheduleChange. */
const ScheduleChangeRequest = z
  .object({
    concurrency: z.coerce.number().int().min(1).max(64).optional(),
    ledgerWaitMs: z.coerce
      .number()
      .int()
      .min(HOUR_MS)
      .max(30 * 24 * HOUR_MS)
      .optional(),
    ledgerWaitHours: z.coerce.number().int().min(1).max(720).optional(),
    paused: z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]).optional(),
  })
  .transform(({ ledgerWaitHours, ledgerWaitMs, ...rest }): ScheduleChange => ({
    ...rest,
    ledgerWaitMs: ledgerWaitMs ?? (ledgerWaitHours === undefined ? undefined : ledgerWaitHours * HOUR_MS),
  }));
const TokenRequest = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  companies: z.array(z.string().transform(assertCompanyId)).optional(),
});
/** Records a page of /audit may ask for: what one request reads and renders stays bounded. */
const AUDIT_PAGE_MAX = 500;
/** A form's empty field is no filter. */
const blankless = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
/** One page of the audit log, newest first: bounded, filtered, and older pages by `before` (the last seq shown). */
const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(100),
  action: blankless(z.enum(AUDIT_ACTIONS).optional()),
  target: blankless(z.string().max(200).optional()),
  before: blankless(z.coerce.number().int().min(1).optional()),
});

async function scheduleOrNothing(deps: ConsoleDeps): Promise<ScheduleState | undefined> {
  try {
    return await describeMonthlySchedule(deps.temporal);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

export function registerOpsRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const { config } = deps;

  pageAndApi(app, 'GET', '/costs', 'costs:read', (kind) => async (request, reply) => {
    const { month } = request.query as { month?: string };
    const period = month === undefined || month === '' ? monthInSeoul(new Date()) : assertPeriod(month);
    // A principal scoped to some companies sees their use only, totals included.
    const principal = request.principal!;
    const report = costReport(
      period,
      (await deps.usage.recordsFor(period)).filter((r) => canSeeCompany(principal, r.companyId)),
    );
    return kind === 'page' ? sendPage(reply, costsPage(pageContext(deps, request), report)) : report;
  });

  route(app, 'GET', '/settings', { permission: 'config:read', kind: 'page' }, async (request, reply) => {
    const admin = can(request.principal!, 'secrets:read');
    const { saved } = request.query as { saved?: string };
    return sendPage(
      reply,
      settingsPage(pageContext(deps, request), {
        config: redactedConfig(config),
        schedule: await scheduleOrNothing(deps),
        canEdit: can(request.principal!, 'config:write'),
        ...(admin && { secrets: secretMetadata(config), encryptionKeyIds: deps.encryptionKeyIds }),
        ...(saved !== undefined && { notice: '스케줄 설정을 저장했습니다.' }),
      }),
    );
  });

  route(app, 'GET', '/api/config', { permission: 'config:read', kind: 'api' }, async () => ({
    config: redactedConfig(config),
    schedule: (await scheduleOrNothing(deps)) ?? null,
  }));

  const changeSchedule =
    (kind: 'page' | 'api'): Handler =>
    async (request, reply) => {
      const change = ScheduleChangeRequest.parse(request.body);
      const { actor } = requestParty(request);
      const result = await changeMonthlySchedule(deps.temporal, change, `changed in the console by ${actor}`);
      await deps.audit.append({ action: 'config.changed', ...requestParty(request), target: 'schedule', outcome: 'success', details: result });
      return kind === 'page' ? reply.redirect('/settings?saved', 303) : result;
    };
  route(app, 'POST', '/settings/schedule', { permission: 'config:write', kind: 'page' }, changeSchedule('page'));
  route(app, 'PUT', '/api/config/schedule', { permission: 'config:write', kind: 'api' }, changeSchedule('api'));

  route(app, 'GET', '/api/secrets', { permission: 'secrets:read', kind: 'api' }, async () => ({
    secrets: secretMetadata(config),
    encryptionKeyIds: deps.encryptionKeyIds,
  }));

  pageAndApi(app, 'GET', '/audit', 'audit:read', (kind) => async (request, reply) => {
    const { before, ...filters } = AuditQuery.parse(request.query);
    // Verifying reads the whole chain: on the first page only, not again for every step back.
    const [records, verify] = await Promise.all([
      deps.audit.list({ ...filters, beforeSeq: before }),
      before === undefined ? deps.audit.verify() : undefined,
    ]);
    // A full page may have older records behind it: its last seq is the next page's cursor.
    const older = records.length === filters.limit ? records.at(-1)!.seq : undefined;
    const view = { records, verify, filters, older };
    return kind === 'page' ? sendPage(reply, auditPage(pageContext(deps, request), view)) : view;
  });

  // A scoped admin manages the tokens of its companies only, and grants no more than it holds.
  route(app, 'GET', '/api/tokens', { permission: 'tokens:manage', kind: 'api' }, async (request) => ({
    tokens: (await deps.tokens.list()).filter((t) => withinScope(request.principal!, t.companies)),
  }));

  route(app, 'POST', '/api/tokens', { permission: 'tokens:manage', kind: 'api' }, async (request, reply) => {
    const input = TokenRequest.parse(request.body);
    if (!canGrant(request.principal!, input))
      await deny(deps, request, `may not grant ${input.role} for ${input.companies?.join(', ') ?? 'every company'}`);
    const { token, record } = await deps.tokens.create(input);
    const details = { name: record.name, role: record.role, companies: record.companies ?? 'all' };
    await deps.audit.append({ action: 'token.created', ...requestParty(request), target: record.id, outcome: 'success', details });
    // The only time the secret leaves the server: the caller stores it, we keep its hash.
    return reply.code(201).send({ token, record });
  });

  route(app, 'DELETE', '/api/tokens/:id', { permission: 'tokens:manage', kind: 'api' }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const record = await deps.tokens.get(id);
    if (record && !withinScope(request.principal!, record.companies)) await deny(deps, request, `may not revoke token ${id}: its scope is wider`);
    const revoked = record !== undefined && (await deps.tokens.revoke(id));
    await deps.audit.append({ action: 'token.revoked', ...requestParty(request), target: id, outcome: revoked ? 'success' : 'failure' });
    return reply.code(revoked ? 204 : 404).send();
  });
}
