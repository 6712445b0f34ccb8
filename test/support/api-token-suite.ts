// The API token assertions every backend must pass (file: test/unit/auth-tokens.test.ts; PostgreSQL:
// test/integration/api-tokens-postgres.test.ts): only a salted hash is stored, every malformed, wrong or revoked
// token is refused, the scope survives the round trip, and stores opened by other processes see each change at once.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ApiTokenStore } from '../../lib/auth/api-tokens';
import { registerTestSecret } from '../../dev/test-secrets';

/** One place tokens are stored (a file, a database), fresh per test. */
export interface TokenPlace {
  /** A store over this place, as another process (console pod, CLI) would open it; closed when the test ends. */
  open(now?: () => Date): ApiTokenStore;
  /** Everything stored, as text: what a leaked file or table dump would show. */
  dump(): Promise<string>;
}

export function apiTokenSuite(backend: string, freshPlace: (t: TestContext) => Promise<TokenPlace>): void {
  test(`${backend}: a created token verifies to its principal; what is stored holds no secret`, async (t) => {
    const place = await freshPlace(t);
    const store = place.open();
    const { token, record } = await store.create({ name: 'alice@firm', role: 'analyst' });
    registerTestSecret(token);
    assert.match(token, /^txr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(token.slice(4, 16), record.id);
    assert.deepEqual(await store.verify(token), { subject: 'alice@firm', role: 'analyst', via: 'api-token', tokenId: record.id });

    const stored = await place.dump();
    const secret = token.slice(17);
    assert.ok(stored.includes(record.id) && stored.includes('scrypt'), 'the dump shows the record');
    assert.ok(!stored.includes(secret), 'the secret is not stored');
    assert.ok(!stored.includes(Buffer.from(secret, 'base64url').toString('hex')));
  });

  test(`${backend}: wrong secret, malformed, unknown and revoked tokens are refused`, async (t) => {
    const store = (await freshPlace(t)).open();
    const { token, record } = await store.create({ name: 'ci', role: 'viewer' });
    const [prefix, id, secret] = [token.slice(0, 4), record.id, token.slice(17)];
    const otherSecret = `${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
    // Verified once: later checks of this id compare against the remembered digest, which must refuse as scrypt does.
    assert.equal((await store.verify(token))?.tokenId, id);
    for (const bad of [
      `${prefix}${id}_${otherSecret}`,
      `${prefix}000000000000_${secret}`,
      `${token}x`,
      token.slice(0, -1),
      `Bearer ${token}`,
      token.toUpperCase(),
      '',
      'txr__',
    ]) {
      assert.equal(await store.verify(bad), undefined, bad.replace(secret, '<secret>'));
    }
    assert.equal(await store.verify(undefined as unknown as string), undefined);

    assert.equal(await store.revoke(id), true);
    assert.equal(await store.revoke(id), false, 'already revoked');
    assert.equal(await store.revoke('ffffffffffff'), false, 'unknown');
    assert.equal(await store.verify(token), undefined);
    assert.equal(await store.isActive(id), false);
    assert.ok((await store.list())[0]!.revokedAt);
  });

  test(`${backend}: company scope is preserved; list shows no hashes; lastUsedAt is written at most once a minute`, async (t) => {
    let now = new Date('2025-01-10T09:00:00Z');
    const store = (await freshPlace(t)).open(() => now);
    const { token, record } = await store.create({ name: 'scoped', role: 'viewer', companies: ['c01', 'c02-누리', 'c01'] });
    assert.deepEqual(record.companies, ['c01', 'c02-누리']);
    assert.deepEqual((await store.verify(token))?.companies, ['c01', 'c02-누리']);

    const [listed] = await store.list();
    assert.deepEqual(Object.keys(listed!).sort(), ['companies', 'createdAt', 'id', 'lastUsedAt', 'name', 'role']);
    assert.equal(listed!.createdAt, '2025-01-10T09:00:00.000Z');
    assert.equal(listed!.lastUsedAt, '2025-01-10T09:00:00.000Z');

    now = new Date('2025-01-10T09:00:30Z');
    await store.verify(token);
    assert.equal((await store.list())[0]!.lastUsedAt, '2025-01-10T09:00:00.000Z', 'throttled');
    now = new Date('2025-01-10T09:01:05.250Z');
    await store.verify(token);
    assert.equal((await store.list())[0]!.lastUsedAt, '2025-01-10T09:01:05.250Z');
  });

  test(`${backend}: bad names, roles and company ids are refused at creation`, async (t) => {
    const store = (await freshPlace(t)).open();
    await assert.rejects(store.create({ name: 'has space', role: 'viewer' }), /invalid token name/);
    await assert.rejects(store.create({ name: 'x'.repeat(65), role: 'viewer' }), /invalid token name/);
    await assert.rejects(store.create({ name: 'ok', role: 'root' as 'admin' }), /invalid role/);
    await assert.rejects(store.create({ name: 'ok', role: 'viewer', companies: ['../etc'] }), /invalid company id/);
    await assert.rejects(store.create({ name: 'ok', role: 'viewer', companies: [] }), /at least one/);
    assert.deepEqual(await store.list(), []);
  });

  test(`${backend}: a name belongs to one token until it is revoked (the audit log's actor is never ambiguous)`, async (t) => {
    const store = (await freshPlace(t)).open();
    const { record } = await store.create({ name: 'ops-bot', role: 'viewer' });
    await assert.rejects(
      store.create({ name: 'ops-bot', role: 'admin' }),
      (err: Error) => err.name === 'TokenNameTakenError' && err.message.includes(record.id),
    );
    assert.equal((await store.list()).length, 1);
    await store.revoke(record.id);
    const again = await store.create({ name: 'ops-bot', role: 'viewer' });
    assert.notEqual(again.record.id, record.id, 'a revoked token frees its name');
  });

  test(`${backend}: a second store (another pod, the CLI) sees creations and revocations on its next call`, async (t) => {
    const place = await freshPlace(t);
    const [podA, podB] = [place.open(), place.open()];
    const { token, record } = await podB.create({ name: 'ops', role: 'admin' });
    assert.equal((await podA.verify(token))?.role, 'admin', 'created by B, verified by A');
    assert.deepEqual(
      (await podA.list()).map((r) => r.id),
      [record.id],
    );
    // A has the secret's digest cached now: the revocation must still win.
    assert.equal(await podB.revoke(record.id), true);
    assert.equal(await podA.verify(token), undefined, 'revoked by B, refused by A');
    assert.equal(await podA.isActive(record.id), false);
    assert.equal(await podA.revoke(record.id), false, 'A sees it already revoked');
  });

  test(`${backend}: concurrent creations from two stores all land`, async (t) => {
    const place = await freshPlace(t);
    const stores = [place.open(), place.open()];
    const names = Array.from({ length: 12 }, (_, i) => `bot-${i}`);
    const created = await Promise.all(names.map((name, i) => stores[i % 2]!.create({ name, role: 'viewer' })));
    for (const store of stores) assert.deepEqual((await store.list()).map((r) => r.name).sort(), [...names].sort());
    for (const [i, { token, record }] of created.entries()) assert.equal((await stores[(i + 1) % 2]!.verify(token))?.tokenId, record.id);
  });
}
