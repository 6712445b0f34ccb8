import type pg from 'pg';

/** Runs `fn` on one pooled connection between `begin` and COMMIT; any error rolls back and is rethrown. */
export async function inTransaction<T>(pool: pg.Pool, begin: string, fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
  const db = await pool.connect();
  try {
    await db.query(begin);
    const result = await fn(db);
    await db.query('COMMIT');
    return result;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
}

/** `create` (a table's schema) runs once per process; a failed attempt is not kept, so the next call tries again. */
export function onceSucceeded(create: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () =>
    (done ??= create().catch((err: unknown) => {
      done = undefined;
      throw err;
    }));
}
