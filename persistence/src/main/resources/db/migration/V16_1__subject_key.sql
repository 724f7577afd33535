-- Crypto-shredding: one AES-256 key per subject (a role). Personal and sensitive fields reach the
-- journal, the snapshots and JetStream only sealed with their subject's key, so deleting the key
-- here makes every copy of them unreadable at once, backups and stream replicas included.
-- Keys live only in this table: never in the journal, a snapshot or a stream.
CREATE TABLE subject_key (
  subject     VARCHAR(64) PRIMARY KEY,
  key_bytes   BYTEA,                      -- NULL once shredded: the row remains as the tombstone
  created_at  TIMESTAMPTZ NOT NULL,
  shredded_at TIMESTAMPTZ,
  CHECK ((key_bytes IS NULL) = (shredded_at IS NOT NULL))
);
