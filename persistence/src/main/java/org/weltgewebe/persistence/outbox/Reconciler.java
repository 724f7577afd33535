package org.weltgewebe.persistence.outbox;

import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.OrderedConsumerContext;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamState;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.persistence.DatabaseSettings;

/**
 * Checks the stream against the journal and re-publishes what the stream lost. JetStream can lose
 * writes it acknowledged when a server crashes (it flushes to disk only now and then), and an
 * operator can delete messages; the relay cannot see either, because it confirmed those events.
 *
 * <p>{@link #verify} compares, per range of {@code weltgewebe.outbox.reconcile-range} orderings,
 * the count and an order-independent checksum of the event identities ({@code
 * persistence_id#sequence_nr}, read from the headers) on both sides, and lists the identities of
 * the ranges that differ. {@link #repair} publishes each missing event again, exactly as the relay
 * would. Compared are the journal rows from the lowest ordering the stream still holds on (older
 * ones may have left by the stream's age or byte limit, which is no loss; hence a loss of the
 * stream's very first messages is invisible) and older than {@code reconcile-settle} (younger ones
 * may be on their way).
 *
 * <p>JetStream remembers the ids of deleted messages for its duplicate window and answers a
 * re-publish under the same id as a duplicate without storing it. Repair therefore checks, for a
 * duplicate answer, whether the original still exists, and if not publishes the event under the id
 * {@code <persistence_id>#<sequence_nr>#repair-<epoch ms>}, with the same headers. Consumers
 * identify events by the identity headers, and order an entity's events by sequence number: a
 * repaired event arrives after later events of its entity.
 */
public final class Reconciler {
  /** A range of orderings whose two sides differ, with the identities that make the difference. */
  public record Gap(
      long fromOrdering, long toOrdering, long journalEvents, long streamMessages, List<String> missing,
      List<String> unexpected, List<String> duplicated) {}

  /**
   * The result of a comparison: how many events were compared on each side, in how many ranges,
   * which ranges differ, and the identities missing from the stream in all of them.
   */
  public record Report(
      Instant checkedAt,
      long fromOrdering,
      long journalEvents,
      long streamMessages,
      long rangesCompared,
      List<Gap> gaps,
      List<String> missing) {
    /** True when the stream holds every compared journal event exactly once. */
    public boolean consistent() {
      return gaps.isEmpty();
    }
  }

  /**
   * The result of a repair: the comparison before it, events published again, events found present
   * after all (the relay caught up meanwhile), and how many of the published ones needed a repair
   * id because JetStream still remembered the lost message's id.
   */
  public record Repair(Report before, long republished, long alreadyPresent, long underRepairId) {}

  /** Counters since this reconciler was made, for metrics. */
  public record Metrics(long runs, long gapsFound, long eventsMissing, long eventsRepaired, long lastMissing) {}

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  private static final int NO_MESSAGE_FOUND = 10037;
  private static final int STREAM_NOT_FOUND = 10059;
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

  private final DatabaseSettings db;
  private final NatsSettings nats;
  private final OutboxSettings outbox;
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong gapsFound = new AtomicLong();
  private final AtomicLong eventsMissing = new AtomicLong();
  private final AtomicLong eventsRepaired = new AtomicLong();
  private final AtomicLong lastMissing = new AtomicLong();

  public Reconciler(DatabaseSettings db, NatsSettings nats, OutboxSettings outbox) {
    this.db = db;
    this.nats = nats;
    this.outbox = outbox;
  }

