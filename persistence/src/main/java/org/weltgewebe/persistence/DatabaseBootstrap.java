package org.weltgewebe.persistence;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the PostgreSQL a node will use and migrates it: the configured one when it answers, else
 * (only where {@code weltgewebe.db.embedded-fallback} is on) an embedded one, else a clear failure.
 */
public final class DatabaseBootstrap {
  private static final Logger log = LoggerFactory.getLogger(DatabaseBootstrap.class);

  /** The database the node uses, and the embedded server to stop with the node, if one was started. */
  public record Ready(DatabaseSettings settings, Optional<EmbeddedDatabase> embedded) {}

  private DatabaseBootstrap() {}

  /** Resolves and migrates the database for {@code config}. */
  public static Ready prepare(Config config) {
    DatabaseSettings configured = DatabaseSettings.fromConfig(config);
    Optional<EmbeddedDatabase> embedded = Optional.empty();
    DatabaseSettings settings = configured;
    if (!configured.isReachable()) {
      if (!config.getBoolean("weltgewebe.db.embedded-fallback")) {
        throw new IllegalStateException(
            "PostgreSQL does not answer at " + configured.url()
                + " (set WELTGEWEBE_DB_URL, or WELTGEWEBE_DB_EMBEDDED_FALLBACK=true to start an embedded one)");
      }
      log.warn("PostgreSQL does not answer at {}; starting an embedded one", configured.url());
      Path data = Path.of(System.getProperty("user.home"), ".weltgewebe", "pg");
      EmbeddedDatabase db = EmbeddedDatabase.start(data);
      embedded = Optional.of(db);
      settings = db.settings();
    }
    int ran = SchemaMigration.migrate(settings);
    log.info("schema of {} is current ({} migrations applied now)", settings.url(), ran);
    return new Ready(settings, embedded);
  }
}
