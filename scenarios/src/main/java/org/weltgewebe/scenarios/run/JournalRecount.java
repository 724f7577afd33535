package org.weltgewebe.scenarios.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.weltgewebe.actors.VoteTally;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.reports.RunReport;

/**
 * The consistency oracle's recount of the self-governing half of the domain: every proposal and
 * community account the run touched is replayed from the journal, by the oracle's own reading of
 * the stored events (JSON, as Pekko's Jackson serializer writes them), and compared with what the
 * read models show.
 *
 * <ul>
 *   <li>A proposal's phase, deadline, direct votes (each role's latest), outcome and payout status
 *       from its events must equal {@code rm_proposal} and {@code rm_proposal_vote}.
 *   <li>A closed proposal's count is recomputed: its direct votes with the district's delegations
 *       as the {@code Delegations} journal has them at the deadline (made by then, 28 days after
 *       the delegator's last activity not yet over). The recount must equal the {@code Tallied}
 *       event the proposal persisted and the counts in {@code rm_proposal}.
 *   <li>An account's balance and movement count from its events must equal {@code rm_account}, the
 *       sum and count of its {@code rm_ledger} rows and each row (entry number = sequence number,
 *       signed amount); the running balance never goes below zero.
 * </ul>
 *
 * <p>Everything is read in one repeatable-read snapshot, and an entity's events are replayed only
 * as far as the read models say they applied them ({@code rm_applied_event}): a proposal that
 * settles while the oracle reads is compared as it stood in that snapshot, not reported as a
 * difference. Whether every event was applied at all is the oracle's other check.
 */
final class JournalRecount {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DELEGATION_EXPIRY = Duration.ofDays(28);
  private static final String CONSUMER = org.weltgewebe.persistence.readmodel.ReadModelProjection.CONSUMER;
  /** Differences named in full; the rest are counted. */
  private static final int NAMED = 10;

  /** What the recount covered and what it found. */
  record Result(RunReport.Recount counts, List<String> discrepancies) {}

  private JournalRecount() {}

