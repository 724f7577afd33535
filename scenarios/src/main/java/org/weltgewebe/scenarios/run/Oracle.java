package org.weltgewebe.scenarios.run;

import io.nats.client.ConsumeOptions;
import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.api.Subject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.weltgewebe.persistence.readmodel.ReadModels;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxMessage;
import org.weltgewebe.persistence.readmodel.LiveFeeds;
import org.weltgewebe.reports.RunReport;

/**
 * The run's consistency oracle: every event the run persisted must be in JetStream (by dedupe id),
 * applied to the read models, and delivered to each SSE watcher that stayed connected. It starts
 * before the load ({@link #begin}: the event stream's last sequence, then the journal's position,
 * watchers on the hottest regions and the feed stream's count per watched subject) and judges
 * after it ({@link #judge}), waiting for the pipeline to drain first: a difference after the drain
 * deadline is a failure, and it says where.
 *
 * <p>It also recounts the proposals and community accounts the run touched from the journal and
 * compares them with their read models ({@link JournalRecount}): tallies, votes, balances, ledgers.
 *
 * <p>It counts every leg itself, from its own reading of the journal, the stream and the read
 * models, and asks none of the components it judges (not the outbox's reconciler) what they did.
 */
final class Oracle implements AutoCloseable {
  private final DatabaseSettings db;
  private final NatsSettings nats;
  private final long streamStart;
  private final long journalStart;
  private final List<Watch> watches;

  /**
   * A watcher, its subject's message count when it had connected and the feed stream's last
   * sequence at that moment (one snapshot): deliveries at or below the mark were published before
   * the count and are not the run's.
   */
  private record Watch(FeedWatcher watcher, String subject, long subjectCountAtStart, long mark) {}

  private Oracle(
      DatabaseSettings db, NatsSettings nats, long streamStart, long journalStart, List<Watch> watches) {
    this.db = db;
    this.nats = nats;
    this.streamStart = streamStart;
    this.journalStart = journalStart;
    this.watches = watches;
  }

