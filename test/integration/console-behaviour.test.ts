// What the console does beyond the role matrix: company scope, sessions and CSRF, sign-in limits, hostile input,
// headers, and the audit trail its actions leave.
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CostReport } from '../../lib/llm/cost-report';
import { usageRecord } from '../../lib/llm/usage-ledger';
import { REPORT_COMPANY, REPORT_PERIOD, OTHER_COMPANY, startConsoleStack, type ConsoleStack } from '../support/console-stack';
import { startJwksServer, type JwksServer } from '../support/jwks-server';
import { registerTestSecret } from '../../dev/test-secrets';

let s: ConsoleStack;
let idp: JwksServer;
const C = encodeURIComponent(REPORT_COMPANY);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** Signs in through the form and returns the session cookie. */
async function signIn(token: string): Promise<string> {
  const res = await fetch(`${s.url}/login`, { method: 'POST', redirect: 'manual', ...form({ token, next: '/' }) });
  assert.equal(res.status, 303);
  const cookie = res.headers.get('set-cookie') ?? '';
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Strict/i);
  return cookie.split(';')[0]!;
}

function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  assert.ok(match, 'the page carries a CSRF token');
  return match[1]!;
}

before(async () => {
  idp = await startJwksServer();
  s = await startConsoleStack({
    TASK_QUEUE: 'console-behaviour-idle',
    LOGIN_MAX_FAILURES: '3',
    LOGIN_WINDOW: '15m',
    OIDC_ISSUER: idp.issuer,
    OIDC_AUDIENCE: idp.audience,
    OIDC_JWKS_URL: idp.jwksUrl,
    OIDC_ROLE_CLAIM: 'realm_access.roles',
    OIDC_COMPANIES_CLAIM: 'tax_companies',
  });
});
after(async () => {
  await s?.stop();
  await idp?.stop();
});

