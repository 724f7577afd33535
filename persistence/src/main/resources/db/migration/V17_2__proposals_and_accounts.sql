-- Proposals, vote delegations and community accounts (issue 17), fed from the event stream like
-- the other read models. Public data only: role ids (pseudonymous), no names, no addresses.

-- A proposal as the API lists it. The counts are filled when it closes; votes_cast counts the roles
-- that voted directly so far (rm_proposal_vote), not what they chose.
CREATE TABLE rm_proposal (
  proposal_id    VARCHAR(64)  PRIMARY KEY,
  knot_id        VARCHAR(64)  NOT NULL,
  cell           VARCHAR(16)  NOT NULL,
  proposed_by    VARCHAR(64)  NOT NULL,
  title          VARCHAR(200) NOT NULL,
  phase          VARCHAR(16)  NOT NULL,  -- OBJECTABLE, VOTING, CLOSED
  proposed_at    TIMESTAMPTZ  NOT NULL,
  deadline       TIMESTAMPTZ  NOT NULL,
  objected_by    VARCHAR(64),
  votes_cast     INTEGER      NOT NULL DEFAULT 0,
  outcome        VARCHAR(32),            -- PASSED_WITHOUT_OBJECTION, ACCEPTED, REJECTED
  yes            INTEGER,
  no             INTEGER,
  abstain        INTEGER,
  participants   INTEGER,
  closed_at      TIMESTAMPTZ,
  payout_cents   BIGINT,
  payout_status  VARCHAR(16)  NOT NULL DEFAULT 'NONE'
);
CREATE INDEX rm_proposal_knot_idx ON rm_proposal (knot_id);
-- The deadline sweeper's question: which open proposals are overdue?
CREATE INDEX rm_proposal_open_deadline_idx ON rm_proposal (deadline) WHERE phase <> 'CLOSED';

-- Who voted directly on a proposal (the latest choice counts); read for the consistency oracle.
CREATE TABLE rm_proposal_vote (
  proposal_id VARCHAR(64) NOT NULL,
  role_id     VARCHAR(64) NOT NULL,
  choice      VARCHAR(8)  NOT NULL,
  cast_at     TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (proposal_id, role_id)
);

-- The delegations per district as they stand (expiry is judged when read: last_active_at + 28 days).
-- Leaving reads it to find the districts where a role delegates or is delegated to.
CREATE TABLE rm_delegation (
  cell           VARCHAR(16) NOT NULL,
  delegator      VARCHAR(64) NOT NULL,
  delegate       VARCHAR(64) NOT NULL,
  since          TIMESTAMPTZ NOT NULL,
  last_active_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (cell, delegator)
);
CREATE INDEX rm_delegation_delegate_idx ON rm_delegation (delegate);

-- A knot's community account: its balance as the sum of its ledger.
CREATE TABLE rm_account (
  knot_id        VARCHAR(64) PRIMARY KEY,
  balance_cents  BIGINT      NOT NULL DEFAULT 0,
  movements      INTEGER     NOT NULL DEFAULT 0,
  updated_at     TIMESTAMPTZ NOT NULL
);

-- Every movement of every account, one row per journal event (entry_no = the event's sequence
-- number in its account). amount_cents is signed: donations in, payouts out. role_id is the visible
-- donor or the payout's recipient; NULL for an anonymous donation.
CREATE TABLE rm_ledger (
  knot_id      VARCHAR(64) NOT NULL,
  entry_no     BIGINT      NOT NULL,
  kind         VARCHAR(16) NOT NULL,  -- DONATION, PAYOUT
  amount_cents BIGINT      NOT NULL,
  role_id      VARCHAR(64),
  reference    VARCHAR(64) NOT NULL,  -- the donation id or the proposal id
  at           TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (knot_id, entry_no)
);
