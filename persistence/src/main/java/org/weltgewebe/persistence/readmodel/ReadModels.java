package org.weltgewebe.persistence.readmodel;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Region;
import org.weltgewebe.persistence.DatabaseSettings;

/** Reads the read models: the views the API and the consistency checks query without asking entities. */
public final class ReadModels {
  private final DataSource db;

  /** Read models reached through {@code db}, the node's read-side pool. */
  public ReadModels(DataSource db) {
    this.db = db;
  }

  /** Read models reached over a new connection per query: for tools and tests. */
  public ReadModels(DatabaseSettings db) {
    this(db.unpooled());
  }

  /** A knot as the knot view holds it. */
  public record KnotRow(
      String knotId, String type, String title, GeoPoint location, String cell, int threadCount,
      int yarnCount, Instant lastThreadAt, Instant dissolvesAt, Instant dissolvedAt) {}

  /** A conversation as the conversation view holds it. */
  public record ConversationRow(
      String conversationId, String knotId, String title, int commentCount, Instant lastActivity) {}

  public Optional<KnotRow> knot(String knotId) {
    return queryOne(
        "SELECT knot_id, type, title, lat, lon, cell, thread_count, yarn_count, last_thread_at,"
            + " dissolves_at, dissolved_at FROM rm_knot WHERE knot_id = ?",
        knotId,
        rs -> new KnotRow(rs.getString(1), rs.getString(2), rs.getString(3),
            new GeoPoint(rs.getDouble(4), rs.getDouble(5)), rs.getString(6), rs.getInt(7), rs.getInt(8),
            instant(rs.getTimestamp(9)), instant(rs.getTimestamp(10)), instant(rs.getTimestamp(11))));
  }

