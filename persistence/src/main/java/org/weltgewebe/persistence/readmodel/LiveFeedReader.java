package org.weltgewebe.persistence.readmodel;

import io.nats.client.Connection;
import io.nats.client.MessageConsumer;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.weltgewebe.persistence.outbox.NatsSettings;

/**
 * Reads one live feed from a given point for one subscriber: an ordered JetStream consumer on the
 * feed's subject, which the server delivers in stream order without gaps. All subscribers of a
 * node share one connection, opened when first needed and again after it was lost (the subscribers
 * of a lost connection see their feed end, and reconnect with their last event id).
 */
public final class LiveFeedReader implements AutoCloseable {
  /** One feed message: its sequence in the feed stream (the SSE event id) and its JSON. */
  public record Item(long sequence, String json) {}

  private final NatsSettings nats;
  private Connection connection;

  public LiveFeedReader(NatsSettings nats) {
    this.nats = nats;
  }

  public NatsSettings nats() {
    return nats;
  }

  /**
   * Delivers the messages of {@code subject} after sequence {@code afterSequence} (0: only those
   * that arrive from now on) to {@code sink}, until the returned handle is closed. {@code ended}
   * runs if the feed breaks off (lost connection), so the subscriber can be told to reconnect.
   */
  public AutoCloseable tail(String subject, long afterSequence, Consumer<Item> sink, Runnable ended) throws Exception {
    OrderedConsumerConfiguration configuration = new OrderedConsumerConfiguration().filterSubject(subject);
    if (afterSequence > 0) {
      configuration.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(afterSequence + 1);
    } else {
      configuration.deliverPolicy(DeliverPolicy.New);
    }
    MessageConsumer consumer =
        connection()
            .getStreamContext(LiveFeeds.stream(nats))
            .createOrderedConsumer(configuration)
            .consume(message -> sink.accept(
                new Item(message.metaData().streamSequence(), new String(message.getData(), StandardCharsets.UTF_8))));
    Connection used = connection;
    return () -> {
      consumer.stop();
      if (used.getStatus() != Connection.Status.CONNECTED) {
        ended.run();
      }
    };
  }

  private synchronized Connection connection() throws Exception {
    if (connection == null || connection.getStatus() != Connection.Status.CONNECTED) {
      if (connection != null) {
        connection.close();
      }
      connection = nats.connect("live-feed-reader");
      LiveFeeds.ensure(connection, nats);
    }
    return connection;
  }

  @Override
  public synchronized void close() throws InterruptedException {
    if (connection != null) {
      connection.close();
    }
  }
}
