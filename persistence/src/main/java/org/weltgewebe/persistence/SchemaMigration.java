package org.weltgewebe.persistence;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings a database to the schema this build expects, with the versioned migrations under
 * {@code db/migration}. Every node runs it on start; Flyway's lock makes concurrent starts safe.
 * Migrations go to PostgreSQL directly, never through a transaction pooler: Flyway holds a lock and
 * runs DDL over a session that a pooler would hand to other clients between transactions.
 */
public final class SchemaMigration {
  private SchemaMigration() {}

  /** Applies pending migrations and returns how many ran. */
  public static int migrate(DatabaseSettings db) {
    MigrateResult result =
        Flyway.configure()
            .dataSource(db.direct().url(), db.user(), db.password())
            .locations("classpath:db/migration")
            // Issues land in parallel with versions named after them (V16_1, V17_1, …): a database
            // that already has a later issue's migration must still take an earlier one's.
            .outOfOrder(true)
            .load()
            .migrate();
    return result.migrationsExecuted;
  }
}
