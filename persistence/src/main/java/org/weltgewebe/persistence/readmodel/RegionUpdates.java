package org.weltgewebe.persistence.readmodel;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;
import org.weltgewebe.actors.EventId;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Region;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.WeaveThread;

/**
 * Turns an applied event into the update its region needs, read from the read models right after
 * the event changed them (in the same transaction): an event alone does not say everything a
 * region shows — a thread led to a knot changes the knot's dissolution time, a login needs the
 * role's public name and position.
 */
final class RegionUpdates {
  private RegionUpdates() {}

  /** Reads first send what {@code s} has queued, so that they see this event's changes. */
  static Optional<Region.Update> of(Statements s, EventId id, Object event) throws SQLException {
    String entityId = id.persistenceId().substring(id.persistenceId().indexOf('|') + 1);
    if (event instanceof Knot.Dissolved) {
      return row(s, entityId, "SELECT lat, lon FROM rm_knot WHERE knot_id = ?",
          rs -> new Region.KnotGone(id, entityId, new GeoPoint(rs.getDouble(1), rs.getDouble(2))));
    }
    if (event instanceof Knot.Event) {
      return row(s, entityId, "SELECT type, title, lat, lon, dissolves_at FROM rm_knot WHERE knot_id = ?",
          rs -> new Region.KnotChanged(id, entityId, rs.getString(1), rs.getString(2),
              new GeoPoint(rs.getDouble(3), rs.getDouble(4)), instant(rs.getTimestamp(5))));
    }
    if (event instanceof WeaveThread.Event) {
      return row(s, entityId,
          "SELECT role_id, knot_id, kind, lat, lon, fade_from, yarn FROM rm_thread WHERE thread_id = ?",
          rs -> new Region.ThreadChanged(id, entityId, rs.getString(1), rs.getString(2), rs.getString(3),
              new GeoPoint(rs.getDouble(4), rs.getDouble(5)), instant(rs.getTimestamp(6)), rs.getBoolean(7)));
    }
    if (event instanceof Role.LoggedIn || event instanceof Role.LoggedOut || event instanceof Role.Left
        || event instanceof Role.Forgotten) {
      boolean spinning = event instanceof Role.LoggedIn;
      return row(s, entityId, "SELECT display_name, lat, lon FROM rm_role WHERE role_id = ?",
          rs -> spinning
              ? new Region.RoleSpinning(id, entityId, rs.getString(1), new GeoPoint(rs.getDouble(2), rs.getDouble(3)))
              : new Region.RoleResting(id, entityId, new GeoPoint(rs.getDouble(2), rs.getDouble(3))));
    }
    return Optional.empty();
  }

  @FunctionalInterface
  private interface Row {
    Region.Update read(ResultSet rs) throws SQLException;
  }

  private static Optional<Region.Update> row(Statements changes, String id, String sql, Row row) throws SQLException {
    changes.flush();
    try (PreparedStatement s = changes.connection().prepareStatement(sql)) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(row.read(rs)) : Optional.empty();
      }
    }
  }

  private static java.time.Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
