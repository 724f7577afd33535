package org.weltgewebe.persistence.readmodel;

/**
 * Turns a stream message's payload back into the domain event: the node decodes with Pekko's
 * serialization, by the serializer id and manifest the journal recorded.
 */
@FunctionalInterface
public interface EventDecoder {
  Object decode(int serializerId, String manifest, byte[] payload) throws Exception;
}
