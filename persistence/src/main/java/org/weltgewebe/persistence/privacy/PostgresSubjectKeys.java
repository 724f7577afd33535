package org.weltgewebe.persistence.privacy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;
import org.weltgewebe.actors.SubjectKeys;

/**
 * The subjects' keys in PostgreSQL, table {@code subject_key} (migration V16_1). Making and shredding a
 * key are audited in the same transaction as the change ({@link AuditLog}). Shredding sets the key to
 * NULL and keeps the row as a tombstone, so the subject can never be given a new key and its old data
 * stays unreadable.
 *
 * <p>Nothing is cached here: a role entity asks once when it starts and holds its own key while it
 * lives, the read-model consumer asks per role event. A node that has shredded a key therefore leaves
 * no stale copy on another node, except in a role entity that is itself being forgotten.
 */
public final class PostgresSubjectKeys implements SubjectKeys {
  private static final String ALGORITHM = "AES";

  private final DataSource db;
  private final AuditLog audit;
  private final Clock clock;

  public PostgresSubjectKeys(DataSource db, AuditLog audit, Clock clock) {
    this.db = db;
    this.audit = audit;
    this.clock = clock;
  }

  @Override
  public Optional<SecretKey> sealingKey(String subject) {
    Optional<Optional<SecretKey>> existing = lookup(subject);
    if (existing.isPresent()) {
      return existing.get();
    }
    SecretKey made = SubjectKeys.newKey();
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement insert = c.prepareStatement(
          "INSERT INTO subject_key (subject, key_bytes, created_at) VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING")) {
        insert.setString(1, subject);
        insert.setBytes(2, made.getEncoded());
        insert.setTimestamp(3, Timestamp.from(clock.instant()));
        if (insert.executeUpdate() == 1) {
          audit.append(c, new AuditLog.Entry("system:subject-keys", "key.create", subject,
              "first personal field sealed for the subject"));
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot store the key of subject " + subject, e);
    }
    // Another node may have made one at the same moment: the stored key wins.
    return lookup(subject).orElseThrow(() -> new IllegalStateException("key of " + subject + " vanished"));
  }

  @Override
  public Optional<SecretKey> openingKey(String subject) {
    return lookup(subject).orElse(Optional.empty());
  }

  @Override
  public boolean shred(String subject, String actor, String reason) {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement shred = c.prepareStatement(
          "INSERT INTO subject_key (subject, key_bytes, created_at, shredded_at) VALUES (?, NULL, ?, ?)"
              + " ON CONFLICT (subject) DO UPDATE SET key_bytes = NULL, shredded_at = excluded.shredded_at"
              + " WHERE subject_key.key_bytes IS NOT NULL"
              + " RETURNING (xmax <> 0) AS had_key")) {
        Timestamp now = Timestamp.from(clock.instant());
        shred.setString(1, subject);
        shred.setTimestamp(2, now);
        shred.setTimestamp(3, now);
        boolean hadKey = false;
        boolean changed = false;
        try (ResultSet rs = shred.executeQuery()) {
          if (rs.next()) {
            changed = true;
            hadKey = rs.getBoolean(1);
          }
        }
        if (changed) {
          audit.append(c, new AuditLog.Entry(actor, "key.shred", subject, reason));
        }
        c.commit();
        return hadKey;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot shred the key of subject " + subject, e);
    }
  }

  /** Empty: no row; a present empty: shredded; else the key. */
  private Optional<Optional<SecretKey>> lookup(String subject) {
    try (Connection c = db.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT key_bytes FROM subject_key WHERE subject = ?")) {
      s.setString(1, subject);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        byte[] key = rs.getBytes(1);
        return Optional.of(key == null ? Optional.empty() : Optional.of(new SecretKeySpec(key, ALGORITHM)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the key of subject " + subject, e);
    }
  }
}
