// Every console route × {anonymous, viewer, analyst, admin}: the status each must get, on a real Temporal server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { upsertMonthlySchedule } from '../../lib/schedule/monthly-schedule';
import type { Role } from '../../lib/security/roles';
import { OTHER_COMPANY, REPORT_COMPANY, REPORT_PERIOD, startConsoleStack, type ConsoleStack } from '../support/console-stack';

type Who = 'anonymous' | Role;
const WHO: Who[] = ['anonymous', 'viewer', 'analyst', 'admin'];

interface Case {
  method: string;
  /** The route pattern, as fastify registered it. */
  route: string;
  /** The concrete URL; a function for requests that must differ per caller (a new run, a token to revoke). */
  url?: (who: Who) => string | Promise<string>;
  body?: (who: Who) => Record<string, unknown>;
  form?: boolean;
  expect: [anonymous: number, viewer: number, analyst: number, admin: number];
}

const C = encodeURIComponent(REPORT_COMPANY);
const report = `/reports/${C}/${REPORT_PERIOD}`;
const review = `/review/${C}/${REPORT_PERIOD}`;
// Runs started here go to an idle task queue (the console's TASK_QUEUE below): each caller its own month.
const monthOf: Record<Who, string> = { anonymous: '2023-01', viewer: '2023-02', analyst: '2023-03', admin: '2023-04' };
const backfillOf: Record<Who, [string, string]> = {
  anonymous: ['2022-01', '2022-02'],
  viewer: ['2022-03', '2022-04'],
  analyst: ['2022-05', '2022-06'],
  admin: ['2022-07', '2022-08'],
};

let s: ConsoleStack;
const revocable: string[] = [];

