package org.weltgewebe.persistence.readmodel;

import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.EventId;
import org.weltgewebe.actors.Region;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.EventStream;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxMessage;

/**
 * A durable JetStream consumer that keeps the read models in PostgreSQL and the region actors up to
 * date with the event stream.
 *
 * <p>It takes batches, applies each event through {@link ReadModelProjection} in one database
 * transaction per batch (one statement records the batch's identities, runs of the same change go
 * as one JDBC batch: {@link Statements}), commits, and only then acknowledges the messages: a crash
 * before the commit redelivers the batch (and the projection's record of applied identities makes
 * the second delivery harmless); a crash after it redelivers nothing that matters. Region updates derived
 * from the committed rows are published to the {@link LiveFeeds} (for SSE subscribers) before the
 * messages are acknowledged, and go to {@code regions} after that.
 *
 * <p>An event that cannot be applied for a reason a retry cannot change (a poison message: see
 * {@link DeadLetters#isPoison}) would stop the consumer for good, since it is redelivered forever.
 * When a batch fails so, its events are applied one by one, the poison one is parked in the
 * dead-letter stream with the reason, counted ({@code weltgewebe_read_model_dead_letters_total},
 * which alerts) and acknowledged, and the consumer goes on.
 */
public final class ReadModelConsumer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReadModelConsumer.class);
  private static final int BATCH = 500;
  /** How long the worker waits for a first message before it looks whether it should stop. */
  private static final Duration IDLE_WAIT = Duration.ofMillis(500);
  /**
   * How long a batch waits for one more message once it has one. The consumer keeps up to a batch
   * of messages buffered ahead (jnats' iterate), so a batch takes what has arrived and goes; a
   * fetch of a full batch waited its whole 500 ms at low rates, and every read model, region feed
   * and leave waited with it (docs/performance.md).
   */
  private static final Duration NEXT_WAIT = Duration.ofMillis(1);
  private static final Duration ACK_WAIT = Duration.ofSeconds(30);

  /** What the consumer did so far. */
  public record Metrics(long applied, long duplicates, long batches, long failures) {}

  private final DatabaseSettings db;
  private final NatsSettings nats;
  private final String durable;
  private final EventDecoder decoder;
  private final RegionFeed regions;
  private final ReadModelProjection projection;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();
  private final Thread worker;

  private ReadModelConsumer(
      DatabaseSettings db, NatsSettings nats, String durable, EventDecoder decoder, RegionFeed regions) {
    this.db = db;
    this.nats = nats;
    this.durable = durable;
    this.decoder = decoder;
    this.regions = regions;
    this.projection = new ReadModelProjection(durable);
    this.worker = new Thread(this::run, "read-model-consumer-" + durable);
    this.worker.setDaemon(true);
  }

  /** Starts consuming under the durable name {@code durable}; region updates go to {@code regions}. */
  public static ReadModelConsumer start(
      DatabaseSettings db, NatsSettings nats, String durable, EventDecoder decoder, RegionFeed regions) {
    ReadModelConsumer consumer = new ReadModelConsumer(db, nats, durable, decoder, regions);
    consumer.worker.start();
    return consumer;
  }

  public Metrics metrics() {
    return new Metrics(applied.get(), duplicates.get(), batches.get(), failures.get());
  }

  /** Events this consumer parked in the dead-letter stream so far. */
  public long deadLettered() {
    return deadLettered.get();
  }

  /** The server's view of this consumer (pending, ack pending, redelivered), if it can be read. */
  public Optional<ConsumerInfo> consumerInfo() {
    try (Connection connection = nats.connect("read-model-consumer-info")) {
      return Optional.of(connection.jetStreamManagement().getConsumerInfo(nats.stream(), durable));
    } catch (IOException | JetStreamApiException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    running.set(false);
    try {
      worker.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    Duration backoff = Duration.ofMillis(200);
    while (running.get()) {
      try (Connection connection = nats.connect("read-model-consumer-" + durable)) {
        EventStream.ensure(connection, nats);
        LiveFeeds.ensure(connection, nats);
        DeadLetters.ensure(connection, nats);
        JetStream js = connection.jetStream();
        // One database connection for as long as the NATS one lives: batches are small at low
        // rates, and opening a PostgreSQL connection per batch costs more than applying it.
        try (IterableConsumer subscription = subscribe(connection, js); java.sql.Connection c = db.connect()) {
          c.setAutoCommit(false);
          backoff = Duration.ofMillis(200);
          while (running.get()) {
            List<Message> messages = nextBatch(subscription);
            if (!messages.isEmpty()) {
              applyOrPark(c, js, messages);
            } else if (connection.getStatus() != Connection.Status.CONNECTED) {
              // jnats' iterator answers nothing, not an error, once its connection is gone; the
              // connection does not reconnect by itself (NatsSettings#connect), so start anew
              throw new IOException("lost the connection to NATS (" + connection.getStatus() + ")");
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        failures.incrementAndGet();
        log.warn("read-model consumer {} failed ({}); retrying in {} ms", durable, e.toString(), backoff.toMillis());
        sleep(backoff);
        backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : backoff.multipliedBy(2);
      }
    }
  }

  /** The messages that have arrived, up to a batch, once one has (empty after {@link #IDLE_WAIT}). */
  private static List<Message> nextBatch(IterableConsumer subscription) throws Exception {
    Message first = subscription.nextMessage(IDLE_WAIT);
    if (first == null) {
      return List.of();
    }
    List<Message> batch = new ArrayList<>();
    batch.add(first);
    Message next;
    while (batch.size() < BATCH && (next = subscription.nextMessage(NEXT_WAIT)) != null) {
      batch.add(next);
    }
    return batch;
  }

  private IterableConsumer subscribe(Connection connection, JetStream js) throws IOException, JetStreamApiException {
    ConsumerConfiguration configuration =
        ConsumerConfiguration.builder()
            .durable(durable)
            .ackPolicy(AckPolicy.Explicit)
            .ackWait(ACK_WAIT)
            .deliverPolicy(DeliverPolicy.All)
            .maxAckPending(BATCH * 4L)
            .filterSubject(nats.subjectPrefix() + ".>")
            .build();
    connection.jetStreamManagement().addOrUpdateConsumer(nats.stream(), configuration);
    return js.getConsumerContext(nats.stream(), durable).iterate(ConsumeOptions.builder().batchSize(BATCH).build());
  }

  // A batch that fails on a poison event is applied again one event at a time, so only that event
  // is parked; a transient failure propagates, and the batch comes back after the backoff.
  private void applyOrPark(java.sql.Connection c, JetStream js, List<Message> messages) throws Exception {
    try {
      applyBatch(c, js, messages);
      return;
    } catch (Exception e) {
      if (!DeadLetters.isPoison(e)) {
        throw e;
      }
      if (messages.size() == 1) {
        park(js, messages.get(0), e);
        return;
      }
    }
    for (Message message : messages) {
      try {
        applyBatch(c, js, List.of(message));
      } catch (Exception e) {
        if (!DeadLetters.isPoison(e)) {
          throw e;
        }
        park(js, message, e);
      }
    }
  }

  private void park(JetStream js, Message message, Exception reason) throws Exception {
    DeadLetters.park(js, nats, durable, message, reason).get(ACK_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    message.ack();
    deadLettered.incrementAndGet();
    log.error(
        "read-model consumer {} parked the event at stream sequence {} ({}) in {}: {}",
        durable, message.metaData().streamSequence(), message.getSubject(), DeadLetters.stream(nats), reason.toString());
  }

  private void applyBatch(java.sql.Connection c, JetStream js, List<Message> messages) throws Exception {
    List<Region.Update> updates = new ArrayList<>();
    List<FeedItem> feed = new ArrayList<>();
    List<EventId> ids = new ArrayList<>(messages.size());
    List<Object> events = new ArrayList<>(messages.size());
    for (Message message : messages) {
      OutboxMessage.Event row = row(message);
      ids.add(new EventId(row.persistenceId(), row.sequenceNr()));
      events.add(decode(decoder, message.getSubject(), row));
    }
    try (Statements changes = new Statements(c)) {
      // One statement records the batch; the changes go in runs (Statements), reads flush first.
      Set<EventId> fresh = projection.record(c, ids);
      for (int i = 0; i < ids.size(); i++) {
        EventId id = ids.get(i);
        Object event = events.get(i);
        if (fresh.remove(id)) {
          projection.change(changes, id, event);
          applied.incrementAndGet();
        } else {
          duplicates.incrementAndGet();
        }
        // Also for a duplicate: its feed message may not have been published before a crash, and
        // the feed stream's dedupe id and the regions' sequence check drop what was.
        Optional<Region.Update> update = RegionUpdates.of(changes, id, event);
        update.ifPresent(updates::add);
        update.ifPresent(u -> feed.add(new FeedItem(LiveFeeds.regionMessage(nats, u), id)));
        conversationPost(nats, id, event)
            .ifPresent(m -> feed.add(new FeedItem(m, id)));
        proposalStep(changes, nats, id, event)
            .ifPresent(m -> feed.add(new FeedItem(m, id)));
      }
      changes.flush();
      c.commit();
    } catch (Exception e) {
      c.rollback();
      throw e;
    }
    List<java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck>> acks = new ArrayList<>();
    for (FeedItem item : feed) {
      acks.add(js.publishAsync(item.message(), LiveFeeds.options(item.message().getSubject(), item.source())));
    }
    java.util.concurrent.CompletableFuture.allOf(acks.toArray(java.util.concurrent.CompletableFuture[]::new))
        .get(ACK_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    for (Message message : messages) {
      message.ack();
    }
    batches.incrementAndGet();
    updates.forEach(regions::publish);
  }

  /** The journal row a stream message carries (either stream format). */
  static OutboxMessage.Event row(Message message) throws DeadLetters.UndecodableEvent {
    try {
      return OutboxMessage.read(message);
    } catch (OutboxMessage.Unreadable e) {
      throw new DeadLetters.UndecodableEvent("message on " + message.getSubject() + " carries no event: " + e.getMessage(), e);
    }
  }

  /** The domain event of a stream message's row, through the node's serializers. */
  static Object decode(EventDecoder decoder, String subject, OutboxMessage.Event row) throws DeadLetters.UndecodableEvent {
    try {
      return decoder.decode(row.serializerId(), row.manifest(), row.payload());
    } catch (Exception e) {
      throw new DeadLetters.UndecodableEvent("cannot decode the event on " + subject + ": " + e, e);
    }
  }

  private record FeedItem(io.nats.client.impl.NatsMessage message, EventId source) {}

  static Optional<io.nats.client.impl.NatsMessage> conversationPost(NatsSettings nats, EventId id, Object event) {
    String conversationId = id.persistenceId().substring(id.persistenceId().indexOf('|') + 1);
    if (event instanceof Conversation.Started started) {
      return Optional.of(LiveFeeds.conversationMessage(nats, conversationId, started.first(), true));
    }
    if (event instanceof Conversation.Posted posted) {
      return Optional.of(LiveFeeds.conversationMessage(nats, conversationId, posted.message(), false));
    }
    return Optional.empty();
  }

  /** A proposal's step as its feed shows it, read from the proposal view in the batch's transaction. */
  static Optional<io.nats.client.impl.NatsMessage> proposalStep(
      Statements changes, NatsSettings nats, EventId id, Object event) throws java.sql.SQLException {
    if (!(event instanceof org.weltgewebe.actors.Proposal.Event)) {
      return Optional.empty();
    }
    String proposalId = id.persistenceId().substring(id.persistenceId().indexOf('|') + 1);
    changes.flush();
    try (java.sql.PreparedStatement s = changes.connection().prepareStatement(
        "SELECT knot_id, cell, phase, deadline, votes_cast, outcome, yes, no, abstain, participants, payout_status"
            + " FROM rm_proposal WHERE proposal_id = ?")) {
      s.setString(1, proposalId);
      try (java.sql.ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        com.fasterxml.jackson.databind.node.ObjectNode json =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        json.put("proposalId", proposalId);
        json.put("knotId", rs.getString(1));
        json.put("cell", rs.getString(2));
        json.put("phase", rs.getString(3));
        json.put("deadline", rs.getTimestamp(4).toInstant().toString());
        json.put("votes", rs.getInt(5));
        json.put("outcome", rs.getString(6));
        if (rs.getString(6) != null) {
          json.put("yes", rs.getInt(7));
          json.put("no", rs.getInt(8));
          json.put("abstain", rs.getInt(9));
          json.put("participants", rs.getInt(10));
        }
        json.put("payoutStatus", rs.getString(11));
        json.put("source", id.toString());
        return Optional.of(LiveFeeds.proposalMessage(nats, proposalId, event.getClass().getSimpleName(), json));
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
