// OIDC bearer tokens against a real (local) JWKS endpoint: a valid token yields its role and companies; every
// forged, expired or misaddressed token is 401; a genuine user without a console role is 403.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { AuthError } from '../../lib/auth/auth-error';
import { createOidcVerifier, looksLikeJwt, type OidcVerifier } from '../../lib/auth/oidc';
import { startJwksServer, type JwksServer } from '../support/jwks-server';

let idp: JwksServer;
let verifier: OidcVerifier;
before(async () => {
  idp = await startJwksServer();
  verifier = createOidcVerifier({
    issuer: idp.issuer,
    audience: idp.audience,
    jwksUrl: idp.jwksUrl,
    roleClaim: 'roles',
    companiesClaim: 'companies',
  });
});
after(() => idp.stop());

const refused = (status: 401 | 403, reason?: RegExp) => (err: unknown) =>
  err instanceof AuthError && err.status === status && (!reason || reason.test(err.reason));

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('a valid token gives the principal with its role and companies', async () => {
  const jwt = await idp.sign({ sub: 'kim@firm', roles: ['viewer'], companies: ['c01', 'c02-누리'] });
  const { expiresAt, ...principal } = await verifier.verify(jwt);
  assert.deepEqual(principal, { subject: 'kim@firm', role: 'viewer', via: 'oidc', companies: ['c01', 'c02-누리'] });
  // The token's own expiry travels with the principal: a session opened with it ends then (auth-session.test.ts).
  assert.equal(expiresAt, JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).exp * 1000);
  // Every company only when the claim says so.
  const { expiresAt: _, ...everyCompany } = await verifier.verify(await idp.sign({ sub: 'lee', roles: 'analyst', companies: '*' }));
  assert.deepEqual(everyCompany, { subject: 'lee', role: 'analyst', via: 'oidc' });
});

test('with a companies claim configured, a token without it is refused, not read as every company', async () => {
  await assert.rejects(verifier.verify(await idp.sign({ sub: 'lee', roles: 'analyst' })), refused(403, /no companies claim/));
  await assert.rejects(verifier.verify(await idp.sign({ sub: 'lee', roles: 'admin', companies: null })), refused(403, /companies/));
  await assert.rejects(
    verifier.verify(await idp.sign({ sub: 'lee', roles: 'admin', companies: ['*', 'c01'] })),
    refused(403, /invalid companies claim/),
  );
});

test('the highest known role wins; unknown roles are ignored', async () => {
  const jwt = await idp.sign({ sub: 'park', roles: ['offline_access', 'viewer', 'admin', 'analyst'], companies: '*' });
  assert.equal((await verifier.verify(jwt)).role, 'admin');
});

test('no known role is 403', async () => {
  await assert.rejects(verifier.verify(await idp.sign({ sub: 'choi', roles: ['offline_access', 'Admin'] })), refused(403, /no console role/));
  await assert.rejects(verifier.verify(await idp.sign({ sub: 'choi' })), refused(403, /no console role/));
});

test('a malformed companies claim is refused, not read as every company', async () => {
  for (const companies of [['../etc'], [], 42]) {
    await assert.rejects(verifier.verify(await idp.sign({ sub: 'jung', roles: 'viewer', companies })), refused(403, /companies/));
  }
});

test('nested and namespaced role claims', async () => {
  const keycloak = createOidcVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: idp.jwksUrl, roleClaim: 'realm_access.roles' });
  assert.equal((await keycloak.verify(await idp.sign({ sub: 'a', realm_access: { roles: ['analyst'] } }))).role, 'analyst');
  await assert.rejects(keycloak.verify(await idp.sign({ sub: 'a', realm_access: 'analyst' })), refused(403));

  const auth0 = createOidcVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: idp.jwksUrl, roleClaim: 'https://firm.example/roles' });
  assert.equal((await auth0.verify(await idp.sign({ sub: 'b', 'https://firm.example/roles': ['admin'] }))).role, 'admin');
});

test('expired, misaddressed and foreign-signed tokens are 401', async () => {
  const claims = { sub: 'kim', roles: ['admin'], companies: '*' };
  await assert.rejects(verifier.verify(await idp.sign(claims, { expiresIn: '-2m' })), refused(401, /expired/));
  await assert.rejects(verifier.verify(await idp.sign(claims, { audience: 'another-app' })), refused(401));
  await assert.rejects(verifier.verify(await idp.sign(claims, { issuer: 'https://evil.example' })), refused(401));
  await assert.rejects(verifier.verify(await idp.sign(claims, { key: 'other' })), refused(401, /signature/));
  // Within the 30 s clock tolerance, a just-expired token still passes.
  assert.equal((await verifier.verify(await idp.sign(claims, { expiresIn: '-10s' }))).role, 'admin');
});

test('a token without sub or exp is 401', async () => {
  await assert.rejects(verifier.verify(await idp.sign({ roles: ['admin'] })), refused(401, /claims/));
  for (const sub of [42, '']) await assert.rejects(verifier.verify(await idp.sign({ sub, roles: ['admin'] } as never)), refused(401, /subject/));
  await assert.rejects(verifier.verify(await idp.sign({ sub: 'x', roles: ['admin'] }, { expiresIn: null })), refused(401, /claims/));
});

test('alg none and HS256 forgeries are 401', async () => {
  const payload = b64({ sub: 'mallory', roles: ['admin'], iss: idp.issuer, aud: idp.audience, exp: Math.floor(Date.now() / 1000) + 300 });
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
  assert.ok(looksLikeJwt(none));
  await assert.rejects(verifier.verify(none), refused(401));

  // HS256 keyed with the public JWKS text: the classic algorithm-confusion forgery.
  const jwks = await (await fetch(idp.jwksUrl)).text();
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'test-key-1' })}.${payload}`;
  const hs256 = `${input}.${createHmac('sha256', jwks).update(input).digest('base64url')}`;
  await assert.rejects(verifier.verify(hs256), refused(401, /algorithm/));
});

test('garbage is 401 and the reason never echoes the token', async () => {
  for (const garbage of ['', 'not-a-jwt', 'a.b.c', 'txr_0123456789ab_secret']) {
    await assert.rejects(
      verifier.verify(garbage),
      (err: unknown) => refused(401)(err) && (garbage === '' || !(err as AuthError).reason.includes(garbage)),
    );
  }
});

test('the JWKS is fetched once and cached', async () => {
  const before_ = idp.requests();
  for (let i = 0; i < 3; i++) await verifier.verify(await idp.sign({ sub: 'kim', roles: 'viewer', companies: '*' }));
  assert.equal(idp.requests(), before_);
});

test('an unreachable JWKS is a server error, not a 401', async () => {
  const down = createOidcVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: 'http://127.0.0.1:9/jwks.json', roleClaim: 'roles' });
  await assert.rejects(down.verify(await idp.sign({ sub: 'kim', roles: 'viewer', companies: '*' })), (err: unknown) => !(err instanceof AuthError));
});

test('looksLikeJwt tells JWTs from API tokens', async () => {
  assert.ok(looksLikeJwt(await idp.sign({ sub: 'x' })));
  for (const other of ['txr_0123456789ab_AAAA', 'a.b', 'a.b.c.d', 'a b.c.d', '']) assert.equal(looksLikeJwt(other), false, other);
});
