package org.weltgewebe.persistence.outbox;

import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.weltgewebe.persistence.DatabaseSettings;

/** Journal rows written as pekko-persistence-jdbc writes them, and the stream read back whole. */
final class OutboxFixture {
  static final String MANIFEST = "org.weltgewebe.actors.Knot$Created";
  private static final String INSERT =
      "INSERT INTO event_journal (persistence_id, sequence_number, deleted, writer, write_timestamp,"
          + " event_ser_id, event_ser_manifest, event_payload) VALUES (?, ?, false, ?, ?, ?, ?, ?)";

  private OutboxFixture() {}

  /** Outbox settings with a slot of the test's own and a settle time of zero. */
  static OutboxSettings outboxSettings() {
    String slot = "wg_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    return new OutboxSettings(slot, 512, Duration.ofSeconds(5), Duration.ofMillis(500), 100, Duration.ZERO, 0);
  }

  /** The payload of an event: text with a few bytes around it that no text encoding would keep. */
  static byte[] payload(String persistenceId, long sequenceNr) {
    byte[] text = ("{\"id\":\"" + persistenceId + "\",\"n\":" + sequenceNr + "}").getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[text.length + 3];
    bytes[0] = 0;
    bytes[1] = (byte) 0xFF;
    System.arraycopy(text, 0, bytes, 2, text.length);
    bytes[bytes.length - 1] = (byte) 0x80;
    return bytes;
  }

  /** Inserts events {@code from..to} of an entity in the caller's connection and transaction. */
  static void insert(java.sql.Connection c, String persistenceId, long from, long to) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(INSERT)) {
      for (long seq = from; seq <= to; seq++) {
        s.setString(1, persistenceId);
        s.setLong(2, seq);
        s.setString(3, "writer-1");
        s.setLong(4, System.currentTimeMillis());
        s.setInt(5, 33);
        s.setString(6, MANIFEST);
        s.setBytes(7, payload(persistenceId, seq));
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  /** Inserts events {@code from..to} of an entity in one committed transaction. */
  static void insert(DatabaseSettings db, String persistenceId, long from, long to) throws SQLException {
    try (java.sql.Connection c = db.connect()) {
      c.setAutoCommit(false);
      insert(c, persistenceId, from, to);
      c.commit();
    }
  }

  /** One message as the stream holds it: its raw headers and data, and the journal row they carry. */
  record Stored(long streamSeq, String subject, String messageId, Map<String, String> headers, byte[] payload, OutboxMessage.Event event) {
    String persistenceId() {
      return event.persistenceId();
    }

    long sequenceNr() {
      return event.sequenceNr();
    }
  }

  /** Every message of the stream, in stream order. */
  static List<Stored> read(String url, NatsSettings nats) throws Exception {
    try (Connection c = Nats.connect(Options.builder().server(url).build())) {
      long last = c.jetStreamManagement().getStreamInfo(nats.stream()).getStreamState().getLastSequence();
      long count = c.jetStreamManagement().getStreamInfo(nats.stream()).getStreamState().getMsgCount();
      List<Stored> stored = new ArrayList<>();
      if (count == 0) {
        return stored;
      }
      try (IterableConsumer it =
          c.getStreamContext(nats.stream())
              .createOrderedConsumer(new OrderedConsumerConfiguration().filterSubject(nats.allSubjects()).deliverPolicy(DeliverPolicy.All))
              .iterate()) {
        while (true) {
          Message m = it.nextMessage(Duration.ofSeconds(5));
          if (m == null) {
            throw new IllegalStateException("stream stopped before " + last);
          }
          Map<String, String> headers = new HashMap<>();
          m.getHeaders().entrySet().forEach(e -> headers.put(e.getKey(), e.getValue().get(0)));
          stored.add(
              new Stored(
                  m.metaData().streamSequence(),
                  m.getSubject(),
                  headers.get("Nats-Msg-Id"),
                  headers,
                  m.getData(),
                  OutboxMessage.read(m)));
          if (m.metaData().streamSequence() >= last || m.metaData().pendingCount() == 0) {
            return stored;
          }
        }
      }
    }
  }

  /** How many messages the stream holds now. */
  static long count(String url, NatsSettings nats) throws Exception {
    try (Connection c = Nats.connect(Options.builder().server(url).build())) {
      return c.jetStreamManagement().getStreamInfo(nats.stream()).getStreamState().getMsgCount();
    }
  }

  /** Deletes the stream if it exists. */
  static void deleteStream(String url, NatsSettings nats) {
    try (Connection c = Nats.connect(Options.builder().server(url).build())) {
      c.jetStreamManagement().deleteStream(nats.stream());
    } catch (Exception e) {
      // gone already, or the server is: nothing left to clean
    }
  }

  /**
   * Removes what a relay leaves behind: its replication slot and seed slot (a slot left behind would
   * pin the server's WAL for good) and its stream.
   */
  static void removeRelayTraces(DatabaseSettings db, OutboxSettings outbox, NatsSettings nats) throws SQLException {
    JournalChangeFeed.dropSlot(db, outbox.slot());
    JournalChangeFeed.dropSlot(db, outbox.slot() + "_seed");
    deleteStream(nats.url(), nats);
  }
}
