package org.weltgewebe.persistence.readmodel;

import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.weltgewebe.actors.EventId;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxMessage;

/**
 * Where a consumer parks an event it cannot apply (a poison message) so that it can go on with the
 * rest of the stream: a JetStream stream of its own, one subject per consumer, each dead letter a
 * copy of the original message (payload and headers) plus why it was parked.
 *
 * <p>What is poison: an event that cannot be decoded, or whose application fails for a reason a
 * retry cannot change — a data or integrity error, a bug ({@link #isPoison}). A lost database or
 * broker connection is not: the consumer then waits and retries, and parks nothing.
 *
 * <p>Stream {@code <events stream>_DEAD_LETTERS}, subjects {@code <events prefix>-dead-letters.<consumer>};
 * file storage, kept 30 days (the events stream's age: a dead letter can always be retried while
 * its event is still in the stream), 1 GiB. {@code weltgewebe outbox dead-letters} lists and
 * retries them ({@link DeadLetterRetry}).
 */
public final class DeadLetters {
  /** Why the event was parked. */
  public static final String REASON = "Weltgewebe-Dead-Letter-Reason";
  /** The consumer that parked it. */
  public static final String CONSUMER = "Weltgewebe-Dead-Letter-Consumer";
  /** The subject the event had in the events stream. */
  public static final String SUBJECT = "Weltgewebe-Dead-Letter-Subject";
  /** The event's sequence in the events stream. */
  public static final String STREAM_SEQUENCE = "Weltgewebe-Dead-Letter-Stream-Sequence";
  /** When it was parked (ISO-8601). */
  public static final String PARKED_AT = "Weltgewebe-Dead-Letter-Parked-At";
  /**
   * The parked event's dedupe id ({@code <persistence_id>#<sequence_nr>}): stream format 1 carries
   * it in the payload, and the dead letters are listed by their headers alone.
   */
  public static final String EVENT = "Weltgewebe-Dead-Letter-Event";

  static final Duration MAX_AGE = Duration.ofDays(30);
  static final long MAX_BYTES = 1024L * 1024 * 1024;
  private static final int STREAM_NOT_FOUND = 10059;
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_REASON = 1000;

  /** One parked event, as listed. */
  public record Letter(
      long sequence, Instant parkedAt, String consumer, EventId event, String subject, long streamSequence, String reason) {}

  private DeadLetters() {}

  /** The dead-letter stream of the events stream of {@code nats}. */
  public static String stream(NatsSettings nats) {
    return nats.stream() + "_DEAD_LETTERS";
  }

  /** The subject a consumer parks its dead letters on. */
  public static String subject(NatsSettings nats, String consumer) {
    return nats.subjectPrefix() + "-dead-letters." + consumer;
  }

  /** Creates the dead-letter stream, or brings it to its policies. */
  public static void ensure(Connection connection, NatsSettings nats) throws IOException, JetStreamApiException {
    ReadSideStreams.ensure(connection, StreamConfiguration.builder()
        .name(stream(nats))
        .description("Weltgewebe events a consumer could not apply, with the reason")
        .subjects(nats.subjectPrefix() + "-dead-letters.>")
        .maxAge(MAX_AGE)
        .maxBytes(MAX_BYTES)
        .duplicateWindow(Duration.ofHours(72)));
  }

