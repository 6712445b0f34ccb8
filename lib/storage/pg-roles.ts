/**
 * `npm run db:setup`: creates or upgrades the application's tables as the owner role (DATABASE_OWNER_URL) and gives
 * each application login exactly its role's privileges, so that no app process owns anything:
 *
 * - the owner owns the tables, the trigger and the SECURITY DEFINER functions, and is used by this command (and a
 *   restore) only;
 * - the console appends audit records (audit_append), reads the log, and alone reads and writes the API tokens
 *   and the revoked sessions;
 * - the workers append audit records and read the log; they cannot touch console_api_tokens (no worker can mint
 *   itself a console token);
 * - the audit job also prunes (audit_prune, never records younger than AUDIT_RETENTION, the floor this command
 *   stores in audit_policy) and writes the signed checkpoint;
 * - the backup job reads the log.
 *
 * No application login may UPDATE, DELETE or TRUNCATE audit rows, write the head or anchor marks, or alter the
 * tables (drop the trigger): those belong to the owner. Every run first revokes everything on these objects from
 * PUBLIC and from each login it grants, so it both installs and repairs (a login no longer named keeps what it had:
 * drop it). The logins themselves (with their passwords) are created beforehand by whoever administers the
 * database; this needs no CREATEROLE.
 */
import pg from 'pg';
import { AUDIT_SCHEMA } from '../audit/pg-audit-schema';
import { TOKEN_SCHEMA } from '../auth/pg-token-backend';
import { REVOKED_SESSIONS_SCHEMA } from '../auth/session-revocations';
import type { Logger } from '../logging';
import { inTransaction } from './pg-transaction';

export type AppDbRole = 'console' | 'worker' | 'audit' | 'backup';

const AUDIT_TABLES = ['audit_log', 'audit_head', 'audit_anchor', 'audit_checkpoint'];
const CONSOLE_TABLES = ['console_api_tokens', 'console_revoked_sessions'];
const TABLES = [...AUDIT_TABLES, 'audit_policy', ...CONSOLE_TABLES];
const FUNCTIONS = ['audit_write(audit_log)', 'audit_append(audit_log)', 'audit_prune(audit_log)', 'audit_log_append_only()'];
const READ_AUDIT = `SELECT ON ${AUDIT_TABLES.join(', ')}`;

/** Each role's privileges, as GRANT clauses. */
export const ROLE_GRANTS: Record<AppDbRole, readonly string[]> = {
  console: [
    READ_AUDIT,
    'EXECUTE ON FUNCTION audit_append(audit_log)',
    'SELECT, INSERT, UPDATE ON console_api_tokens',
    'SELECT, INSERT, DELETE ON console_revoked_sessions',
  ],
  worker: [READ_AUDIT, 'EXECUTE ON FUNCTION audit_append(audit_log)'],
  // The checkpoint is trusted by its signature, not by this grant: writing it needs no more than the key.
  audit: [READ_AUDIT, 'EXECUTE ON FUNCTION audit_prune(audit_log)', 'INSERT, UPDATE ON audit_checkpoint'],
  backup: [READ_AUDIT],
};

export type RoleLogins = Partial<Record<AppDbRole, string>>;

