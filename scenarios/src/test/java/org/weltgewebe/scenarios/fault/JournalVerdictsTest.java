package org.weltgewebe.scenarios.fault;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.nats.client.Connection;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import java.sql.PreparedStatement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.outbox.EventStream;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxMessage;
import org.weltgewebe.persistence.readmodel.ReadModelProjection;

/**
 * The fault verdicts on a journal and stream made to hold each kind of damage, and on ones that
 * hold none: every check can fail, and does where it should.
 */
class JournalVerdictsTest {
  private static final String MANIFEST = "org.weltgewebe.actors.Knot$Created";

  @Test
  void findsLostWritesInterleavedWritersGapsAndAStreamThatDiffers() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      NatsSettings nats = NatsSettings.fromConfig(db.outboxConfig().withFallback(ConfigFactory.load()));
      // knot|a: w1 wrote 1, w2 took over for 2, then w1 wrote again: two incarnations at once.
      journal(db, "knot|a", 1, "w1");
      journal(db, "knot|a", 2, "w2");
      journal(db, "knot|a", 3, "w1");
      // knot|b: sequence 2 is gone.
      journal(db, "knot|b", 1, "w3");
      journal(db, "knot|b", 3, "w3");
      stream(nats, "knot|a", 1, "knot|a#1");
      stream(nats, "knot|a", 1, "knot|a#1#repair-1"); // a second copy under a repair id
      stream(nats, "knot|b", 1, "knot|b#1");
      stream(nats, "knot|b", 3, "knot|b#3");
      stream(nats, "knot|c", 1, "knot|c#1"); // a ghost
      applied(db, "knot|a", 1);
      applied(db, "knot|b", 1);

      JournalVerdicts.Result r = JournalVerdicts.judge(db.settings(), nats, List.of("knot|a", "knot|z"), ReadModelProjection.CONSUMER);

      assertThat(r.acknowledgedLost()).isEqualTo(1);
      assertThat(r.lostExamples()).containsExactly("knot|z");
      assertThat(r.interleavedWriters()).isEqualTo(1);
      assertThat(r.interleavedExamples()).singleElement().asString().startsWith("knot|a (writer w1");
      assertThat(r.sequenceGaps()).isEqualTo(1);
      assertThat(r.gapExamples()).containsExactly("knot|b 1 -> 3");
      assertThat(r.missingFromStream()).isEqualTo(2); // knot|a#2, knot|a#3
      assertThat(r.duplicatedInStream()).isEqualTo(1);
      assertThat(r.unexpectedInStream()).isEqualTo(1);
      assertThat(r.readModelEvents()).isEqualTo(2);
      assertThat(r.passed()).isFalse();
      assertThat(r.nothingLost()).isFalse();
      assertThat(r.oneWriterPerEntity()).isFalse();
      assertThat(r.streamEqualsJournal()).isFalse();
      assertThat(r.readModelsEqualJournal()).isFalse();
    }
  }

  @Test
  void aFailOverThatHandsAnEntityOnceIsNoSecondWriter() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      NatsSettings nats = NatsSettings.fromConfig(db.outboxConfig().withFallback(ConfigFactory.load()));
      journal(db, "knot|a", 1, "w1");
      journal(db, "knot|a", 2, "w2"); // the node died, the entity came back elsewhere
      journal(db, "knot|a", 3, "w2");
      for (int seq = 1; seq <= 3; seq++) {
        stream(nats, "knot|a", seq, "knot|a#" + seq);
        applied(db, "knot|a", seq);
      }
      JournalVerdicts.Result r = JournalVerdicts.judge(db.settings(), nats, List.of("knot|a"), ReadModelProjection.CONSUMER);
      assertThat(r.passed()).as(r.toString()).isTrue();
      assertThat(r.journalEvents()).isEqualTo(3);
      assertThat(r.streamEvents()).isEqualTo(3);
    }
  }

  private static void journal(TestDatabase db, String pid, long seq, String writer) throws Exception {
    try (java.sql.Connection c = db.settings().connect();
        PreparedStatement s = c.prepareStatement(
            "INSERT INTO event_journal (persistence_id, sequence_number, writer, write_timestamp, event_ser_id,"
                + " event_ser_manifest, event_payload) VALUES (?, ?, ?, 0, 33, ?, '\\x7b7d'::bytea)")) {
      s.setString(1, pid);
      s.setLong(2, seq);
      s.setString(3, writer);
      s.setString(4, MANIFEST);
      s.executeUpdate();
    }
  }

  private static void applied(TestDatabase db, String pid, long seq) throws Exception {
    try (java.sql.Connection c = db.settings().connect();
        PreparedStatement s = c.prepareStatement("INSERT INTO rm_applied_event (consumer, persistence_id, sequence_nr) VALUES (?, ?, ?)")) {
      s.setString(1, ReadModelProjection.CONSUMER);
      s.setString(2, pid);
      s.setLong(3, seq);
      s.executeUpdate();
    }
  }

  private static void stream(NatsSettings nats, String pid, long seq, String messageId) throws Exception {
    try (Connection c = nats.connect("journal-verdicts-test")) {
      EventStream.ensure(c, nats);
      Headers h = new Headers();
      h.put(OutboxMessage.PERSISTENCE_ID, pid);
      h.put(OutboxMessage.SEQUENCE_NR, Long.toString(seq));
      h.put(OutboxMessage.ORDERING, "0");
      h.put(OutboxMessage.SERIALIZER_ID, "33");
      h.put(OutboxMessage.MANIFEST, MANIFEST);
      c.jetStream().publish(OutboxMessage.subject(nats.subjectPrefix(), pid, MANIFEST), h, new byte[] {0x7b, 0x7d},
          PublishOptions.builder().messageId(messageId).build());
    }
  }
}
