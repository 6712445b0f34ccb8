// The console behind a trusted proxy with Secure cookies: who the client is, what failed sign-ins cost the audit
// log, what a scoped admin may grant, and the session cookie's shape.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../lib/audit/audit-log';
import { OTHER_COMPANY, REPORT_COMPANY, startConsoleStack, type ConsoleStack } from '../support/console-stack';
import { registerTestSecret } from '../../dev/test-secrets';

let s: ConsoleStack;

const json = { 'content-type': 'application/json' };
const bearer = (token: string, from?: string) => ({ authorization: `Bearer ${token}`, ...(from && { 'x-forwarded-for': from }) });
const me = (token: string, from: string) => fetch(`${s.url}/api/me`, { headers: bearer(token, from) });
/** A token shaped like ours for an existing id, with a wrong secret. */
const forged = (id: string, n: number) => `txr_${id}_${String(n).padStart(43, 'x')}`;

/** Records a failed sign-in digest wrote, and the failures they stand for. */
async function failedSignIns(): Promise<{ records: AuditRecord[]; failures: number }> {
  await s.deps.failedSignIns.flush();
  const records = await s.deps.audit.list({ action: 'login.failed', limit: 10_000 });
  const failures = records.reduce((sum, r) => sum + (r.details?.aggregated ? Number(r.details.count) : 1), 0);
  return { records, failures };
}

before(async () => {
  s = await startConsoleStack({
    TASK_QUEUE: 'console-security-idle',
    LOGIN_MAX_FAILURES: '3',
    LOGIN_WINDOW: '15m',
    CONSOLE_TRUST_PROXY: '127.0.0.1',
    CONSOLE_SECURE_COOKIES: 'true',
  });
});
after(async () => {
  await s?.stop();
});

