package org.weltgewebe.persistence.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.PersonalDataCatalogue;
import org.weltgewebe.persistence.TestDatabase;

/**
 * Holds the read-model half of {@link PersonalDataCatalogue} to the migrated schema: every column of
 * every read-model table ({@code rm_*}) on a freshly migrated PostgreSQL is classified, and every
 * classified column exists.
 */
class ReadModelCatalogueTest {
  private static TestDatabase db;

  @BeforeAll
  static void migrate() {
    db = TestDatabase.create();
  }

  @AfterAll
  static void drop() {
    db.close();
  }

  @Test
  void everyReadModelColumnIsClassifiedAndExists() throws Exception {
    Set<String> columns = new TreeSet<>();
    try (Connection c = db.settings().connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT table_name, column_name FROM information_schema.columns"
                + " WHERE table_schema = 'public' AND table_name LIKE 'rm\\_%'")) {
      while (rs.next()) {
        columns.add(rs.getString(1) + "." + rs.getString(2));
      }
    }
    assertTrue(columns.contains("rm_role.display_name"), "the schema has the read models: " + columns);
    Set<String> unclassified = new TreeSet<>();
    for (String column : columns) {
      String[] parts = column.split("\\.", 2);
      if (PersonalDataCatalogue.column(parts[0], parts[1]).isEmpty()) {
        unclassified.add(column);
      }
    }
    assertEquals(Set.of(), unclassified, "classify these read-model columns in PersonalDataCatalogue");
    Set<String> stale = new TreeSet<>(PersonalDataCatalogue.columns().keySet());
    stale.removeAll(columns);
    assertEquals(Set.of(), stale, "these catalogued columns are not in the schema");
  }

  @Test
  void everyColumnThatNamesARoleIsInTheSubjectAccessExport() throws Exception {
    Set<String> naming = new TreeSet<>();
    try (Connection c = db.settings().connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
                + " AND table_name LIKE 'rm\\_%' AND (column_name IN ('role_id', 'delegator', 'delegate')"
                + " OR column_name LIKE '%\\_by')")) {
      while (rs.next()) {
        naming.add(rs.getString(1) + "." + rs.getString(2));
      }
    }
    assertTrue(naming.contains("rm_thread.role_id"), "the schema has role columns: " + naming);
    Set<String> exported = new TreeSet<>();
    SubjectRecords.SUBJECT_COLUMNS.forEach((table, columns) -> columns.forEach(column -> exported.add(table + "." + column)));
    assertEquals(naming, exported, "SubjectRecords.SUBJECT_COLUMNS must name exactly the read-model columns that hold a role id");
  }
}
