package org.weltgewebe.persistence.outbox;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.api.PublishAck;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.persistence.DatabaseSettings;

/**
 * Publishes every event the journal commits to the JetStream {@link EventStream}, in commit order,
 * each under its dedupe id ({@link OutboxMessage}). The journal is the outbox: an event and its
 * duty to be published are one row, written in one transaction by pekko-persistence-jdbc.
 *
 * <p>It reads through the {@link JournalChangeFeed} (logical decoding, woken by each commit) and
 * confirms a transaction's position in the replication slot only when JetStream has acknowledged
 * every event of it and of all transactions before it. Whatever is unconfirmed when the relay
 * crashes, stops or loses a connection is read again from the slot and published again; JetStream
 * drops those copies by message id within its 72 h duplicate window. After any failure a new
 * session starts from the slot, with a fresh NATS connection that never replays a buffer of its
 * own, so an entity's events reach the stream in order.
 *
 * <p>Exactly one relay may run per slot (the cluster runs it as a singleton); a second one fails
 * to attach while the first holds the slot. {@link #start} returns once the prerequisites are
 * checked (wal_level, the stream's policies); the relay then runs on its own threads, retrying
 * with backoff while PostgreSQL or NATS is unreachable, until {@link #stop}.
 *
 * <p>On the first start for a slot the journal may already hold events (written before the
 * outbox existed). The relay then creates a seed slot, publishes every row the journal holds,
 * and only then turns the seed into its slot, so no event from before or after is skipped even if
 * it crashes half-way (the seed survives and the backfill starts over).
 */
public final class OutboxRelay implements AutoCloseable {
  /**
   * What the relay has done, for metrics: events published (acknowledged as new), duplicates
   * JetStream dropped (re-publishes after a restart), transactions confirmed in the slot, events
   * received but not yet acknowledged (the relay's lag in events), the commit→ack lag of the last
   * and the slowest event (from write_timestamp, ms), the publish rate over the last 10 seconds,
   * sessions started, failures, and the last failure's message.
   */
  public record Metrics(
      long eventsPublished,
      long duplicatesDropped,
      long transactionsConfirmed,
      long lagEvents,
      long lastLagMillis,
      long maxLagMillis,
      double eventsPerSecond,
      long sessions,
      long failures,
      String lastFailure) {}

  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  private static final String SEED_SUFFIX = "_seed";

  private final DatabaseSettings db;
  private final NatsSettings nats;
  private final OutboxSettings outbox;
  private final Thread thread;
  private final ScheduledExecutorService ticker;
  private final AtomicReference<Session> current = new AtomicReference<>();
  private volatile boolean stopping;

  private final AtomicLong published = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong confirmedTransactions = new AtomicLong();
  private final AtomicLong lastLagMillis = new AtomicLong();
  private final AtomicLong maxLagMillis = new AtomicLong();
  private final AtomicLong sessions = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicReference<String> lastFailure = new AtomicReference<>("");
  private final Throughput throughput = new Throughput(10);
  private final Consumer<JournalEvent> onAcknowledged;

