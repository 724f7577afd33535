package org.weltgewebe.scenarios.run;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.api.Subject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.persistence.outbox.Reconciler;
import org.weltgewebe.persistence.readmodel.LiveFeeds;
import org.weltgewebe.reports.RunReport;

/**
 * The run's consistency oracle: every event the run persisted must be in JetStream (by dedupe id),
 * applied to the read models, and delivered to each SSE watcher that stayed connected. It starts
 * before the load ({@link #begin}: the journal's position, watchers on the hottest regions and the
 * feed stream's count per watched subject) and judges after it ({@link #judge}), waiting for the
 * pipeline to drain first: a difference after the drain deadline is a failure, and it says where.
 */
final class Oracle implements AutoCloseable {
  private final DatabaseSettings db;
  private final NatsSettings nats;
  private final OutboxSettings outbox;
  private final long journalStart;
  private final List<Watch> watches;

  private record Watch(FeedWatcher watcher, String subject, long subjectCountAtStart) {}

  private Oracle(DatabaseSettings db, NatsSettings nats, OutboxSettings outbox, long journalStart, List<Watch> watches) {
    this.db = db;
    this.nats = nats;
    this.outbox = outbox;
    this.journalStart = journalStart;
    this.watches = watches;
  }

  /** Notes where the journal stands and subscribes a watcher to each of {@code watchedCells}' feeds. */
  static Oracle begin(DatabaseSettings db, NatsSettings nats, OutboxSettings outbox, URI api, List<String> watchedCells) {
    long journalStart = scalar(db, "SELECT COALESCE(MAX(ordering), 0) FROM event_journal");
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<Watch> watches = new ArrayList<>();
    try (Connection connection = nats.connect("weltgewebe-scenario-oracle")) {
      for (String cell : watchedCells) {
        FeedWatcher watcher = FeedWatcher.open(client, api, "/regions/" + cell + "/feed");
        String subject = LiveFeeds.regionSubject(nats, cell);
        watches.add(new Watch(watcher, subject, subjectCount(connection, nats, subject)));
      }
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("the oracle cannot read the feed stream " + LiveFeeds.stream(nats) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the oracle", e);
    }
    return new Oracle(db, nats, outbox, journalStart, watches);
  }

  /** Events the journal holds beyond where it stood when the run began. */
  long persistedSoFar() {
    return count("SELECT COUNT(*) FROM event_journal WHERE ordering > ?");
  }

  /**
   * Waits up to {@code drain} for the outbox, the read models and the feeds to catch up with what
   * the run persisted, then compares every leg and says where they differ.
   */
  RunReport.Oracle judge(Duration drain) {
    long deadline = System.nanoTime() + drain.toNanos();
    long[] counts = persistedAndApplied();
    // done when every persisted event is applied and nothing new was persisted for two seconds
    // (a request the load generator gave up on may still be written after the load stopped)
    long quietSince = System.nanoTime();
    while (System.nanoTime() < deadline && (counts[1] < counts[0] || System.nanoTime() - quietSince < 2_000_000_000L)) {
      sleep(250);
      long[] now = persistedAndApplied();
      if (now[0] != counts[0]) {
        quietSince = System.nanoTime();
      }
      counts = now;
    }
    long persisted = counts[0];
    long applied = counts[1];
    List<RunReport.FeedWatch> feeds = new ArrayList<>();
    List<String> discrepancies = new ArrayList<>();
    try (Connection connection = nats.connect("weltgewebe-scenario-oracle")) {
      for (Watch w : watches) {
        long expected = subjectCount(connection, nats, w.subject()) - w.subjectCountAtStart();
        boolean stayed = !w.watcher().disconnected();
        w.watcher().awaitDelivered(expected, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        long delivered = w.watcher().delivered();
        feeds.add(new RunReport.FeedWatch(w.watcher().feed(), expected, delivered, w.watcher().duplicates(), w.watcher().outOfOrder()));
        if (!stayed) {
          discrepancies.add("watcher of " + w.watcher().feed() + " lost its connection during the run");
        } else if (delivered != expected) {
          discrepancies.add(w.watcher().feed() + ": " + expected + " events published to the feed, " + delivered + " delivered over SSE");
        }
        if (w.watcher().duplicates() > 0 || w.watcher().outOfOrder() > 0) {
          discrepancies.add(w.watcher().feed() + ": " + w.watcher().duplicates() + " duplicates, " + w.watcher().outOfOrder() + " out of order");
        }
      }
    } catch (IOException | JetStreamApiException e) {
      discrepancies.add("cannot read the feed stream: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      discrepancies.add("interrupted while reading the feed stream");
    }
    Reconciler.Report stream = new Reconciler(db, nats, outbox).verify();
    long missingFromStream = stream.gaps().stream()
        .filter(g -> g.toOrdering() > journalStart)
        .mapToLong(g -> g.missing().size())
        .sum();
    long inStream = persisted - missingFromStream;
    if (missingFromStream > 0) {
      discrepancies.add(missingFromStream + " persisted events are missing from JetStream stream " + nats.stream()
          + " (e.g. " + stream.missing().stream().limit(3).toList() + ")");
    }
    if (applied != persisted) {
      discrepancies.add((persisted - applied) + " of " + persisted + " persisted events were not applied to the read models within " + drain.toSeconds() + " s");
    }
    return new RunReport.Oracle(persisted, inStream, applied, List.copyOf(feeds), discrepancies.isEmpty(), List.copyOf(discrepancies));
  }

  /** Persisted and applied counts of the run's events, read in one statement (one snapshot). */
  private long[] persistedAndApplied() {
    String sql = "SELECT COUNT(*), COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM rm_applied_event a"
        + " WHERE a.persistence_id = j.persistence_id AND a.sequence_nr = j.sequence_number))"
        + " FROM event_journal j WHERE j.ordering > ?";
    try (java.sql.Connection c = db.connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setLong(1, journalStart);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return new long[] {r.getLong(1), r.getLong(2)};
      }
    } catch (SQLException e) {
      throw new IllegalStateException("the oracle cannot read the journal at " + db.url() + ": " + e.getMessage(), e);
    }
  }

  private long count(String sql) {
    try (java.sql.Connection c = db.connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setLong(1, journalStart);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("the oracle cannot read the journal at " + db.url() + ": " + e.getMessage(), e);
    }
  }

  private static long scalar(DatabaseSettings db, String sql) {
    try (java.sql.Connection c = db.connect(); PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
      r.next();
      return r.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("the oracle cannot read the journal at " + db.url() + ": " + e.getMessage(), e);
    }
  }

  private static long subjectCount(Connection connection, NatsSettings nats, String subject)
      throws IOException, JetStreamApiException {
    JetStreamManagement jsm = connection.jetStreamManagement();
    StreamInfo info = jsm.getStreamInfo(LiveFeeds.stream(nats), StreamInfoOptions.filterSubjects(subject));
    List<Subject> subjects = info.getStreamState().getSubjects();
    return subjects == null ? 0 : subjects.stream().filter(s -> s.getName().equals(subject)).mapToLong(Subject::getCount).sum();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    watches.forEach(w -> w.watcher().close());
  }
}
