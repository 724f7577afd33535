package org.weltgewebe.persistence;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings a database to the schema this build expects, with the versioned migrations under
 * {@code db/migration}. Every node runs it on start; Flyway's lock makes concurrent starts safe.
 */
public final class SchemaMigration {
  private SchemaMigration() {}

  /** Applies pending migrations and returns how many ran. */
  public static int migrate(DatabaseSettings db) {
    MigrateResult result =
        Flyway.configure()
            .dataSource(db.url(), db.user(), db.password())
            .locations("classpath:db/migration")
            .load()
            .migrate();
    return result.migrationsExecuted;
  }
}
