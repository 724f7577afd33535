package org.weltgewebe.persistence.readmodel;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.weltgewebe.actors.EventId;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxMessage;

/**
 * Applies parked events again, after their cause was fixed (a new node version that decodes them, a
 * corrected row): each in one transaction through the consumer's own projection, recorded as
 * applied, its live-feed message published; on success its dead letter is removed. One that fails
 * again stays, with the new reason in the result.
 *
 * <p>Region actors are not told (this runs outside the cluster): a region shows the event when it
 * next loads its picture from the read models, after its passivation or a restart.
 */
public final class DeadLetterRetry {
  /** What happened to one dead letter. */
  public record Outcome(DeadLetters.Letter letter, boolean applied, boolean wasApplied, String failure) {}

  private final DatabaseSettings db;
  private final NatsSettings nats;
  private final EventDecoder decoder;

  public DeadLetterRetry(DatabaseSettings db, NatsSettings nats, EventDecoder decoder) {
    this.db = db;
    this.nats = nats;
    this.decoder = decoder;
  }

  /** Retries the dead letters of {@code consumer} at {@code sequences}, or all of them when empty. */
  public List<Outcome> retry(String consumer, List<Long> sequences)
      throws IOException, JetStreamApiException, InterruptedException {
    List<Outcome> outcomes = new ArrayList<>();
    try (Connection connection = nats.connect("weltgewebe-dead-letter-retry")) {
      LiveFeeds.ensure(connection, nats);
      for (DeadLetters.Letter letter : DeadLetters.list(connection, nats, consumer)) {
        if (sequences.isEmpty() || sequences.contains(letter.sequence())) {
          outcomes.add(retry(connection, consumer, letter));
        }
      }
    }
    return outcomes;
  }

  private Outcome retry(Connection connection, String consumer, DeadLetters.Letter letter)
      throws IOException, JetStreamApiException {
    MessageInfo stored = DeadLetters.read(connection, nats, letter.sequence());
    boolean applied;
    List<NatsMessage> feed = new ArrayList<>();
    EventId id;
    try (java.sql.Connection c = db.connect()) {
      c.setAutoCommit(false);
      try {
        OutboxMessage.Event row = OutboxMessage.read(stored.getSubject(), stored.getHeaders(), stored.getData());
        id = new EventId(row.persistenceId(), row.sequenceNr());
        Object event = decoder.decode(row.serializerId(), row.manifest(), row.payload());
        applied = new ReadModelProjection(consumer).apply(c, id, event);
        Optional<org.weltgewebe.actors.Region.Update> update;
        try (Statements nothingQueued = new Statements(c)) {
          update = RegionUpdates.of(nothingQueued, id, event);
        }
        update.ifPresent(u -> feed.add(LiveFeeds.regionMessage(nats, u)));
        ReadModelConsumer.conversationPost(nats, id, event).ifPresent(feed::add);
        c.commit();
      } catch (Exception e) {
        c.rollback();
        return new Outcome(letter, false, false, e.toString());
      }
    } catch (java.sql.SQLException e) {
      return new Outcome(letter, false, false, e.toString());
    }
    try {
      for (NatsMessage m : feed) {
        connection.jetStream().publishAsync(m, LiveFeeds.options(m.getSubject(), id)).get(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      return new Outcome(letter, false, !applied, "applied, but its live-feed message failed: " + e);
    }
    DeadLetters.remove(connection, nats, letter.sequence());
    return new Outcome(letter, applied, !applied, null);
  }
}
