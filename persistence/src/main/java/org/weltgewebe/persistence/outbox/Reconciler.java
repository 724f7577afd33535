package org.weltgewebe.persistence.outbox;

import io.nats.client.ConsumeOptions;
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
import io.nats.client.api.StreamInfo;
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
 * <p>Checkpointed, so that a run costs what is new, not what is there (at S4 the stream holds 600
 * million messages: read whole, every run would take hours). Per stream, {@code
 * outbox_reconcile_checkpoint} keeps the last stream sequence read and {@code
 * outbox_reconcile_range} the two digests of every range: the stream side grows message by message
 * as each run reads only the messages after the checkpoint; the journal side of a range is summed
 * once, when the range is closed (an event of a later range has settled, so no transaction can still
 * add to it). Closed ranges are compared from their stored digests, the open tail (the last range
 * or two) from both sides read afresh. The checkpoint is dropped and the stream read whole when it
 * no longer describes the stream: another stream of the same name, a tail the broker lost (the
 * stream's last sequence fell below the checkpoint, or the message there is another one), messages
 * deleted from its middle (JetStream's deleted count changed), another range size; and by
 * {@link #verifyFull}. Reconcilers of one stream take turns under an advisory lock.
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
  private static final int SCAN_BATCH = 5_000;
  /** Messages between two looks at the pass's pace. */
  private static final int PACE_EVERY = 250;

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

  /**
   * Compares stream and journal from where the last comparison left off (the checkpoint); changes
   * nothing but the checkpoint.
   */
  public Report verify() {
    return verify(false);
  }

  /** Compares the whole stream with the whole journal, as if no checkpoint existed, and sets a new one. */
  public Report verifyFull() {
    return verify(true);
  }

  private Report verify(boolean full) {
    try (Connection connection = nats.connect("weltgewebe-outbox-reconciler")) {
      return verify(connection, full);
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
      Report before = verify(connection, false);
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
  // The schedule runs until the returned handle shuts the scheduler down; each run logs its failure.
  @SuppressWarnings("FutureReturnValueIgnored")
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

  private Report verify(Connection connection, boolean full)
      throws IOException, SQLException, JetStreamApiException, InterruptedException {
    Instant now = Instant.now();
    long settledBefore = now.toEpochMilli() - outbox.reconcileSettle().toMillis();
    LongPredicate settled = timestamp -> timestamp < settledBefore;
    int size = outbox.reconcileRange();
    String stream = nats.stream();
    StreamInfo info = streamInfo(connection);
    StreamState state = info == null ? null : info.getStreamState();
    long first = state == null ? 0 : state.getFirstSequence();
    long last = state == null ? 0 : state.getLastSequence();

    try (java.sql.Connection c = db.connect()) {
      c.setAutoCommit(false);
      ReconcileCheckpoint.lock(c, stream);
      ReconcileCheckpoint.Position p = full ? null : ReconcileCheckpoint.load(c, stream);
      String created = info == null ? "none" : info.getCreateTime().toString();
      long deleted = state == null ? 0 : state.getDeletedCount();
      if (p != null && !stillValid(connection, p, created, size, first, last, deleted)) {
        log.info("reconciler checkpoint of stream {} no longer matches the stream: reading it whole", stream);
        p = null;
      }
      if (p == null) {
        ReconcileCheckpoint.reset(c, stream);
        p = new ReconcileCheckpoint.Position();
        p.streamCreated = created;
        p.rangeSize = size;
        p.scannedSeq = Math.max(0, first - 1);
        p.deletedCount = deleted;
      }
      java.util.NavigableMap<Long, ReconcileCheckpoint.Range> ranges = ReconcileCheckpoint.ranges(c, stream, 0);

      // 1. The stream side: only the messages that arrived since the last run.
      long[] lowestSeen = {Long.MAX_VALUE};
      if (last > p.scannedSeq) {
        StreamEvent lastRead =
            scan(connection, Math.max(p.scannedSeq + 1, first), last, e -> {
              ReconcileCheckpoint.Range r = ranges.computeIfAbsent(range(e.ordering), k -> new ReconcileCheckpoint.Range());
              r.streamCount++;
              r.streamSum += hash(e.id);
              if (r.firstSeq == null || e.seq < r.firstSeq) {
                r.firstSeq = e.seq;
              }
              r.dirty = true;
              lowestSeen[0] = Math.min(lowestSeen[0], e.ordering);
            });
        // Read up to the stream's last sequence, even when the messages at its end were deleted.
        p.scannedSeq = last;
        p.scannedId = lastRead != null && lastRead.seq == last ? lastRead.messageId : null;
      }
      if (p.fromOrdering < 0) {
        p.fromOrdering = startingOrdering(c, state, lowestSeen[0]);
      }

      // 2. The journal side of every range that closed since: summed once, kept.
      long fromRange = range(p.fromOrdering);
      long closedBelow = Math.max(p.closedBelow, fromRange);
      long maxSettled = maxSettledOrdering(c, Math.max(closedBelow * size, p.fromOrdering), settledBefore);
      long closedLimit = maxSettled < 0 ? closedBelow : Math.max(closedBelow, range(maxSettled + 1));
      if (closedLimit > closedBelow) {
        for (long r = closedBelow; r < closedLimit; r++) {
          ReconcileCheckpoint.Range range = ranges.computeIfAbsent(r, k -> new ReconcileCheckpoint.Range());
          range.journalCount = 0L;
          range.journalSum = 0L;
          range.dirty = true;
        }
        journalIds(c, Math.max(closedBelow * size, p.fromOrdering), closedLimit * size, Long.MAX_VALUE, (ordering, id) -> {
          ReconcileCheckpoint.Range range = ranges.get(range(ordering));
          range.journalCount++;
          range.journalSum += hash(id);
        });
      }
      p.closedBelow = closedLimit;

      // 3. The open tail (ranges still filling): settled events on both sides, read now.
      Map<Long, Digest> tailJournal = new TreeMap<>();
      journalIds(c, Math.max(closedLimit * size, p.fromOrdering), Long.MAX_VALUE, settledBefore,
          (ordering, id) -> tailJournal.computeIfAbsent(range(ordering), k -> new Digest()).add(id));
      Map<Long, Digest> tailStream = new TreeMap<>();
      long tailStart = ranges.tailMap(closedLimit).values().stream()
          .filter(r -> r.firstSeq != null).mapToLong(r -> r.firstSeq).min().orElse(Long.MAX_VALUE);
      if (tailStart <= p.scannedSeq) {
        long finalLimit = closedLimit;
        scan(connection, Math.max(tailStart, first), p.scannedSeq, e -> {
          if (range(e.ordering) >= finalLimit && (e.timestamp == null || settled.test(e.timestamp))) {
            tailStream.computeIfAbsent(range(e.ordering), k -> new Digest()).add(e.id);
          }
        });
      }

      // 4. Compare: closed ranges from their stored digests, the tail from what was just read.
      Set<Long> differing = new java.util.TreeSet<>();
      long journalEvents = 0;
      long streamMessages = 0;
      long compared = 0;
      for (Map.Entry<Long, ReconcileCheckpoint.Range> e : ranges.subMap(fromRange, closedLimit).entrySet()) {
        ReconcileCheckpoint.Range r = e.getValue();
        long jc = r.journalCount == null ? 0 : r.journalCount;
        long js = r.journalSum == null ? 0 : r.journalSum;
        journalEvents += jc;
        streamMessages += r.streamCount;
        if (jc > 0 || r.streamCount > 0) {
          compared++;
        }
        if (jc != r.streamCount || js != r.streamSum) {
          differing.add(e.getKey());
        }
      }
      for (Long r : union(tailJournal.keySet(), tailStream.keySet())) {
        Digest j = Digest.of(tailJournal.get(r));
        Digest s = Digest.of(tailStream.get(r));
        journalEvents += j.count;
        streamMessages += s.count;
        compared++;
        if (!j.equals(s)) {
          differing.add(r);
        }
      }

      // 5. Explain what differs: identities on both sides of those ranges only.
      List<Gap> gaps =
          differing.isEmpty()
              ? List.of()
              : explain(connection, c, ranges, differing, closedLimit, p.fromOrdering, first, p.scannedSeq, settled, settledBefore);
      List<String> missing = new ArrayList<>();
      gaps.forEach(g -> missing.addAll(g.missing()));

      ReconcileCheckpoint.saveRanges(c, stream, ranges);
      ReconcileCheckpoint.save(c, stream, p);
      c.commit();

      runs.incrementAndGet();
      gapsFound.addAndGet(gaps.size());
      eventsMissing.addAndGet(missing.size());
      lastMissing.set(missing.size());
      Report report = new Report(now, p.fromOrdering, journalEvents, streamMessages, compared, List.copyOf(gaps), List.copyOf(missing));
      if (!report.consistent()) {
        log.warn("stream {} differs from the journal in {} ranges; {} events missing", stream, gaps.size(), missing.size());
      }
      return report;
    }
  }

  // The checkpoint holds while the stream is the one it read, nothing it read was deleted since,
  // and the message it read last is still the same message.
  private boolean stillValid(
      Connection connection, ReconcileCheckpoint.Position p, String created, int size, long first, long last, long deleted)
      throws IOException, JetStreamApiException {
    if (!p.streamCreated.equals(created) || p.rangeSize != size || last < p.scannedSeq || deleted != p.deletedCount) {
      return false;
    }
    if (p.scannedSeq == 0 || p.scannedSeq < first || p.scannedId == null) {
      return true;
    }
    return stillStored(connection.jetStreamManagement(), p.scannedSeq, p.scannedId);
  }

  // Journal events below the lowest ordering the stream held when first read had left it already
  // (its age or byte limit): no loss, so not compared. A stream that never held anything: all are.
  private long startingOrdering(java.sql.Connection c, StreamState state, long lowestSeen) throws SQLException {
    if (state == null || state.getLastSequence() == 0) {
      return 0;
    }
    if (lowestSeen != Long.MAX_VALUE) {
      return lowestSeen;
    }
    // Everything left the stream: judge what came after its last message.
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT coalesce(min(ordering), (SELECT coalesce(max(ordering), 0) + 1 FROM event_journal))"
                + " FROM event_journal WHERE write_timestamp > ?")) {
      s.setLong(1, state.getLastTime().toInstant().toEpochMilli());
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  // The highest ordering at or above {@code from} whose event settled: every range wholly below it
  // is closed (no transaction stays open for the settle time). Reads only the journal's new rows.
  private static long maxSettledOrdering(java.sql.Connection c, long from, long settledBefore) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT max(ordering) FROM event_journal WHERE ordering >= ? AND (write_timestamp IS NULL OR write_timestamp < ?)")) {
      s.setLong(1, from);
      s.setLong(2, settledBefore);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        long max = rs.getLong(1);
        return rs.wasNull() ? -1 : max;
      }
    }
  }

  private interface JournalRow {
    void accept(long ordering, String id);
  }

  // Identities of the journal events with from <= ordering < to, written before writtenBefore.
  private static void journalIds(java.sql.Connection c, long from, long to, long writtenBefore, JournalRow row) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT ordering, persistence_id, sequence_number FROM event_journal WHERE ordering >= ? AND ordering < ?"
                + " AND (write_timestamp IS NULL OR write_timestamp < ?)")) {
      s.setFetchSize(10_000);
      s.setLong(1, from);
      s.setLong(2, to);
      s.setLong(3, writtenBefore);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          row.accept(rs.getLong(1), OutboxMessage.dedupeId(rs.getString(2), rs.getLong(3)));
        }
      }
    }
  }

  // Second pass over the differing ranges only: the identities on each side. The stream is read
  // from the first message that carried an event of one of them.
  private List<Gap> explain(
      Connection connection, java.sql.Connection c, java.util.NavigableMap<Long, ReconcileCheckpoint.Range> ranges, Set<Long> differing,
      long closedLimit, long from, long first, long scanned, LongPredicate settled, long settledBefore)
      throws IOException, SQLException, JetStreamApiException, InterruptedException {
    Map<Long, Map<String, Integer>> inStream = new HashMap<>();
    long start = differing.stream().map(ranges::get).filter(r -> r != null && r.firstSeq != null)
        .mapToLong(r -> r.firstSeq).min().orElse(Long.MAX_VALUE);
    if (start <= scanned) {
      scan(connection, Math.max(start, first), scanned, e -> {
        long r = range(e.ordering);
        if (differing.contains(r) && (r < closedLimit || e.timestamp == null || settled.test(e.timestamp))) {
          inStream.computeIfAbsent(r, k -> new HashMap<>()).merge(e.id, 1, Integer::sum);
        }
      });
    }
    List<Gap> gaps = new ArrayList<>();
    for (long r : differing) {
      List<String> journalIds = new ArrayList<>();
      long lo = Math.max(r * outbox.reconcileRange(), from);
      journalIds(c, lo, (r + 1) * outbox.reconcileRange(), r < closedLimit ? Long.MAX_VALUE : settledBefore,
          (ordering, id) -> journalIds.add(id));
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

  // The row a message carries, or null for a message that is no event (as before format 1).
  private static OutboxMessage.Identity readable(Message m) {
    try {
      return OutboxMessage.identity(m);
    } catch (OutboxMessage.Unreadable e) {
      return null;
    }
  }

  private StreamInfo streamInfo(Connection connection) throws IOException, JetStreamApiException {
    try {
      return connection.jetStreamManagement().getStreamInfo(nats.stream());
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  /** An event as the stream holds it: identity, journal ordering and write time (headers), stream sequence, dedupe id. */
  private record StreamEvent(String id, long ordering, Long timestamp, long seq, String messageId) {}

  // Reads the messages from sequence start to last with an ordered consumer, handing
  // each event to the sink; returns the last message read (event or not), null when none.
  /** Waits until {@code read} messages are due at the pass's pace ({@code reconcile-scan-per-second}). */
  private void pace(long started, long read) throws InterruptedException {
    int perSecond = outbox.reconcileScanPerSecond();
    if (perSecond > 0) {
      long wait = started + read * 1_000_000_000L / perSecond - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
    }
  }

  private StreamEvent scan(Connection connection, long start, long last, java.util.function.Consumer<StreamEvent> sink)
      throws IOException, JetStreamApiException, InterruptedException {
    if (start > last) {
      return null;
    }
    OrderedConsumerContext consumer =
        connection
            .getStreamContext(nats.stream())
            .createOrderedConsumer(
                new OrderedConsumerConfiguration()
                    .filterSubject(nats.allSubjects())
                    .deliverPolicy(DeliverPolicy.ByStartSequence)
                    .startSequence(start));
    StreamEvent lastRead = null;
    long started = System.nanoTime();
    long read = 0;
    // Whole messages: format 1 carries the row's identity in the payload (a whole message of format
    // 1 is smaller than format 0's headers were). Fewer round trips is what a long scan is made of.
    try (IterableConsumer messages = consumer.iterate(ConsumeOptions.builder().batchSize(SCAN_BATCH).build())) {
      while (true) {
        Message m = messages.nextMessage(READ_TIMEOUT);
        if (m == null && lastRead == null) {
          return null; // the messages from start on were deleted
        }
        if (m == null) {
          throw new IOException("stream " + nats.stream() + " stopped delivering before sequence " + last);
        }
        if (++read % PACE_EVERY == 0) {
          pace(started, read);
        }
        Headers h = m.getHeaders();
        long seq = m.metaData().streamSequence();
        String messageId = h == null ? null : h.getFirst("Nats-Msg-Id");
        OutboxMessage.Identity row = readable(m);
        if (row != null) {
          StreamEvent e = new StreamEvent(row.dedupeId(), row.ordering(), row.writeTimestamp(), seq, messageId);
          sink.accept(e);
          lastRead = e;
        } else {
          lastRead = new StreamEvent(null, -1, null, seq, messageId);
        }
        if (seq >= last || m.metaData().pendingCount() == 0) {
          return lastRead;
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


  // FNV-1a over the characters, then a 64-bit finalizer: String.hashCode has only 32 bits. Summed
  // (mod 2^64) per range, so the digest does not depend on order and grows message by message.
  static long hash(String id) {
    long h = 0xCBF29CE484222325L;
    for (int i = 0; i < id.length(); i++) {
      h = (h ^ id.charAt(i)) * 0x100000001B3L;
    }
    return Digest.mix(h);
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
      sum += hash(id);
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

    static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }
  }
}