/** `minRetentionMs` (AUDIT_RETENTION): the floor audit_prune keeps to, for every caller. Returns a line per role granted. */
export async function setupDatabase(ownerUrl: string, logins: RoleLogins, minRetentionMs: number, log: Logger): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: ownerUrl, max: 1 });
  pool.on('error', (err) => log.warn({ error: err.message }, 'database connection lost'));
  try {
    const granted = Object.entries(logins).filter((e): e is [AppDbRole, string] => Boolean(e[1]));
    await checkLogins(pool, granted);
    await checkOwnership(pool);
    return await inTransaction(pool, 'BEGIN', async (db) => {
      for (const schema of [AUDIT_SCHEMA, TOKEN_SCHEMA, REVOKED_SESSIONS_SCHEMA]) {
        await db.query('SELECT pg_advisory_xact_lock($1)', [schema.lockKey]);
        await db.query(schema.createSql);
      }
      await db.query(
        `INSERT INTO audit_policy (min_retention) VALUES ($1 * interval '1 millisecond')
         ON CONFLICT (id) DO UPDATE SET min_retention = EXCLUDED.min_retention`,
        [minRetentionMs],
      );
      const everyone = ['PUBLIC', ...granted.map(([, login]) => ident(login))].join(', ');
      await db.query(`REVOKE ALL ON ${TABLES.join(', ')} FROM ${everyone}`);
      await db.query(`REVOKE ALL ON FUNCTION ${FUNCTIONS.join(', ')} FROM ${everyone}`);
      const done: string[] = [];
      for (const [role, login] of granted) {
        await grantSchemaUsage(db, login);
        for (const clause of ROLE_GRANTS[role]) await db.query(`GRANT ${clause} TO ${ident(login)}`);
        done.push(`${role} (${login}): ${ROLE_GRANTS[role].join('; ')}`);
      }
      return done;
    });
  } finally {
    await pool.end();
  }
}

/** Each login exists, is distinct, and cannot act as the owner: otherwise the separation would be for show. */
async function checkLogins(pool: pg.Pool, granted: Array<[AppDbRole, string]>): Promise<void> {
  const names = granted.map(([, login]) => login);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw new Error(`${repeated} is named for more than one role: each role needs a login of its own`);
  for (const [role, login] of granted) {
    const { rows } = await pool.query<{ super: boolean; owner: boolean }>(
      'SELECT rolsuper AS super, pg_has_role(rolname, current_user, $2) AS owner FROM pg_roles WHERE rolname = $1',
      [login, 'MEMBER'],
    );
    const found = rows[0];
    if (!found) throw new Error(`the ${role} login ${login} does not exist: create it first (CREATE ROLE ${login} LOGIN PASSWORD '…')`);
    if (found.super || found.owner) {
      throw new Error(`the ${role} login ${login} is a superuser or the owner (or a member of it): give the ${role} a login of its own`);
    }
  }
}

/** Objects left to another role (a deployment from before db:setup, whose app login created them) are handed over first. */
async function checkOwnership(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ object: string; owner: string }>(
    `SELECT c.relname AS object, pg_get_userbyid(c.relowner) AS owner FROM pg_class c
       WHERE c.oid = ANY (SELECT to_regclass(t) FROM unnest($1::text[]) t) AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
     UNION ALL
     SELECT p.oid::regprocedure::text, pg_get_userbyid(p.proowner) FROM pg_proc p
       WHERE p.proname = ANY ($2) AND p.pronamespace = current_schema()::regnamespace
         AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
    [TABLES, FUNCTIONS.map((f) => f.slice(0, f.indexOf('(')))],
  );
  if (rows.length === 0) return;
  const owners = [...new Set(rows.map((r) => r.owner))];
  throw new Error(
    `owned by another role, so this login cannot upgrade them: ${rows.map((r) => `${r.object} (${r.owner})`).join(', ')}. ` +
      `As a superuser, run once: ${owners.map((o) => `REASSIGN OWNED BY ${ident(o)} TO <owner login>;`).join(' ')} then run db:setup again`,
  );
}

/** Only when the login lacks it: the owner may not hold the schema's grant option (public belongs to the database owner). */
async function grantSchemaUsage(db: pg.PoolClient, login: string): Promise<void> {
  const { rows } = await db.query<{ schema: string; has: boolean }>(
    `SELECT current_schema() AS schema, has_schema_privilege($1, current_schema(), 'USAGE') AS has`,
    [login],
  );
  if (!rows[0]!.has) await db.query(`GRANT USAGE ON SCHEMA ${ident(rows[0]!.schema)} TO ${ident(login)}`);
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
