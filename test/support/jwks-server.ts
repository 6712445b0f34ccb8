// A local identity provider for the OIDC tests: an RS256 key pair whose public half is served as a JWKS on
// 127.0.0.1, and a signer for tokens with any claims (or signed with a key the JWKS does not hold).
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { freePort } from '../../dev/free-port';
import { registerTestSecret } from '../../dev/test-secrets';

export interface SignOptions {
  /** jose's setExpirationTime: `'5m'`, `'-2m'` (already expired), or epoch seconds; null: no `exp`. Default 5 minutes. */
  expiresIn?: string | number | null;
  audience?: string;
  issuer?: string;
  /** 'other': a key of the same `kid` that is not in the JWKS (a forged signature). */
  key?: 'other';
}

export interface JwksServer {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** JWKS requests served so far. */
  requests: () => number;
  sign(claims: JWTPayload, opts?: SignOptions): Promise<string>;
  stop(): Promise<void>;
}

const KID = 'test-key-1';

export async function startJwksServer(): Promise<JwksServer> {
  const [own, other] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('RS256')]);
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(own.publicKey)), kid: KID, alg: 'RS256', use: 'sig' }] });
  let requests = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${port}`;
  const audience = 'tax-console';
  return {
    issuer,
    audience,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    requests: () => requests,
    sign(claims, opts = {}) {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
        .setIssuedAt()
        .setIssuer(opts.issuer ?? issuer)
        .setAudience(opts.audience ?? audience);
      if (opts.expiresIn !== null) jwt.setExpirationTime(opts.expiresIn ?? '5m');
      return jwt.sign(opts.key === 'other' ? other.privateKey : own.privateKey).then(registerTestSecret);
    },
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