  private OutboxRelay(
      DatabaseSettings db, NatsSettings nats, OutboxSettings outbox, Consumer<JournalEvent> onAcknowledged) {
    this.db = db;
    this.nats = nats;
    this.outbox = outbox;
    this.onAcknowledged = onAcknowledged;
    this.thread = new Thread(this::runSessions, "weltgewebe-outbox-relay");
    this.thread.setDaemon(true);
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weltgewebe-outbox-relay-ticker");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Checks the prerequisites and starts relaying.
   *
   * @throws IllegalStateException when PostgreSQL cannot decode logically, the slot name belongs
   *     to something else, or NATS refuses the stream (with the remedy in the message)
   */
  public static OutboxRelay start(DatabaseSettings db, NatsSettings nats, OutboxSettings outbox) {
    return start(db, nats, outbox, event -> {});
  }

  /**
   * As {@link #start(DatabaseSettings, NatsSettings, OutboxSettings)}, telling {@code
   * onAcknowledged} of every event JetStream acknowledged (new or duplicate), on the thread that
   * received the acknowledgement. For measurements: the benchmark times commit → ack with it.
   */
  // The idle confirmation runs until close() shuts the ticker down; it catches its own failures.
  @SuppressWarnings("FutureReturnValueIgnored")
  static OutboxRelay start(
      DatabaseSettings settings, NatsSettings nats, OutboxSettings outbox, Consumer<JournalEvent> onAcknowledged) {
    // logical replication is one long session in the replication protocol, bound to its slot: it
    // cannot pass a transaction pooler, so the relay always talks to PostgreSQL itself
    DatabaseSettings db = settings.direct();
    if (outbox.slot().length() + SEED_SUFFIX.length() > 63) {
      throw new IllegalArgumentException(
          "weltgewebe.outbox.slot '" + outbox.slot() + "' is too long: at most " + (63 - SEED_SUFFIX.length()) + " characters");
    }
    try {
      JournalChangeFeed.requireLogicalWal(db);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot check PostgreSQL at " + db.url() + " for the outbox relay", e);
    }
    try (Connection connection = nats.connect("weltgewebe-outbox-relay-start")) {
      EventStream.ensure(connection, nats);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot reach NATS at " + nats.url() + " to prepare stream " + nats.stream(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing stream " + nats.stream(), e);
    }
    try {
      String seed = outbox.slot() + SEED_SUFFIX;
      // Fix the starting point now, so that every transaction committing after start() returns is
      // relayed. Creating a slot waits for transactions already running to end.
      if (!JournalChangeFeed.slotExists(db, outbox.slot()) && !JournalChangeFeed.slotExists(db, seed)) {
        JournalChangeFeed.createSlot(db, seed);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot prepare replication slot " + outbox.slot() + " on " + db.url(), e);
    }
    OutboxRelay relay = new OutboxRelay(db, nats, outbox, onAcknowledged);
    relay.thread.start();
    relay.ticker.scheduleWithFixedDelay(relay::confirmWhileIdle, 1, 1, TimeUnit.SECONDS);
    log.info("outbox relay started: slot {} -> stream {} on {}", outbox.slot(), nats.stream(), nats.url());
    return relay;
  }

  /** A snapshot of the counters. */
  public Metrics metrics() {
    return new Metrics(
        published.get(),
        duplicates.get(),
        confirmedTransactions.get(),
        lagEvents(),
        lastLagMillis.get(),
        maxLagMillis.get(),
        throughput.perSecond(),
        sessions.get(),
        failures.get(),
        lastFailure.get());
  }

  private long lagEvents() {
    Session session = current.get();
    return session == null ? 0 : session.outstanding.get();
  }

  /**
   * Stops relaying. Waits (at most the publish timeout) until the slot has stored the position of
   * everything JetStream acknowledged, so that a successor re-publishes little; whatever it could
   * not confirm is re-published by the next relay and dropped by JetStream's dedupe.
   */
  public void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    Session session = current.get();
    if (session != null) {
      long deadline = System.nanoTime() + outbox.publishTimeout().toNanos();
      session.awaitAcknowledged(deadline);
      awaitStoredPosition(session.feed.confirmed(), deadline);
    }
    halt();
    log.info("outbox relay stopped: {}", metrics());
  }

  /** Ends the relay at once, as a crash would: nothing is drained or confirmed. For tests. */
  void kill() {
    halt();
  }

  @Override
  public void close() {
    stop();
  }

  private void halt() {
    stopping = true;
    ticker.shutdownNow();
    Session session = current.get();
    if (session != null) {
      session.fail(new IllegalStateException("relay stopped"));
    }
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void runSessions() {
    Duration backoff = MIN_BACKOFF;
    while (!stopping) {
      try {
        runSession();
      } catch (Throwable e) {
        if (stopping) {
          break;
        }
        failures.incrementAndGet();
        lastFailure.set(String.valueOf(e.getMessage()));
        log.warn("outbox relay session failed, resuming from the slot in {} ms: {}", backoff.toMillis(), e.toString());
        log.debug("outbox relay session failure", e);
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException interrupted) {
          break;
        }
        backoff = backoff.multipliedBy(2).compareTo(outbox.maxBackoff()) > 0 ? outbox.maxBackoff() : backoff.multipliedBy(2);
        continue;
      }
      backoff = MIN_BACKOFF;
    }
  }

