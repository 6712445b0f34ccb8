/**
 * The audit tables. A trigger keeps `audit_log` append-only even for the role that owns it: UPDATE and
 * TRUNCATE always fail, DELETE fails unless the transaction ran `SET LOCAL audit.pruning = 'on'` (prune does).
 * That stops mistakes, not a superuser (who can disable triggers): verify() is what detects tampering.
 */
export const AUDIT_SCHEMA_SQL = `
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
-- One row each: the last record a prune removed, and the newest record (so a deleted tail shows).
CREATE TABLE IF NOT EXISTS audit_anchor (id boolean PRIMARY KEY DEFAULT true CHECK (id), seq bigint NOT NULL, hash text NOT NULL);
CREATE TABLE IF NOT EXISTS audit_head (id boolean PRIMARY KEY DEFAULT true CHECK (id), seq bigint NOT NULL, hash text NOT NULL);

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
`;

/** Present once the schema above has been created (checked before creating it, so a role without DDL rights can still use it). */
export const AUDIT_SCHEMA_PRESENT_SQL = `SELECT to_regclass('audit_head') IS NOT NULL AS present`;

/** The key of the transaction-scoped advisory lock that serialises appends, prunes and schema creation. */
export const AUDIT_LOCK_KEY = 0x6175_6469; // "audi"