  /**
   * True when {@code failure} says the event itself is bad, so applying it again would fail again;
   * false for what passes (connections, deadlocks, a database shutting down, resources).
   */
  public static boolean isPoison(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof UndecodableEvent) {
        return true;
      }
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        // 22 data exception, 23 integrity constraint, 42 syntax or access rule (a projection bug),
        // 2B/2D/XX: the rest are transient (08 connection, 40 rollback, 53 resources, 57 operator).
        return state != null
            && (state.startsWith("22") || state.startsWith("23") || state.startsWith("42"));
      }
      if (t instanceof IOException || t instanceof InterruptedException
          || t instanceof java.util.concurrent.TimeoutException) {
        return false;
      }
    }
    return failure instanceof RuntimeException;
  }

  /** A stream message whose payload or headers cannot be turned into a domain event. */
  public static final class UndecodableEvent extends Exception {
    private static final long serialVersionUID = 1L;

    public UndecodableEvent(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Parks {@code original} with {@code reason}; completes when JetStream stored the dead letter. */
  static CompletableFuture<PublishAck> park(
      JetStream js, NatsSettings nats, String consumer, Message original, Throwable reason) {
    Headers headers = new Headers();
    if (original.getHeaders() != null) {
      original.getHeaders().entrySet().forEach(e -> headers.put(e.getKey(), e.getValue()));
    }
    headers.remove("Nats-Msg-Id");
    String identity = identity(original);
    headers.put(EVENT, identity);
    String text = String.valueOf(reason);
    headers.put(REASON, text.length() > MAX_REASON ? text.substring(0, MAX_REASON) : text.replace('\n', ' '));
    headers.put(CONSUMER, consumer);
    headers.put(SUBJECT, original.getSubject());
    long sequence = original.isJetStream() ? original.metaData().streamSequence() : 0;
    headers.put(STREAM_SEQUENCE, Long.toString(sequence));
    headers.put(PARKED_AT, Instant.now().toString());
    NatsMessage letter =
        NatsMessage.builder().subject(subject(nats, consumer)).headers(headers).data(original.getData()).build();
    // One dead letter per consumer and event, however often the event is delivered.
    return js.publishAsync(letter, PublishOptions.builder().messageId(consumer + ":" + identity).build());
  }

  /** Every dead letter of {@code consumer} in the order they were parked. */
  public static List<Letter> list(Connection connection, NatsSettings nats, String consumer)
      throws IOException, JetStreamApiException, InterruptedException {
    List<Letter> letters = new ArrayList<>();
    Optional<StreamInfo> info = info(connection, nats);
    if (info.isEmpty() || info.get().getStreamState().getMsgCount() == 0) {
      return letters;
    }
    long last = info.get().getStreamState().getLastSequence();
    try (IterableConsumer messages =
        connection.getStreamContext(stream(nats))
            .createOrderedConsumer(
                new OrderedConsumerConfiguration().filterSubject(subject(nats, consumer)).deliverPolicy(DeliverPolicy.All).headersOnly(true))
            .iterate()) {
      while (true) {
        Message m = messages.nextMessage(READ_TIMEOUT);
        if (m == null) {
          return letters; // no (further) message of this consumer
        }
        letters.add(letter(m.metaData().streamSequence(), m.getHeaders()));
        if (m.metaData().streamSequence() >= last || m.metaData().pendingCount() == 0) {
          return letters;
        }
      }
    } catch (JetStreamApiException | IOException | InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot read dead-letter stream " + stream(nats), e);
    }
  }

  /** The dead letter at {@code sequence}, with its payload. */
  static MessageInfo read(Connection connection, NatsSettings nats, long sequence) throws IOException, JetStreamApiException {
    return connection.jetStreamManagement().getMessage(stream(nats), sequence);
  }

  /** Removes a dead letter (after a successful retry). */
  static void remove(Connection connection, NatsSettings nats, long sequence) throws IOException, JetStreamApiException {
    connection.jetStreamManagement().deleteMessage(stream(nats), sequence, false);
  }

  static Letter letter(long sequence, Headers h) {
    String pid = h.getFirst(OutboxMessage.PERSISTENCE_ID);
    String seq = h.getFirst(OutboxMessage.SEQUENCE_NR);
    String dedupeId = h.getFirst(EVENT);
    EventId event = null;
    if (pid != null && seq != null) {
      event = new EventId(pid, parse(seq)); // a letter of format 0, or parked before EVENT was written
    } else if (dedupeId != null && dedupeId.lastIndexOf('#') > 0) {
      int hash = dedupeId.lastIndexOf('#');
      event = new EventId(dedupeId.substring(0, hash), parse(dedupeId.substring(hash + 1)));
    }
    String parked = h.getFirst(PARKED_AT);
    return new Letter(
        sequence,
        parked == null ? null : Instant.parse(parked),
        h.getFirst(CONSUMER),
        event,
        h.getFirst(SUBJECT),
        parse(h.getFirst(STREAM_SEQUENCE)),
        h.getFirst(REASON));
  }

  private static Optional<StreamInfo> info(Connection connection, NatsSettings nats) throws IOException, JetStreamApiException {
    try {
      return Optional.of(connection.jetStreamManagement().getStreamInfo(stream(nats)));
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private static String identity(Message m) {
    try {
      return OutboxMessage.identity(m).dedupeId();
    } catch (OutboxMessage.Unreadable e) {
      return "stream-seq-" + (m.isJetStream() ? m.metaData().streamSequence() : 0);
    }
  }

  private static long parse(String number) {
    try {
      return number == null ? 0 : Long.parseLong(number.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