  private void runSession() throws Exception {
    AtomicReference<Session> listening = new AtomicReference<>();
    ConnectionListener listener =
        (connection, event) -> {
          Session s = listening.get();
          if (s != null && (event == ConnectionListener.Events.DISCONNECTED || event == ConnectionListener.Events.CLOSED)) {
            s.fail(new IllegalStateException("NATS connection " + event));
          }
        };
    try (Connection connection = nats.connect("weltgewebe-outbox-relay", listener)) {
      EventStream.ensure(connection, nats);
      EventPublisher publisher = new EventPublisher(connection, nats, outbox.maxInFlight(), outbox.publishTimeout());
      String seed = outbox.slot() + SEED_SUFFIX;
      if (!JournalChangeFeed.slotExists(db, outbox.slot())) {
        seedSlot(publisher, seed);
      } else if (JournalChangeFeed.slotExists(db, seed)) {
        JournalChangeFeed.dropSlot(db, seed); // left by a crash between copying and dropping it
      }
      try (JournalChangeFeed feed = JournalChangeFeed.open(db, outbox.slot())) {
        Session session = new Session(feed, publisher);
        listening.set(session);
        current.set(session);
        sessions.incrementAndGet();
        if (stopping) {
          return;
        }
        try {
          feed.run(session);
        } catch (Exception e) {
          // The session's own failure (a refused publish, a lost NATS connection) explains the
          // aborted read better than the read's error does.
          throw session.failure() != null ? session.failure() : e;
        } finally {
          session.fail(new IllegalStateException("session ended"));
        }
      }
    }
  }

