package org.weltgewebe.persistence;

import com.typesafe.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readies the configured PostgreSQL for a node: checks that it answers and migrates its schema. A
 * node never starts a database of its own; a scenario run that is given none brings a private one
 * (scenarios' {@code RunServices}).
 */
public final class DatabaseBootstrap {
  private static final Logger log = LoggerFactory.getLogger(DatabaseBootstrap.class);

  private DatabaseBootstrap() {}

  /** Migrates the database {@code config} names; a {@link ServiceProblem} when it does not answer. */
  public static DatabaseSettings prepare(Config config) {
    return prepare(DatabaseSettings.fromConfig(config));
  }

  /** Migrates {@code settings}' database; a {@link ServiceProblem} when it does not answer. */
  public static DatabaseSettings prepare(DatabaseSettings settings) {
    if (!settings.isReachable()) {
      throw new ServiceProblem("PostgreSQL does not answer at " + settings.url()
          + ": start it, or set weltgewebe.db.url (--db-url, WELTGEWEBE_DB_URL) to one that runs");
    }
    int ran = SchemaMigration.migrate(settings);
    log.info("schema of {} is current ({} migrations applied now)", settings.url(), ran);
    return settings;
  }
}