describe('console security', () => {
  test('behind a trusted proxy the client it names is the one limited, and a forged entry in front of it changes nothing', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await me('txr_0123456789ab_wrong', '198.51.100.1')).status, 401);
    assert.equal((await me('txr_0123456789ab_wrong', '198.51.100.1')).status, 429);
    assert.equal((await me('txr_0123456789ab_wrong', '192.0.2.77, 198.51.100.1')).status, 429, 'the proxy appends the real peer last');
    assert.equal((await me('txr_0123456789ab_wrong', '198.51.100.2')).status, 401, 'another client is not affected');
    assert.equal((await me(s.tokens.viewer, '198.51.100.1')).status, 200, 'a valid token from the locked address gets in');
  });

  test("failures are also counted per token id: guessing one token's secret from many addresses is locked, its holder is not", async () => {
    const { token, record } = await s.deps.tokens.create({ name: 'guess-target', role: 'admin' });
    registerTestSecret(token);
    assert.equal((await me(token, '198.51.100.10')).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await me(forged(record.id, i), `198.51.100.${20 + i}`)).status, 401);
    assert.equal((await me(forged(record.id, 9), '198.51.100.30')).status, 429, 'a fresh address, the same token id');
    assert.equal((await me(token, '198.51.100.31')).status, 200, 'the holder this console has verified before');
  });

  test('100,000 refused sign-ins write a bounded number of audit records, with their count', async () => {
    const before = await failedSignIns();
    const file = statSync(s.config.AUDIT_LOG_FILE).size;
    const inject = (headers: Record<string, string>) => s.server.app.inject({ method: 'GET', url: '/api/me', headers });
    const FLOOD = 100_000;
    const statuses = new Map<number, number>();
    for (let sent = 0; sent < FLOOD; sent += 500) {
      const batch = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          inject({ authorization: i % 2 ? 'Bearer txr_0123456789ab_nope' : 'Basic Zm9vOmJhcg==', 'x-forwarded-for': '203.0.113.9' }),
        ),
      );
      for (const res of batch) statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    }
    assert.deepEqual([...statuses.keys()].sort(), [401, 429]);
    // And from more addresses than the digest tracks (1,000): the rest share one overflow digest.
    const SPREAD = 3000;
    for (let sent = 0; sent < SPREAD; sent += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          inject({ authorization: 'Bearer x', 'x-forwarded-for': `10.${(sent + i) >> 8}.${(sent + i) & 255}.1` }),
        ),
      );
    }
    const after = await failedSignIns();
    const added = after.records.length - before.records.length;
    assert.equal(after.failures - before.failures, FLOOD + SPREAD, 'every failure is counted');
    assert.ok(added <= 2 + 2 * 1000 + 2, `${added} records for ${FLOOD + SPREAD} failures`);
    const flood = after.records.filter((r) => r.sourceIp === '203.0.113.9');
    assert.equal(flood.length, 2, 'one address: its first failure, then one digest');
    assert.equal(flood.find((r) => r.details?.aggregated)?.outcome, 'denied');
    assert.ok(statSync(s.config.AUDIT_LOG_FILE).size - file < 2_000_000, 'the log grew by the records, not by the requests');
    const verify = await s.deps.audit.verify();
    assert.equal(verify.ok, true, verify.problems.join('; '));
  });

  test('a scoped admin grants only what it holds, revokes only within its scope, and no firm-wide action is its', async () => {
    const scoped = registerTestSecret((await s.deps.tokens.create({ name: 'admin-garam', role: 'admin', companies: [REPORT_COMPANY] })).token);
    const post = (body: unknown, token = scoped) =>
      fetch(`${s.url}/api/tokens`, { method: 'POST', headers: { ...bearer(token), ...json }, body: JSON.stringify(body) });
    assert.equal((await post({ name: 'wide-admin', role: 'admin' })).status, 403, 'an unscoped token');
    assert.equal((await post({ name: 'other-admin', role: 'admin', companies: [OTHER_COMPANY] })).status, 403, 'another company');
    assert.equal((await post({ name: 'both', role: 'viewer', companies: [REPORT_COMPANY, OTHER_COMPANY] })).status, 403, 'a wider scope');
    const made = await post({ name: 'garam-viewer', role: 'viewer', companies: [REPORT_COMPANY] });
    assert.equal(made.status, 201);
    registerTestSecret(((await made.json()) as { token: string }).token);

    const listed = (await (await fetch(`${s.url}/api/tokens`, { headers: bearer(scoped) })).json()) as { tokens: { name: string }[] };
    assert.deepEqual(listed.tokens.map((t) => t.name).sort(), ['admin-garam', 'garam-viewer', 'viewer-garam'], 'the tokens of its company only');
    const firmAdmin = (await s.deps.tokens.list()).find((t) => t.name === 'admin-park')!;
    assert.equal((await fetch(`${s.url}/api/tokens/${firmAdmin.id}`, { method: 'DELETE', headers: bearer(scoped) })).status, 403);
    assert.equal(await s.deps.tokens.isActive(firmAdmin.id), true);

    const schedule = await fetch(`${s.url}/api/config/schedule`, {
      method: 'PUT',
      headers: { ...bearer(scoped), ...json },
      body: JSON.stringify({ paused: true }),
    });
    assert.equal(schedule.status, 403);
    assert.equal((await fetch(`${s.url}/api/secrets`, { headers: bearer(scoped) })).status, 403);
    assert.equal((await fetch(`${s.url}/api/audit`, { headers: bearer(scoped) })).status, 403);
    // The firm's admin may.
    assert.equal((await fetch(`${s.url}/api/secrets`, { headers: bearer(s.tokens.admin) })).status, 200);
    assert.equal((await post({ name: 'wide-viewer', role: 'viewer' }, s.tokens.admin)).status, 201);
    const denied = await s.deps.audit.list({ action: 'access.denied', limit: 50 });
    assert.ok(
      denied.some((r) => r.actor.startsWith('admin-garam [token ') && /may not grant admin for every company/.test(String(r.details?.reason))),
    );
  });

  test('the session cookie is __Host- prefixed and Secure; a cookie without the prefix is no session', async () => {
    const res = await fetch(`${s.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: s.tokens.analyst, next: '/' }).toString(),
    });
    assert.equal(res.status, 303);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^__Host-txr_session=/);
    assert.match(cookie, /; Secure/i);
    assert.match(cookie, /; Path=\//i);
    assert.doesNotMatch(cookie, /Domain=/i);
    const value = cookie.split(';')[0]!.split('=').slice(1).join('=');
    assert.equal((await fetch(`${s.url}/api/me`, { headers: { cookie: `__Host-txr_session=${value}` } })).status, 200);
    assert.equal((await fetch(`${s.url}/api/me`, { headers: { cookie: `txr_session=${value}` } })).status, 401);
    assert.match((await fetch(`${s.url}/healthz`)).headers.get('strict-transport-security') ?? '', /max-age=/);
  });
});
