-- The audit log of every access to personal data: reads, exports, refusals, forgets and key
-- operations. Append-only (the trigger refuses UPDATE, DELETE and TRUNCATE even to the table's
-- owner) and hash-chained: each row's hash covers its fields and the previous row's hash, so a row
-- changed or removed behind the trigger's back (by a superuser who disables it) breaks the chain,
-- which `weltgewebe audit verify` recomputes.
CREATE TABLE audit_log (
  seq       BIGINT       PRIMARY KEY,     -- 1, 2, 3, … without gaps (appends hold a lock)
  at        TIMESTAMPTZ  NOT NULL,        -- when
  actor     VARCHAR(128) NOT NULL,        -- who: role:<id>, operator:<name>, system:<part>
  action    VARCHAR(48)  NOT NULL,        -- what: personal-data.read, key.shred, …
  subject   VARCHAR(64)  NOT NULL,        -- whose data
  reason    TEXT         NOT NULL,        -- why
  prev_hash BYTEA        NOT NULL,
  hash      BYTEA        NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$f$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
