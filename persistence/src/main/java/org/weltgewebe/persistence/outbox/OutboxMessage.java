package org.weltgewebe.persistence.outbox;

import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;

/**
 * How a journal event looks on the stream: the contract between the outbox and every consumer.
 *
 * <p>Subject: {@code <prefix>.<entityType>.<EventName>}, where the entity type is the persistence
 * id's part before {@code |} (Pekko's {@code PersistenceId.of(type, id)} writes {@code knot|8f…})
 * and the event name is the simple class name from the serializer manifest ({@code
 * org.weltgewebe.actors.Knot$Created} → {@code Created}). Consumers filter by
 * {@code <prefix>.knot.>} or {@code <prefix>.*.Created}.
 *
 * <p>Deduplication id ({@code Nats-Msg-Id}): {@code <persistence_id>#<sequence_number>}. The
 * payload is the journal's event_payload, byte for byte; the headers below carry the rest of the
 * row, so a consumer can deserialize with Pekko's serialization (serializer id + manifest) and
 * order an entity's events by sequence number.
 */
public final class OutboxMessage {
  /** The entity's persistence id. */
  public static final String PERSISTENCE_ID = "Weltgewebe-Persistence-Id";
  /** The event's sequence number within its entity. */
  public static final String SEQUENCE_NR = "Weltgewebe-Sequence-Nr";
  /** The journal's global ordering column (insert order, not commit order). */
  public static final String ORDERING = "Weltgewebe-Ordering";
  /** Pekko serializer id of the payload. */
  public static final String SERIALIZER_ID = "Weltgewebe-Serializer-Id";
  /** Pekko serializer manifest of the payload. */
  public static final String MANIFEST = "Weltgewebe-Manifest";
  /** The journal's write_timestamp, epoch milliseconds. */
  public static final String WRITE_TIMESTAMP = "Weltgewebe-Write-Timestamp";

  private OutboxMessage() {}

  /** The deduplication id of an event: {@code <persistenceId>#<sequenceNr>}. */
  public static String dedupeId(String persistenceId, long sequenceNr) {
    return persistenceId + "#" + sequenceNr;
  }

  /** The entity type of a persistence id: its part before {@code |}. */
  public static String entityType(String persistenceId) {
    int bar = persistenceId.indexOf('|');
    if (bar <= 0) {
      throw new IllegalArgumentException(
          "persistence id '" + persistenceId
              + "' names no entity type: expected '<type>|<id>' as PersistenceId.of(type, id) writes it");
    }
    return subjectToken(persistenceId.substring(0, bar), "entity type of persistence id '" + persistenceId + "'");
  }

  /** The event name of a serializer manifest: the part after its last {@code $} or {@code .}. */
  public static String eventName(String manifest) {
    int cut = Math.max(manifest.lastIndexOf('$'), manifest.lastIndexOf('.'));
    String name = manifest.substring(cut + 1);
    if (name.isEmpty()) {
      throw new IllegalArgumentException(
          "serializer manifest '" + manifest
              + "' names no event class: the outbox needs the class name Pekko's Jackson serializer writes");
    }
    return subjectToken(name, "event name of manifest '" + manifest + "'");
  }

  /** The subject an event is published on. */
  public static String subject(String subjectPrefix, String persistenceId, String manifest) {
    return subjectPrefix + "." + entityType(persistenceId) + "." + eventName(manifest);
  }

  static NatsMessage toMessage(String subjectPrefix, JournalEvent event) {
    Headers headers = new Headers();
    headers.put(PERSISTENCE_ID, event.persistenceId());
    headers.put(SEQUENCE_NR, Long.toString(event.sequenceNumber()));
    headers.put(ORDERING, Long.toString(event.ordering()));
    headers.put(SERIALIZER_ID, Integer.toString(event.serializerId()));
    headers.put(MANIFEST, event.manifest());
    if (event.writeTimestamp() != null) {
      headers.put(WRITE_TIMESTAMP, Long.toString(event.writeTimestamp()));
    }
    return NatsMessage.builder()
        .subject(subject(subjectPrefix, event.persistenceId(), event.manifest()))
        .headers(headers)
        .data(event.payload())
        .build();
  }

  /**
   * Publish options that make JetStream drop a second copy. No expected-stream check: JetStream
   * stores that header with every message, and at S4 the byte limit leaves ~179 bytes a message.
   */
  static PublishOptions publishOptions(String messageId) {
    return PublishOptions.builder().messageId(messageId).build();
  }

  private static String subjectToken(String token, String what) {
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '.' || c == '*' || c == '>' || Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(what + " '" + token + "' cannot be a NATS subject token");
      }
    }
    return token;
  }
}
