/**
 * The audit log in PostgreSQL (`audit_log`), for deployments where the console and the workers run on
 * several hosts. Appends serialise on a transaction-scoped advisory lock, so seqs stay contiguous. Records are
 * written only through `audit_append` and `audit_prune` (pg-audit-schema.ts), so this works unchanged for the
 * application roles of db:setup, which may not write the tables themselves. Verify and prune read the chain in
 * pages of rows inside one snapshot, and list one page: memory does not grow with the log.
 */
import pg from 'pg';
import type { Logger } from '../logging';
import {
  AuditLogNotEmptyError,
  type AuditEvent,
  type AuditLog,
  type AuditQuery,
  type AuditRecord,
  type ChainSnapshot,
  type CheckpointUse,
  type VerifyResult,
} from './audit-log';
import { buildRecord, planPrune, verifyChain, type ChainLink, type ChainMarks } from './audit-chain';
import type { SignedCheckpoint } from './audit-checkpoint';
import { AUDIT_LOCK_KEY, AUDIT_SCHEMA } from './pg-audit-schema';
import { ensurePgSchema } from '../storage/pg-schema';
import { inTransaction, onceSucceeded } from '../storage/pg-transaction';

type Db = pg.PoolClient;

const COLUMNS = 'seq, ts, action, actor, role, target, outcome, source_ip, details, prev_hash, hash';
/** A record as the table's row type, for audit_append and audit_prune (the columns in table order). */
const RECORD_ROW =
  'ROW($1::bigint, $2::timestamptz, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::jsonb, $10::text, $11::text)::audit_log';
/** Rows per query when verify, prune or a backup read the chain, or a restore writes it (11 parameters a row, well under 65,535). */
const PAGE_ROWS = 1000;

export class PgAuditLog implements AuditLog {
  private readonly pool: pg.Pool;
  private readonly ensureSchema = onceSucceeded(() => ensurePgSchema(this.pool, AUDIT_SCHEMA));

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
      await db.query(`SELECT audit_append(${RECORD_ROW})`, recordValues(record));
      return record;
    });
  }

  /** One page, newest first, by the primary key (or the action/target index) from the cursor down. */
  async list(query: AuditQuery = {}): Promise<AuditRecord[]> {
    await this.ensureSchema();
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM audit_log
       WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR target = $2) AND ($4::bigint IS NULL OR seq < $4)
       ORDER BY seq DESC LIMIT $3`,
      [query.action ?? null, query.target ?? null, query.limit ?? 100, query.beforeSeq ?? null],
    );
    return rows.map(fromRow);
  }

  /** One snapshot of the rows and the marks, read in pages, without blocking appends. */
  async verify(checkpoint?: CheckpointUse): Promise<VerifyResult> {
    const { verified, newest } = await this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (db) => {
      const verifier = await verifyChain(recordPages(db), { ...(await getMarks(db)), checkpoint: checkpoint?.expected });
      return { verified: verifier.result(), newest: verifier.newest };
    });
    if (verified.ok && checkpoint?.sign) await setCheckpoint(this.pool, checkpoint.sign(newest));
    return verified;
  }

  /** Under the append lock, so the chain verified is the chain pruned; the rows go through audit_prune. */
  prune(before: Date, actor: string, checkpoint?: CheckpointUse): Promise<{ removed: number }> {
    return this.transaction('BEGIN', async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
      const marks: ChainMarks = { ...(await getMarks(db)), checkpoint: checkpoint?.expected };
      const { plan, newest } = await planPrune(recordPages(db), marks, { before, actor, now: this.now() });
      if (plan) {
        await db.query(`SELECT audit_prune(${RECORD_ROW})`, recordValues(plan.pruned));
        this.log.info({ removed: plan.removed, throughSeq: plan.anchor.seq }, 'audit log pruned');
      }
      if (checkpoint?.sign) await setCheckpoint(db, checkpoint.sign(newest));
      return { removed: plan?.removed ?? 0 };
    });
  }

  async readCheckpoint(): Promise<SignedCheckpoint | undefined> {
    await this.ensureSchema();
    const { rows } = await this.pool.query<{ seq: string; hash: string; at: string; mac: string }>('SELECT seq, hash, at, mac FROM audit_checkpoint');
    return rows[0] && { seq: Number(rows[0].seq), hash: rows[0].hash, at: rows[0].at, mac: rows[0].mac };
  }

  /** Inside one read-only snapshot, in pages of rows, so the chain and its marks belong together. */
  exportChain<T>(consume: (snapshot: ChainSnapshot) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (db) =>
      consume({ marks: await getMarks(db), records: recordPages(db) }),
    );
  }

  /**
   * In one transaction: a failed restore leaves the log empty. It writes rows and marks as they were, which no
   * application role of db:setup may: a restore runs with the owner's login.
   */
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
    }).catch((err: { code?: string }) => {
      if (err.code !== '42501') throw err;
      const why = 'restoring the audit log writes its tables directly: run the restore with the owner login (DATABASE_URL set to DATABASE_OWNER_URL)';
      throw new Error(why, { cause: err });
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async transaction<T>(begin: string, fn: (db: Db) => Promise<T>): Promise<T> {
    await this.ensureSchema();
    return inTransaction(this.pool, begin, fn);
  }
}

/** The chain in seq order, a page of rows per query (keyset on the primary key, so each page costs the same). */
async function* recordPages(db: Db): AsyncGenerator<AuditRecord> {
  for (let after = 0; ;) {
    const { rows } = await db.query<Record<string, unknown>>(`SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [
      after,
      PAGE_ROWS,
    ]);
    yield* rows.map(fromRow);
    if (rows.length < PAGE_ROWS) return;
    after = Number(rows.at(-1)!.seq);
  }
}

function recordValues(r: AuditRecord): unknown[] {
  return [
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
  ];
}

function insertRecords(db: Db, records: readonly AuditRecord[]): Promise<unknown> {
  const columns = COLUMNS.split(', ').length;
  const rows = records.map((_, i) => {
    const at = (n: number) => `$${i * columns + n}`;
    return `(${at(1)}, ${at(2)}, ${at(3)}, ${at(4)}, ${at(5)}, ${at(6)}, ${at(7)}, ${at(8)}, ${at(9)}::jsonb, ${at(10)}, ${at(11)})`;
  });
  return db.query(`INSERT INTO audit_log (${COLUMNS}) VALUES ${rows.join(', ')}`, records.flatMap(recordValues));
}

type MarkTable = 'audit_anchor' | 'audit_head';

async function getMarks(db: Db): Promise<ChainMarks> {
  return { anchor: await getMark(db, 'audit_anchor'), head: await getMark(db, 'audit_head') };
}

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

/** The audit job's role may write this table (pg-roles.ts); what it holds is trusted only by its signature. */
function setCheckpoint(db: Db | pg.Pool, c: SignedCheckpoint): Promise<unknown> {
  return db.query(
    `INSERT INTO audit_checkpoint (seq, hash, at, mac) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, at = EXCLUDED.at, mac = EXCLUDED.mac`,
    [c.seq, c.hash, c.at, c.mac],
  );
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
