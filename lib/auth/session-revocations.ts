/**
 * Sessions ended before their time (sign-out): the cookie is stateless, so a copy of it would otherwise stay valid
 * until it expires. A revoked session id is kept until the session would have expired anyway, in the
 * `console_revoked_sessions` table with DATABASE_URL (every console pod sees it), else in a file beside the tokens.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { AppConfig } from '../config';
import type { Logger } from '../logging';
import { ensurePgSchema, type PgSchema } from '../storage/pg-schema';
import { onceSucceeded } from '../storage/pg-transaction';
import { readIfExists, withLockFile, writePrivateFileAtomic } from '../storage/private-files';

export interface SessionRevocations {
  /** `expiresAt` (ms since the epoch): when the session ends anyway; the entry can go then. */
  revoke(sessionId: string, expiresAt: number): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
  close(): Promise<void>;
}

export const REVOKED_SESSIONS_SCHEMA: PgSchema = {
  name: 'the revoked-sessions table',
  presentSql: `SELECT to_regclass('console_revoked_sessions') IS NOT NULL AS present`,
  createSql: `CREATE TABLE IF NOT EXISTS console_revoked_sessions (sid text PRIMARY KEY, expires_at timestamptz NOT NULL);`,
  lockKey: 0x7365_7373, // "sess"
};

export function createSessionRevocations(config: Pick<AppConfig, 'API_TOKENS_FILE' | 'DATABASE_URL'>, log: Logger): SessionRevocations {
  return config.DATABASE_URL
    ? new PgSessionRevocations(config.DATABASE_URL, log)
    : new FileSessionRevocations(join(dirname(config.API_TOKENS_FILE), 'revoked-sessions.json'));
}

class PgSessionRevocations implements SessionRevocations {
  private readonly pool: pg.Pool;
  private readonly ensureSchema = onceSucceeded(() => ensurePgSchema(this.pool, REVOKED_SESSIONS_SCHEMA));

  constructor(databaseUrl: string, log: Logger) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    this.pool.on('error', (err) => log.warn({ error: err.message }, 'revoked-sessions database connection lost'));
  }

  async revoke(sessionId: string, expiresAt: number): Promise<void> {
    await this.ensureSchema();
    await this.pool.query('DELETE FROM console_revoked_sessions WHERE expires_at < now()');
    await this.pool.query('INSERT INTO console_revoked_sessions (sid, expires_at) VALUES ($1, $2) ON CONFLICT (sid) DO NOTHING', [
      sessionId,
      new Date(expiresAt),
    ]);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    await this.ensureSchema();
    return (await this.pool.query('SELECT 1 FROM console_revoked_sessions WHERE sid = $1', [sessionId])).rowCount === 1;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** `{ "<sid>": <expiresAt ms> }`, owner-only, replaced atomically under a lock file; the entries of ended sessions are dropped on each write. */
class FileSessionRevocations implements SessionRevocations {
  constructor(
    private readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  async revoke(sessionId: string, expiresAt: number): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await withLockFile(`${this.file}.lock`, async () => {
      const at = this.now();
      const live = Object.entries(await this.read()).filter(([, until]) => until > at);
      await writePrivateFileAtomic(this.file, `${JSON.stringify(Object.fromEntries([...live, [sessionId, expiresAt]]))}\n`);
    });
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return Object.hasOwn(await this.read(), sessionId);
  }

  async close(): Promise<void> {}

  private async read(): Promise<Record<string, number>> {
    const text = await readIfExists(this.file);
    return text === undefined ? {} : (JSON.parse(text) as Record<string, number>);
  }
}
