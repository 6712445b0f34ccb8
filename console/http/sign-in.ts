// One sign-in check for a presented token, whether it comes as a bearer header or through the sign-in form.
import type { FastifyRequest } from 'fastify';
import { ApiTokenStore } from '../../lib/auth/api-tokens';
import { AuthError } from '../../lib/auth/auth-error';
import { looksLikeJwt } from '../../lib/auth/oidc';
import type { Principal } from '../../lib/security/roles';
import type { ConsoleDeps } from '../deps';

/** The address (or the token id) failed too often: 429 until the window ends, unless the credential is good. */
export class TooManySignInsError extends Error {
  override readonly name = 'TooManySignInsError';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed sign-ins: try again in ${retryAfterSeconds} s`);
  }
}

/**
 * The principal of `token`, or AuthError 401 / TooManySignInsError. The limiter counts failures only, keyed on
 * the client address and on the API token id presented, so a valid credential is never turned away because
 * others behind the same address failed; what a locked-out address still costs is a lookup, and scrypt runs at
 * most `LOGIN_MAX_FAILURES` times per token id and window. Every failure is counted in the metrics and goes to the
 * audit log through the digest (one record per source and window, with a count).
 */
export async function signIn(deps: ConsoleDeps, request: FastifyRequest, token: string | undefined, via: 'bearer' | 'form'): Promise<Principal> {
  const byAddress = deps.loginLimiter.check(request.ip);
  const tokenId = token === undefined ? undefined : ApiTokenStore.idOf(token);
  const byToken = tokenId === undefined ? undefined : deps.loginLimiter.check(`token:${tokenId}`);
  try {
    if (token === undefined) throw new AuthError(401, via === 'bearer' ? 'expected Authorization: Bearer <token>' : 'empty token');
    if (byToken && !byToken.allowed && !deps.tokens.recognises(token)) throw new TooManySignInsError(byToken.retryAfterSeconds);
    const principal = await verifyToken(deps, token);
    if (!principal) throw new AuthError(401, 'unknown or revoked API token');
    return principal;
  } catch (err) {
    const refused = err instanceof TooManySignInsError;
    if (!refused && !(err instanceof AuthError && err.status === 401)) throw err;
    const limited = refused || !byAddress.allowed;
    if (!limited) {
      deps.loginLimiter.fail(request.ip);
      if (tokenId !== undefined) deps.loginLimiter.fail(`token:${tokenId}`);
    }
    deps.metrics.signInFailed(via);
    await deps.failedSignIns.record({ sourceIp: request.ip, via, reason: refused ? 'token id locked' : err.reason, limited });
    if (!refused && !byAddress.allowed) throw new TooManySignInsError(byAddress.retryAfterSeconds);
    throw err;
  }
}

/**
 * The principal of a bearer or pasted token: an OIDC JWT (AuthError when it does not verify) or one of our API
 * tokens (undefined when unknown, revoked or wrong).
 */
async function verifyToken(deps: ConsoleDeps, token: string): Promise<Principal | undefined> {
  if (!looksLikeJwt(token)) return deps.tokens.verify(token);
  if (!deps.oidc) throw new AuthError(401, 'OIDC is not configured');
  return deps.oidc.verify(token);
}
