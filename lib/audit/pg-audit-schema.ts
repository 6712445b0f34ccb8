/**
 * The audit tables and the only ways the application writes them. With the roles of `npm run db:setup`
 * (lib/storage/pg-roles.ts) an owner role owns all of it; the console and worker roles may only SELECT and call
 * `audit_append`, the audit job's role also `audit_prune` and writing the checkpoint. Both functions are SECURITY
 * DEFINER (they run as the owner) and check what they are given: an append must continue the newest record, a
 * prune may remove only the leading run of records its `audit.pruned` record names, all older than its cutoff.
 * So an application login can neither delete rows nor move the head or anchor marks, and cannot drop the trigger.
 *
 * The trigger keeps `audit_log` append-only even for its owner: UPDATE and TRUNCATE always fail, DELETE fails
 * unless `audit.pruning` is on, which only audit_prune sets (and a role without DELETE gains nothing by setting
 * it). That stops mistakes, not a superuser: verify() against the signed checkpoint is what detects tampering.
 *
 * Without db:setup (one login for everything, e.g. local runs) the application creates all of this itself and owns
 * it, so it runs unchanged but without the separation.
 */
import type { PgSchema } from '../storage/pg-schema';

/** The key of the transaction-scoped advisory lock that serialises appends, prunes and schema creation. */
export const AUDIT_LOCK_KEY = 0x6175_6469; // "audi"

const AUDIT_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS audit_log (
  seq bigint PRIMARY KEY,
  ts timestamptz NOT NULL,
  action text NOT NULL,
  actor text NOT NULL,
  role text,
  target text,
  outcome text NOT NULL,
  source_ip text,
  details jsonb,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log (action, seq);
CREATE INDEX IF NOT EXISTS audit_log_target ON audit_log (target, seq);
-- One row each: the last record a prune removed, the newest record (so a deleted tail shows), and the signed
-- checkpoint (lib/audit/audit-checkpoint.ts; signed outside the database, so it is kept here but trusted by its mac).
CREATE TABLE IF NOT EXISTS audit_anchor (id boolean PRIMARY KEY DEFAULT true CHECK (id), seq bigint NOT NULL, hash text NOT NULL);
CREATE TABLE IF NOT EXISTS audit_head (id boolean PRIMARY KEY DEFAULT true CHECK (id), seq bigint NOT NULL, hash text NOT NULL);
CREATE TABLE IF NOT EXISTS audit_checkpoint (
  id boolean PRIMARY KEY DEFAULT true CHECK (id), seq bigint NOT NULL, hash text NOT NULL, at text NOT NULL, mac text NOT NULL
);
-- The retention no prune may cut into, whoever calls it (db:setup writes AUDIT_RETENTION here; no row, no floor).
CREATE TABLE IF NOT EXISTS audit_policy (id boolean PRIMARY KEY DEFAULT true CHECK (id), min_retention interval NOT NULL);

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('audit.pruning', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % rejected', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The functions resolve names in this schema only (pg_temp last), so a caller's temporary tables cannot stand in.
SELECT set_config('search_path', format('%I, pg_temp', current_schema()), true);

-- Internal (no grants): appends r if it continues the newest record (the head mark; the last row where an older
-- schema left none), and moves the head mark.
CREATE OR REPLACE FUNCTION audit_write(r audit_log) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  newest_seq bigint;
  newest_hash text;
BEGIN
  SELECT seq, hash INTO newest_seq, newest_hash FROM audit_head;
  IF NOT FOUND THEN
    SELECT seq, hash INTO newest_seq, newest_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
  END IF;
  IF r.seq IS DISTINCT FROM coalesce(newest_seq, 0) + 1 OR r.prev_hash IS DISTINCT FROM coalesce(newest_hash, repeat('0', 64)) THEN
    RAISE EXCEPTION 'audit record seq % does not continue the newest record (seq %)', r.seq, coalesce(newest_seq, 0)
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  INSERT INTO audit_log SELECT r.*;
  INSERT INTO audit_head (seq, hash) VALUES (r.seq, r.hash) ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash;
END
$$;

CREATE OR REPLACE FUNCTION audit_append(r audit_log) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(${AUDIT_LOCK_KEY});
  PERFORM audit_write(r);
END
$$;

-- r is the audit.pruned record: it names the last record to remove (throughSeq, throughHash), how many go
-- (removed) and the cutoff they are all older than (before), so the chain itself tells what a prune did. The
-- cutoff must leave audit_policy's retention (a day's grace for clocks that differ).
CREATE OR REPLACE FUNCTION audit_prune(r audit_log) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  through_seq bigint := (r.details->>'throughSeq')::bigint;
  through_hash text := r.details->>'throughHash';
  cutoff timestamptz := (r.details->>'before')::timestamptz;
  kept interval;
  removed bigint;
BEGIN
  IF r.action IS DISTINCT FROM 'audit.pruned' OR through_seq IS NULL OR through_hash IS NULL OR cutoff IS NULL THEN
    RAISE EXCEPTION 'audit_prune takes an audit.pruned record naming throughSeq, throughHash and before';
  END IF;
  SELECT min_retention INTO kept FROM audit_policy;
  IF kept IS NOT NULL AND cutoff > now() - kept + interval '1 day' THEN
    RAISE EXCEPTION 'audit_prune: records after % are within the minimum retention (%)', now() - kept, kept USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM pg_advisory_xact_lock(${AUDIT_LOCK_KEY});
  IF NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = through_seq AND hash = through_hash) THEN
    RAISE EXCEPTION 'audit_prune: seq % with that hash is not in the log', through_seq;
  END IF;
  IF EXISTS (SELECT 1 FROM audit_log WHERE seq <= through_seq AND ts >= cutoff) THEN
    RAISE EXCEPTION 'audit_prune: not every record up to seq % is older than %', through_seq, cutoff;
  END IF;
  PERFORM set_config('audit.pruning', 'on', true);
  DELETE FROM audit_log WHERE seq <= through_seq;
  GET DIAGNOSTICS removed = ROW_COUNT;
  PERFORM set_config('audit.pruning', 'off', true);
  IF removed IS DISTINCT FROM (r.details->>'removed')::bigint THEN
    RAISE EXCEPTION 'audit_prune: % records up to seq %, the record says %', removed, through_seq, r.details->>'removed';
  END IF;
  INSERT INTO audit_anchor (seq, hash) VALUES (through_seq, through_hash) ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash;
  PERFORM audit_write(r);
  RETURN removed;
END
$$;

-- Functions are executable by PUBLIC by default: only the grants of db:setup (or the owner) may call these.
REVOKE ALL ON FUNCTION audit_write(audit_log), audit_append(audit_log), audit_prune(audit_log) FROM PUBLIC;
`;

export const AUDIT_SCHEMA: PgSchema = {
  name: 'the audit log',
  // The newest objects: an older schema is upgraded by whoever may (db:setup, or a single login that owns it).
  presentSql: `SELECT to_regclass('audit_policy') IS NOT NULL
    AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'audit_prune' AND pronamespace = current_schema()::regnamespace) AS present`,
  createSql: AUDIT_SCHEMA_SQL,
  lockKey: AUDIT_LOCK_KEY,
};