const CASES: Case[] = [
  { method: 'GET', route: '/healthz', expect: [200, 200, 200, 200] },
  { method: 'GET', route: '/static/console.css', expect: [200, 200, 200, 200] },
  { method: 'GET', route: '/login', expect: [200, 200, 200, 200] },
  { method: 'POST', route: '/login', form: true, body: () => ({ token: 'txr_000000000000_not-a-real-token' }), expect: [401, 401, 401, 401] },
  { method: 'POST', route: '/logout', form: true, body: () => ({}), expect: [303, 303, 303, 303] },
  { method: 'GET', route: '/api/me', expect: [401, 200, 200, 200] },
  { method: 'GET', route: '/', expect: [303, 200, 200, 200] },
  { method: 'GET', route: '/api/companies', expect: [401, 200, 200, 200] },
  { method: 'GET', route: '/companies/:companyId', url: () => `/companies/${C}`, expect: [303, 200, 200, 200] },
  { method: 'GET', route: '/api/runs', url: () => `/api/runs?companyId=${C}`, expect: [401, 200, 200, 200] },
  { method: 'POST', route: '/runs', form: true, body: (w) => ({ companyId: REPORT_COMPANY, period: monthOf[w] }), expect: [303, 403, 303, 303] },
  { method: 'POST', route: '/api/runs', body: (w) => ({ companyId: OTHER_COMPANY, period: monthOf[w] }), expect: [401, 403, 202, 202] },
  {
    method: 'POST',
    route: '/backfills',
    form: true,
    body: (w) => ({ companyId: REPORT_COMPANY, from: backfillOf[w][0], to: backfillOf[w][1] }),
    expect: [303, 403, 303, 303],
  },
  {
    method: 'POST',
    route: '/api/backfills',
    body: (w) => ({ companyId: OTHER_COMPANY, from: backfillOf[w][0], to: backfillOf[w][1] }),
    expect: [401, 403, 202, 202],
  },
  { method: 'GET', route: '/reports/:companyId/:period', url: () => report, expect: [303, 200, 200, 200] },
  { method: 'GET', route: '/api/reports/:companyId/:period', url: () => `/api${report}`, expect: [401, 200, 200, 200] },
  { method: 'GET', route: '/reports/:companyId/:period/report.pdf', url: () => `${report}/report.pdf`, expect: [303, 200, 200, 200] },
  { method: 'GET', route: '/api/reports/:companyId/:period/report.pdf', url: () => `/api${report}/report.pdf`, expect: [401, 200, 200, 200] },
  { method: 'GET', route: '/months', expect: [303, 403, 303, 303] },
  { method: 'GET', route: '/months/:period', url: () => `/months/${REPORT_PERIOD}`, expect: [303, 403, 200, 200] },
  { method: 'GET', route: '/api/months/:period', url: () => `/api/months/${REPORT_PERIOD}`, expect: [401, 403, 200, 200] },
  // The stack's report was sent without review: there is no draft to decide on (409), and without a graph server
  // the console cannot record finding reviews (503).
  { method: 'GET', route: '/review/:companyId/:period', url: () => review, expect: [303, 200, 200, 200] },
  { method: 'GET', route: '/api/review/:companyId/:period', url: () => `/api${review}`, expect: [401, 200, 200, 200] },
  { method: 'GET', route: '/review/:companyId/:period/draft.pdf', url: () => `${review}/draft.pdf`, expect: [303, 404, 404, 404] },
  { method: 'GET', route: '/api/review/:companyId/:period/draft.pdf', url: () => `/api${review}/draft.pdf`, expect: [401, 404, 404, 404] },
  {
    method: 'POST',
    route: '/review/:companyId/:period/approve',
    url: () => `${review}/approve`,
    form: true,
    body: () => ({ draftVersion: '1' }),
    expect: [303, 403, 409, 409],
  },
  {
    method: 'POST',
    route: '/api/review/:companyId/:period/approve',
    url: () => `/api${review}/approve`,
    body: () => ({ draftVersion: 1 }),
    expect: [401, 403, 409, 409],
  },
  {
    method: 'POST',
    route: '/review/:companyId/:period/changes',
    url: () => `${review}/changes`,
    form: true,
    body: () => ({ draftVersion: '1', comment: '요약 수정' }),
    expect: [303, 403, 409, 409],
  },
  {
    method: 'POST',
    route: '/api/review/:companyId/:period/changes',
    url: () => `/api${review}/changes`,
    body: () => ({ draftVersion: 1, comment: '요약 수정' }),
    expect: [401, 403, 409, 409],
  },
  {
    method: 'POST',
    route: '/review/:companyId/:period/findings',
    url: () => `${review}/findings`,
    form: true,
    body: () => ({ findingKey: 'DEADLINE|due|2024-04-10', status: 'acknowledged', seenVersion: '0' }),
    expect: [303, 403, 503, 503],
  },
  {
    method: 'POST',
    route: '/api/review/:companyId/:period/findings',
    url: () => `/api${review}/findings`,
    body: () => ({ findingKey: 'DEADLINE|due|2024-04-10', status: 'acknowledged', seenVersion: 0 }),
    expect: [401, 403, 503, 503],
  },
  // Firm-wide statistics; the stack has no graph server to read the reviews from (the page says so, the API 503s).
  { method: 'GET', route: '/rule-feedback', expect: [303, 403, 200, 200] },
  { method: 'GET', route: '/api/rule-feedback', expect: [401, 403, 503, 503] },
  // Questions over the knowledge graph for everyone who reads reports; the SPARQL box for admins. No graph server
  // here: the page says so, the API 503s.
  { method: 'GET', route: '/ask', url: () => `/ask?q=${encodeURIComponent('담당 고객사 목록')}`, expect: [303, 200, 200, 200] },
  { method: 'GET', route: '/api/ask', url: () => `/api/ask?q=${encodeURIComponent('담당 고객사 목록')}`, expect: [401, 503, 503, 503] },
  { method: 'POST', route: '/ask/sparql', form: true, body: () => ({ query: 'SELECT ?s WHERE { ?s ?p ?o } LIMIT 1' }), expect: [303, 403, 403, 200] },
  { method: 'POST', route: '/api/ask/sparql', body: () => ({ query: 'SELECT ?s WHERE { ?s ?p ?o } LIMIT 1' }), expect: [401, 403, 403, 503] },
  { method: 'GET', route: '/costs', url: () => '/costs?month=2024-03', expect: [303, 403, 200, 200] },
  { method: 'GET', route: '/api/costs', url: () => '/api/costs?month=2024-03', expect: [401, 403, 200, 200] },
  { method: 'GET', route: '/settings', expect: [303, 403, 200, 200] },
  { method: 'GET', route: '/api/config', expect: [401, 403, 200, 200] },
  { method: 'POST', route: '/settings/schedule', form: true, body: () => ({ concurrency: '8' }), expect: [303, 403, 403, 303] },
  { method: 'PUT', route: '/api/config/schedule', body: () => ({ concurrency: 12, paused: false }), expect: [401, 403, 403, 200] },
  { method: 'GET', route: '/api/secrets', expect: [401, 403, 403, 200] },
  { method: 'GET', route: '/audit', expect: [303, 403, 403, 200] },
  { method: 'GET', route: '/api/audit', expect: [401, 403, 403, 200] },
  { method: 'GET', route: '/api/tokens', expect: [401, 403, 403, 200] },
  { method: 'POST', route: '/api/tokens', body: (w) => ({ name: `made-by-${w}`, role: 'viewer' }), expect: [401, 403, 403, 201] },
  {
    method: 'DELETE',
    route: '/api/tokens/:id',
    url: async () => {
      const { record } = await s.deps.tokens.create({ name: `to-revoke-${revocable.length}`, role: 'viewer' });
      revocable.push(record.id);
      return `/api/tokens/${record.id}`;
    },
    expect: [401, 403, 403, 204],
  },
];

