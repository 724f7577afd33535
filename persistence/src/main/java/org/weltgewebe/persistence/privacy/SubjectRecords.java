package org.weltgewebe.persistence.privacy;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Everything the read models hold about one subject, for a data subject access request (GDPR art.
 * 15, {@code GET /roles/{id}/personal-data}): every row of every read-model table in which the role
 * appears by its id, with all of the row's columns, plus the audit log's rows about the subject and
 * the state of its key. The personal fields that live only in the role entity (home address, exact
 * home) are added by the HTTP layer, which asks the role.
 *
 * <p>{@link #SUBJECT_COLUMNS} names the columns that hold a role id; a test holds it to the migrated
 * schema, so a new table or column that names a role cannot be left out of an export.
 */
public final class SubjectRecords {
  /** Per read-model table, the columns that hold a role id. */
  public static final Map<String, List<String>> SUBJECT_COLUMNS = subjectColumns();

  private final DataSource db;
  private final AuditLog audit;

  public SubjectRecords(DataSource db, AuditLog audit) {
    this.db = db;
    this.audit = audit;
  }

  /** What an export holds beside the role's own answer. */
  public record Export(
      Map<String, List<Map<String, Object>>> readModels, Map<String, Object> key, List<AuditLog.Row> audit) {}

  /**
   * The region cell of {@code roleId}'s read-model row once the read models have blanked its
   * personal columns; empty while they have not, or hold no row of it.
   */
  public Optional<String> forgottenCell(String roleId) {
    try (Connection c = db.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT display_name = '', cell FROM rm_role WHERE role_id = ?")) {
      s.setString(1, roleId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() && rs.getBoolean(1) ? Optional.of(rs.getString(2)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read rm_role for " + roleId + ": " + e.getMessage(), e);
    }
  }

  /** Every read-model row naming {@code roleId}, the key's state and the audit rows about it. */
  public Export of(String roleId) {
    Map<String, List<Map<String, Object>>> tables = new LinkedHashMap<>();
    Map<String, Object> key = new LinkedHashMap<>();
    try (Connection c = db.getConnection()) {
      for (Map.Entry<String, List<String>> table : SUBJECT_COLUMNS.entrySet()) {
        StringBuilder where = new StringBuilder();
        for (String column : table.getValue()) {
          where.append(where.length() == 0 ? "" : " OR ").append(column).append(" = ?");
        }
        // Table and column names are this class's constants, never a caller's input.
        try (PreparedStatement s = c.prepareStatement("SELECT * FROM " + table.getKey() + " WHERE " + where)) {
          for (int i = 1; i <= table.getValue().size(); i++) {
            s.setString(i, roleId);
          }
          tables.put(table.getKey(), rows(s));
        }
      }
      try (PreparedStatement s = c.prepareStatement(
          "SELECT created_at, shredded_at FROM subject_key WHERE subject = ?")) {
        s.setString(1, roleId);
        try (ResultSet rs = s.executeQuery()) {
          if (rs.next()) {
            key.put("createdAt", rs.getTimestamp(1).toInstant());
            key.put("shreddedAt", rs.getTimestamp(2) == null ? null : rs.getTimestamp(2).toInstant());
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the records of subject " + roleId, e);
    }
    return new Export(tables, key, audit.about(roleId));
  }

  private static List<Map<String, Object>> rows(PreparedStatement s) throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (ResultSet rs = s.executeQuery()) {
      ResultSetMetaData meta = rs.getMetaData();
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.put(meta.getColumnName(i), plain(rs.getObject(i)));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** A JDBC value as JSON can hold it: arrays as lists, timestamps as instants, the search vector as text. */
  private static Object plain(Object value) throws SQLException {
    if (value instanceof Array array) {
      return Arrays.asList((Object[]) array.getArray());
    }
    if (value instanceof Timestamp timestamp) {
      return timestamp.toInstant();
    }
    if (value == null || value instanceof Number || value instanceof Boolean || value instanceof String) {
      return value;
    }
    return value.toString();
  }

  private static Map<String, List<String>> subjectColumns() {
    Map<String, List<String>> columns = new LinkedHashMap<>();
    columns.put("rm_role", List.of("role_id"));
    columns.put("rm_thread", List.of("role_id"));
    columns.put("rm_knot", List.of("created_by"));
    columns.put("rm_conversation", List.of("started_by"));
    columns.put("rm_proposal", List.of("proposed_by", "objected_by"));
    columns.put("rm_proposal_vote", List.of("role_id"));
    columns.put("rm_delegation", List.of("delegator", "delegate"));
    columns.put("rm_ledger", List.of("role_id"));
    return java.util.Collections.unmodifiableMap(columns);
  }
}
