/**
 * Tables an application process creates on first use when its login may (one login for everything, e.g. local
 * runs); otherwise `npm run db:setup` created them as the owner role (lib/storage/pg-roles.ts) and the process
 * only checks that they are there, so it needs no DDL rights.
 */
import type pg from 'pg';
import { inTransaction } from './pg-transaction';

export interface PgSchema {
  /** What the tables hold, for the error message. */
  name: string;
  /** One row with `present`: true once the newest form of the schema exists. */
  presentSql: string;
  /** Idempotent DDL, run under `lockKey` so that pods starting at once do not collide. */
  createSql: string;
  lockKey: number;
}

export async function ensurePgSchema(pool: pg.Pool, schema: PgSchema): Promise<void> {
  const { rows } = await pool.query<{ present: boolean }>(schema.presentSql);
  if (rows[0]?.present) return;
  try {
    await inTransaction(pool, 'BEGIN', async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [schema.lockKey]);
      await db.query(schema.createSql);
    });
  } catch (err) {
    // insufficient_privilege: an application role of db:setup, on a database that has not been set up (or upgraded).
    if ((err as { code?: string }).code !== '42501') throw err;
    const why = `${schema.name} is missing or outdated in this database, and this login may not create it: run npm run db:setup with DATABASE_OWNER_URL`;
    throw new Error(why, { cause: err });
  }
}
