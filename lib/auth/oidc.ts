/**
 * Bearer JWTs from the firm's identity provider: signature checked against its JWKS, issuer, audience and
 * expiry enforced, and the console role taken from a configurable claim.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { assertCompanyId } from '../domain/ids';
import { ROLES, type Principal, type Role } from '../security/roles';
import { AuthError } from './auth-error';

export interface OidcOptions {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** A claim name, or a dotted path into nested claims such as `realm_access.roles`. */
  roleClaim: string;
  companiesClaim?: string;
}

export interface OidcVerifier {
  /** The principal of a valid token. AuthError 401/403 for a token that is refused; other errors (the JWKS unreachable) are the server's. */
  verify(jwt: string): Promise<Principal>;
}

/** Problems with the presented token itself; anything else (JWKS down or malformed) is not the caller's fault. */
const TOKEN_ERRORS: Record<string, string> = {
  [errors.JWTExpired.code]: 'token expired',
  [errors.JWTClaimValidationFailed.code]: 'token claims rejected',
  [errors.JWTInvalid.code]: 'malformed token',
  [errors.JWSInvalid.code]: 'malformed token',
  [errors.JOSEAlgNotAllowed.code]: 'token algorithm not allowed',
  [errors.JOSENotSupported.code]: 'token algorithm not allowed',
  [errors.JWKSNoMatchingKey.code]: 'token signed by an unknown key',
  [errors.JWKSMultipleMatchingKeys.code]: 'token signed by an unknown key',
  [errors.JWSSignatureVerificationFailed.code]: 'token signature invalid',
};

/** Strongest first. */
const BY_RANK: readonly Role[] = [...ROLES].reverse();

export function createOidcVerifier(opts: OidcOptions): OidcVerifier {
  // Fetched on first use and cached by jose; an unknown `kid` triggers a refetch (key rotation).
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl));
  return {
    async verify(jwt) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(jwt, jwks, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: ['RS256', 'ES256'],
          clockTolerance: 30,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (err) {
        const reason = err instanceof errors.JOSEError ? TOKEN_ERRORS[err.code] : undefined;
        if (reason) throw new AuthError(401, reason);
        throw err;
      }
      // jose checks that `sub` is present, not that it is a usable name for the audit log.
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthError(401, 'token has no subject');
      const role = highestRole(claimAt(payload, opts.roleClaim));
      if (!role) throw new AuthError(403, 'no console role');
      const companies = opts.companiesClaim ? companiesOf(claimAt(payload, opts.companiesClaim)) : undefined;
      return { subject: payload.sub, role, via: 'oidc', expiresAt: payload.exp! * 1000, ...(companies ? { companies } : {}) };
    },
  };
}

/** Three base64url segments (the signature may be empty, as in an `alg: none` token, which is then refused). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** A claim by its exact name first: namespaced claims are URLs (`https://firm.example/roles`) full of dots. */
function claimAt(payload: JWTPayload, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function highestRole(claim: unknown): Role | undefined {
  const values = new Set([claim].flat());
  return BY_RANK.find((role) => values.has(role));
}

/** The claim's value that stands for every company: a firm-wide principal is granted so, never assumed. */
const ALL_COMPANIES = '*';

/**
 * With OIDC_COMPANIES_CLAIM set, the claim decides: a list of company ids, or `*` alone for every company. A token
 * without it, or with a malformed one, is refused: a missing claim (a misconfigured IdP mapper) must not read as "all".
 */
function companiesOf(claim: unknown): string[] | undefined {
  if (claim === undefined) throw new AuthError(403, 'token has no companies claim');
  const values = [claim].flat();
  if (values.length === 1 && values[0] === ALL_COMPANIES) return undefined;
  try {
    if (values.length === 0) throw new Error('empty');
    return [...new Set(values.map(assertCompanyId))];
  } catch {
    throw new AuthError(403, 'invalid companies claim');
  }
}
