package org.weltgewebe.persistence.readmodel;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.weltgewebe.actors.CommunityAccount;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.Delegations;
import org.weltgewebe.actors.EventId;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Proposal;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.VoteTally;
import org.weltgewebe.actors.WeaveThread;

/**
 * Applies domain events to the read models in PostgreSQL — knot view, thread view, conversation
 * view, the region view's roles, proposals, delegations and the community accounts' ledger —
 * exactly once per event identity.
 *
 * <p>{@link #apply} runs in the caller's transaction and first records the event's identity in
 * {@code rm_applied_event}; when that identity is already there, the event was applied before (a
 * redelivery, a reconciler's re-publish, a replay) and nothing changes. Recording and changing in
 * one transaction is what makes a crash between them harmless. The consumer does the same for a
 * whole batch: {@link #record} for all its identities in one statement, then {@link #change} for
 * the new ones into {@link Statements}, which sends runs of the same change as one JDBC batch.
 */
public final class ReadModelProjection {
  /** The consumer name under which this projection records what it applied. */
  public static final String CONSUMER = "read-models";

  private final String consumer;

  public ReadModelProjection(String consumer) {
    this.consumer = consumer;
  }

  /**
   * Applies {@code event} (a domain event of any entity) in {@code c}'s open transaction. Returns
   * false when this event had been applied already; events of no read model are recorded and
   * otherwise ignored.
   */
  public boolean apply(Connection c, EventId id, Object event) throws SQLException {
    if (record(c, List.of(id)).isEmpty()) {
      return false;
    }
    try (Statements s = new Statements(c)) {
      change(s, id, event);
      s.flush();
    }
    return true;
  }

