package org.weltgewebe.actors;

import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;

/**
 * Where the per-subject keys of crypto-shredding live: one AES-256 key per subject (a role), made
 * when the subject's first personal field is sealed and destroyed when the subject is forgotten.
 * Destroying the key is the forgetting: every sealed copy, in the journal, a snapshot, JetStream or a
 * backup, becomes unreadable at once. The platform keeps keys in PostgreSQL ({@code
 * PostgresSubjectKeys}, table {@code subject_key}); never in the journal or a stream.
 */
public interface SubjectKeys {

  /** The subject's key, made now if it has none; empty when the subject was forgotten. */
  Optional<SecretKey> sealingKey(String subject);

  /** The subject's key if it has one; empty when it never had one or was forgotten. */
  Optional<SecretKey> openingKey(String subject);

  /**
   * Destroys the subject's key for good (idempotent) and leaves a tombstone so no new key is ever
   * made for it; {@code actor} and {@code reason} go to the audit log. Answers whether a key existed.
   */
  boolean shred(String subject, String actor, String reason);

  /** Keys in this JVM's memory, for tests and nodes run without a database. */
  static SubjectKeys inMemory() {
    return new InMemory();
  }

  /** A fresh random AES-256 key. */
  static SecretKey newKey() {
    try {
      KeyGenerator generator = KeyGenerator.getInstance("AES");
      generator.init(256);
      return generator.generateKey();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has AES", e);
    }
  }

  /** Keys in a map; a shredded subject keeps an empty entry as its tombstone. */
  final class InMemory implements SubjectKeys {
    private final ConcurrentMap<String, Optional<SecretKey>> keys = new ConcurrentHashMap<>();

    @Override
    public Optional<SecretKey> sealingKey(String subject) {
      return keys.computeIfAbsent(subject, s -> Optional.of(newKey()));
    }

    @Override
    public Optional<SecretKey> openingKey(String subject) {
      return keys.getOrDefault(subject, Optional.empty());
    }

    @Override
    public boolean shred(String subject, String actor, String reason) {
      Optional<SecretKey> before = keys.put(subject, Optional.empty());
      return before != null && before.isPresent();
    }
  }
}
