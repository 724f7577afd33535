-- Read models, built from the event stream by durable JetStream consumers. They hold only public
-- data: a role's exact address and home never reach them (its public position is the blurred one).

-- What each consumer has applied, by event identity, written in the same transaction as the change:
-- the stream's duplicate window protects publishing, not a consumer that sees an event again.
CREATE TABLE rm_applied_event (
  consumer       VARCHAR(64)  NOT NULL,
  persistence_id VARCHAR(255) NOT NULL,
  sequence_nr    BIGINT       NOT NULL,
  applied_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, persistence_id, sequence_nr)
);

CREATE TABLE rm_knot (
  knot_id        VARCHAR(64)  PRIMARY KEY,
  type           VARCHAR(32)  NOT NULL,
  title          VARCHAR(200) NOT NULL,
  description    TEXT         NOT NULL,
  lat            DOUBLE PRECISION NOT NULL,
  lon            DOUBLE PRECISION NOT NULL,
  cell           VARCHAR(16)  NOT NULL,
  created_by     VARCHAR(64)  NOT NULL,
  created_at     TIMESTAMPTZ  NOT NULL,
  event_start    TIMESTAMPTZ,
  event_end      TIMESTAMPTZ,
  last_thread_at TIMESTAMPTZ  NOT NULL,
  thread_count   INTEGER      NOT NULL DEFAULT 0,
  yarn_count     INTEGER      NOT NULL DEFAULT 0,
  dissolves_at   TIMESTAMPTZ,
  dissolved_at   TIMESTAMPTZ
);
CREATE INDEX rm_knot_cell_idx ON rm_knot (cell);

CREATE TABLE rm_thread (
  thread_id VARCHAR(64) PRIMARY KEY,
  role_id   VARCHAR(64) NOT NULL,
  knot_id   VARCHAR(64) NOT NULL,
  kind      VARCHAR(32) NOT NULL,
  -- the thread's knot's position: a thread belongs to the region of its knot
  lat       DOUBLE PRECISION NOT NULL,
  lon       DOUBLE PRECISION NOT NULL,
  cell      VARCHAR(16) NOT NULL,
  spun_at   TIMESTAMPTZ NOT NULL,
  yarn      BOOLEAN     NOT NULL DEFAULT FALSE,
  -- The fade level is derived when read: least(1, (now - fade_from) / 7 days), 0 for yarn.
  fade_from TIMESTAMPTZ NOT NULL
);
CREATE INDEX rm_thread_cell_idx ON rm_thread (cell);
CREATE INDEX rm_thread_knot_idx ON rm_thread (knot_id);

CREATE TABLE rm_conversation (
  conversation_id VARCHAR(64)  PRIMARY KEY,
  knot_id         VARCHAR(64)  NOT NULL,
  title           VARCHAR(200) NOT NULL,
  started_by      VARCHAR(64)  NOT NULL,
  started_at      TIMESTAMPTZ  NOT NULL,
  comment_count   INTEGER      NOT NULL DEFAULT 0,
  last_activity   TIMESTAMPTZ  NOT NULL
);
CREATE INDEX rm_conversation_knot_idx ON rm_conversation (knot_id);

-- The region view's roles: public profile and blurred position only.
CREATE TABLE rm_role (
  role_id      VARCHAR(64) PRIMARY KEY,
  display_name VARCHAR(80) NOT NULL,
  lat          DOUBLE PRECISION NOT NULL,
  lon          DOUBLE PRECISION NOT NULL,
  cell         VARCHAR(16) NOT NULL,
  spinning     BOOLEAN     NOT NULL DEFAULT FALSE,
  goods        TEXT[]      NOT NULL DEFAULT '{}',
  skills       TEXT[]      NOT NULL DEFAULT '{}',
  registered_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rm_role_cell_idx ON rm_role (cell) WHERE spinning;
