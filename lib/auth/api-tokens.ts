/**
 * API tokens for the console and scripts: `txr_<id>_<secret>`. The store keeps only a salted scrypt hash of each
 * secret, so a leaked file, table or backup does not leak working tokens; the id is public and finds the record.
 * Where the records live is the backend's business (lib/auth/create-api-token-store.ts picks one).
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { assertCompanyId } from '../domain/ids';
import { isRole, type Principal, type Role } from '../security/roles';
import type { ApiTokenBackend, ApiTokenRecord, PublicTokenRecord } from './api-token-backend';

const TOKEN = /^txr_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
/** ~50 ms per check: cheap for one request, ruinous for guessing; 16 MiB of memory per hash. */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, keylen: 32 } as const;
const LAST_USED_EVERY_MS = 60_000;

/** A token request that can never succeed as asked (bad name, role or company list). */
export class InvalidTokenRequestError extends Error {
  override readonly name = 'InvalidTokenRequestError';
}

export class TokenNameTakenError extends Error {
  override readonly name = 'TokenNameTakenError';
}

export class ApiTokenStore {
  /** When this process last wrote each token's lastUsedAt, so concurrent requests do not all write it. */
  private readonly touched = new Map<string, number>();
  /** Per token id, the SHA-256 of a secret that passed scrypt in this process. */
  private readonly verified = new Map<string, Buffer>();

  constructor(
    private readonly backend: ApiTokenBackend,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * A name is unique among the tokens not revoked, so the audit log's actor (name and id) and the token list never
   * leave a reader guessing which token acted.
   */
  async create(input: { name: string; role: Role; companies?: string[] }): Promise<{ token: string; record: PublicTokenRecord }> {
    if (!NAME.test(input.name))
      throw new InvalidTokenRequestError(`invalid token name ${JSON.stringify(input.name)}: 1-64 characters of A-Z a-z 0-9 _ . @ -`);
    if (!isRole(input.role)) throw new InvalidTokenRequestError(`invalid role ${JSON.stringify(input.role)}: viewer, analyst or admin`);
    const companies = input.companies && [...new Set(input.companies.map(assertCompanyId))];
    if (companies?.length === 0) throw new InvalidTokenRequestError('companies: name at least one, or omit the list for every company');
    const taken = (await this.backend.list()).find((r) => r.name === input.name && !r.revokedAt);
    if (taken)
      throw new TokenNameTakenError(`a token named ${JSON.stringify(input.name)} exists (id ${taken.id}): revoke it first or choose another name`);
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16);
    const key = await deriveKey(secret, salt, SCRYPT);
    const fields = {
      name: input.name,
      role: input.role,
      ...(companies ? { companies } : {}),
      createdAt: this.now().toISOString(),
      hash: { alg: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString('base64url'), key: key.toString('base64url') },
    } as const;
    // 48 random bits: a taken id is all but impossible, and then simply drawn again.
    for (;;) {
      const record: ApiTokenRecord = { id: randomBytes(6).toString('hex'), ...fields };
      if (await this.backend.insert(record)) return { token: `txr_${record.id}_${secret}`, record: toPublic(record) };
    }
  }

  /** The public id of a string shaped like one of our tokens, whether or not it is valid: the sign-in limiter's key. */
  static idOf(token: string): string | undefined {
    return TOKEN.exec(token)?.[1];
  }

  /**
   * True when this process has already verified exactly this token (no scrypt, no backend): lets its holder in
   * while someone else's failures have its id locked out. Revocation is still checked by `verify`.
   */
  recognises(token: string): boolean {
    const match = TOKEN.exec(token);
    const known = match && this.verified.get(match[1]!);
    return Boolean(known && timingSafeEqual(known, createHash('sha256').update(match[2]!).digest()));
  }

  async verify(token: string): Promise<Principal | undefined> {
    const match = typeof token === 'string' ? TOKEN.exec(token) : null;
    if (!match) return undefined;
    const [, id, secret] = match as unknown as [string, string, string];
    const record = await this.backend.get(id);
    if (!record || record.revokedAt || !(await this.secretMatches(record, secret))) return undefined;
    await this.touch(record);
    return {
      subject: record.name,
      role: record.role,
      via: 'api-token',
      tokenId: record.id,
      ...(record.companies ? { companies: [...record.companies] } : {}),
    };
  }

  /**
   * scrypt on every request would cap an API client at a few requests a second. After one successful scrypt check,
   * this process remembers the SHA-256 of the secret (a 256-bit random secret: its hash is as unguessable as the
   * secret) and compares against that; revocation is still read from the backend on every call.
   */
  private async secretMatches(record: ApiTokenRecord, secret: string): Promise<boolean> {
    const digest = createHash('sha256').update(secret).digest();
    const known = this.verified.get(record.id);
    if (known) return timingSafeEqual(known, digest);
    if (!(await secretMatches(secret, record.hash))) return false;
    this.verified.set(record.id, digest);
    return true;
  }

  /** False once revoked: lets the console end sessions that were opened with a token revoked since. */
  async isActive(id: string): Promise<boolean> {
    const record = await this.backend.get(id);
    return Boolean(record && !record.revokedAt);
  }

  async get(id: string): Promise<PublicTokenRecord | undefined> {
    const record = await this.backend.get(id);
    return record && toPublic(record);
  }

  async list(): Promise<PublicTokenRecord[]> {
    return (await this.backend.list()).map(toPublic);
  }

  /** True when this call revoked the token; false for an unknown or already revoked id. */
  revoke(id: string): Promise<boolean> {
    return this.backend.revoke(id, this.now().toISOString());
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  private async touch(record: ApiTokenRecord): Promise<void> {
    const at = this.now().getTime();
    const last = Math.max(this.touched.get(record.id) ?? 0, record.lastUsedAt ? Date.parse(record.lastUsedAt) : 0);
    if (at - last < LAST_USED_EVERY_MS) return;
    this.touched.set(record.id, at);
    try {
      await this.backend.setLastUsed(record.id, new Date(at).toISOString());
    } catch {
      // Bookkeeping only: a full disk, a busy lock or a database hiccup must not turn a valid token away.
    }
  }
}

function toPublic({ hash: _hash, ...record }: ApiTokenRecord): PublicTokenRecord {
  return structuredClone(record);
}

async function secretMatches(secret: string, hash: ApiTokenRecord['hash']): Promise<boolean> {
  const expected = Buffer.from(hash.key, 'base64url');
  const actual = await deriveKey(secret, Buffer.from(hash.salt, 'base64url'), { ...hash, keylen: expected.length });
  return timingSafeEqual(actual, expected);
}

function deriveKey(secret: string, salt: Buffer, params: { N: number; r: number; p: number; keylen: number }): Promise<Buffer> {
  const { N, r, p, keylen } = params;
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, keylen, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}
