package org.weltgewebe.actors;

/**
 * The identity of a persisted event: its entity's persistence id and its sequence number. Every
 * consumer that must apply an event once (regions, read models, the outbox's dedupe id) keys on it.
 */
public record EventId(String persistenceId, long sequenceNr) implements WeaveSerializable {
  @Override
  public String toString() {
    return persistenceId + "#" + sequenceNr;
  }
}
