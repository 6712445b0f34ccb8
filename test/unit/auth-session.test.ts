// The signed session cookie: it round-trips the principal, any change to payload or signature voids it, it
// expires, and its CSRF token fits this session only.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { AuthError } from '../../lib/auth/auth-error';
import { createSessionCodec } from '../../lib/auth/session';
import type { Principal } from '../../lib/security/roles';

const SECRET = 'a-test-session-secret-of-32-chars!!';
const alice: Principal = { subject: 'alice', role: 'analyst', via: 'api-token', tokenId: '0123456789ab', companies: ['c01', 'c02-누리'] };

function clock(start = '2025-01-10T09:00:00Z') {
  let at = new Date(start).getTime();
  return { now: () => new Date(at), advance: (ms: number) => void (at += ms) };
}

const decode = (cookie: string) => JSON.parse(Buffer.from(cookie.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
const encode = (claims: unknown) => Buffer.from(JSON.stringify(claims)).toString('base64url');

test('issue and read round-trip the principal, as a session', () => {
  const codec = createSessionCodec({ secret: SECRET, ttlMs: 3_600_000 });
  const cookie = codec.issue(alice);
  assert.match(cookie, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(codec.read(cookie), {
    subject: 'alice',
    role: 'analyst',
    via: 'session',
    companies: ['c01', 'c02-누리'],
    tokenId: '0123456789ab',
  });
  assert.deepEqual(codec.read(codec.issue({ subject: 'kim', role: 'viewer', via: 'oidc' })), { subject: 'kim', role: 'viewer', via: 'session' });
  assert.equal(decode(cookie).origin, 'api-token');
  assert.notEqual(decode(codec.issue(alice)).sid, decode(cookie).sid, 'every session has its own id');
});

test('a changed payload or signature, or another key, voids the cookie', () => {
  const codec = createSessionCodec({ secret: SECRET, ttlMs: 3_600_000 });
  const cookie = codec.issue(alice);
  const [payload, signature] = cookie.split('.') as [string, string];
  const promoted = encode({ ...decode(cookie), role: 'admin' });
  const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
  for (const bad of [
    `${promoted}.${signature}`,
    `${payload}.${flipped}`,
    `${payload}.${signature}x`,
    `${payload}.${signature}=`,
    `${payload}.${signature}.${signature}`,
    `${payload}.`,
    payload,
    '',
    createSessionCodec({ secret: `${SECRET}-other`, ttlMs: 3_600_000 }).issue(alice),
  ]) {
    assert.equal(codec.read(bad), undefined, bad);
  }
  assert.equal(codec.read(undefined), undefined);
});

test('a correctly signed cookie with malformed claims is still refused', () => {
  // Signed with the real key, so the shape check (not the signature) is what refuses these.
  const codec = createSessionCodec({ secret: SECRET, ttlMs: 3_600_000 });
  const sign = (claims: unknown) => {
    const payload = encode(claims);
    return `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
  };
  const good = decode(codec.issue(alice));
  assert.ok(codec.read(sign(good)), 'the hand-signed control passes');
  for (const claims of [
    { ...good, role: 'root' },
    { ...good, exp: String(good.exp) },
    { ...good, companies: 'c01' },
    { ...good, origin: 'magic' },
    'string',
    null,
  ]) {
    assert.equal(codec.read(sign(claims)), undefined, JSON.stringify(claims));
  }
});

test('a session expires after its ttl', () => {
  const time = clock();
  const codec = createSessionCodec({ secret: SECRET, ttlMs: 8 * 3_600_000, now: time.now });
  const cookie = codec.issue(alice);
  time.advance(8 * 3_600_000 - 1);
  assert.ok(codec.read(cookie));
  time.advance(1);
  assert.equal(codec.read(cookie), undefined);
  assert.equal(codec.checkCsrf(cookie, codec.csrfToken(codec.issue(alice))), false);
});

test('the CSRF token fits its own session only', () => {
  const codec = createSessionCodec({ secret: Buffer.from(SECRET), ttlMs: 3_600_000 });
  const mine = codec.issue(alice);
  const theirs = codec.issue(alice);
  const token = codec.csrfToken(mine);
  assert.equal(codec.csrfToken(mine), token, 'stable for the session');
  assert.equal(codec.checkCsrf(mine, token), true);
  assert.equal(codec.checkCsrf(theirs, token), false, "another session's token");
  assert.equal(codec.checkCsrf(mine, codec.csrfToken(theirs)), false);
  assert.equal(codec.checkCsrf(mine, undefined), false);
  assert.equal(codec.checkCsrf(mine, ''), false);
  assert.equal(codec.checkCsrf(mine, mine.split('.')[1]), false, 'the cookie signature is not a CSRF token');
  assert.equal(codec.checkCsrf(undefined, token), false, 'no cookie');
  assert.throws(
    () => codec.csrfToken('forged.cookie'),
    (err: unknown) => err instanceof AuthError && err.status === 401,
  );
});

test('a short secret is refused', () => {
  assert.throws(() => createSessionCodec({ secret: 'short', ttlMs: 1000 }), /at least 32 bytes/);
});

test('a session opened with an OIDC token ends when the token does, even inside the session TTL', () => {
  const time = clock();
  const codec = createSessionCodec({ secret: SECRET, ttlMs: 8 * 3_600_000, now: time.now });
  const expiresAt = time.now().getTime() + 5 * 60_000;
  const cookie = codec.issue({ subject: 'park@firm.example', role: 'admin', via: 'oidc', expiresAt });
  assert.equal(decode(cookie).exp, expiresAt);
  time.advance(5 * 60_000 - 1);
  assert.equal(codec.read(cookie)?.subject, 'park@firm.example');
  time.advance(1);
  assert.equal(codec.read(cookie), undefined, 'the JWT expired: so did the session');
});
