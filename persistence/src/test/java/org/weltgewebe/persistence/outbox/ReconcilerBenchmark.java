package org.weltgewebe.persistence.outbox;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.weltgewebe.persistence.TestDatabase;

/**
 * The checkpointed reconciler at volume, printing its figures (not a timed test): a journal of
 * {@code bench.events} rows (default 10 million) made in bulk by SQL, the same events in a stream of
 * a private nats-server (its own store in a temporary directory, so the shared server carries no
 * 10-million-entry dedupe memory), then
 *
 * <ol>
 *   <li>the baseline: a full comparison without a checkpoint (what every run cost before), events/s;
 *   <li>an incremental run with nothing new (the checkpoint alone);
 *   <li>an incremental run after {@code bench.increment} more events (default 100,000), events/s of
 *       the new events, and its speed-up over the full run per event checked.
 * </ol>
 *
 * <p>Run: {@code persistence/bench/reconciler-bench.sh}. It drops its database and stops its server.
 */
public final class ReconcilerBenchmark {
  private static final String MANIFEST = "org.weltgewebe.actors.Knot$Created";

  public static void main(String[] args) throws Exception {
    long events = Long.getLong("bench.events", 10_000_000L);
    long increment = Long.getLong("bench.increment", 100_000L);
    int range = Integer.getInteger("bench.range", 10_000);
    Path store = Files.createTempDirectory("wg-reconciler-bench");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path conf = store.resolve("nats.conf");
    Files.writeString(conf, "port: " + port + "\njetstream { store_dir: \"" + store.resolve("js") + "\", max_file_store: 1TB, max_memory_store: 256MB }\n");
    Process nats = new ProcessBuilder("nats-server", "-c", conf.toString()).redirectErrorStream(true)
        .redirectOutput(store.resolve("nats.log").toFile()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(nats::destroy)); // also on Ctrl-C
    try (TestDatabase db = TestDatabase.create()) {
      NatsSettings settings =
          new NatsSettings("nats://127.0.0.1:" + port, "BENCH_EVENTS", "bench.events", Duration.ofSeconds(5));
      OutboxSettings outbox = new OutboxSettings("unused", 2048, Duration.ofSeconds(30), Duration.ofSeconds(1), range, Duration.ofSeconds(60), 0);
      awaitServer(settings);
      System.out.printf(Locale.ROOT, "journal and stream of %,d events (range %,d orderings) ...%n", events, range);
      long t0 = System.nanoTime();
      insert(db, 1, events);
      System.out.printf(Locale.ROOT, "  journal rows by SQL: %.1f s%n", seconds(t0));
      t0 = System.nanoTime();
      publish(settings, 1, events);
      System.out.printf(Locale.ROOT, "  stream messages: %.1f s%n", seconds(t0));

      Reconciler reconciler = new Reconciler(db.settings(), settings, outbox);
      t0 = System.nanoTime();
      Reconciler.Report full = reconciler.verifyFull();
      double fullSeconds = seconds(t0);
      check(full, events);
      System.out.printf(Locale.ROOT, "full comparison (baseline, no checkpoint): %,d events in %.1f s = %,.0f events/s%n",
          full.journalEvents(), fullSeconds, full.journalEvents() / fullSeconds);

      t0 = System.nanoTime();
      Reconciler.Report idle = reconciler.verify();
      double idleSeconds = seconds(t0);
      check(idle, events);
      System.out.printf(Locale.ROOT, "incremental, nothing new: %.2f s%n", idleSeconds);

      insert(db, events + 1, events + increment);
      publish(settings, events + 1, events + increment);
      t0 = System.nanoTime();
      Reconciler.Report next = reconciler.verify();
      double nextSeconds = seconds(t0);
      check(next, events + increment);
      System.out.printf(Locale.ROOT,
          "incremental after %,d new events: %.2f s = %,.0f new events/s (journal now %,d events; %.0fx faster than the full run)%n",
          increment, nextSeconds, increment / nextSeconds, next.journalEvents(), fullSeconds / nextSeconds);
    } finally {
      nats.destroy();
      nats.waitFor(20, TimeUnit.SECONDS);
      try (var files = Files.walk(store)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void check(Reconciler.Report report, long events) {
    if (!report.consistent() || report.journalEvents() != events || report.streamMessages() != events) {
      throw new IllegalStateException("unexpected comparison: " + report.journalEvents() + " journal, "
          + report.streamMessages() + " stream, " + report.gaps().size() + " gaps");
    }
  }

  // Ten events per entity, written an hour ago (settled), in orderings from..to.
  private static void insert(TestDatabase db, long from, long to) throws Exception {
    try (java.sql.Connection c = db.settings().connect(); Statement s = c.createStatement()) {
      long written = System.currentTimeMillis() - 3_600_000L;
      s.execute("INSERT INTO event_journal (ordering, persistence_id, sequence_number, writer, write_timestamp,"
          + " event_ser_id, event_ser_manifest, event_payload)"
          + " SELECT g, 'knot|k' || ((g - 1) / 10), (g - 1) % 10 + 1, 'bench', " + written + ", 33, '" + MANIFEST + "',"
          + " '\\x7b7d'::bytea FROM generate_series(" + from + ", " + to + ") g");
      s.execute("SELECT setval(pg_get_serial_sequence('event_journal', 'ordering'), " + to + ")");
    }
  }

  private static void publish(NatsSettings settings, long from, long to) throws Exception {
    try (Connection connection = settings.connect("reconciler-bench")) {
      EventStream.ensure(connection, settings);
      JetStream js = connection.jetStream();
      long written = System.currentTimeMillis() - 3_600_000L;
      Deque<Pending> inFlight = new ArrayDeque<>();
      byte[] payload = {0x7b, 0x7d};
      for (long g = from; g <= to; g++) {
        String pid = "knot|k" + ((g - 1) / 10);
        long seq = (g - 1) % 10 + 1;
        Headers h = new Headers();
        h.put(OutboxMessage.PERSISTENCE_ID, pid);
        h.put(OutboxMessage.SEQUENCE_NR, Long.toString(seq));
        h.put(OutboxMessage.ORDERING, Long.toString(g));
        h.put(OutboxMessage.SERIALIZER_ID, "33");
        h.put(OutboxMessage.MANIFEST, MANIFEST);
        h.put(OutboxMessage.WRITE_TIMESTAMP, Long.toString(written));
        NatsMessage m = NatsMessage.builder().subject(OutboxMessage.subject(settings.subjectPrefix(), pid, MANIFEST)).headers(h).data(payload).build();
        PublishOptions options = PublishOptions.builder().messageId(OutboxMessage.dedupeId(pid, seq)).build();
        inFlight.add(new Pending(js.publishAsync(m, options), m, options));
        if (inFlight.size() >= 512) {
          settle(js, inFlight.poll());
        }
      }
      for (Pending pending : inFlight) {
        settle(js, pending);
      }
    }
  }

  private record Pending(CompletableFuture<PublishAck> ack, NatsMessage message, PublishOptions options) {}

  // On a busy machine jnats may give up on an ack; the dedupe id makes publishing again harmless.
  private static void settle(JetStream js, Pending pending) throws Exception {
    try {
      pending.ack().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
      for (int attempt = 1; ; attempt++) {
        try {
          js.publish(pending.message(), pending.options());
          return;
        } catch (IOException timeout) {
          if (attempt == 10) {
            throw timeout;
          }
          Thread.sleep(1000L * attempt);
        }
      }
    }
  }

  private static void awaitServer(NatsSettings settings) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Connection c = settings.connect("reconciler-bench-probe")) {
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
