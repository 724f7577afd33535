package org.weltgewebe.persistence.privacy;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.readmodel.LiveFeeds;

/**
 * Looks for readable traces of a subject everywhere the platform stores data: the journal's and the
 * snapshots' payloads, every read-model table (the search index is columns of them) and the audit
 * log, the events stream, the live-feed and dead-letter streams in JetStream, and log files. A
 * needle is a string the subject's data held (a name, an address, an offer): after forgetting, no
 * store may show it. {@code weltgewebe gdpr scan} and the canary test run this.
 */
public final class PrivacyScan {
  private static final Duration STREAM_IDLE = Duration.ofSeconds(2);

  /** One readable trace: where, and which needle. */
  public record Hit(String where, String needle) {}

  private PrivacyScan() {}

  /** Every hit of every needle in the database, the streams of {@code nats}, and {@code logs}. */
  public static List<Hit> scan(DatabaseSettings db, NatsSettings nats, List<String> needles, List<Path> logs)
      throws SQLException, IOException, InterruptedException {
    List<Hit> hits = new ArrayList<>();
    try (java.sql.Connection c = db.connect()) {
      scanBytes(c, "SELECT persistence_id || '#' || sequence_number, event_payload FROM event_journal", "journal", needles, hits);
      scanBytes(c, "SELECT persistence_id || '#' || sequence_number, snapshot_payload FROM snapshot", "snapshot", needles, hits);
      List<String> tables = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
              + " AND (table_name LIKE 'rm\\_%' OR table_name = 'audit_log') ORDER BY table_name")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String table : tables) {
        scanTable(c, table, needles, hits);
      }
    }
    for (String stream : List.of(nats.stream(), LiveFeeds.stream(nats), nats.stream() + "_DEAD_LETTERS")) {
      scanStream(nats, stream, needles, hits);
    }
    for (Path log : logs) {
      byte[] content = Files.readAllBytes(log);
      for (String needle : needles) {
        if (contains(content, needle.getBytes(StandardCharsets.UTF_8))) {
          hits.add(new Hit("log " + log, needle));
        }
      }
    }
    return hits;
  }

  private static void scanBytes(java.sql.Connection c, String sql, String what, List<String> needles, List<Hit> hits)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        byte[] payload = rs.getBytes(2);
        for (String needle : needles) {
          if (contains(payload, needle.getBytes(StandardCharsets.UTF_8))) {
            hits.add(new Hit(what + " " + rs.getString(1), needle));
          }
        }
      }
    }
  }

  private static void scanTable(java.sql.Connection c, String table, List<String> needles, List<Hit> hits)
      throws SQLException {
    // The table name comes from information_schema, not from a user.
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
      ResultSetMetaData meta = rs.getMetaData();
      while (rs.next()) {
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          String value = rs.getString(i);
          if (value == null) {
            continue;
          }
          String folded = value.toLowerCase(java.util.Locale.ROOT);
          for (String needle : needles) {
            if (folded.contains(needle.toLowerCase(java.util.Locale.ROOT))) {
              hits.add(new Hit(table + "." + meta.getColumnName(i), needle));
            }
          }
        }
      }
    }
  }

  private static void scanStream(NatsSettings nats, String stream, List<String> needles, List<Hit> hits)
      throws IOException, InterruptedException {
    try (Connection connection = nats.connect("weltgewebe-privacy-scan")) {
      try {
        connection.jetStreamManagement().getStreamInfo(stream);
      } catch (JetStreamApiException missing) {
        return;
      }
      JetStream js = connection.jetStream();
      JetStreamSubscription sub = js.subscribe(null, PushSubscribeOptions.builder().stream(stream).ordered(true).build());
      while (true) {
        Message message = sub.nextMessage(STREAM_IDLE);
        if (message == null) {
          break;
        }
        for (String needle : needles) {
          if (contains(message.getData(), needle.getBytes(StandardCharsets.UTF_8))) {
            hits.add(new Hit("stream " + stream + " #" + message.metaData().streamSequence(), needle));
          }
        }
        if (message.metaData().pendingCount() == 0) {
          break;
        }
      }
      sub.unsubscribe();
    } catch (JetStreamApiException e) {
      throw new IOException("cannot read stream " + stream + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code haystack} holds {@code needle} as consecutive bytes. */
  static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
