-- The reconciler's checkpoint (see Reconciler): per stream, how far it has read the stream and which
-- journal ranges it has summed, so that each run reads only what is new on either side.
CREATE TABLE outbox_reconcile_checkpoint (
  stream          VARCHAR(255) PRIMARY KEY,
  -- the stream's creation time: a stream deleted and made again starts a new checkpoint
  stream_created  TEXT         NOT NULL,
  range_size      INTEGER      NOT NULL,
  -- the last stream sequence read, and the dedupe id of the message there (a broker that lost its
  -- tail and refilled the same sequences is noticed by it)
  scanned_seq     BIGINT       NOT NULL,
  scanned_id      TEXT,
  -- messages deleted from the middle of the stream when last read: a change means a loss to look for
  deleted_count   BIGINT       NOT NULL,
  -- journal orderings below this are not compared (they had left the stream when it was first read)
  from_ordering   BIGINT       NOT NULL,
  -- ranges below this number are closed: their journal digest is final
  closed_below    BIGINT       NOT NULL,
  updated_at      TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- Count and order-independent checksum of the event identities per range of orderings, on each side.
CREATE TABLE outbox_reconcile_range (
  stream          VARCHAR(255) NOT NULL,
  range_no        BIGINT       NOT NULL,
  stream_count    BIGINT       NOT NULL DEFAULT 0,
  stream_sum      BIGINT       NOT NULL DEFAULT 0,
  -- the first stream sequence that carried an event of this range: where to start explaining a gap
  first_seq       BIGINT,
  journal_count   BIGINT,
  journal_sum     BIGINT,
  PRIMARY KEY (stream, range_no)
);