  /** Compares stream and journal; changes nothing. */
  public Report verify() {
    try (Connection connection = nats.connect("weltgewebe-outbox-reconciler")) {
      return verify(connection);
    } catch (IOException | SQLException | JetStreamApiException e) {
      throw new IllegalStateException("cannot compare stream " + nats.stream() + " with the journal at " + db.url(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while comparing stream and journal", e);
    }
  }

  /** Compares stream and journal, then publishes every event the stream lacks. */
  public Repair repair() {
    try (Connection connection = nats.connect("weltgewebe-outbox-reconciler")) {
      EventStream.ensure(connection, nats);
      Report before = verify(connection);
      Repair repair = republish(connection, before);
      eventsRepaired.addAndGet(repair.republished());
      if (repair.republished() > 0) {
        log.warn("reconciler re-published {} events missing from stream {}", repair.republished(), nats.stream());
      }
      return repair;
    } catch (IOException | SQLException | JetStreamApiException e) {
      throw new IllegalStateException("cannot repair stream " + nats.stream() + " from the journal at " + db.url(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while repairing the stream", e);
    }
  }

  /** Runs {@link #repair} every {@code interval} until the returned handle is closed. */
  public AutoCloseable repairEvery(Duration interval) {
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weltgewebe-outbox-reconciler");
              t.setDaemon(true);
              return t;
            });
    scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            repair();
          } catch (RuntimeException e) {
            log.warn("periodic reconciliation failed: {}", e.toString());
          }
        },
        interval.toMillis(),
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
    return scheduler::shutdownNow;
  }

  /** A snapshot of the counters. */
  public Metrics metrics() {
    return new Metrics(runs.get(), gapsFound.get(), eventsMissing.get(), eventsRepaired.get(), lastMissing.get());
  }