  /** Notes where the journal stands and subscribes a watcher to each of {@code watchedCells}' feeds. */
  static Oracle begin(DatabaseSettings db, NatsSettings nats, URI api, List<String> watchedCells) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<Watch> watches = new ArrayList<>();
    long streamStart;
    long journalStart;
    try (Connection connection = nats.connect("weltgewebe-scenario-oracle")) {
      // The stream's position first: an event written after the journal's mark is committed after
      // it, so it is published after this sequence too, and the count from here misses none.
      streamStart = lastSequence(connection, nats.stream());
      journalStart = scalar(db, "SELECT COALESCE(MAX(ordering), 0) FROM event_journal");
      for (String cell : watchedCells) {
        FeedWatcher watcher = FeedWatcher.open(client, api, "/regions/" + cell + "/feed");
        String subject = LiveFeeds.regionFeed(nats, cell);
        StreamInfo info = connection.jetStreamManagement().getStreamInfo(LiveFeeds.stream(nats), StreamInfoOptions.filterSubjects(subject));
        watches.add(new Watch(watcher, subject, count(info), info.getStreamState().getLastSequence()));
      }
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("the oracle cannot read the feed stream " + LiveFeeds.stream(nats) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the oracle", e);
    }
    return new Oracle(db, nats, streamStart, journalStart, watches);
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
    long[] counts = awaitCaughtUp(deadline);
    long persisted = counts[0];
    long applied = counts[1];
    long lastOrdering = counts[2];
    List<RunReport.FeedWatch> feeds = new ArrayList<>();
    List<String> discrepancies = new ArrayList<>();
    long inStream = 0;
    try (Connection connection = nats.connect("weltgewebe-scenario-oracle")) {
      InStream stream = inStream(connection, lastOrdering);
      inStream = stream.found();
      if (stream.found() < persisted) {
        discrepancies.add((persisted - stream.found()) + " of " + persisted + " persisted events are missing from JetStream stream "
            + nats.stream() + " (e.g. " + stream.missing() + ")");
      }
    } catch (IOException | JetStreamApiException e) {
      discrepancies.add("cannot read the event stream " + nats.stream() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      discrepancies.add("interrupted while reading the event stream");
    }
    try (Connection connection = nats.connect("weltgewebe-scenario-oracle")) {
      for (Watch w : watches) {
        boolean stayed = !w.watcher().disconnected();
        // A role that leaves has its messages scrubbed from its region's feed (ForgetPipeline): those
        // the watcher got before they were deleted were published too, though the stream no longer
        // counts them. And the platform may still publish while the oracle counts (a compressed
        // clock's deadlines close proposals after the load ended): the published count is read again
        // after the delivered one, and the two are compared only when nothing came in between.
        long expected;
        long delivered;
        while (true) {
          long before = subjectCount(connection, nats, w.subject()) - w.subjectCountAtStart()
              + deletedSince(connection, nats, after(w.watcher().deliveredIds(), w.mark()));
          w.watcher().awaitDelivered(before, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
          delivered = after(w.watcher().deliveredIds(), w.mark()).size();
          expected = subjectCount(connection, nats, w.subject()) - w.subjectCountAtStart()
              + deletedSince(connection, nats, after(w.watcher().deliveredIds(), w.mark()));
          if ((expected == before && delivered == expected) || System.nanoTime() >= deadline) {
            break;
          }
        }
        feeds.add(new RunReport.FeedWatch(w.watcher().feed(), expected, delivered, w.watcher().duplicates(), w.watcher().outOfOrder(),
            w.watcher().reconnects()));
        if (!stayed) {
          discrepancies.add("watcher of " + w.watcher().feed() + " lost its connection during the run and could not connect again");
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
    if (applied != persisted) {
      discrepancies.add((persisted - applied) + " of " + persisted + " persisted events were not applied to the read models within " + drain.toSeconds() + " s");
    }
    try {
      List<String> unbalanced = new ReadModels(db).unbalancedAccounts();
      if (!unbalanced.isEmpty()) {
        discrepancies.add(unbalanced.size() + " community accounts whose balance is not the sum of their ledger, or went"
            + " below zero (e.g. " + unbalanced.subList(0, Math.min(5, unbalanced.size())) + ")");
      }
    } catch (IllegalStateException e) {
      discrepancies.add("cannot read the community accounts: " + e.getMessage());
    }
    RunReport.Recount recount = null;
    try {
      JournalRecount.Result recounted = JournalRecount.since(db, journalStart);
      recount = recounted.counts();
      discrepancies.addAll(recounted.discrepancies());
    } catch (IllegalStateException e) {
      discrepancies.add("cannot recount proposals and accounts from the journal: " + e.getMessage());
    }
    return new RunReport.Oracle(persisted, inStream, applied, List.copyOf(feeds), discrepancies.isEmpty(), List.copyOf(discrepancies),
        recount);
  }

  /**
   * Waits until the platform has caught up with the load that stopped (see {@link #awaitCaughtUp}),
   * at most {@code max}; answers whether it did.
   */
  boolean settle(Duration max) {
    long[] counts = awaitCaughtUp(System.nanoTime() + max.toNanos());
    return counts[1] >= counts[0];
  }

  /**
   * Persisted and applied counts and the highest ordering once every persisted event is applied and
   * nothing new was persisted for two seconds (a request the load generator gave up on may still be
   * written after the load stopped), or at {@code deadline} (nanoTime).
   */
  private long[] awaitCaughtUp(long deadline) {
    long[] counts = persistedAndApplied();
    long quietSince = System.nanoTime();
    while (System.nanoTime() < deadline && (counts[1] < counts[0] || System.nanoTime() - quietSince < 2_000_000_000L)) {
      sleep(250);
      long[] now = persistedAndApplied();
      if (now[0] != counts[0]) {
        quietSince = System.nanoTime();
      }
      counts = now;
    }
    return counts;
  }

  /**
   * Persisted and applied counts of the run's events and the highest ordering among them, read in
   * one statement (one snapshot).
   */
  private long[] persistedAndApplied() {
    String sql = "SELECT COUNT(*), COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM rm_applied_event a"
        + " WHERE a.persistence_id = j.persistence_id AND a.sequence_nr = j.sequence_number)), COALESCE(MAX(j.ordering), ?)"
        + " FROM event_journal j WHERE j.ordering > ?";
    try (java.sql.Connection c = db.connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setLong(1, journalStart);
      s.setLong(2, journalStart);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return new long[] {r.getLong(1), r.getLong(2), r.getLong(3)};
      }
    } catch (SQLException e) {
      throw new IllegalStateException("the oracle cannot read the journal at " + db.url() + ": " + e.getMessage(), e);
    }
  }

  /** How many of the run's persisted events the stream holds, and a few of those it lacks. */
  private record InStream(long found, List<String> missing) {}

  /**
   * Reads the event stream from the run's first sequence on (headers only) and looks up each of
   * the run's journal events, up to {@code lastOrdering}, by its identity (dedupe id): an event
   * the stream holds twice, or under a repair id, counts once.
   */
  private InStream inStream(Connection connection, long lastOrdering) throws IOException, JetStreamApiException, InterruptedException {
    Set<String> published = streamIdentities(connection);
    long found = 0;
    List<String> missing = new ArrayList<>();
    String sql = "SELECT persistence_id, sequence_number FROM event_journal WHERE ordering > ? AND ordering <= ?";
    try (java.sql.Connection c = db.connect(); PreparedStatement s = c.prepareStatement(sql)) {
      c.setAutoCommit(false); // a cursor, so a long run's journal is not held in memory at once
      s.setFetchSize(10_000);
      s.setLong(1, journalStart);
      s.setLong(2, lastOrdering);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String id = OutboxMessage.dedupeId(r.getString(1), r.getLong(2));
          if (published.contains(id)) {
            found++;
          } else if (missing.size() < 3) {
            missing.add(id);
          }
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("the oracle cannot read the journal at " + db.url() + ": " + e.getMessage(), e);
    }
    return new InStream(found, List.copyOf(missing));
  }

  /** The identities of the events the stream received since the run began. */
  private Set<String> streamIdentities(Connection connection) throws IOException, JetStreamApiException, InterruptedException {
    Set<String> ids = new HashSet<>();
    long last = lastSequence(connection, nats.stream());
    if (last <= streamStart) {
      return ids;
    }
    OrderedConsumerConfiguration from =
        new OrderedConsumerConfiguration()
            .deliverPolicy(DeliverPolicy.ByStartSequence)
            .startSequence(streamStart + 1);
    try (IterableConsumer messages =
        connection.getStreamContext(nats.stream()).createOrderedConsumer(from).iterate(ConsumeOptions.builder().batchSize(5_000).build())) {
      while (true) {
        Message m = messages.nextMessage(Duration.ofSeconds(10));
        if (m == null) {
          throw new IOException("stream " + nats.stream() + " stopped delivering before sequence " + last);
        }
        try {
          ids.add(OutboxMessage.identity(m).dedupeId());
        } catch (OutboxMessage.Unreadable notAnEvent) {
          // not an event of the outbox: not counted
        }
        if (m.metaData().streamSequence() >= last) {
          return ids;
        }
      }
    } catch (IOException | JetStreamApiException | InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot read stream " + nats.stream() + ": " + e.getMessage(), e);
    }
  }

  /** The stream's last sequence; 0 while it does not exist (the platform creates it as it starts). */
  private static long lastSequence(Connection connection, String stream) throws IOException, JetStreamApiException {
    try {
      return connection.jetStreamManagement().getStreamInfo(stream).getStreamState().getLastSequence();
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
        return 0;
      }
      throw e;
    }
  }

  private static final int STREAM_NOT_FOUND = 10059;

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
    return count(jsm.getStreamInfo(LiveFeeds.stream(nats), StreamInfoOptions.filterSubjects(subject)));
  }

  /** Messages on the subjects {@code info} lists: it was asked for those of one feed only. */
  private static long count(StreamInfo info) {
    List<Subject> subjects = info.getStreamState().getSubjects();
    return subjects == null ? 0 : subjects.stream().mapToLong(Subject::getCount).sum();
  }

  /** The ids above {@code mark}. */
  private static List<Long> after(List<Long> ids, long mark) {
    return ids.stream().filter(id -> id > mark).toList();
  }

  /** How many of {@code sequences} the feed stream no longer holds (deleted after they were delivered). */
  private static long deletedSince(Connection connection, NatsSettings nats, List<Long> sequences)
      throws IOException, JetStreamApiException {
    JetStreamManagement jsm = connection.jetStreamManagement();
    long deleted = 0;
    for (long sequence : sequences) {
      try {
        jsm.getMessage(LiveFeeds.stream(nats), sequence);
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() != NO_MESSAGE_FOUND) {
          throw e;
        }
        deleted++;
      }
    }
    return deleted;
  }

  // JetStream's API error code for a sequence with no message (deleted, or never written)
  private static final int NO_MESSAGE_FOUND = 10037;

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
