/**
 * API token records in PostgreSQL (`console_api_tokens`, with DATABASE_URL): off the data volume that worker pods
 * can write, and shared by every console pod. Each change is one statement, so row locks make it atomic; reads go
 * to the table every time, so a revocation by any pod or the CLI holds from the next request on.
 */
import pg from 'pg';
import type { Logger } from '../logging';
import type { Role } from '../security/roles';
import { ensurePgSchema, type PgSchema } from '../storage/pg-schema';
import { inTransaction, onceSucceeded } from '../storage/pg-transaction';
import type { ApiTokenBackend, ApiTokenRecord } from './api-token-backend';

/** Created by the console on first use, or by `npm run db:setup`, which also lets only the console's role write it. */
export const TOKEN_SCHEMA: PgSchema = {
  name: 'the API token table',
  presentSql: `SELECT to_regclass('console_api_tokens') IS NOT NULL AS present`,
  createSql: `
CREATE TABLE IF NOT EXISTS console_api_tokens (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL,
  companies text[],
  created_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz,
  hash jsonb NOT NULL
);`,
  lockKey: 0x746f_6b65, // "toke"
};
const COLUMNS = 'id, name, role, companies, created_at, last_used_at, revoked_at, hash';

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  companies: string[] | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  hash: ApiTokenRecord['hash'];
}

export class PgTokenBackend implements ApiTokenBackend {
  private readonly pool: pg.Pool;
  private readonly ensureSchema = onceSucceeded(() => ensurePgSchema(this.pool, TOKEN_SCHEMA));

  constructor(databaseUrl: string, log: Logger) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    // An idle connection that drops must not crash the process; the next query reconnects.
    this.pool.on('error', (err) => log.warn({ error: err.message }, 'API token database connection lost'));
  }

  async list(): Promise<ApiTokenRecord[]> {
    return (await this.query<TokenRow>(`SELECT ${COLUMNS} FROM console_api_tokens ORDER BY created_at, id`)).rows.map(fromRow);
  }

  async get(id: string): Promise<ApiTokenRecord | undefined> {
    const [row] = (await this.query<TokenRow>(`SELECT ${COLUMNS} FROM console_api_tokens WHERE id = $1`, [id])).rows;
    return row && fromRow(row);
  }

  async insert(record: ApiTokenRecord): Promise<boolean> {
    await this.ensureSchema();
    return insertRow(this.pool, record);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const result = await this.query('UPDATE console_api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at]);
    return result.rowCount === 1;
  }

  async setLastUsed(id: string, at: string): Promise<void> {
    await this.query('UPDATE console_api_tokens SET last_used_at = $2 WHERE id = $1', [id, at]);
  }

  /** The upgrade from a token file: all records or none, and only into an empty table. Returns how many were copied. */
  async importRecords(records: ApiTokenRecord[]): Promise<number> {
    await this.ensureSchema();
    return inTransaction(this.pool, 'BEGIN', async (db) => {
      // Holds off concurrent creates until COMMIT, so the table is still empty when the rows go in.
      await db.query('LOCK TABLE console_api_tokens IN SHARE ROW EXCLUSIVE MODE');
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM console_api_tokens');
      if (rows[0]!.n > 0) throw new Error(`console_api_tokens already holds ${rows[0]!.n} token(s): import only into an empty table`);
      for (const record of records) {
        if (!(await insertRow(db, record))) throw new Error(`token id ${record.id} appears twice in the file`);
      }
      return records.length;
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    await this.ensureSchema();
    return this.pool.query<R>(text, values);
  }
}

async function insertRow(db: pg.Pool | pg.PoolClient, r: ApiTokenRecord): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO console_api_tokens (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) ON CONFLICT (id) DO NOTHING`,
    [r.id, r.name, r.role, r.companies ?? null, r.createdAt, r.lastUsedAt ?? null, r.revokedAt ?? null, JSON.stringify(r.hash)],
  );
  return result.rowCount === 1;
}

/** Back to the record as created: NULL columns were absent members, and timestamptz keeps the millisecond ISO text. */
function fromRow(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    ...(row.companies && { companies: row.companies }),
    createdAt: row.created_at.toISOString(),
    ...(row.last_used_at && { lastUsedAt: row.last_used_at.toISOString() }),
    ...(row.revoked_at && { revokedAt: row.revoked_at.toISOString() }),
    hash: row.hash,
  };
}
