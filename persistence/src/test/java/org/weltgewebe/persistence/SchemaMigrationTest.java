package org.weltgewebe.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchemaMigrationTest {

  @Test
  void migratesAFreshDatabaseOnceAndIsIdempotentAfterwards() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      // create() already migrated: a second run finds nothing to do.
      assertEquals(0, SchemaMigration.migrate(db.settings()));
      Set<String> tables = new HashSet<>();
      try (Connection c = db.settings().connect();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      assertTrue(
          tables.containsAll(Set.of("event_journal", "event_tag", "snapshot", "flyway_schema_history")),
          "tables: " + tables);
    }
  }
}
