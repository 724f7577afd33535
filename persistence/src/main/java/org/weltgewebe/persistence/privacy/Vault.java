package org.weltgewebe.persistence.privacy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Clock;
import java.time.Duration;
import org.weltgewebe.actors.SubjectCipher;
import org.weltgewebe.persistence.DatabaseSettings;

/**
 * A node's privacy store: a small connection pool of its own for the subject keys and the audit log,
 * so that a read of personal data never waits behind the journal's or the search's pool.
 */
public final class Vault implements AutoCloseable {
  private final HikariDataSource pool;
  private final AuditLog audit;
  private final PostgresSubjectKeys keys;
  private final SubjectCipher cipher;

  private Vault(HikariDataSource pool, Clock clock) {
    this.pool = pool;
    this.audit = new AuditLog(pool, clock);
    this.keys = new PostgresSubjectKeys(pool, audit, clock);
    this.cipher = new SubjectCipher(keys);
  }

  /** Opens a pool of {@code size} connections to {@code db}. */
  public static Vault open(DatabaseSettings db, int size, Clock clock) {
    HikariConfig config = db.poolConfig("vault", size, Duration.ofSeconds(5));
    return new Vault(new HikariDataSource(config), clock);
  }

  public AuditLog audit() {
    return audit;
  }

  public PostgresSubjectKeys keys() {
    return keys;
  }

  public SubjectCipher cipher() {
    return cipher;
  }

  /** What the read models hold about a subject, for its data export. */
  public SubjectRecords records() {
    return new SubjectRecords(pool, audit);
  }

  @Override
  public void close() {
    pool.close();
  }
}