  public Optional<ConversationRow> conversation(String conversationId) {
    return queryOne(
        "SELECT conversation_id, knot_id, title, comment_count, last_activity FROM rm_conversation"
            + " WHERE conversation_id = ?",
        conversationId,
        rs -> new ConversationRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
            instant(rs.getTimestamp(5))));
  }

  /**
   * The region view of {@code cell} at {@code now}, in the same shape a region actor answers:
   * standing knots, spinning roles, threads that have not faded out, with their fade level.
   */
  public Region.View region(String cell, Instant now) {
    Timestamp at = Timestamp.from(now);
    try (Connection c = db.getConnection()) {
      List<Region.KnotEntry> knots = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT knot_id, type, title, lat, lon, dissolves_at FROM rm_knot WHERE cell = ?"
              + " AND dissolved_at IS NULL AND (dissolves_at IS NULL OR dissolves_at > ?) ORDER BY knot_id")) {
        s.setString(1, cell);
        s.setTimestamp(2, at);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            knots.add(new Region.KnotEntry(rs.getString(1), rs.getString(2), rs.getString(3),
                new GeoPoint(rs.getDouble(4), rs.getDouble(5)), instant(rs.getTimestamp(6))));
          }
        }
      }
      List<Region.RoleEntry> roles = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT role_id, display_name, lat, lon FROM rm_role WHERE cell = ? AND spinning ORDER BY role_id")) {
        s.setString(1, cell);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            roles.add(new Region.RoleEntry(rs.getString(1), rs.getString(2), new GeoPoint(rs.getDouble(3), rs.getDouble(4))));
          }
        }
      }
      List<Region.ThreadEntry> threads = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT thread_id, role_id, knot_id, kind, yarn, fade_from, lat, lon FROM rm_thread WHERE cell = ?"
              + " AND (yarn OR fade_from > CAST(? AS timestamptz) - interval '7 days') ORDER BY thread_id")) {
        s.setString(1, cell);
        s.setTimestamp(2, at);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            boolean yarn = rs.getBoolean(5);
            double fade = Region.fadeLevel(instant(rs.getTimestamp(6)), yarn, now);
            if (fade < 1.0) {
              threads.add(new Region.ThreadEntry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                  new GeoPoint(rs.getDouble(7), rs.getDouble(8)), instant(rs.getTimestamp(6)), yarn, fade));
            }
          }
        }
      }
      return new Region.View(cell, now, List.copyOf(knots), List.copyOf(roles), List.copyOf(threads), -1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the region view of " + cell, e);
    }
  }

  /** A community account as the account view holds it, with the sum of its ledger beside it. */
  public record AccountRow(String knotId, long balanceCents, int movements, long ledgerSumCents, int ledgerEntries) {}

  public Optional<AccountRow> account(String knotId) {
    return queryOne(
        "SELECT a.knot_id, a.balance_cents, a.movements, coalesce(sum(l.amount_cents), 0), count(l.entry_no)"
            + " FROM rm_account a LEFT JOIN rm_ledger l ON l.knot_id = a.knot_id WHERE a.knot_id = ?"
            + " GROUP BY a.knot_id, a.balance_cents, a.movements",
        knotId,
        rs -> new AccountRow(rs.getString(1), rs.getLong(2), rs.getInt(3), rs.getLong(4), rs.getInt(5)));
  }

  /**
   * The accounts whose balance is not the sum of their ledger, or whose movement count is not the
   * number of their ledger entries, or whose balance or ledger went below zero at any entry: each
   * is a bug in the projection or the entity. The consistency oracle expects none.
   */
  public List<String> unbalancedAccounts() {
    String sql =
        "SELECT a.knot_id FROM rm_account a LEFT JOIN ("
            + " SELECT knot_id, sum(amount_cents) AS total, count(*) AS entries FROM rm_ledger GROUP BY knot_id) l"
            + " ON l.knot_id = a.knot_id"
            + " WHERE a.balance_cents <> coalesce(l.total, 0) OR a.movements <> coalesce(l.entries, 0)"
            + " OR a.balance_cents < 0"
            + " UNION SELECT knot_id FROM (SELECT knot_id, sum(amount_cents) OVER (PARTITION BY knot_id ORDER BY entry_no)"
            + " AS running FROM rm_ledger) r WHERE running < 0"
            + " UNION SELECT l.knot_id FROM rm_ledger l LEFT JOIN rm_account a ON a.knot_id = l.knot_id"
            + " WHERE a.knot_id IS NULL ORDER BY 1";
    return queryList(sql, rs -> rs.getString(1));
  }

  /** Open proposals whose deadline has passed at {@code now}, oldest first, at most {@code limit}. */
  public List<String> overdueProposals(Instant now, int limit) {
    return overdue("SELECT proposal_id FROM rm_proposal WHERE phase <> 'CLOSED' AND deadline <= ? ORDER BY deadline LIMIT ?",
        now, limit, "proposals");
  }

  /**
   * Standing knots whose dissolution time has passed at {@code now} (no yarn holds them), earliest
   * first, at most {@code limit}: the knots that would have dissolved on their own timer had they
   * been awake.
   */
  public List<String> overdueKnots(Instant now, int limit) {
    return overdue("SELECT knot_id FROM rm_knot WHERE dissolved_at IS NULL AND dissolves_at <= ? ORDER BY dissolves_at LIMIT ?",
        now, limit, "knots");
  }

  /** The ids {@code sql} selects for a deadline at or before {@code now}, at most {@code limit}. */
  private List<String> overdue(String sql, Instant now, int limit, String what) {
    try (Connection c = db.getConnection();
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setTimestamp(1, Timestamp.from(now));
      s.setInt(2, limit);
      List<String> due = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          due.add(rs.getString(1));
        }
      }
      return due;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the overdue " + what, e);
    }
  }

  /** The districts in which {@code roleId} delegates its vote or is delegated to. */
  public List<String> delegationCellsOf(String roleId) {
    try (Connection c = db.getConnection();
        PreparedStatement s = c.prepareStatement(
            "SELECT DISTINCT cell FROM rm_delegation WHERE delegator = ? OR delegate = ? ORDER BY cell")) {
      s.setString(1, roleId);
      s.setString(2, roleId);
      List<String> cells = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          cells.add(rs.getString(1));
        }
      }
      return cells;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the delegations of a role", e);
    }
  }

  private <T> List<T> queryList(String sql, Row<T> row) {
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
      List<T> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(row.read(rs));
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the read models: " + e.getMessage(), e);
    }
  }

  /** How many events {@code consumer} has applied. */
  public long appliedEvents(String consumer) {
    return queryOne("SELECT count(*) FROM rm_applied_event WHERE consumer = ?", consumer, rs -> rs.getLong(1))
        .orElse(0L);
  }

  @FunctionalInterface
  private interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private <T> Optional<T> queryOne(String sql, String parameter, Row<T> row) {
    try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, parameter);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(row.read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the read models: " + e.getMessage(), e);
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
