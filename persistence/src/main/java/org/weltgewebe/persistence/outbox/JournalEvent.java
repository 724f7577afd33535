package org.weltgewebe.persistence.outbox;

import java.util.Objects;

/**
 * One row of event_journal as far as the outbox needs it, in the shape pekko-persistence-jdbc
 * writes it. {@code writeTimestamp} is null where a writer left it empty (the column allows it).
 */
record JournalEvent(
    long ordering,
    String persistenceId,
    long sequenceNumber,
    String writer,
    Long writeTimestamp,
    int serializerId,
    String manifest,
    byte[] payload) {

  JournalEvent {
    Objects.requireNonNull(persistenceId, "persistence_id");
    Objects.requireNonNull(manifest, "event_ser_manifest");
    Objects.requireNonNull(payload, "event_payload");
  }

  /** The event's identity, which is also its JetStream deduplication id. */
  String dedupeId() {
    return OutboxMessage.dedupeId(persistenceId, sequenceNumber);
  }
}
