package org.weltgewebe.cluster;

import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.OutboxMessage;

/** Reads what the stream and the journal hold, to compare them in tests. */
final class StreamCheck {
  static final String NATS_URL = System.getenv().getOrDefault("WELTGEWEBE_TEST_NATS_URL", "nats://127.0.0.1:4222");

  private StreamCheck() {}

  /** One event's identity as the stream carries it. */
  record Stored(String persistenceId, long sequenceNr) {}

  /** Every message of {@code stream}, in stream order (an empty list when it holds none). */
  static List<Stored> stream(String stream, String subjectPrefix) throws Exception {
    List<Stored> stored = new ArrayList<>();
    try (Connection c = Nats.connect(NATS_URL)) {
      long count = c.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
      if (count == 0) {
        return stored;
      }
      try (IterableConsumer it =
          c.getStreamContext(stream)
              .createOrderedConsumer(
                  new OrderedConsumerConfiguration().filterSubject(subjectPrefix + ".>").deliverPolicy(DeliverPolicy.All))
              .iterate()) {
        while (true) {
          Message m = it.nextMessage(Duration.ofSeconds(5));
          if (m == null) {
            throw new IllegalStateException("stream ended early after " + stored.size() + " of " + count);
          }
          OutboxMessage.Event row = OutboxMessage.read(m);
          stored.add(new Stored(row.persistenceId(), row.sequenceNr()));
          if (m.metaData().pendingCount() == 0) {
            return stored;
          }
        }
      }
    }
  }

  /** Highest sequence number per persistence id in the journal. */
  static Map<String, Long> journal(DatabaseSettings db) throws Exception {
    Map<String, Long> last = new HashMap<>();
    try (java.sql.Connection c = db.connect();
        PreparedStatement s = c.prepareStatement("SELECT persistence_id, max(sequence_number) FROM event_journal GROUP BY 1");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        last.put(rs.getString(1), rs.getLong(2));
      }
    }
    return last;
  }

  static long journalRows(DatabaseSettings db) throws Exception {
    try (java.sql.Connection c = db.connect();
        PreparedStatement s = c.prepareStatement("SELECT count(*) FROM event_journal");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
