package org.weltgewebe.scenarios.fault;

import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxMessage;

/**
 * The verdicts of a fault run, read from the journal, the stream and the read models themselves —
 * never from the platform's own counters, which a fault can falsify (a node killed mid-batch takes
 * its counters with it).
 *
 * <ul>
 *   <li><b>acknowledged events lost</b>: entities whose creation a client saw acknowledged and the
 *       journal does not hold;
 *   <li><b>two writers for one persistence id</b>: a writer (pekko-persistence's per-incarnation id in
 *       the journal's {@code writer} column) that writes again after another writer took over the
 *       same entity — two incarnations alive at once, which a split brain would cause (a plain
 *       fail-over hands over once and never back); and gaps in an entity's sequence numbers;
 *       duplicate sequence numbers the journal's primary key already forbids;
 *   <li><b>stream = journal</b>: every journal event in the stream exactly once by identity (the
 *       identity headers; a re-publish under a repair id is the same event), nothing in the stream
 *       the journal lacks;
 *   <li><b>read models = journal</b>: the read-model consumer recorded every journal event as applied.
 * </ul>
 */
public final class JournalVerdicts {
  /** What was found. Each list holds at most {@link #LISTED} examples; the counts are complete. */
  public record Result(
      long journalEvents,
      long acknowledged,
      long acknowledgedLost,
      List<String> lostExamples,
      long interleavedWriters,
      List<String> interleavedExamples,
      long sequenceGaps,
      List<String> gapExamples,
      long streamEvents,
      long missingFromStream,
      long duplicatedInStream,
      long unexpectedInStream,
      List<String> streamExamples,
      long readModelEvents) {

    public boolean nothingLost() {
      return acknowledgedLost == 0;
    }

    public boolean oneWriterPerEntity() {
      return interleavedWriters == 0 && sequenceGaps == 0;
    }

    public boolean streamEqualsJournal() {
      return missingFromStream == 0 && duplicatedInStream == 0 && unexpectedInStream == 0;
    }

    public boolean readModelsEqualJournal() {
      return readModelEvents == journalEvents;
    }

    public boolean passed() {
      return nothingLost() && oneWriterPerEntity() && streamEqualsJournal() && readModelsEqualJournal();
    }
  }

  static final int LISTED = 20;

  private JournalVerdicts() {}

  /**
   * Judges the journal of {@code db} and the stream of {@code nats} (null: the stream is not judged)
   * against the persistence ids clients saw acknowledged; {@code consumer} names the read-model
   * consumer whose applied events are counted.
   */
  public static Result judge(DatabaseSettings db, NatsSettings nats, Collection<String> acknowledgedIds, String consumer)
      throws SQLException, IOException, JetStreamApiException, InterruptedException {
    Map<String, Long> journal = new HashMap<>();
    Set<String> entities = new HashSet<>();
    try (java.sql.Connection c = db.connect(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.setFetchSize(10_000);
      try (ResultSet rs = s.executeQuery("SELECT persistence_id, sequence_number, ordering FROM event_journal")) {
        while (rs.next()) {
          journal.put(OutboxMessage.dedupeId(rs.getString(1), rs.getLong(2)), rs.getLong(3));
          entities.add(rs.getString(1));
        }
      }
      c.commit();
    }
    List<String> lost = acknowledgedIds.stream().filter(id -> !entities.contains(id)).toList();
    List<String> interleaved = strings(db,
        "WITH runs AS (SELECT persistence_id, writer, writer IS DISTINCT FROM lag(writer) OVER"
            + " (PARTITION BY persistence_id ORDER BY sequence_number) AS starts FROM event_journal)"
            + " SELECT persistence_id || ' (writer ' || writer || ' took over ' || count(*) || ' times)'"
            + " FROM runs WHERE starts GROUP BY persistence_id, writer HAVING count(*) > 1");
    List<String> gaps = strings(db,
        "SELECT persistence_id || ' ' || previous || ' -> ' || sequence_number FROM (SELECT persistence_id, sequence_number,"
            + " coalesce(lag(sequence_number) OVER (PARTITION BY persistence_id ORDER BY sequence_number), 0) AS previous"
            + " FROM event_journal) s WHERE sequence_number <> previous + 1");

    long streamEvents = 0;
    long missing = 0;
    long duplicated = 0;
    long unexpected = 0;
    List<String> streamExamples = new ArrayList<>();
    if (nats != null) {
      Map<String, Integer> copies = streamIdentities(nats);
      streamEvents = copies.values().stream().mapToLong(Integer::longValue).sum();
      for (String id : journal.keySet()) {
        Integer n = copies.get(id);
        if (n == null) {
          missing++;
          example(streamExamples, "missing from the stream: " + id);
        } else if (n > 1) {
          duplicated++;
          example(streamExamples, n + " copies in the stream: " + id);
        }
      }
      for (String id : copies.keySet()) {
        if (!journal.containsKey(id)) {
          unexpected++;
          example(streamExamples, "in the stream, not in the journal: " + id);
        }
      }
    }
    long readModels;
    try (java.sql.Connection c = db.connect();
        PreparedStatement s = c.prepareStatement("SELECT count(*) FROM rm_applied_event WHERE consumer = ?")) {
      s.setString(1, consumer);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        readModels = rs.getLong(1);
      }
    }
    return new Result(
        journal.size(), acknowledgedIds.size(), lost.size(), head(lost), interleaved.size(), head(interleaved), gaps.size(),
        head(gaps), streamEvents, missing, duplicated, unexpected, streamExamples, readModels);
  }

  // Copies per event identity (from the headers, so a repair id counts as its event), read with an
  // ordered consumer, headers only.
  private static Map<String, Integer> streamIdentities(NatsSettings nats) throws IOException, JetStreamApiException, InterruptedException {
    Map<String, Integer> copies = new HashMap<>();
    try (Connection connection = nats.connect("weltgewebe-fault-verdicts")) {
      StreamInfo info = connection.jetStreamManagement().getStreamInfo(nats.stream());
      long last = info.getStreamState().getLastSequence();
      if (info.getStreamState().getMsgCount() == 0) {
        return copies;
      }
      try (IterableConsumer messages = connection.getStreamContext(nats.stream())
          .createOrderedConsumer(new OrderedConsumerConfiguration().filterSubject(nats.subjectPrefix() + ".>")
              .deliverPolicy(DeliverPolicy.All))
          .iterate()) {
        while (true) {
          Message m = messages.nextMessage(Duration.ofSeconds(5));
          if (m == null) {
            throw new IOException("stream " + nats.stream() + " stopped delivering before sequence " + last);
          }
          try {
            copies.merge(OutboxMessage.identity(m).dedupeId(), 1, Integer::sum);
          } catch (OutboxMessage.Unreadable notAnEvent) {
            // not an event of the outbox: not counted
          }
          if (m.metaData().streamSequence() >= last || m.metaData().pendingCount() == 0) {
            return copies;
          }
        }
      } catch (IOException | InterruptedException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("cannot read stream " + nats.stream(), e);
      }
    }
  }

  private static List<String> strings(DatabaseSettings db, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (java.sql.Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  private static void example(List<String> examples, String line) {
    if (examples.size() < LISTED) {
      examples.add(line);
    }
  }

  private static List<String> head(List<String> all) {
    return List.copyOf(all.subList(0, Math.min(LISTED, all.size())));
  }
}
