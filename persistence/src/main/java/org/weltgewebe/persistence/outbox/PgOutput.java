package org.weltgewebe.persistence.outbox;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the messages of PostgreSQL's built-in {@code pgoutput} plugin, protocol version 1,
 * text-format values: Begin, Relation, Insert and Commit carry what the outbox needs; Origin and
 * Type are skipped. Relations are remembered per decoder, as pgoutput sends each once per session
 * (and again after a schema change).
 */
final class PgOutput {
  /** A decoded message the change feed acts on. */
  sealed interface Message permits Begin, Insert, Commit, Other {}

  /** A transaction starts; {@code finalLsn} is where its commit record ends. */
  record Begin(long finalLsn, long commitTimeMicros, int xid) implements Message {}

  /** A row inserted into a relation; values are text, null for SQL NULL. */
  record Insert(Relation relation, List<String> values) implements Message {
    /** The text value of a column, by name. */
    String value(String column) {
      return values.get(relation.indexOf(column));
    }
  }

  /** A transaction ends; {@code endLsn} is the position to confirm once it is handled. */
  record Commit(long commitLsn, long endLsn, long commitTimeMicros) implements Message {}

  /** A message the outbox has no use for (relation and type announcements, origins). */
  record Other(char type) implements Message {}

  /** A table as pgoutput announced it. */
  record Relation(int id, String namespace, String name, List<String> columns) {
    int indexOf(String column) {
      int i = columns.indexOf(column);
      if (i < 0) {
        throw new IllegalStateException("relation " + namespace + "." + name + " has no column " + column);
      }
      return i;
    }
  }

  private final Map<Integer, Relation> relations = new HashMap<>();

  Message decode(ByteBuffer buffer) {
    char type = (char) buffer.get();
    switch (type) {
      case 'B':
        return new Begin(buffer.getLong(), buffer.getLong(), buffer.getInt());
      case 'C':
        buffer.get(); // flags, unused
        return new Commit(buffer.getLong(), buffer.getLong(), buffer.getLong());
      case 'R':
        Relation relation = relation(buffer);
        relations.put(relation.id(), relation);
        return new Other(type);
      case 'I':
        return insert(buffer);
      case 'O':
      case 'Y':
        return new Other(type);
      default:
        // Update, Delete, Truncate and logical messages are not published to the outbox's slot.
        throw new IllegalStateException(
            "unexpected pgoutput message '" + type + "': the publication must publish inserts only");
    }
  }

  private Relation relation(ByteBuffer buffer) {
    int id = buffer.getInt();
    String namespace = string(buffer);
    String name = string(buffer);
    buffer.get(); // replica identity
    int count = Short.toUnsignedInt(buffer.getShort());
    List<String> columns = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      buffer.get(); // flags: part of the key
      columns.add(string(buffer));
      buffer.getInt(); // type oid
      buffer.getInt(); // type modifier
    }
    return new Relation(id, namespace, name, List.copyOf(columns));
  }

  private Insert insert(ByteBuffer buffer) {
    int relationId = buffer.getInt();
    Relation relation = relations.get(relationId);
    if (relation == null) {
      throw new IllegalStateException("pgoutput sent an insert into relation " + relationId + " before announcing it");
    }
    char marker = (char) buffer.get();
    if (marker != 'N') {
      throw new IllegalStateException("pgoutput insert without a new tuple (marker '" + marker + "')");
    }
    int count = Short.toUnsignedInt(buffer.getShort());
    List<String> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      char kind = (char) buffer.get();
      switch (kind) {
        case 'n':
          values.add(null);
          break;
        case 't':
          byte[] text = new byte[buffer.getInt()];
          buffer.get(text);
          values.add(new String(text, StandardCharsets.UTF_8));
          break;
        default:
          // 'u' (unchanged TOAST) cannot occur in an insert; 'b' only with the binary option.
          throw new IllegalStateException("unexpected pgoutput column kind '" + kind + "' in an insert");
      }
    }
    return new Insert(relation, values);
  }

  private static String string(ByteBuffer buffer) {
    int start = buffer.position();
    int end = start;
    while (buffer.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - start];
    buffer.get(bytes);
    buffer.get(); // terminator
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** The bytes of a bytea in text format; pgoutput uses the hex form ({@code \x0a1b…}). */
  static byte[] bytea(String text) {
    if (!text.startsWith("\\x")) {
      throw new IllegalStateException(
          "bytea arrived in escape format; the change feed sets bytea_output = hex on its connection");
    }
    int n = (text.length() - 2) / 2;
    byte[] bytes = new byte[n];
    for (int i = 0; i < n; i++) {
      int hi = Character.digit(text.charAt(2 + 2 * i), 16);
      int lo = Character.digit(text.charAt(3 + 2 * i), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalStateException("bytea hex text has a non-hex digit near position " + (2 + 2 * i));
      }
      bytes[i] = (byte) ((hi << 4) | lo);
    }
    return bytes;
  }
}