  private Report verify(Connection connection)
      throws IOException, SQLException, JetStreamApiException, InterruptedException {
    Instant now = Instant.now();
    long settledBefore = now.toEpochMilli() - outbox.reconcileSettle().toMillis();
    LongPredicate settled = timestamp -> timestamp < settledBefore;

    StreamState state = streamState(connection);
    Map<Long, Digest> streamSide = new TreeMap<>();
    long lowest = Long.MAX_VALUE;
    if (state != null && state.getMsgCount() > 0) {
      for (StreamEvent e : scan(connection, state, settled, null)) {
        streamSide.computeIfAbsent(range(e.ordering), r -> new Digest()).add(e.id);
        lowest = Math.min(lowest, e.ordering);
      }
    }
    long from;
    String journalFilter;
    if (state == null || state.getLastSequence() == 0) {
      from = 0; // the stream never held anything: every journal event should be there
      journalFilter = "ordering >= ?";
    } else if (state.getMsgCount() == 0 || lowest == Long.MAX_VALUE) {
      from = state.getLastTime().toInstant().toEpochMilli(); // all left the stream: judge what came later
      journalFilter = "write_timestamp > ?";
    } else {
      from = lowest;
      journalFilter = "ordering >= ?";
    }

    Map<Long, Digest> journalSide = new TreeMap<>();
    try (java.sql.Connection c = db.connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement s =
          c.prepareStatement(
              "SELECT ordering, persistence_id, sequence_number, write_timestamp FROM event_journal WHERE "
                  + journalFilter + " AND (write_timestamp IS NULL OR write_timestamp < ?)")) {
        s.setFetchSize(10_000);
        s.setLong(1, from);
        s.setLong(2, settledBefore);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            journalSide
                .computeIfAbsent(range(rs.getLong(1)), r -> new Digest())
                .add(OutboxMessage.dedupeId(rs.getString(2), rs.getLong(3)));
          }
        }
      }
      c.commit();
    }
    if (!journalFilter.startsWith("ordering")) {
      // Journal rows were chosen by time; compare only the stream's messages of the same ranges.
      streamSide.keySet().retainAll(journalSide.keySet());
    }

    Set<Long> differing = new HashSet<>();
    for (Long r : union(streamSide.keySet(), journalSide.keySet())) {
      if (!Digest.of(streamSide.get(r)).equals(Digest.of(journalSide.get(r)))) {
        differing.add(r);
      }
    }
    List<Gap> gaps = differing.isEmpty() ? List.of() : explain(connection, state, settled, differing, journalFilter, from, settledBefore);
    List<String> missing = new ArrayList<>();
    gaps.forEach(g -> missing.addAll(g.missing()));

    long journalEvents = journalSide.values().stream().mapToLong(d -> d.count).sum();
    long streamMessages = streamSide.values().stream().mapToLong(d -> d.count).sum();
    runs.incrementAndGet();
    gapsFound.addAndGet(gaps.size());
    eventsMissing.addAndGet(missing.size());
    lastMissing.set(missing.size());
    Report report =
        new Report(now, from, journalEvents, streamMessages, union(streamSide.keySet(), journalSide.keySet()).size(), List.copyOf(gaps), List.copyOf(missing));
    if (!report.consistent()) {
      log.warn("stream {} differs from the journal in {} ranges; {} events missing", nats.stream(), gaps.size(), missing.size());
    }
    return report;
  }

  // Second pass over the differing ranges only: the identities on each side.
  private List<Gap> explain(
      Connection connection, StreamState state, LongPredicate settled, Set<Long> differing, String journalFilter, long from, long settledBefore)
      throws IOException, SQLException, JetStreamApiException, InterruptedException {
    Map<Long, Map<String, Integer>> inStream = new HashMap<>();
    if (state != null && state.getMsgCount() > 0) {
      for (StreamEvent e : scan(connection, state, settled, differing)) {
        inStream.computeIfAbsent(range(e.ordering), r -> new HashMap<>()).merge(e.id, 1, Integer::sum);
      }
    }
    List<Gap> gaps = new ArrayList<>();
    try (java.sql.Connection c = db.connect();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT persistence_id, sequence_number FROM event_journal WHERE " + journalFilter
                    + " AND (write_timestamp IS NULL OR write_timestamp < ?) AND ordering >= ? AND ordering < ?"
                    + " ORDER BY ordering")) {
      for (long r : new java.util.TreeSet<>(differing)) {
        List<String> journalIds = new ArrayList<>();
        s.setLong(1, from);
        s.setLong(2, settledBefore);
        s.setLong(3, r * outbox.reconcileRange());
        s.setLong(4, (r + 1) * outbox.reconcileRange());
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            journalIds.add(OutboxMessage.dedupeId(rs.getString(1), rs.getLong(2)));
          }
        }
        Map<String, Integer> streamIds = inStream.getOrDefault(r, Map.of());
        Set<String> journalSet = new HashSet<>(journalIds);
        List<String> missing = journalIds.stream().filter(id -> !streamIds.containsKey(id)).toList();
        List<String> unexpected = streamIds.keySet().stream().filter(id -> !journalSet.contains(id)).sorted().toList();
        List<String> duplicated = streamIds.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).sorted().toList();
        gaps.add(
            new Gap(
                r * outbox.reconcileRange(),
                (r + 1) * outbox.reconcileRange() - 1,
                journalIds.size(),
                streamIds.values().stream().mapToLong(Integer::longValue).sum(),
                missing,
                unexpected,
                duplicated));
      }
    }
    return gaps;
  }

  private Repair republish(Connection connection, Report before)
      throws IOException, SQLException, JetStreamApiException, InterruptedException {
    if (before.missing().isEmpty()) {
      return new Repair(before, 0, 0, 0);
    }
    List<JournalEvent> events = load(before.missing());
    EventPublisher publisher = new EventPublisher(connection, nats, outbox.maxInFlight(), outbox.publishTimeout());
    List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
    try {
      for (JournalEvent event : events) {
        acks.add(publisher.publish(event, () -> false));
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("NATS did not acknowledge the re-published events in time", e);
    }
    JetStreamManagement jsm = connection.jetStreamManagement();
    long republished = 0;
    long present = 0;
    long underRepairId = 0;
    for (int i = 0; i < events.size(); i++) {
      JournalEvent event = events.get(i);
      PublishAck ack = acks.get(i).join();
      if (!ack.isDuplicate()) {
        republished++;
      } else if (stillStored(jsm, ack.getSeqno(), event.dedupeId())) {
        present++;
      } else {
        String repairId = event.dedupeId() + "#repair-" + System.currentTimeMillis();
        try {
          publisher.publish(event, repairId, () -> false).join();
        } catch (java.util.concurrent.TimeoutException e) {
          throw new IOException("NATS did not acknowledge the re-published event " + event.dedupeId(), e);
        }
        republished++;
        underRepairId++;
      }
    }
    return new Repair(before, republished, present, underRepairId);
  }

  private boolean stillStored(JetStreamManagement jsm, long sequence, String id) throws IOException, JetStreamApiException {
    try {
      MessageInfo info = jsm.getMessage(nats.stream(), sequence);
      Headers headers = info.getHeaders();
      return headers != null && id.equals(headers.getFirst("Nats-Msg-Id"));
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == NO_MESSAGE_FOUND) {
        return false;
      }
      throw e;
    }
  }

  private List<JournalEvent> load(List<String> ids) throws SQLException {
    List<JournalEvent> events = new ArrayList<>();
    try (java.sql.Connection c = db.connect();
        PreparedStatement s = c.prepareStatement(JournalRows.SELECT + " WHERE persistence_id = ? AND sequence_number = ?")) {
      for (String id : ids) {
        int hash = id.lastIndexOf('#');
        s.setString(1, id.substring(0, hash));
        s.setLong(2, Long.parseLong(id.substring(hash + 1)));
        try (ResultSet rs = s.executeQuery()) {
          if (rs.next()) {
            events.add(JournalRows.event(rs));
          }
        }
      }
    }
    // Journal order keeps an entity's re-published events in sequence.
    events.sort((a, b) -> Long.compare(a.ordering(), b.ordering()));
    return events;
  }

  private StreamState streamState(Connection connection) throws IOException, JetStreamApiException {
    try {
      return connection.jetStreamManagement().getStreamInfo(nats.stream()).getStreamState();
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  /** An event as the stream holds it: its identity and journal ordering, from the headers. */
  private record StreamEvent(String id, long ordering) {}

  // Reads the headers of every message up to the last one at the start, with an ordered consumer.
  private List<StreamEvent> scan(Connection connection, StreamState state, LongPredicate settled, Set<Long> onlyRanges)
      throws IOException, JetStreamApiException, InterruptedException {
    List<StreamEvent> events = new ArrayList<>();
    long last = state.getLastSequence();
    OrderedConsumerContext consumer =
        connection
            .getStreamContext(nats.stream())
            .createOrderedConsumer(
                new OrderedConsumerConfiguration()
                    .filterSubject(nats.allSubjects())
                    .deliverPolicy(DeliverPolicy.All)
                    .headersOnly(true));
    try (IterableConsumer messages = consumer.iterate()) {
      while (true) {
        Message m = messages.nextMessage(READ_TIMEOUT);
        if (m == null) {
          throw new IOException("stream " + nats.stream() + " stopped delivering before sequence " + last);
        }
        Headers h = m.getHeaders();
        String pid = h == null ? null : h.getFirst(OutboxMessage.PERSISTENCE_ID);
        if (pid != null) {
          String timestamp = h.getFirst(OutboxMessage.WRITE_TIMESTAMP);
          long ordering = Long.parseLong(h.getFirst(OutboxMessage.ORDERING));
          if ((timestamp == null || settled.test(Long.parseLong(timestamp)))
              && (onlyRanges == null || onlyRanges.contains(range(ordering)))) {
            events.add(new StreamEvent(OutboxMessage.dedupeId(pid, Long.parseLong(h.getFirst(OutboxMessage.SEQUENCE_NR))), ordering));
          }
        }
        if (m.metaData().streamSequence() >= last || m.metaData().pendingCount() == 0) {
          return events;
        }
      }
    } catch (Exception e) {
      if (e instanceof IOException io) {
        throw io;
      }
      if (e instanceof InterruptedException ie) {
        throw ie;
      }
      throw new IOException("cannot read stream " + nats.stream(), e);
    }
  }

  private long range(long ordering) {
    return Math.floorDiv(ordering, outbox.reconcileRange());
  }

  private static Set<Long> union(Set<Long> a, Set<Long> b) {
    Set<Long> all = new java.util.TreeSet<>(a);
    all.addAll(b);
    return Collections.unmodifiableSet(all);
  }

  /** Count and order-independent checksum of the identities in one range. */
  private static final class Digest {
    long count;
    long sum;

    void add(String id) {
      count++;
      // FNV-1a over the characters, then a 64-bit finalizer: String.hashCode has only 32 bits.
      long h = 0xCBF29CE484222325L;
      for (int i = 0; i < id.length(); i++) {
        h = (h ^ id.charAt(i)) * 0x100000001B3L;
      }
      sum += mix(h);
    }

    static Digest of(Digest d) {
      return d == null ? new Digest() : d;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Digest d && d.count == count && d.sum == sum;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(count * 31 + sum);
    }

    private static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }
  }
}
