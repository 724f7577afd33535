package org.weltgewebe.persistence.outbox;

import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.util.Objects;

/**
 * How a journal event looks on the stream: the contract between the outbox and every consumer.
 *
 * <p>Subject: {@code <prefix>.<entityType>.<EventName>}, where the entity type is the persistence
 * id's part before {@code |} (Pekko's {@code PersistenceId.of(type, id)} writes {@code knot|8f…})
 * and the event name is the simple class name from the serializer manifest ({@code
 * org.weltgewebe.actors.Knot$Created} → {@code Created}). Consumers filter by
 * {@code <prefix>.knot.>} or {@code <prefix>.*.Created}.
 *
 * <p>Deduplication id ({@code Nats-Msg-Id}): {@code <persistence_id>#<sequence_number>}, the
 * message's only header.
 *
 * <p>Payload, format 1 (written since issue 14): the whole journal row as one compact CBOR item
 * ({@link StreamFormat}): version, identity, ordering, write time, serializer id, manifest and the
 * event. Format 0 (before): the journal's event_payload byte for byte, with
 * the rest of the row in the {@code Weltgewebe-*} headers below. {@link #read} reads both, so a
 * stream that still holds messages of format 0 reads on; every consumer goes through it and then
 * deserializes with Pekko's serialization (serializer id + manifest) as before.
 */
public final class OutboxMessage {
  /** The format this outbox writes: 1, compact CBOR (0 was JSON with the row in headers). */
  public static final int FORMAT = StreamFormat.VERSION;

  /** Format 0's header: the entity's persistence id. */
  public static final String PERSISTENCE_ID = "Weltgewebe-Persistence-Id";
  /** Format 0's header: the event's sequence number within its entity. */
  public static final String SEQUENCE_NR = "Weltgewebe-Sequence-Nr";
  /** Format 0's header: the journal's global ordering column (insert order, not commit order). */
  public static final String ORDERING = "Weltgewebe-Ordering";
  /** Format 0's header: Pekko serializer id of the payload. */
  public static final String SERIALIZER_ID = "Weltgewebe-Serializer-Id";
  /** Format 0's header: Pekko serializer manifest of the payload. */
  public static final String MANIFEST = "Weltgewebe-Manifest";
  /** Format 0's header: the journal's write_timestamp, epoch milliseconds. */
  public static final String WRITE_TIMESTAMP = "Weltgewebe-Write-Timestamp";

  private OutboxMessage() {}

  /**
   * A journal row as a stream message carries it. {@code payload} is the journal's event_payload
   * (for format 1 the JSON rebuilt from CBOR: the same event, not necessarily the same bytes);
   * {@code writeTimestamp} is null where the journal had none.
   */
  public record Event(
      String persistenceId,
      long sequenceNr,
      long ordering,
      Long writeTimestamp,
      int serializerId,
      String manifest,
      byte[] payload) {
    public Event {
      Objects.requireNonNull(persistenceId, "persistenceId");
      Objects.requireNonNull(manifest, "manifest");
      Objects.requireNonNull(payload, "payload");
    }

    /** The event's deduplication id. */
    public String dedupeId() {
      return OutboxMessage.dedupeId(persistenceId, sequenceNr);
    }
  }

  /** What identifies a stream message's event and places it in the journal: its row without the event. */
  public record Identity(String persistenceId, long sequenceNr, long ordering, Long writeTimestamp) {
    public Identity {
      Objects.requireNonNull(persistenceId, "persistenceId");
    }

    /** The event's deduplication id. */
    public String dedupeId() {
      return OutboxMessage.dedupeId(persistenceId, sequenceNr);
    }
  }

  /** A stream message that is not an event of format 0 or 1. */
  public static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;

    Unreadable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The journal row a stream message of either format carries. */
  public static Event read(Message message) throws Unreadable {
    return read(message.getSubject(), message.getHeaders(), message.getData());
  }

  /** The journal row of a message's parts, e.g. of a stored message or a dead letter (which keeps them). */
  public static Event read(String subject, Headers headers, byte[] data) throws Unreadable {
    return parse(subject, headers, data, StreamFormat::decode, (identity, h) -> new Event(
        identity.persistenceId(),
        identity.sequenceNr(),
        identity.ordering(),
        identity.writeTimestamp(),
        Integer.parseInt(h.getFirst(SERIALIZER_ID)),
        h.getFirst(MANIFEST),
        data == null ? new byte[0] : data));
  }

  /**
   * The identity of the event a stream message of either format carries, without decoding the
   * event itself: for readers that count or compare identities (the reconciler, the oracle).
   */
  public static Identity identity(Message message) throws Unreadable {
    return parse(message.getSubject(), message.getHeaders(), message.getData(),
        StreamFormat::identity, (identity, h) -> identity);
  }

  private interface Compact<T> {
    T read(byte[] data) throws IOException;
  }

  private interface Format0<T> {
    T read(Identity identity, Headers headers);
  }

  // Format 1 when the message has no identity headers and its payload is compact, else format 0.
  private static <T> T parse(String subject, Headers h, byte[] data, Compact<T> compact, Format0<T> format0)
      throws Unreadable {
    try {
      String pid = h == null ? null : h.getFirst(PERSISTENCE_ID);
      if (pid == null) {
        if (StreamFormat.isCompact(data)) {
          return compact.read(data);
        }
        throw new Unreadable("message on " + subject + " is no event: neither format 1 nor format 0's headers", null);
      }
      String timestamp = h.getFirst(WRITE_TIMESTAMP);
      Identity identity = new Identity(
          pid,
          Long.parseLong(h.getFirst(SEQUENCE_NR)),
          Long.parseLong(h.getFirst(ORDERING)),
          timestamp == null ? null : Long.valueOf(timestamp));
      return format0.read(identity, h);
    } catch (IOException | RuntimeException e) {
      throw new Unreadable("message on " + subject + " does not read as an event: " + e.getMessage(), e);
    }
  }

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

  /** The message of format 1 for a journal row; the dedupe id goes with {@link #publishOptions}. */
  static NatsMessage toMessage(String subjectPrefix, JournalEvent event) {
    return NatsMessage.builder()
        .subject(subject(subjectPrefix, event.persistenceId(), event.manifest()))
        .data(StreamFormat.encode(event))
        .build();
  }

  /** The message of format 0 for a journal row, as the outbox wrote it before format 1 (tests, benchmarks). */
  static NatsMessage toMessageOfFormat0(String subjectPrefix, JournalEvent event) {
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
   * stores that header with every message, and S4's retention needs a message of <= 250 bytes.
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