  /**
   * Records {@code ids} as applied (one statement for all of them) and returns those that were not
   * applied before, each once: the caller then {@link #change}s the read models for each of them.
   */
  Set<EventId> record(Connection c, List<EventId> ids) throws SQLException {
    String[] persistenceIds = new String[ids.size()];
    Long[] sequenceNrs = new Long[ids.size()];
    for (int i = 0; i < ids.size(); i++) {
      persistenceIds[i] = ids.get(i).persistenceId();
      sequenceNrs[i] = ids.get(i).sequenceNr();
    }
    Set<EventId> fresh = new HashSet<>();
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO rm_applied_event (consumer, persistence_id, sequence_nr)"
            + " SELECT ?, * FROM unnest(?::text[], ?::bigint[])"
            + " ON CONFLICT DO NOTHING RETURNING persistence_id, sequence_nr")) {
      s.setString(1, consumer);
      s.setArray(2, c.createArrayOf("text", persistenceIds));
      s.setArray(3, c.createArrayOf("bigint", sequenceNrs));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          fresh.add(new EventId(rs.getString(1), rs.getLong(2)));
        }
      }
    }
    return fresh;
  }

  /**
   * Queues the changes {@code event} (recorded as new by {@link #record}) makes to the read models;
   * events of no read model change nothing.
   */
  void change(Statements s, EventId id, Object event) throws SQLException {
    String entityId = id.persistenceId().substring(id.persistenceId().indexOf('|') + 1);
    if (event instanceof Knot.Created e) {
      knotCreated(s, e);
    } else if (event instanceof Knot.ThreadLed e) {
      s.add("UPDATE rm_knot SET thread_count = thread_count + 1,"
          + " last_thread_at = greatest(last_thread_at, ?) WHERE knot_id = ?", ts(e.at()), entityId);
      refreshDissolution(s, entityId);
    } else if (event instanceof Knot.YarnAttached) {
      s.add("UPDATE rm_knot SET yarn_count = yarn_count + 1 WHERE knot_id = ?", entityId);
      refreshDissolution(s, entityId);
    } else if (event instanceof Knot.YarnDetached e) {
      s.add("UPDATE rm_knot SET yarn_count = greatest(yarn_count - 1, 0),"
          + " last_thread_at = greatest(last_thread_at, ?) WHERE knot_id = ?", ts(e.at()), entityId);
      refreshDissolution(s, entityId);
    } else if (event instanceof Knot.Dissolved e) {
      s.add("UPDATE rm_knot SET dissolved_at = ? WHERE knot_id = ?", ts(e.at()), entityId);
    } else if (event instanceof WeaveThread.Spun e) {
      s.add("INSERT INTO rm_thread (thread_id, role_id, knot_id, kind, lat, lon, cell, spun_at, yarn, fade_from)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?) ON CONFLICT (thread_id) DO NOTHING",
          e.threadId(), e.roleId(), e.knotId(), e.kind().name(), e.knotLocation().lat(), e.knotLocation().lon(),
          RegionCells.regionOf(e.knotLocation()),
          ts(e.at()), ts(e.at()));
    } else if (event instanceof WeaveThread.Twisted) {
      s.add("UPDATE rm_thread SET yarn = TRUE WHERE thread_id = ?", entityId);
    } else if (event instanceof WeaveThread.Untwisted e) {
      s.add("UPDATE rm_thread SET yarn = FALSE, fade_from = ? WHERE thread_id = ?", ts(e.at()), entityId);
    } else if (event instanceof Conversation.Started e) {
      s.add("INSERT INTO rm_conversation (conversation_id, knot_id, title, started_by, started_at,"
              + " comment_count, last_activity) VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING",
          e.conversationId(), e.knotId(), e.title(), e.roleId(), ts(e.at()), ts(e.at()));
    } else if (event instanceof Conversation.Posted e) {
      s.add("UPDATE rm_conversation SET comment_count = comment_count + 1,"
          + " last_activity = greatest(last_activity, ?) WHERE conversation_id = ?",
          ts(e.message().at()), entityId);
    } else if (event instanceof Role.Registered e) {
      GeoPoint p = e.publicLocation();
      s.add("INSERT INTO rm_role (role_id, display_name, lat, lon, cell, spinning, registered_at)"
              + " VALUES (?, ?, ?, ?, ?, FALSE, ?) ON CONFLICT DO NOTHING",
          e.roleId(), e.displayName(), p.lat(), p.lon(), RegionCells.regionOf(p), ts(e.at()));
    } else if (event instanceof Role.LoggedIn) {
      s.add("UPDATE rm_role SET spinning = TRUE WHERE role_id = ?", entityId);
    } else if (event instanceof Role.LoggedOut) {
      s.add("UPDATE rm_role SET spinning = FALSE WHERE role_id = ?", entityId);
    } else if (event instanceof Role.Left e) {
      s.add("UPDATE rm_role SET spinning = FALSE, left_at = ? WHERE role_id = ?", ts(e.at()), entityId);
    } else if (event instanceof Role.Forgotten e) {
      // The forget pipeline's read-model step: every personal column of the row (see
      // PersonalDataCatalogue; the search columns follow, being generated) is blanked, while the
      // pseudonymous rest stays for the role's anonymous threads. The row is not deleted, so a
      // replayed Registered cannot bring it back.
      s.add("UPDATE rm_role SET display_name = '', goods = '{}', skills = '{}', spinning = FALSE,"
          + " left_at = coalesce(left_at, ?) WHERE role_id = ?", ts(e.at()), entityId);
    } else if (event instanceof Role.ProfileUpdated e) {
      Array goods = s.connection().createArrayOf("text", e.goods().toArray());
      Array skills = s.connection().createArrayOf("text", e.skills().toArray());
      s.add("UPDATE rm_role SET goods = ?, skills = ? WHERE role_id = ?", goods, skills, entityId);
    } else if (event instanceof Proposal.Event e) {
      proposal(s, entityId, e);
    } else if (event instanceof CommunityAccount.Event e) {
      account(s, id, entityId, e);
    } else if (event instanceof Delegations.Event e) {
      delegation(s, entityId, e);
    }
  }

  private static void proposal(Statements s, String proposalId, Proposal.Event event) throws SQLException {
    if (event instanceof Proposal.Proposed e) {
      Proposal.Terms t = e.terms();
      s.add("INSERT INTO rm_proposal (proposal_id, knot_id, cell, proposed_by, title, phase, proposed_at, deadline,"
              + " payout_cents) VALUES (?, ?, ?, ?, ?, 'OBJECTABLE', ?, ?, ?) ON CONFLICT (proposal_id) DO NOTHING",
          t.proposalId(), t.knotId(), t.cell(), t.proposedBy(), t.title(), ts(t.proposedAt()), ts(e.deadline()),
          t.payout() == null ? null : t.payout().amountCents());
    } else if (event instanceof Proposal.Objected e) {
      s.add("UPDATE rm_proposal SET phase = 'VOTING', objected_by = ?, deadline = ? WHERE proposal_id = ?",
          e.roleId(), ts(e.deadline()), proposalId);
    } else if (event instanceof Proposal.VoteCast e) {
      s.add("INSERT INTO rm_proposal_vote (proposal_id, role_id, choice, cast_at) VALUES (?, ?, ?, ?)"
              + " ON CONFLICT (proposal_id, role_id) DO UPDATE SET choice = EXCLUDED.choice, cast_at = EXCLUDED.cast_at",
          proposalId, e.roleId(), e.choice().name(), ts(e.at()));
      s.add("UPDATE rm_proposal SET votes_cast = (SELECT count(*) FROM rm_proposal_vote WHERE proposal_id = ?)"
          + " WHERE proposal_id = ?", proposalId, proposalId);
    } else if (event instanceof Proposal.PassedWithoutObjection e) {
      s.add("UPDATE rm_proposal SET phase = 'CLOSED', outcome = 'PASSED_WITHOUT_OBJECTION', yes = 0, no = 0,"
          + " abstain = 0, participants = 0, closed_at = ?, payout_status = CASE WHEN payout_cents IS NULL THEN 'NONE'"
          + " ELSE 'PENDING' END WHERE proposal_id = ?", ts(e.at()), proposalId);
    } else if (event instanceof Proposal.Tallied e) {
      VoteTally t = e.tally();
      s.add("UPDATE rm_proposal SET phase = 'CLOSED', outcome = ?, yes = ?, no = ?, abstain = ?, participants = ?,"
              + " closed_at = ?, payout_status = CASE WHEN payout_cents IS NULL OR ? = 'REJECTED' THEN 'NONE'"
              + " ELSE 'PENDING' END WHERE proposal_id = ?",
          t.accepted() ? "ACCEPTED" : "REJECTED", t.yes(), t.no(), t.abstain(), t.participants(), ts(e.at()),
          t.accepted() ? "ACCEPTED" : "REJECTED", proposalId);
    } else if (event instanceof Proposal.PaidOut) {
      s.add("UPDATE rm_proposal SET payout_status = 'PAID' WHERE proposal_id = ?", proposalId);
    } else if (event instanceof Proposal.PayoutRefused) {
      s.add("UPDATE rm_proposal SET payout_status = 'REFUSED' WHERE proposal_id = ?", proposalId);
    }
  }

  /** One ledger row per movement and the balance beside it, in the same transaction. */
  private static void account(Statements s, EventId id, String knotId, CommunityAccount.Event event) throws SQLException {
    String kind;
    String role;
    String reference;
    Instant at;
    if (event instanceof CommunityAccount.Donated d) {
      kind = "DONATION";
      role = d.donorRoleId();
      reference = d.donationId();
      at = d.at();
    } else {
      CommunityAccount.PaidOut p = (CommunityAccount.PaidOut) event;
      kind = "PAYOUT";
      role = p.recipientRoleId();
      reference = p.proposalId();
      at = p.at();
    }
    s.add("INSERT INTO rm_ledger (knot_id, entry_no, kind, amount_cents, role_id, reference, at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (knot_id, entry_no) DO NOTHING",
        knotId, id.sequenceNr(), kind, event.delta(), role, reference, ts(at));
    s.add("INSERT INTO rm_account (knot_id, balance_cents, movements, updated_at) VALUES (?, ?, 1, ?)"
            + " ON CONFLICT (knot_id) DO UPDATE SET balance_cents = rm_account.balance_cents + EXCLUDED.balance_cents,"
            + " movements = rm_account.movements + 1, updated_at = EXCLUDED.updated_at",
        knotId, event.delta(), ts(at));
  }

  private static void delegation(Statements s, String cell, Delegations.Event event) throws SQLException {
    if (event instanceof Delegations.Delegated e) {
      s.add("INSERT INTO rm_delegation (cell, delegator, delegate, since, last_active_at) VALUES (?, ?, ?, ?, ?)"
              + " ON CONFLICT (cell, delegator) DO UPDATE SET delegate = EXCLUDED.delegate, since = EXCLUDED.since,"
              + " last_active_at = EXCLUDED.last_active_at",
          cell, e.from(), e.to(), ts(e.at()), ts(e.at()));
    } else if (event instanceof Delegations.Revoked e) {
      s.add("DELETE FROM rm_delegation WHERE cell = ? AND delegator = ?", cell, e.from());
    } else if (event instanceof Delegations.ActivityNoted e) {
      s.add("UPDATE rm_delegation SET last_active_at = greatest(last_active_at, ?) WHERE cell = ? AND delegator = ?",
          ts(e.at()), cell, e.roleId());
    }
  }

  private static void knotCreated(Statements s, Knot.Created e) throws SQLException {
    s.add("INSERT INTO rm_knot (knot_id, type, title, description, lat, lon, cell, created_by, created_at,"
            + " event_start, event_end, last_thread_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (knot_id) DO NOTHING",
        e.knotId(), e.type().name(), e.title(), e.description(), e.location().lat(), e.location().lon(),
        RegionCells.regionOf(e.location()), e.createdBy(), ts(e.at()), ts(e.eventStart()), ts(e.eventEnd()),
        ts(e.at()));
    refreshDissolution(s, e.knotId());
  }

  /** The knot's dissolution rule, as the entity has it: 7 days after its last thread or event end, never with yarn. */
  private static void refreshDissolution(Statements s, String knotId) throws SQLException {
    s.add("UPDATE rm_knot SET dissolves_at = CASE WHEN yarn_count > 0 THEN NULL"
        + " ELSE greatest(last_thread_at, coalesce(event_end, last_thread_at)) + interval '"
        + Knot.DISSOLUTION_TIME.toDays() + " days' END WHERE knot_id = ?", knotId);
  }

  private static Timestamp ts(Instant instant) {
    return instant == null ? null : Timestamp.from(instant);
  }
}