describe('console', () => {
  test('a viewer scoped to one company sees only it, and is refused the others', async () => {
    const headers = bearer(s.tokens.scopedViewer);
    const companies = (await (await fetch(`${s.url}/api/companies`, { headers })).json()) as { companies: { id: string }[] };
    assert.deepEqual(
      companies.companies.map((c) => c.id),
      [REPORT_COMPANY],
    );
    const runs = (await (await fetch(`${s.url}/api/runs`, { headers })).json()) as { runs: { companyId: string }[] };
    assert.ok(runs.runs.length >= 1);
    assert.ok(runs.runs.every((r) => r.companyId === REPORT_COMPANY));
    const own = await fetch(`${s.url}/api/reports/${C}/${REPORT_PERIOD}/report.pdf`, { headers });
    assert.equal(own.status, 200);
    assert.equal(
      Buffer.from(await own.arrayBuffer())
        .subarray(0, 4)
        .toString(),
      '%PDF',
    );
    const other = await fetch(`${s.url}/api/reports/${encodeURIComponent(OTHER_COMPANY)}/${REPORT_PERIOD}/report.pdf`, { headers });
    assert.equal(other.status, 403);
    const otherRuns = await fetch(`${s.url}/api/runs?companyId=${encodeURIComponent(OTHER_COMPANY)}`, { headers });
    assert.equal(otherRuns.status, 403);
  });

  test('a folder that is no company is shown to those who see every company, by its quoted name and reason', async () => {
    const stray = path.join(s.config.ERP_DATA_DIR, 'companies', '가람 (old)');
    await mkdir(stray, { recursive: true });
    try {
      const admin = (await (await fetch(`${s.url}/api/companies`, { headers: bearer(s.tokens.admin) })).json()) as {
        skippedFolders: { name: string; reason: string }[];
      };
      assert.deepEqual(
        admin.skippedFolders.map((f) => f.name),
        ['가람 (old)'],
      );
      assert.match(admin.skippedFolders[0]!.reason, /invalid company id/);
      const page = await (await fetch(`${s.url}/`, { headers: { cookie: await signIn(s.tokens.viewer) } })).text();
      assert.match(page, /<code>companies\/&quot;가람 \(old\)&quot;<\/code>: invalid company id/);
      const scoped = (await (await fetch(`${s.url}/api/companies`, { headers: bearer(s.tokens.scopedViewer) })).json()) as {
        skippedFolders: unknown[];
      };
      assert.deepEqual(scoped.skippedFolders, [], 'a folder name may be any client: not shown to a scoped principal');
    } finally {
      await rm(stray, { recursive: true, force: true });
    }
  });

  test('OIDC bearer JWTs from the identity provider: role and company scope from the claims', async () => {
    const jwt = async (claims: Record<string, unknown>, opts?: Parameters<JwksServer['sign']>[1]) =>
      registerTestSecret(await idp.sign({ sub: 'park@firm.example', ...claims }, opts));
    const admin = await jwt({ realm_access: { roles: ['offline_access', 'admin'] }, tax_companies: '*' });
    assert.equal((await fetch(`${s.url}/api/secrets`, { headers: bearer(admin) })).status, 200);
    // The scope claim configured but missing (an IdP mapper left out): refused, never every company.
    const unscoped = await jwt({ realm_access: { roles: ['admin'] } });
    assert.equal((await fetch(`${s.url}/api/me`, { headers: bearer(unscoped) })).status, 403);
    const scoped = await jwt({ realm_access: { roles: ['viewer'] }, tax_companies: [REPORT_COMPANY] });
    const me = (await (await fetch(`${s.url}/api/me`, { headers: bearer(scoped) })).json()) as { role: string; via: string; companies: string[] };
    assert.deepEqual(me, { subject: 'park@firm.example', role: 'viewer', via: 'oidc', companies: [REPORT_COMPANY] });
    assert.equal(
      (await fetch(`${s.url}/api/reports/${encodeURIComponent(OTHER_COMPANY)}/${REPORT_PERIOD}`, { headers: bearer(scoped) })).status,
      403,
    );
    assert.equal((await fetch(`${s.url}/api/config`, { headers: bearer(scoped) })).status, 403);
    const noRole = await jwt({ realm_access: { roles: ['offline_access'] } });
    assert.equal((await fetch(`${s.url}/api/me`, { headers: bearer(noRole) })).status, 403);
    const forged = await jwt({ realm_access: { roles: ['admin'] } }, { key: 'other' });
    assert.equal((await fetch(`${s.url}/api/me`, { headers: bearer(forged) })).status, 401);
    const expired = await jwt({ realm_access: { roles: ['admin'] } }, { expiresIn: '-5m' });
    assert.equal((await fetch(`${s.url}/api/me`, { headers: bearer(expired) })).status, 401);
  });

  test('an analyst scoped to some companies sees only their LLM use and totals on /costs', async () => {
    const at = new Date('2031-05-10T03:00:00Z');
    for (const [id, companyId, usd] of [
      ['scope-a', REPORT_COMPANY, 0.5],
      ['scope-b', OTHER_COMPANY, 2],
    ] as const) {
      await s.deps.usage.record(
        usageRecord(at, {
          id,
          period: '2031-05',
          companyId,
          task: 'summary',
          model: 'gpt-4.1-mini',
          cached: false,
          fallbackUsed: false,
          inputTokens: 100,
          outputTokens: 10,
          usd,
          estimated: false,
          outcome: 'ok',
        }),
      );
    }
    const { token } = await s.deps.tokens.create({ name: 'scoped-analyst', role: 'analyst', companies: [REPORT_COMPANY] });
    registerTestSecret(token);
    const scoped = (await (await fetch(`${s.url}/api/costs?month=2031-05`, { headers: bearer(token) })).json()) as CostReport;
    assert.deepEqual(
      scoped.byCompany.map((l) => l.key),
      [REPORT_COMPANY],
    );
    assert.equal(scoped.total.usd, 0.5);
    const firmWide = (await (await fetch(`${s.url}/api/costs?month=2031-05`, { headers: bearer(s.tokens.admin) })).json()) as CostReport;
    assert.deepEqual(firmWide.byCompany.map((l) => l.key).sort(), [REPORT_COMPANY, OTHER_COMPANY].sort());
  });

  test('the download is the stored PDF, named for the company in UTF-8', async () => {
    const res = await fetch(`${s.url}/api/reports/${C}/${REPORT_PERIOD}/report.pdf`, { headers: bearer(s.tokens.viewer) });
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.match(res.headers.get('content-disposition') ?? '', /filename\*=UTF-8''c01-%EA%B0%80%EB%9E%8C-2024-03-tax-report\.pdf/);
    const stored = await s.deps.objects.get(`${REPORT_COMPANY}/${REPORT_PERIOD}/report.pdf`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), stored);
  });

  test('hostile ids and periods are refused before they reach a path, a query or a page', async () => {
    const headers = { ...bearer(s.tokens.admin), 'content-type': 'application/json' };
    for (const [url, status] of [
      ['/api/reports/..%2F..%2Fetc/2024-03/report.pdf', 400],
      ['/api/reports/c01/2024-13', 400],
      [`/api/runs?companyId=${encodeURIComponent("x' OR '1'='1")}`, 400],
      [`/api/runs?period=${encodeURIComponent("2024-01' OR WorkflowType='x")}`, 400],
      [`/api/reports/${C}/2019-01`, 404],
    ] as const) {
      const res = await fetch(`${s.url}${url}`, { headers });
      assert.equal(res.status, status, url);
    }
    const unknown = await fetch(`${s.url}/api/runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ companyId: 'no-such-co', period: '2024-01' }),
    });
    assert.equal(unknown.status, 404);
    const script = await fetch(`${s.url}/companies/${encodeURIComponent('<script>')}`, { headers });
    assert.equal(script.status, 400);
    const page = await script.text();
    assert.ok(!page.includes('<script>'), 'the id is escaped on the error page');
    assert.match(page, /&lt;script&gt;/);
  });

  test('a session form post needs its CSRF token and a same-origin Origin', async () => {
    const cookie = await signIn(s.tokens.analyst);
    const page = await (await fetch(`${s.url}/companies/${C}`, { headers: { cookie } })).text();
    const csrf = csrfOf(page);
    const post = (fields: Record<string, string>, extra: Record<string, string> = {}) =>
      fetch(`${s.url}/runs`, { method: 'POST', redirect: 'manual', ...form(fields), headers: { ...form(fields).headers, cookie, ...extra } });
    assert.equal((await post({ companyId: REPORT_COMPANY, period: '2021-01' })).status, 403, 'no token');
    assert.equal((await post({ companyId: REPORT_COMPANY, period: '2021-01', _csrf: 'forged' })).status, 403, 'wrong token');
    assert.equal(
      (await post({ companyId: REPORT_COMPANY, period: '2021-01', _csrf: csrf }, { origin: 'https://evil.example' })).status,
      403,
      'foreign origin',
    );
    const ok = await post({ companyId: REPORT_COMPANY, period: '2021-01', _csrf: csrf });
    assert.equal(ok.status, 303);
    assert.match(ok.headers.get('location') ?? '', /started=tax-report-/);
    const other = await signIn(s.tokens.admin);
    const otherCsrf = csrfOf(await (await fetch(`${s.url}/`, { headers: { cookie: other } })).text());
    assert.equal((await post({ companyId: REPORT_COMPANY, period: '2021-02', _csrf: otherCsrf })).status, 403, "another session's token");
  });

  test("a run started from the console carries the request's trace into Temporal", async () => {
    const res = await fetch(`${s.url}/api/runs`, {
      method: 'POST',
      headers: { ...bearer(s.tokens.analyst), 'content-type': 'application/json' },
      body: JSON.stringify({ companyId: REPORT_COMPANY, period: '2019-07' }),
    });
    assert.equal(res.status, 202);
    const { workflowId } = (await res.json()) as { workflowId: string };
    const history = await s.h.client.workflow.getHandle(workflowId).fetchHistory();
    const fields = history.events?.[0]?.workflowExecutionStartedEventAttributes?.header?.fields ?? {};
    assert.ok(
      Object.keys(fields).some((k) => /tracer/i.test(k)),
      `trace context in the start header: ${Object.keys(fields).join(', ')}`,
    );
  });

  test('revoking an API token ends the sessions signed in with it', async () => {
    const { token, record } = await s.deps.tokens.create({ name: 'short-lived', role: 'viewer' });
    const cookie = await signIn(token);
    assert.equal((await fetch(`${s.url}/api/me`, { headers: { cookie } })).status, 200);
    await s.deps.tokens.revoke(record.id);
    assert.equal((await fetch(`${s.url}/api/me`, { headers: { cookie } })).status, 401);
  });

  test('signing out ends the session on the server: a copy of the cookie is refused afterwards', async () => {
    const cookie = await signIn(s.tokens.viewer);
    const copy = cookie;
    const csrf = csrfOf(await (await fetch(`${s.url}/`, { headers: { cookie } })).text());
    const out = await fetch(`${s.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      ...form({ _csrf: csrf }),
      headers: { ...form({}).headers, cookie },
    });
    assert.equal(out.status, 303);
    assert.equal((await fetch(`${s.url}/api/me`, { headers: { cookie: copy } })).status, 401);
    assert.equal((await fetch(`${s.url}/`, { headers: { cookie: copy }, redirect: 'manual' })).status, 303, 'pages send it to sign in');
    assert.equal((await fetch(`${s.url}/api/me`, { headers: { cookie: await signIn(s.tokens.viewer) } })).status, 200, 'a new sign-in works');
  });

  test('security headers on every answer; the console runs no script at all', async () => {
    for (const url of ['/login', '/api/me', '/healthz']) {
      const res = await fetch(`${s.url}${url}`);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /script-src/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      if (url !== '/static/console.css') assert.equal(res.headers.get('cache-control'), 'no-store');
    }
  });

  test('an open redirect through ?next= is not possible; a sign-in posted from another site is refused', async () => {
    const { token } = await s.deps.tokens.create({ name: 'redirect-check', role: 'viewer' });
    const foreign = await fetch(`${s.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      ...form({ token }),
      headers: { ...form({ token }).headers, origin: 'https://evil.example' },
    });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers.get('set-cookie'), null);
    for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example', '/\t/evil.example']) {
      const res = await fetch(`${s.url}/login`, { method: 'POST', redirect: 'manual', ...form({ token, next }) });
      assert.equal(res.headers.get('location'), '/', next);
    }
  });

  test('/audit pages from the newest record back: a bounded page, the filter kept, verified on the first page only', async () => {
    const target = `paging-${Date.now()}`;
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push((await s.deps.audit.append({ action: 'config.changed', actor: 'pager', target, outcome: 'success' })).seq);
    const headers = bearer(s.tokens.admin);
    type Page = { records: Array<{ seq: number }>; verify?: { ok: boolean }; older?: number };
    const page = async (query: string) => (await (await fetch(`${s.url}/api/audit?target=${target}&limit=2${query}`, { headers })).json()) as Page;
    const first = await page('');
    assert.deepEqual(
      first.records.map((r) => r.seq),
      [seqs[4], seqs[3]],
    );
    assert.equal(first.verify?.ok, true);
    const second = await page(`&before=${first.older}`);
    assert.deepEqual([second.records.map((r) => r.seq), second.verify, second.older], [[seqs[2], seqs[1]], undefined, seqs[1]]);
    const last = await page(`&before=${second.older}`);
    assert.deepEqual([last.records.map((r) => r.seq), last.older], [[seqs[0]], undefined]);
    // The HTML page links to the older page and back to the newest, with the same filter and size.
    const html = await (await fetch(`${s.url}/audit?target=${target}&limit=2&before=${first.older}`, { headers })).text();
    assert.match(html, new RegExp(`href="/audit\\?limit=2&amp;action=&amp;target=${target}&amp;before=${seqs[1]}" id="audit-older"`));
    assert.match(html, new RegExp(`href="/audit\\?limit=2&amp;action=&amp;target=${target}" id="audit-newest"`));
    assert.doesNotMatch(html, /id="audit-verify"/);
    assert.equal((await fetch(`${s.url}/api/audit?limit=501`, { headers })).status, 400, 'a page is at most 500 records');
  });

  test('failed sign-ins are limited per address after LOGIN_MAX_FAILURES (a forged X-Forwarded-For changes nothing); a good token still gets in', async () => {
    // Run last: it leaves 127.0.0.1 blocked for the window. The console trusts no proxy here, so the header that
    // names a new client on every attempt is ignored.
    let n = 0;
    const bad = () =>
      fetch(`${s.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `203.0.113.${++n}` },
        body: new URLSearchParams({ token: 'txr_0123456789ab_wrong-wrong-wrong-wrong' }).toString(),
      });
    // Earlier tests' failures from this address count too (a success in between reset nothing).
    let limited = await bad();
    for (let i = 0; i < 3 && limited.status === 401; i++) limited = await bad();
    assert.equal(limited.status, 429, 'refused by the fourth failure at the latest');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    const bearerLimited = await fetch(`${s.url}/api/me`, { headers: bearer('txr_0123456789ab_also-wrong-also-wrong') });
    assert.equal(bearerLimited.status, 429);
    assert.ok(Number(bearerLimited.headers.get('retry-after')) > 0);
    // Failures are limited, not successes: others behind the same address do not lock out a valid credential.
    assert.equal((await fetch(`${s.url}/api/me`, { headers: bearer(s.tokens.admin) })).status, 200);
    assert.ok((await signIn(s.tokens.analyst)).length > 0, 'the sign-in form too');
    assert.equal((await bad()).status, 429, 'and a success reset nothing');
    const metrics = await s.deps.metrics.registry.getSingleMetricAsString('tax_console_sign_in_failures_total');
    assert.match(metrics, /tax_console_sign_in_failures_total\{via="form"\} [3-9]/);
    assert.match(metrics, /tax_console_sign_in_failures_total\{via="bearer"\} [1-9]/);
  });

  test('the audit log holds each action, with actor and outcome, and its chain verifies', async () => {
    await s.deps.failedSignIns.flush();
    const records = await s.deps.audit.list({ limit: 1000 });
    const seen = (action: string, predicate: (r: (typeof records)[number]) => boolean = () => true) =>
      records.some((r) => r.action === action && predicate(r));
    assert.ok(seen('login.succeeded', (r) => /^analyst-lee \[token [0-9a-f]{12}\]$/.test(r.actor) && r.role === 'analyst'));
    assert.ok(seen('login.failed', (r) => r.outcome === 'failure'));
    assert.ok(
      seen('login.failed', (r) => r.outcome === 'denied'),
      'rate-limited attempts are recorded',
    );
    assert.ok(seen('api_key.used', (r) => r.actor.startsWith('viewer-garam [token ')));
    assert.ok(seen('report.downloaded', (r) => r.target === `${REPORT_COMPANY}/${REPORT_PERIOD}`));
    assert.ok(seen('access.denied', (r) => r.actor.startsWith('viewer-garam [token ')));
    assert.ok(seen('run.started', (r) => r.actor.startsWith('analyst-lee [token ') && r.target === `${REPORT_COMPANY}/2021-01`));
    for (const r of records) {
      assert.doesNotMatch(JSON.stringify(r), /txr_[0-9a-f]{12}_/, 'no token secret in the audit log');
    }
    const verify = await s.deps.audit.verify();
    assert.equal(verify.ok, true, verify.problems.join('; '));
  });
});
