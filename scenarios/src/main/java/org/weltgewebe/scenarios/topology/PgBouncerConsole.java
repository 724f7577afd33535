package org.weltgewebe.scenarios.topology;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PgBouncer's admin console ({@code SHOW POOLS}, {@code SHOW STATS}), spoken over the PostgreSQL
 * wire protocol's simple query flow. Not through pgjdbc: from 42.7.6 the driver sends {@code SET
 * extra_float_digits} after logging in to a server that reports a version below 9.0, which the
 * console of PgBouncer 1.18 refuses ("SET failed"; PgBouncer accepts it only from 1.25 on). The
 * run's PgBouncer trusts its loopback clients, so the console needs no authentication exchange;
 * anything else is reported, not guessed.
 */
final class PgBouncerConsole {
  private static final int PROTOCOL_3 = 196_608;
  private static final int TIMEOUT_MILLIS = 3_000;

  private PgBouncerConsole() {}

  /** The rows {@code command} answers with, each as column name → text value (null for SQL NULL). */
  static List<Map<String, String>> query(int port, String user, String command) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      ByteArrayOutputStream startup = new ByteArrayOutputStream();
      DataOutputStream s = new DataOutputStream(startup);
      s.writeInt(PROTOCOL_3);
      cstring(s, "user");
      cstring(s, user);
      cstring(s, "database");
      cstring(s, "pgbouncer");
      s.writeByte(0);
      out.writeInt(startup.size() + 4);
      out.write(startup.toByteArray());
      out.flush();
      awaitReady(in);
      byte[] sql = (command + "\0").getBytes(StandardCharsets.UTF_8);
      out.writeByte('Q');
      out.writeInt(sql.length + 4);
      out.write(sql);
      out.flush();
      List<String> columns = new ArrayList<>();
      List<Map<String, String>> rows = new ArrayList<>();
      while (true) {
        char type = (char) in.readUnsignedByte();
        byte[] body = new byte[in.readInt() - 4];
        in.readFully(body);
        DataInputStream b = new DataInputStream(new java.io.ByteArrayInputStream(body));
        switch (type) {
          case 'T' -> {
            int n = b.readUnsignedShort();
            for (int i = 0; i < n; i++) {
              columns.add(readCString(b));
              b.skipBytes(18); // table oid, column, type oid, size, modifier, format
            }
          }
          case 'D' -> {
            int n = b.readUnsignedShort();
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
              int length = b.readInt();
              String value = null;
              if (length >= 0) {
                byte[] v = new byte[length];
                b.readFully(v);
                value = new String(v, StandardCharsets.UTF_8);
              }
              row.put(i < columns.size() ? columns.get(i) : "column" + i, value);
            }
            rows.add(row);
          }
          case 'E' -> throw new IOException("PgBouncer's console refused " + command + ": " + errorText(body));
          case 'Z' -> {
            out.writeByte('X');
            out.writeInt(4);
            out.flush();
            return rows;
          }
          default -> {
            // CommandComplete, notices and parameter status carry nothing we need
          }
        }
      }
    }
  }

  private static void awaitReady(DataInputStream in) throws IOException {
    while (true) {
      char type = (char) in.readUnsignedByte();
      byte[] body = new byte[in.readInt() - 4];
      in.readFully(body);
      if (type == 'R') {
        int code = new DataInputStream(new java.io.ByteArrayInputStream(body)).readInt();
        if (code != 0) {
          throw new IOException("PgBouncer's console asks for authentication (method " + code + "); the run's console is trusted on loopback");
        }
      } else if (type == 'E') {
        throw new IOException("PgBouncer's console refused the login: " + errorText(body));
      } else if (type == 'Z') {
        return;
      }
    }
  }

  /** The message field ('M') of an ErrorResponse. */
  private static String errorText(byte[] body) {
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < body.length && body[i] != 0) {
      char field = (char) body[i++];
      int start = i;
      while (i < body.length && body[i] != 0) {
        i++;
      }
      if (field == 'M') {
        text.append(new String(body, start, i - start, StandardCharsets.UTF_8));
      }
      i++;
    }
    return text.toString();
  }

  private static void cstring(DataOutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.writeByte(0);
  }

  private static String readCString(DataInputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int c;
    while ((c = in.readUnsignedByte()) != 0) {
      bytes.write(c);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