async function call(c: Case, who: Who): Promise<Response> {
  const headers: Record<string, string> = {};
  if (who !== 'anonymous') headers.authorization = `Bearer ${s.tokens[who]}`;
  let body: string | undefined;
  const payload = c.body?.(who);
  if (payload) {
    headers['content-type'] = c.form ? 'application/x-www-form-urlencoded' : 'application/json';
    body = c.form ? new URLSearchParams(payload as Record<string, string>).toString() : JSON.stringify(payload);
  }
  const url = c.url ? await c.url(who) : c.route;
  return fetch(`${s.url}${url}`, { method: c.method, headers, body, redirect: 'manual' });
}

before(async () => {
  // The console starts runs on a queue no worker polls: the matrix checks access, not the pipeline.
  s = await startConsoleStack({ TASK_QUEUE: 'console-matrix-idle', LOGIN_MAX_FAILURES: '1000' });
  await upsertMonthlySchedule(s.h.client, { taskQueue: s.h.config.TASK_QUEUE, concurrency: 4, ledgerWaitMs: 3_600_000 });
});
after(async () => {
  await s?.stop();
});

describe('console role matrix', () => {
  test('the matrix names every route the console serves, and nothing else', () => {
    const served = s.server.routes.map((r) => `${r.method} ${r.url}`).sort();
    const covered = CASES.map((c) => `${c.method} ${c.route}`).sort();
    assert.deepEqual(covered, served);
  });

  for (const c of CASES) {
    test(`${c.method} ${c.route}`, async () => {
      for (const [i, who] of WHO.entries()) {
        const res = await call(c, who);
        assert.equal(res.status, c.expect[i], `${c.method} ${c.route} as ${who}: ${res.status} ${await res.text()}`);
        if (res.status === 303 && who === 'anonymous' && c.route !== '/logout') {
          assert.match(res.headers.get('location') ?? '', /^\/login\?next=/, 'an anonymous page visit is sent to sign in');
        }
        if (res.status === 401)
          assert.equal(c.route.startsWith('/api/') || c.route === '/login', true, `only the API and sign-in answer 401 (${c.route})`);
      }
    });
  }
});