  // A slot decodes only what commits after its creation; the seed slot marks that point while the
  // rows from before it are published, and becomes the relay's slot once they all are.
  // Each publication's outcome is taken in its whenComplete callback (the first failure is kept).
  @SuppressWarnings("FutureReturnValueIgnored")
  private void seedSlot(EventPublisher publisher, String seed) throws Exception {
    if (!JournalChangeFeed.slotExists(db, seed)) {
      JournalChangeFeed.createSlot(db, seed);
    }
    long count = 0;
    AtomicReference<Throwable> failed = new AtomicReference<>();
    try (java.sql.Connection c = db.connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement(JournalRows.SELECT + " ORDER BY ordering")) {
        s.setFetchSize(1000);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next() && !stopping) {
            JournalEvent event = JournalRows.event(rs);
            publisher
                .publish(event, () -> failed.get() != null || stopping)
                .whenComplete(
                    (ack, e) -> {
                      if (e != null) {
                        failed.compareAndSet(null, e);
                        return;
                      }
                      countAcknowledged(event, ack);
                    });
            count++;
          }
        }
      }
      c.commit();
    }
    if (!publisher.awaitAll() || failed.get() != null || stopping) {
      throw new IllegalStateException("publishing the journal's existing events did not complete", failed.get());
    }
    JournalChangeFeed.copySlot(db, seed, outbox.slot());
    JournalChangeFeed.dropSlot(db, seed);
    log.info("published the {} events the journal held before slot {} existed", count, outbox.slot());
  }

  private void confirmWhileIdle() {
    Session session = current.get();
    if (session != null) {
      session.confirmIfIdle();
    }
  }

  private void awaitStoredPosition(long position, long deadline) {
    try {
      while (System.nanoTime() < deadline
          && Long.compareUnsigned(JournalChangeFeed.storedPosition(db, outbox.slot()), position) < 0) {
        Thread.sleep(50);
      }
    } catch (SQLException e) {
      log.debug("cannot read the slot's stored position", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Transactions read but not yet confirmed, in commit order. */
  /** Counts an event JetStream acknowledged, new or a duplicate it dropped, and tells {@code onAcknowledged}. */
  private void countAcknowledged(JournalEvent event, PublishAck ack) {
    onAcknowledged.accept(event);
    if (ack.isDuplicate()) {
      duplicates.incrementAndGet();
    } else {
      published.incrementAndGet();
      throughput.add(1);
    }
  }

  private static final class Transaction {
    long unacknowledged;
    long endLsn;
    boolean committed;
  }

  /** One replication connection and one NATS connection; ends at its first failure. */
  private final class Session implements JournalChangeFeed.Handler {
    private final JournalChangeFeed feed;
    private final EventPublisher publisher;
    private final Deque<Transaction> pending = new ArrayDeque<>();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong outstanding = new AtomicLong();
    private Transaction open;

    Session(JournalChangeFeed feed, EventPublisher publisher) {
      this.feed = feed;
      this.publisher = publisher;
    }

    Exception failure() {
      return failure.get();
    }

    @Override
    public void begin() {
      Transaction t = new Transaction();
      synchronized (this) {
        pending.addLast(t);
      }
      open = t;
    }

    @Override
    // The acknowledgement is handled in its callback, which counts and confirms it.
    @SuppressWarnings("FutureReturnValueIgnored")
    public void event(JournalEvent event) throws Exception {
      Transaction t = open;
      synchronized (this) {
        t.unacknowledged++;
      }
      outstanding.incrementAndGet();
      publisher
          .publish(event, () -> failure.get() != null)
          .whenComplete((ack, error) -> acknowledged(t, event, ack, error));
    }

    @Override
    public void commit(long endLsn) {
      synchronized (this) {
        open.endLsn = endLsn;
        open.committed = true;
      }
      open = null;
      advance();
    }

    private void acknowledged(Transaction t, JournalEvent event, PublishAck ack, Throwable error) {
      outstanding.decrementAndGet();
      if (error != null) {
        fail(error instanceof Exception e ? e : new IllegalStateException(error));
        return;
      }
      countAcknowledged(event, ack);
      if (event.writeTimestamp() != null) {
        long lag = Math.max(0, System.currentTimeMillis() - event.writeTimestamp());
        lastLagMillis.set(lag);
        maxLagMillis.accumulateAndGet(lag, Math::max);
      }
      synchronized (this) {
        t.unacknowledged--;
      }
      advance();
    }

    // Confirms the end of the longest prefix of fully acknowledged transactions; a failed publish
    // leaves its transaction unacknowledged for good, so nothing after it is ever confirmed.
    private void advance() {
      long position = 0;
      long count = 0;
      synchronized (this) {
        if (failure.get() != null) {
          return;
        }
        while (!pending.isEmpty() && pending.peekFirst().committed && pending.peekFirst().unacknowledged == 0) {
          position = pending.removeFirst().endLsn;
          count++;
        }
      }
      if (count > 0) {
        feed.confirm(position);
        confirmedTransactions.addAndGet(count);
      }
    }

    // While nothing is pending, the server's keepalive position may be confirmed: transactions that
    // commit later end beyond it. Read the position before checking, so that a transaction whose
    // begin arrives in between is either registered already or lies beyond the position read.
    void confirmIfIdle() {
      long received = feed.lastReceived();
      synchronized (this) {
        if (failure.get() != null || !pending.isEmpty()) {
          return;
        }
        feed.confirm(received);
      }
    }

    void fail(Exception cause) {
      if (failure.compareAndSet(null, cause)) {
        feed.abort();
      }
    }

    /** Waits until every committed transaction read so far is acknowledged. */
    void awaitAcknowledged(long deadline) {
      try {
        while (System.nanoTime() < deadline && failure.get() == null) {
          synchronized (this) {
            if (pending.stream().noneMatch(t -> t.committed)) {
              return;
            }
          }
          Thread.sleep(20);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Events per second over a sliding window of whole seconds. */
  private static final class Throughput {
    private final long[] counts;
    private final long[] seconds;

    Throughput(int windowSeconds) {
      counts = new long[windowSeconds];
      seconds = new long[windowSeconds];
    }

    synchronized void add(long n) {
      long now = System.currentTimeMillis() / 1000;
      int slot = (int) (now % counts.length);
      if (seconds[slot] != now) {
        seconds[slot] = now;
        counts[slot] = 0;
      }
      counts[slot] += n;
    }

    synchronized double perSecond() {
      long now = System.currentTimeMillis() / 1000;
      long sum = 0;
      for (int i = 0; i < counts.length; i++) {
        if (now - seconds[i] < counts.length) {
          sum += counts[i];
        }
      }
      return sum / (double) counts.length;
    }
  }
}