  /** Recounts the proposals and accounts with events after journal position {@code journalStart}. */
  static Result since(DatabaseSettings db, long journalStart) {
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      Result result = recount(c, journalStart);
      c.commit();
      return result;
    } catch (SQLException e) {
      throw new IllegalStateException("the oracle cannot recount proposals and accounts at " + db.url() + ": " + e.getMessage(), e);
    }
  }

  private static Result recount(Connection c, long journalStart) throws SQLException {
    List<String> touched = strings(c,
        "SELECT DISTINCT persistence_id FROM event_journal WHERE ordering > ?"
            + " AND (persistence_id LIKE 'proposal|%' OR persistence_id LIKE 'account|%')", journalStart);
    Map<String, List<Stored>> events = appliedEvents(c, touched);
    List<String> found = new ArrayList<>();
    long proposals = 0;
    long closed = 0;
    long votes = 0;
    long accounts = 0;
    long entries = 0;
    Map<String, ProposalRecount> replayed = new LinkedHashMap<>();
    for (Map.Entry<String, List<Stored>> e : events.entrySet()) {
      if (e.getKey().startsWith("proposal|")) {
        ProposalRecount p = ProposalRecount.replay(e.getValue());
        if (p != null) {
          replayed.put(p.id, p);
        }
      }
    }
    Map<String, List<Stored>> delegations = delegationEvents(c, replayed.values());
    Map<String, RmProposal> rmProposals = rmProposals(c, replayed.keySet());
    Map<String, Map<String, String>> rmVotes = rmVotes(c, replayed.keySet());
    for (ProposalRecount p : replayed.values()) {
      proposals++;
      votes += p.votes.size();
      if (p.phase.equals("CLOSED")) {
        closed++;
      }
      compare(p, rmProposals.get(p.id), rmVotes.getOrDefault(p.id, Map.of()),
          delegations.getOrDefault("delegations|" + p.cell, List.of()), found);
    }
    for (Map.Entry<String, List<Stored>> e : events.entrySet()) {
      if (e.getKey().startsWith("account|")) {
        accounts++;
        entries += e.getValue().size();
        compareAccount(c, e.getKey().substring("account|".length()), e.getValue(), found);
      }
    }
    List<String> named = new ArrayList<>(found.subList(0, Math.min(NAMED, found.size())));
    if (found.size() > NAMED) {
      named.add("and " + (found.size() - NAMED) + " more differences between the journal and the proposal and account views");
    }
    return new Result(new RunReport.Recount(proposals, closed, votes, accounts, entries), List.copyOf(named));
  }

  // ---------------------------------------------------------------- proposals

  /** A proposal as its events say it is. */
  private static final class ProposalRecount {
    String id;
    String cell;
    String phase = "OBJECTABLE";
    Instant deadline;
    boolean payout;
    String outcome;
    String payoutStatus = "NONE";
    /** Role → latest choice, in the order of the journal. */
    final Map<String, String> votes = new TreeMap<>();
    JsonNode tallied;

    static ProposalRecount replay(List<Stored> events) {
      ProposalRecount p = null;
      for (Stored e : events) {
        JsonNode json = e.json();
        switch (e.kind()) {
          case "Proposed" -> {
            p = new ProposalRecount();
            p.id = json.at("/terms/proposalId").asText();
            p.cell = json.at("/terms/cell").asText();
            p.deadline = instant(json.get("deadline"));
            p.payout = json.at("/terms/payout").isObject();
          }
          case "Objected" -> {
            p.phase = "VOTING";
            p.deadline = instant(json.get("deadline"));
          }
          case "VoteCast" -> p.votes.put(json.get("roleId").asText(), json.get("choice").asText());
          case "PassedWithoutObjection" -> {
            p.phase = "CLOSED";
            p.outcome = "PASSED_WITHOUT_OBJECTION";
            p.payoutStatus = p.payout ? "PENDING" : "NONE";
          }
          case "Tallied" -> {
            p.phase = "CLOSED";
            p.tallied = json.get("tally");
            p.outcome = p.tallied.get("yes").asInt() > p.tallied.get("no").asInt() ? "ACCEPTED" : "REJECTED";
            p.payoutStatus = p.payout && !p.outcome.equals("REJECTED") ? "PENDING" : "NONE";
          }
          case "PaidOut" -> p.payoutStatus = "PAID";
          case "PayoutRefused" -> p.payoutStatus = "REFUSED";
          default -> throw new IllegalStateException("a proposal event the oracle does not know: " + e.manifest());
        }
        if (p == null) {
          return null; // events before Proposed cannot be; the view is compared only from a proposal on
        }
      }
      return p;
    }
  }

  /** A proposal as {@code rm_proposal} shows it. */
  private record RmProposal(
      String phase, Instant deadline, int votesCast, String outcome, Integer yes, Integer no, Integer abstain,
      Integer participants, String payoutStatus) {}

  private static void compare(
      ProposalRecount p, RmProposal view, Map<String, String> viewVotes, List<Stored> delegations, List<String> found) {
    String where = "proposal " + p.id + ": ";
    if (view == null) {
      found.add(where + "in the journal but not in rm_proposal");
      return;
    }
    expect(found, where + "phase", p.phase, view.phase());
    // the view keeps microseconds (timestamptz; the JDBC driver rounds half up)
    expect(found, where + "deadline", p.deadline.plusNanos(500).truncatedTo(java.time.temporal.ChronoUnit.MICROS), view.deadline());
    expect(found, where + "direct votes counted in rm_proposal.votes_cast", p.votes.size(), view.votesCast());
    expect(found, where + "direct votes (rm_proposal_vote)", p.votes, viewVotes);
    expect(found, where + "outcome", p.outcome, view.outcome());
    expect(found, where + "payout status", p.payoutStatus, view.payoutStatus());
    if ("PASSED_WITHOUT_OBJECTION".equals(p.outcome)) {
      expect(found, where + "yes/no/abstain/participants", List.of(0, 0, 0, 0), counts(view));
    }
    if (p.tallied == null) {
      return;
    }
    Map<String, VoteTally.Choice> direct = new TreeMap<>();
    p.votes.forEach((role, choice) -> direct.put(role, VoteTally.Choice.valueOf(choice)));
    VoteTally recounted = VoteTally.count(direct, graphAt(delegations, p.deadline));
    List<Integer> recount = List.of(recounted.yes(), recounted.no(), recounted.abstain(), recounted.participants());
    List<Integer> tallied = List.of(p.tallied.get("yes").asInt(), p.tallied.get("no").asInt(), p.tallied.get("abstain").asInt(),
        p.tallied.get("counted").size());
    expect(found, where + "yes/no/abstain/participants recounted from the journal against its Tallied event", recount, tallied);
    expect(found, where + "yes/no/abstain/participants recounted from the journal against rm_proposal", recount, counts(view));
  }

  private static List<Integer> counts(RmProposal view) {
    return java.util.Arrays.asList(view.yes(), view.no(), view.abstain(), view.participants());
  }

  /**
   * The district's delegations valid at {@code at}, from its events up to then: a delegation made by
   * {@code at}, not revoked by then, whose delegator was last active less than 28 days before.
   */
  static Map<String, String> graphAt(List<Stored> events, Instant at) {
    Map<String, String[]> edges = new HashMap<>(); // delegator → {delegate, last active}
    for (Stored e : events) {
      JsonNode json = e.json();
      Instant when = instant(json.get("at"));
      if (when.isAfter(at)) {
        break;
      }
      switch (e.kind()) {
        case "Delegated" -> edges.put(json.get("from").asText(), new String[] {json.get("to").asText(), when.toString()});
        case "Revoked" -> edges.remove(json.get("from").asText());
        case "ActivityNoted" -> {
          String[] edge = edges.get(json.get("roleId").asText());
          if (edge != null) {
            edge[1] = when.toString();
          }
        }
        default -> throw new IllegalStateException("a delegation event the oracle does not know: " + e.manifest());
      }
    }
    Map<String, String> valid = new TreeMap<>();
    edges.forEach((from, edge) -> {
      if (Instant.parse(edge[1]).plus(DELEGATION_EXPIRY).isAfter(at)) {
        valid.put(from, edge[0]);
      }
    });
    return valid;
  }

  // ---------------------------------------------------------------- accounts

  private static void compareAccount(Connection c, String knotId, List<Stored> events, List<String> found) throws SQLException {
    String where = "account of knot " + knotId + ": ";
    long balance = 0;
    Map<Long, Long> movements = new TreeMap<>();
    for (Stored e : events) {
      long amount = e.json().get("amountCents").asLong();
      long delta = switch (e.kind()) {
        case "Donated" -> amount;
        case "PaidOut" -> -amount;
        default -> throw new IllegalStateException("an account event the oracle does not know: " + e.manifest());
      };
      balance += delta;
      movements.put(e.sequenceNr(), delta);
      if (balance < 0) {
        found.add(where + "the journal's balance goes below zero at movement " + e.sequenceNr());
      }
    }
    Map<Long, Long> ledger = new TreeMap<>();
    try (PreparedStatement s = c.prepareStatement("SELECT entry_no, amount_cents FROM rm_ledger WHERE knot_id = ?")) {
      s.setString(1, knotId);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          ledger.put(r.getLong(1), r.getLong(2));
        }
      }
    }
    Long viewBalance = null;
    Integer viewMovements = null;
    try (PreparedStatement s = c.prepareStatement("SELECT balance_cents, movements FROM rm_account WHERE knot_id = ?")) {
      s.setString(1, knotId);
      try (ResultSet r = s.executeQuery()) {
        if (r.next()) {
          viewBalance = r.getLong(1);
          viewMovements = r.getInt(2);
        }
      }
    }
    expect(found, where + "balance in cents (journal against rm_account)", balance, viewBalance);
    expect(found, where + "movements (journal against rm_account)", movements.size(), viewMovements);
    expect(found, where + "balance in cents (journal against the sum of rm_ledger)", balance,
        ledger.values().stream().mapToLong(Long::longValue).sum());
    expect(found, where + "ledger entries (sequence number → signed cents)", movements, ledger);
  }

  // ---------------------------------------------------------------- reading the journal

  /** One stored event: its entity's sequence number, its type's simple name and its JSON. */
  record Stored(long sequenceNr, String manifest, String kind, JsonNode json) {}

  /** The touched entities' events the read models applied, in sequence order. */
  private static Map<String, List<Stored>> appliedEvents(Connection c, List<String> ids) throws SQLException {
    return events(c, ids, "SELECT j.persistence_id, j.sequence_number, j.event_ser_manifest, j.event_payload FROM event_journal j"
        + " WHERE j.persistence_id = ANY(?) AND NOT j.deleted AND EXISTS (SELECT 1 FROM rm_applied_event a WHERE a.consumer = '"
        + CONSUMER + "' AND a.persistence_id = j.persistence_id AND a.sequence_nr = j.sequence_number)"
        + " ORDER BY j.persistence_id, j.sequence_number");
  }

  /** The delegation events of the districts of closed proposals (all of them: the graph is the entity's, not a view's). */
  private static Map<String, List<Stored>> delegationEvents(Connection c, java.util.Collection<ProposalRecount> proposals)
      throws SQLException {
    List<String> ids = proposals.stream().filter(p -> p.tallied != null).map(p -> "delegations|" + p.cell).distinct().toList();
    return events(c, ids, "SELECT persistence_id, sequence_number, event_ser_manifest, event_payload FROM event_journal"
        + " WHERE persistence_id = ANY(?) AND NOT deleted ORDER BY persistence_id, sequence_number");
  }

  private static Map<String, List<Stored>> events(Connection c, List<String> ids, String sql) throws SQLException {
    Map<String, List<Stored>> events = new LinkedHashMap<>();
    if (ids.isEmpty()) {
      return events;
    }
    try (PreparedStatement s = c.prepareStatement(sql)) {
      Array array = c.createArrayOf("varchar", ids.toArray());
      s.setArray(1, array);
      s.setFetchSize(5_000);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String manifest = r.getString(3);
          events.computeIfAbsent(r.getString(1), k -> new ArrayList<>())
              .add(new Stored(r.getLong(2), manifest, kindOf(manifest), decode(r.getBytes(4), manifest)));
        }
      }
    }
    return events;
  }

  /** The event's type, as the manifest (the class name, perhaps with a version) ends. */
  static String kindOf(String manifest) {
    String name = manifest.contains("#") ? manifest.substring(0, manifest.indexOf('#')) : manifest;
    return name.substring(Math.max(name.lastIndexOf('$'), name.lastIndexOf('.')) + 1);
  }

  /** The stored JSON; Pekko's Jackson serializer gzips large payloads. */
  static JsonNode decode(byte[] payload, String manifest) {
    try (InputStream in = payload.length > 2 && (payload[0] & 0xff) == 0x1f && (payload[1] & 0xff) == 0x8b
        ? new GZIPInputStream(new ByteArrayInputStream(payload))
        : new ByteArrayInputStream(payload)) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException("the oracle cannot read a stored " + manifest + ": " + e.getMessage(), e);
    }
  }

  /** An instant as Jackson writes it: ISO-8601 text, or seconds since the epoch with a fraction. */
  static Instant instant(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isNumber()) {
      BigDecimal seconds = node.decimalValue();
      return Instant.ofEpochSecond(seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
    }
    return Instant.parse(node.asText());
  }

  // ---------------------------------------------------------------- reading the views

  private static Map<String, RmProposal> rmProposals(Connection c, java.util.Set<String> ids) throws SQLException {
    Map<String, RmProposal> views = new HashMap<>();
    if (ids.isEmpty()) {
      return views;
    }
    try (PreparedStatement s = c.prepareStatement(
        "SELECT proposal_id, phase, deadline, votes_cast, outcome, yes, no, abstain, participants, payout_status"
            + " FROM rm_proposal WHERE proposal_id = ANY(?)")) {
      s.setArray(1, c.createArrayOf("varchar", ids.toArray()));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          views.put(r.getString(1), new RmProposal(r.getString(2), r.getTimestamp(3).toInstant(), r.getInt(4), r.getString(5),
              (Integer) r.getObject(6), (Integer) r.getObject(7), (Integer) r.getObject(8), (Integer) r.getObject(9), r.getString(10)));
        }
      }
    }
    return views;
  }

  private static Map<String, Map<String, String>> rmVotes(Connection c, java.util.Set<String> ids) throws SQLException {
    Map<String, Map<String, String>> votes = new HashMap<>();
    if (ids.isEmpty()) {
      return votes;
    }
    try (PreparedStatement s = c.prepareStatement(
        "SELECT proposal_id, role_id, choice FROM rm_proposal_vote WHERE proposal_id = ANY(?)")) {
      s.setArray(1, c.createArrayOf("varchar", ids.toArray()));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          votes.computeIfAbsent(r.getString(1), k -> new TreeMap<>()).put(r.getString(2), r.getString(3));
        }
      }
    }
    return votes;
  }

  private static List<String> strings(Connection c, String sql, long position) throws SQLException {
    List<String> values = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setLong(1, position);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          values.add(r.getString(1));
        }
      }
    }
    return values;
  }

  private static void expect(List<String> found, String what, Object journal, Object view) {
    if (!Objects.equals(journal, view)) {
      found.add(what + ": the journal says " + journal + ", the read model " + view);
    }
  }
}
