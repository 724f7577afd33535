package org.weltgewebe.scenarios.run;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.weltgewebe.persistence.outbox.NatsSettings;

/**
 * Watches during the load, not only at its end, that persisted events reach JetStream. Every 2 s
 * it compares the events the journal gained since the run began with the messages the event
 * stream gained (its last sequence); when the stream trails the journal and has not gained a
 * message for 30 s, the outbox is stuck, and the watch hands the reason to the run, which stops
 * the load, drains briefly and reports why. A platform whose events go nowhere is not measured for
 * minutes.
 */
final class ConsistencyWatch implements AutoCloseable {
  static final Duration EVERY = Duration.ofSeconds(2);
  static final Duration STUCK_AFTER = Duration.ofSeconds(30);

  private final Duration stuckAfter;
  private long lastInStream = -1;
  private long lastGainNanos;
  private ScheduledExecutorService every;

  ConsistencyWatch(Duration stuckAfter) {
    this.stuckAfter = stuckAfter;
  }

  /**
   * One comparison at {@code nowNanos}: the reason to stop when the stream has trailed the journal
   * without gaining for longer than the bound, else empty.
   */
  synchronized Optional<String> check(long persisted, long inStream, long nowNanos) {
    if (lastInStream < 0 || inStream > lastInStream || inStream >= persisted) {
      lastInStream = Math.max(lastInStream, inStream);
      lastGainNanos = nowNanos;
      return Optional.empty();
    }
    Duration stuck = Duration.ofNanos(nowNanos - lastGainNanos);
    if (stuck.compareTo(stuckAfter) <= 0) {
      return Optional.empty();
    }
    return Optional.of(String.format(
        "the outbox is stuck: %d events persisted since the run began, %d reached JetStream, none for %d s",
        persisted, inStream, stuck.toSeconds()));
  }

  /**
   * Checks every 2 s, in a thread of its own, the journal's count ({@code persisted}) against the
   * event stream of {@code nats}; calls {@code stop} once with the reason when the outbox is stuck.
   */
  // A fixed-delay schedule that runs until close() shuts the executor down.
  @SuppressWarnings("FutureReturnValueIgnored")
  static ConsistencyWatch start(LongSupplier persisted, NatsSettings nats, Consumer<String> stop) {
    ConsistencyWatch watch = new ConsistencyWatch(STUCK_AFTER);
    StreamCount stream = new StreamCount(nats);
    stream.sinceStart(); // the stream's position before the load
    watch.every = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "consistency-watch");
      t.setDaemon(true);
      return t;
    });
    watch.every.scheduleWithFixedDelay(() -> {
      try {
        long inStream = stream.sinceStart();
        watch.check(persisted.getAsLong(), inStream, System.nanoTime()).ifPresent(reason -> {
          stop.accept(stream.problem().map(p -> reason + " (" + p + ")").orElse(reason));
          watch.every.shutdown();
        });
      } catch (RuntimeException e) {
        // the journal could not be read this time; the next tick tries again
      }
    }, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
    return watch;
  }

  @Override
  public void close() {
    if (every != null) {
      every.shutdownNow();
    }
  }

  /** Messages the event stream gained since the watch began, by its last sequence; the last error, if reading failed. */
  private static final class StreamCount {
    private final NatsSettings nats;
    private long start = -1;
    private long last;
    private volatile String problem;

    StreamCount(NatsSettings nats) {
      this.nats = nats;
    }

    long sinceStart() {
      try (Connection connection = nats.connect("weltgewebe-consistency-watch")) {
        long lastSeq = connection.jetStreamManagement().getStreamInfo(nats.stream()).getStreamState().getLastSequence();
        if (start < 0) {
          start = lastSeq;
        }
        last = lastSeq - start;
        problem = null;
      } catch (IOException | JetStreamApiException e) {
        problem = "cannot read stream " + nats.stream() + " at " + nats.url() + ": " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return last;
    }

    Optional<String> problem() {
      return Optional.ofNullable(problem);
    }
  }
}
