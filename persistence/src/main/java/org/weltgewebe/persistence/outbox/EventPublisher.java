package org.weltgewebe.persistence.outbox;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Publishes journal events to the stream asynchronously, with at most {@code maxInFlight}
 * publishes awaiting their acknowledgement. One publisher per connection: the connection delivers
 * in the order of the calls, so a stream receives an entity's events in the order they are given.
 */
final class EventPublisher {
  private final JetStream jetStream;
  private final NatsSettings nats;
  private final int maxInFlight;
  private final Duration timeout;
  private final Semaphore window;

  EventPublisher(Connection connection, NatsSettings nats, int maxInFlight, Duration timeout) throws IOException {
    this.jetStream = connection.jetStream();
    this.nats = nats;
    this.maxInFlight = maxInFlight;
    this.timeout = timeout;
    this.window = new Semaphore(maxInFlight);
  }

  /**
   * Publishes {@code event} under its dedupe id once the window has room. Waits at most the
   * publish timeout for room, checking {@code abandon} so that a failure elsewhere ends the wait.
   */
  CompletableFuture<PublishAck> publish(JournalEvent event, BooleanSupplier abandon)
      throws InterruptedException, TimeoutException {
    return publish(event, event.dedupeId(), abandon);
  }

  /** As {@link #publish(JournalEvent, BooleanSupplier)}, under another message id. */
  CompletableFuture<PublishAck> publish(JournalEvent event, String messageId, BooleanSupplier abandon)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!window.tryAcquire(50, TimeUnit.MILLISECONDS)) {
      if (abandon.getAsBoolean()) {
        throw new IllegalStateException("publishing was abandoned");
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            maxInFlight + " publishes to " + nats.url() + " unacknowledged for " + timeout.toMillis() + " ms");
      }
    }
    CompletableFuture<PublishAck> ack;
    try {
      ack =
          jetStream.publishAsync(
              OutboxMessage.toMessage(nats.subjectPrefix(), event),
              OutboxMessage.publishOptions(messageId));
    } catch (RuntimeException e) {
      window.release();
      throw e;
    }
    return ack.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((a, e) -> window.release());
  }

  /** Waits until every publish so far is answered, or the timeout passes. */
  boolean awaitAll() throws InterruptedException {
    if (window.tryAcquire(maxInFlight, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      window.release(maxInFlight);
      return true;
    }
    return false;
  }
}
