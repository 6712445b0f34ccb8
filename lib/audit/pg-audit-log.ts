/**
 * The audit log in PostgreSQL (`audit_log`), for deployments where the console and the workers run on
 * several hosts. Appends serialise on a transaction-scoped advisory lock, so seqs stay contiguous.
 */
import pg from 'pg';
import type { Logger } from '../logging';
import { AuditLogNotEmptyError, type AuditEvent, type AuditLog, type AuditQuery, type AuditRecord, type ChainSnapshot, type VerifyResult } from './audit-log';
import { buildRecord, linkOf, planPrune, verifyChain, type ChainLink } from './audit-chain';
import { AUDIT_LOCK_KEY, AUDIT_SCHEMA_PRESENT_SQL, AUDIT_SCHEMA_SQL } from './pg-audit-schema';
import { inTransaction, onceSucceeded } from '../storage/pg-transaction';

type Db = pg.PoolClient;

const COLUMNS = 'seq, ts, action, actor, role, target, outcome, source_ip, details, prev_hash, hash';
/** Rows per query when a backup reads the chain or a restore writes it (11 parameters a row, well under 65,535). */
const PAGE_ROWS = 1000;

export class PgAuditLog implements AuditLog {
  private readonly pool: pg.Pool;
  private readonly ensureSchema = onceSucceeded(() => this.createSchema());

  constructor(
    databaseUrl: string,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    // An idle connection that drops must not crash the process; the next query reconnects.
    this.pool.on('error', (err) => this.log.warn({ error: err.message }, 'audit database connection lost'));
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    return this.transaction('BEGIN', async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
      const { rows } = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
      const last = rows[0] && { seq: Number(rows[0].seq), hash: rows[0].hash };
      const record = buildRecord(event, last, this.now());
      await insertRecord(db, record);
      await setMark(db, 'audit_head', linkOf(record));
      return record;
    });
  }

  async list(query: AuditQuery = {}): Promise<AuditRecord[]> {
    await this.ensureSchema();
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM audit_log WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR target = $2) ORDER BY seq DESC LIMIT $3`,
      [query.action ?? null, query.target ?? null, query.limit ?? 100],
    );
    return rows.map(fromRow);
  }

  /** One snapshot of the rows and both marks, without blocking appends. */
  verify(): Promise<VerifyResult> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (db) => (await readChain(db)).verified);
  }

  prune(before: Date, actor: string): Promise<{ removed: number }> {
    return this.transaction('BEGIN', async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
      const { records, verified } = await readChain(db);
      const plan = planPrune(records, verified, before, actor, this.now());
      if (!plan) return { removed: 0 };
      await db.query(`SET LOCAL audit.pruning = 'on'`);
      await db.query('DELETE FROM audit_log WHERE seq <= $1', [plan.anchor.seq]);
      await setMark(db, 'audit_anchor', plan.anchor);
      await insertRecord(db, plan.pruned);
      await setMark(db, 'audit_head', linkOf(plan.pruned));
      this.log.info({ removed: plan.removed, throughSeq: plan.anchor.seq }, 'audit log pruned');
      return { removed: plan.removed };
    });
  }

  /** Inside one read-only snapshot, in pages of rows, so the chain and its marks belong together. */
  exportChain<T>(consume: (snapshot: ChainSnapshot) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (db) => {
      const marks = { anchor: await getMark(db, 'audit_anchor'), head: await getMark(db, 'audit_head') };
      return consume({ marks, records: recordPages(db) });
    });
  }

  /** In one transaction: a failed restore leaves the log empty. */
  importChain({ marks, records }: ChainSnapshot): Promise<{ records: number }> {
    return this.transaction('BEGIN', async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
      const { rows } = await db.query<{ held: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM audit_log) OR EXISTS (SELECT 1 FROM audit_head) OR EXISTS (SELECT 1 FROM audit_anchor) AS held',
      );
      if (rows[0]!.held) throw new AuditLogNotEmptyError('the audit log (audit_log table) already holds records');
      let count = 0;
      let page: AuditRecord[] = [];
      for await (const record of records) {
        page.push(record);
        if (page.length === PAGE_ROWS) {
          await insertRecords(db, page);
          count += page.length;
          page = [];
        }
      }
      if (page.length > 0) await insertRecords(db, page);
      if (marks.anchor) await setMark(db, 'audit_anchor', marks.anchor);
      if (marks.head) await setMark(db, 'audit_head', marks.head);
      return { records: count + page.length };
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }


  private async createSchema(): Promise<void> {
    const { rows } = await this.pool.query<{ present: boolean }>(AUDIT_SCHEMA_PRESENT_SQL);
    if (rows[0]?.present) return;
    await inTransaction(this.pool, 'BEGIN', async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
      await db.query(AUDIT_SCHEMA_SQL);
    });
  }

  private async transaction<T>(begin: string, fn: (db: Db) => Promise<T>): Promise<T> {
    await this.ensureSchema();
    return inTransaction(this.pool, begin, fn);
  }
}

async function readChain(db: Db): Promise<{ records: AuditRecord[]; verified: VerifyResult }> {
  const records = (await db.query(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq`)).rows.map(fromRow);
  const verified = verifyChain(records, { anchor: await getMark(db, 'audit_anchor'), head: await getMark(db, 'audit_head') });
  return { records, verified };
}

async function* recordPages(db: Db): AsyncGenerator<AuditRecord> {
  for (let after = 0; ; ) {
    const { rows } = await db.query(`SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, PAGE_ROWS]);
    yield* rows.map(fromRow);
    if (rows.length < PAGE_ROWS) return;
    after = Number(rows.at(-1).seq);
  }
}

function insertRecord(db: Db, r: AuditRecord): Promise<unknown> {
  return insertRecords(db, [r]);
}

function insertRecords(db: Db, records: readonly AuditRecord[]): Promise<unknown> {
  const columns = COLUMNS.split(', ').length;
  const rows = records.map((_, i) => {
    const at = (n: number) => `$${i * columns + n}`;
    return `(${at(1)}, ${at(2)}, ${at(3)}, ${at(4)}, ${at(5)}, ${at(6)}, ${at(7)}, ${at(8)}, ${at(9)}::jsonb, ${at(10)}, ${at(11)})`;
  });
  const values = records.flatMap((r) => [
    r.seq,
    r.ts,
    r.action,
    r.actor,
    r.role ?? null,
    r.target ?? null,
    r.outcome,
    r.sourceIp ?? null,
    r.details === undefined ? null : JSON.stringify(r.details),
    r.prevHash,
    r.hash,
  ]);
  return db.query(`INSERT INTO audit_log (${COLUMNS}) VALUES ${rows.join(', ')}`, values);
}

type MarkTable = 'audit_anchor' | 'audit_head';

async function getMark(db: Db, table: MarkTable): Promise<ChainLink | undefined> {
  const { rows } = await db.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${table}`);
  return rows[0] && { seq: Number(rows[0].seq), hash: rows[0].hash };
}

function setMark(db: Db, table: MarkTable, link: ChainLink): Promise<unknown> {
  return db.query(`INSERT INTO ${table} (seq, hash) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash`, [
    link.seq,
    link.hash,
  ]);
}

/** Back to the record appended: NULL columns were absent members, and timestamptz keeps the millisecond ISO text. */
function fromRow(row: Record<string, unknown>): AuditRecord {
  const record = {
    seq: Number(row.seq),
    ts: (row.ts as Date).toISOString(),
    action: row.action,
    actor: row.actor,
    role: row.role,
    target: row.target,
    outcome: row.outcome,
    sourceIp: row.source_ip,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null)) as unknown as AuditRecord;
}
