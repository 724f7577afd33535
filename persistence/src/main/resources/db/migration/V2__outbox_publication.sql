-- The outbox relay reads committed journal inserts, in commit order, through logical decoding of this
-- publication (pgoutput). Only inserts: events are immutable, and deletes of old events must not
-- reach the stream.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'weltgewebe_outbox') THEN
    CREATE PUBLICATION weltgewebe_outbox FOR TABLE event_journal WITH (publish = 'insert');
  END IF;
END
$$;
