package org.weltgewebe.persistence.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.outbox.OutboxFixture.Stored;

class ReconcilerTest {
  private TestDatabase database;
  private DatabaseSettings db;
  private final OutboxSettings outbox = OutboxFixture.outboxSettings();
  private final NatsSettings nats = TestNats.shared();

  @BeforeEach
  void publishAJournal() throws Exception {
    database = TestDatabase.create();
    db = database.settings();
    for (int e = 1; e <= 20; e++) {
      OutboxFixture.insert(db, "conversation|c" + e, 1, 25);
    }
    try (OutboxRelay relay = OutboxRelay.start(db, nats, outbox)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> OutboxFixture.count(nats.url(), nats) == 500);
    }
  }

  @AfterEach
  void cleanUp() throws Exception {
    OutboxFixture.removeRelayTraces(db, outbox, nats);
    database.close();
  }

  @Test
  void aCompleteStreamVerifiesClean() {
    Reconciler.Report report = new Reconciler(db, nats, outbox).verify();
    assertThat(report.consistent()).isTrue();
    assertThat(report.journalEvents()).isEqualTo(500);
    assertThat(report.streamMessages()).isEqualTo(500);
    assertThat(report.rangesCompared()).isGreaterThanOrEqualTo(5); // 100 orderings per range
  }

  @Test
  void aPacedPassReadsNoFasterThanItsPaceAndFindsTheSame() {
    OutboxSettings paced = new OutboxSettings(outbox.slot(), outbox.maxInFlight(), outbox.publishTimeout(), outbox.maxBackoff(),
        outbox.reconcileRange(), outbox.reconcileSettle(), 1_000);
    long started = System.nanoTime();
    Reconciler.Report report = new Reconciler(db, nats, paced).verify();
    // 500 messages at 1,000 per second: the pass waits until the 500th is due, half a second in
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    assertThat(report.consistent()).isTrue();
    assertThat(report.streamMessages()).isEqualTo(500);
  }

  @Test
  void aSecondRunReadsOnlyWhatIsNewAndStillSeesALossInWhatItHadRead() throws Exception {
    Reconciler reconciler = new Reconciler(db, nats, outbox);
    assertThat(reconciler.verify().consistent()).isTrue();
    assertThat(checkpoint("scanned_seq")).isEqualTo(500);
    long closedBefore = checkpoint("closed_below");

    for (int e = 21; e <= 24; e++) {
      OutboxFixture.insert(db, "conversation|c" + e, 1, 25);
    }
    try (OutboxRelay relay = OutboxRelay.start(db, nats, outbox)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> OutboxFixture.count(nats.url(), nats) == 600);
    }
    Reconciler.Report second = reconciler.verify();
    assertThat(second.consistent()).isTrue();
    assertThat(second.journalEvents()).isEqualTo(600);
    assertThat(second.streamMessages()).isEqualTo(600);
    assertThat(checkpoint("scanned_seq")).isEqualTo(600);
    assertThat(checkpoint("closed_below")).isGreaterThan(closedBefore);

    // A message the checkpoint had counted is deleted: the stream's deleted count gives it away.
    Stored gone = OutboxFixture.read(nats.url(), nats).get(42);
    try (Connection c = Nats.connect(nats.url())) {
      assertThat(c.jetStreamManagement().deleteMessage(nats.stream(), gone.streamSeq())).isTrue();
    }
    assertThat(reconciler.verify().missing()).containsExactly(gone.messageId());
    assertThat(reconciler.verifyFull().missing()).containsExactly(gone.messageId());
  }

  private long checkpoint(String column) throws Exception {
    try (java.sql.Connection c = db.connect();
        java.sql.PreparedStatement s =
            c.prepareStatement("SELECT " + column + " FROM outbox_reconcile_checkpoint WHERE stream = ?")) {
      s.setString(1, nats.stream());
      try (java.sql.ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void deletedMessagesAreFoundExactlyAndRepaired() throws Exception {
    List<Stored> before = OutboxFixture.read(nats.url(), nats);
    // Lost in the middle, in several ranges, and the newest message; not the oldest, whose loss is
    // indistinguishable from the stream's retention (see Reconciler).
    List<Stored> lost = List.of(before.get(17), before.get(18), before.get(150), before.get(333), before.get(499));
    try (Connection c = Nats.connect(nats.url())) {
      JetStreamManagement jsm = c.jetStreamManagement();
      for (Stored s : lost) {
        assertThat(jsm.deleteMessage(nats.stream(), s.streamSeq())).isTrue();
      }
    }
    List<String> lostIds = lost.stream().map(Stored::messageId).toList();

    Reconciler reconciler = new Reconciler(db, nats, outbox);
    Reconciler.Report report = reconciler.verify();
    assertThat(report.consistent()).isFalse();
    assertThat(report.missing()).containsExactlyInAnyOrderElementsOf(lostIds);
    assertThat(report.gaps()).allSatisfy(g -> assertThat(g.unexpected()).isEmpty());
    assertThat(report.gaps()).allSatisfy(g -> assertThat(g.journalEvents() - g.streamMessages()).isEqualTo(g.missing().size()));

    Reconciler.Repair repair = reconciler.repair();
    assertThat(repair.before().missing()).containsExactlyInAnyOrderElementsOf(lostIds);
    assertThat(repair.republished()).isEqualTo(lost.size());
    // JetStream still remembers the deleted messages' ids within its duplicate window.
    assertThat(repair.underRepairId()).isEqualTo(lost.size());

    assertThat(reconciler.verify().consistent()).isTrue();
    List<Stored> after = OutboxFixture.read(nats.url(), nats);
    Map<String, Integer> copies = new HashMap<>();
    after.forEach(s -> copies.merge(s.persistenceId() + "#" + s.sequenceNr(), 1, Integer::sum));
    assertThat(copies).hasSize(500).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    List<Stored> repaired = new ArrayList<>(after.subList(after.size() - lost.size(), after.size()));
    assertThat(repaired).extracting(s -> s.persistenceId() + "#" + s.sequenceNr()).containsExactlyInAnyOrderElementsOf(lostIds);
    assertThat(repaired).allSatisfy(s -> assertThat(s.event().payload()).isEqualTo(OutboxFixture.payload(s.persistenceId(), s.sequenceNr())));
    // A second repair finds nothing to do.
    assertThat(reconciler.repair().republished()).isZero();
    assertThat(reconciler.metrics().eventsRepaired()).isEqualTo(lost.size());
  }

  @Test
  void aLostWriteAfterABrokerCrashIsRepublishedUnderItsOwnId() throws Exception {
    // After a crash the server rebuilds its dedupe memory from what it stored, so an event it lost
    // goes back under its own id. A fresh stream holding all but the lost events plays that state.
    List<Stored> before = OutboxFixture.read(nats.url(), nats);
    Stored lostOne = before.get(250);
    NatsSettings rebuilt = TestNats.shared();
    try {
      refill(rebuilt, before, lostOne);
      Reconciler.Repair repair = new Reconciler(db, rebuilt, outbox).repair();
      assertThat(repair.before().missing()).containsExactly(lostOne.messageId());
      assertThat(repair.republished()).isEqualTo(1);
      assertThat(repair.underRepairId()).isZero();
      Stored last = OutboxFixture.read(nats.url(), rebuilt).get(499);
      assertThat(last.messageId()).isEqualTo(lostOne.messageId());
    } finally {
      OutboxFixture.deleteStream(nats.url(), rebuilt);
    }
  }

  // The lost message is the very element taken from the list, so identity is exact.
  @SuppressWarnings("ReferenceEquality")
  private void refill(NatsSettings rebuilt, List<Stored> before, Stored lostOne) throws Exception {
    try (Connection c = Nats.connect(nats.url())) {
      EventStream.ensure(c, rebuilt);
      for (Stored s : before) {
        if (s != lostOne) {
          io.nats.client.impl.Headers h = new io.nats.client.impl.Headers();
          s.headers().forEach((k, v) -> { if (!k.startsWith("Nats-")) h.put(k, v); });
          c.jetStream()
              .publish(
                  rebuilt.subjectPrefix() + s.subject().substring(nats.subjectPrefix().length()),
                  h,
                  s.payload(),
                  io.nats.client.PublishOptions.builder().messageId(s.messageId()).build());
        }
      }
    }
  }
}
