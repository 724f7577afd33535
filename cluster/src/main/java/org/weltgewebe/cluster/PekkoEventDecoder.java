package org.weltgewebe.cluster;

import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.weltgewebe.actors.RoleSealing;
import org.weltgewebe.actors.SubjectCipher;
import org.weltgewebe.actors.WeaveSerializable;
import org.weltgewebe.persistence.readmodel.EventDecoder;

/**
 * Decodes stream payloads with the serializer that wrote them to the journal. Every domain event is
 * {@link WeaveSerializable}, bound to one Jackson serializer; a payload written by another one is
 * refused rather than guessed at. (Pekko's own {@code deserialize} returns a Scala {@code Try}; the
 * serializer's {@code fromBinary} is the Java-friendly way to the same result.)
 */
public final class PekkoEventDecoder implements EventDecoder {
  private final SerializerWithStringManifest serializer;
  private final Optional<SubjectCipher> cipher;

  /** A decoder that hands a role's sealed journal forms on as they are (ciphertext). */
  public PekkoEventDecoder(ActorSystem<?> system) {
    this(system, Optional.empty());
  }

  /**
   * A decoder that opens a role's sealed journal forms with {@code cipher} into the domain events
   * ({@link RoleSealing#open}: blank once the role was forgotten), as the read models need them.
   */
  public PekkoEventDecoder(ActorSystem<?> system, SubjectCipher cipher) {
    this(system, Optional.of(cipher));
  }

  private PekkoEventDecoder(ActorSystem<?> system, Optional<SubjectCipher> cipher) {
    this.cipher = cipher;
    Serialization serialization = SerializationExtension.get(system);
    Serializer bound;
    try {
      bound = serialization.serializerFor(WeaveSerializable.class);
    } catch (java.io.NotSerializableException e) {
      throw new IllegalStateException("no serializer is bound to WeaveSerializable", e);
    }
    if (!(bound instanceof SerializerWithStringManifest withManifest)) {
      throw new IllegalStateException("WeaveSerializable must be bound to a serializer with string manifests, not " + bound);
    }
    this.serializer = withManifest;
  }

  @Override
  public Object decode(int serializerId, String manifest, byte[] payload) throws java.io.NotSerializableException {
    if (serializerId != serializer.identifier()) {
      throw new IllegalArgumentException(
          "event written by serializer " + serializerId + " (manifest " + manifest
              + "), but domain events are read with serializer " + serializer.identifier());
    }
    Object stored = serializer.fromBinary(payload, manifest);
    return cipher.isPresent() ? RoleSealing.open(stored, cipher.get()) : stored;
  }
}
