package org.weltgewebe.scenarios.topology;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.reports.TopologyReport;

/**
 * What PgBouncer adds to one query: the same read-model lookup (a knot by id, as the API's reads
 * make it) sent alternately straight to PostgreSQL and through PgBouncer, each on one open
 * connection with the driver's unnamed statements on both sides, so the difference is the pooler's
 * hop and its hand-out of a server connection per transaction.
 */
final class PoolerProbe {
  static final int QUERIES = 500;
  private static final String QUERY = "SELECT knot_id, title, lat, lon FROM rm_knot WHERE knot_id = ?";

  private PoolerProbe() {}

  static TopologyReport.Probe measure(DatabaseSettings direct, DatabaseSettings pooled, int queries, PrintStream out) {
    DatabaseSettings unnamed = new DatabaseSettings(direct.url(), direct.user(), direct.password(), direct.url(), 0);
    try (Connection d = unnamed.connect(); Connection p = pooled.connect()) {
      List<String> ids = ids(d);
      Histogram viaDirect = new Histogram(60_000_000L, 3);
      Histogram viaPooler = new Histogram(60_000_000L, 3);
      try (PreparedStatement sd = d.prepareStatement(QUERY); PreparedStatement sp = p.prepareStatement(QUERY)) {
        for (int i = 0; i < queries + 20; i++) {
          String id = ids.get(i % ids.size());
          boolean warm = i >= 20; // the first few of each side open the server connection and warm the plan cache
          long a = time(sd, id);
          long b = time(sp, id);
          if (warm) {
            viaDirect.recordValue(Math.max(1, a / 1000));
            viaPooler.recordValue(Math.max(1, b / 1000));
          }
        }
      }
      TopologyReport.Probe probe = new TopologyReport.Probe(QUERY.replace("?", "<id>"), queries, percentiles(viaDirect), percentiles(viaPooler));
      out.printf("PgBouncer probe: %d lookups each way, p50 %.3f ms direct, %.3f ms through PgBouncer%n",
          queries, probe.direct().p50Millis(), probe.pooled().p50Millis());
      return probe;
    } catch (SQLException e) {
      out.println("PgBouncer probe failed: " + e.getMessage());
      return null;
    }
  }

  private static List<String> ids(Connection c) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT knot_id FROM rm_knot LIMIT 200")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    if (ids.isEmpty()) {
      ids.add("no-such-knot"); // an empty read model: the lookup still runs and finds nothing
    }
    return ids;
  }

  private static long time(PreparedStatement s, String id) throws SQLException {
    long t0 = System.nanoTime();
    s.setString(1, id);
    try (ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        rs.getString(1);
      }
    }
    return System.nanoTime() - t0;
  }

  private static TopologyReport.Percentiles percentiles(Histogram h) {
    return new TopologyReport.Percentiles(h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMean() / 1000.0);
  }
}
