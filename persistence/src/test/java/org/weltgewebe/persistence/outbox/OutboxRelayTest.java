package org.weltgewebe.persistence.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.outbox.OutboxFixture.Stored;

class OutboxRelayTest {
  private TestDatabase database;
  private DatabaseSettings db;

  private final OutboxSettings outbox = OutboxFixture.outboxSettings();
  private final List<OutboxRelay> relays = new ArrayList<>();
  private NatsSettings nats;

  @BeforeEach
  void createDatabase() {
    database = TestDatabase.create();
    db = database.settings();
  }

  @AfterEach
  void cleanUp() throws Exception {
    relays.forEach(OutboxRelay::kill);
    // A slot left behind would pin the server's WAL for good.
    JournalChangeFeed.dropSlot(db, outbox.slot());
    JournalChangeFeed.dropSlot(db, outbox.slot() + "_seed");
    if (nats != null) {
      OutboxFixture.deleteStream(nats.url(), nats);
    }
    database.close();
  }

  private OutboxRelay start(NatsSettings settings) {
    OutboxRelay relay = OutboxRelay.start(db, settings, outbox);
    relays.add(relay);
    return relay;
  }

  @Test
  void aTransactionHeldOpenLongerThanTheJournalQueriesWaitIsDeliveredAfterItsCommit() throws Exception {
    nats = TestNats.shared();
    OutboxRelay relay = start(nats);
    try (Connection held = db.connect()) {
      held.setAutoCommit(false);
      // Draws its ordering first, commits last.
      OutboxFixture.insert(held, "knot|held", 1, 1);
      long heldSince = System.nanoTime();
      for (int i = 1; i <= 20; i++) {
        OutboxFixture.insert(db, "knot|k" + i, 1, 3);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> OutboxFixture.count(nats.url(), nats) == 60);
      // The deliberate hold: longer than the ~10 s after which events-by-tag gives up on a gap.
      Thread.sleep(Math.max(0, 12_000 - (System.nanoTime() - heldSince) / 1_000_000));
      assertThat(OutboxFixture.read(nats.url(), nats)).noneMatch(s -> s.persistenceId().equals("knot|held"));
      held.commit();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> OutboxFixture.count(nats.url(), nats) == 61);
    List<Stored> stored = OutboxFixture.read(nats.url(), nats);
    Stored last = stored.get(stored.size() - 1);
    assertThat(last.messageId()).isEqualTo("knot|held#1");
    assertThat(last.subject()).isEqualTo(nats.subjectPrefix() + ".knot.Created");
    // Format 1: the dedupe id is the only header; the payload carries the whole row.
    assertThat(last.headers()).containsOnlyKeys("Nats-Msg-Id");
    OutboxMessage.Event held = last.event();
    assertThat(held.payload()).isEqualTo(OutboxFixture.payload("knot|held", 1));
    assertThat(held.persistenceId()).isEqualTo("knot|held");
    assertThat(held.sequenceNr()).isEqualTo(1);
    assertThat(held.serializerId()).isEqualTo(33);
    assertThat(held.manifest()).isEqualTo(OutboxFixture.MANIFEST);
    assertThat(held.writeTimestamp()).isNotNull();
    // The held row drew the lowest ordering of all, yet arrives last: commit order.
    assertThat(stored.subList(0, 60)).allMatch(s -> s.event().ordering() > held.ordering());
    assertExactlyOnceInEntityOrder(stored, 61);
    assertThat(relay.metrics().eventsPublished()).isEqualTo(61);
  }

  @Test
  void aRelayKilledMidBurstIsReplacedAndTheStreamHoldsEveryEventOnceInEntityOrder() throws Exception {
    nats = TestNats.shared();
    OutboxRelay first = start(nats);
    int entities = 40;
    int perEntity = 100;
    CompletableFuture<Void> burst = burst(entities, perEntity, new AtomicBoolean());
    await().atMost(Duration.ofSeconds(30)).until(() -> first.metrics().eventsPublished() >= 1200);
    first.kill();
    long publishedBeforeKill = first.metrics().eventsPublished();
    OutboxRelay second = start(nats);
    burst.get();
    await()
        .atMost(Duration.ofSeconds(45))
        .until(() -> OutboxFixture.count(nats.url(), nats) >= (long) entities * perEntity);
    assertThat(publishedBeforeKill).isLessThan((long) entities * perEntity);
    List<Stored> stored = OutboxFixture.read(nats.url(), nats);
    assertExactlyOnceInEntityOrder(stored, entities * perEntity);
    // The successor resumed from the slot's confirmed position, not from the start; what the
    // killed relay had sent but not confirmed came again and was dropped as a duplicate. (The sum
    // of both relays' counts may fall short of the total: a kill loses acks of stored messages.)
    OutboxRelay.Metrics successor = second.metrics();
    assertThat(successor.eventsPublished() + successor.duplicatesDropped()).isLessThan((long) entities * perEntity);
    assertThat(successor.eventsPublished()).isLessThanOrEqualTo((long) entities * perEntity - first.metrics().eventsPublished());
  }

  @Test
  void aNatsOutageMidBurstIsCaughtUpWithNothingLost() throws Exception {
    try (TestNats server = TestNats.startPrivate()) {
      nats = server.settings();
      OutboxRelay relay = start(nats);
      int entities = 30;
      int perEntity = 100;
      CompletableFuture<Void> burst = burst(entities, perEntity, new AtomicBoolean());
      await().atMost(Duration.ofSeconds(30)).until(() -> relay.metrics().eventsPublished() >= 800);
      server.stop();
      await().atMost(Duration.ofSeconds(10)).until(() -> relay.metrics().failures() >= 1);
      burst.get(); // the journal takes writes while the broker is away
      server.start();
      await()
          .atMost(Duration.ofSeconds(45))
          .until(() -> OutboxFixture.count(server.url(), nats) >= (long) entities * perEntity);
      assertExactlyOnceInEntityOrder(OutboxFixture.read(server.url(), nats), entities * perEntity);
    }
  }

  @Test
  void eventsWrittenBeforeTheFirstStartArePublishedToo() throws Exception {
    nats = TestNats.shared();
    for (int i = 1; i <= 10; i++) {
      OutboxFixture.insert(db, "thread|early" + i, 1, 20);
    }
    OutboxRelay relay = start(nats);
    OutboxFixture.insert(db, "thread|late", 1, 5);
    await().atMost(Duration.ofSeconds(20)).until(() -> OutboxFixture.count(nats.url(), nats) >= 205);
    List<Stored> stored = OutboxFixture.read(nats.url(), nats);
    assertThat(stored).filteredOn(s -> s.persistenceId().startsWith("thread|")).hasSize(205);
    assertThat(stored).allMatch(s -> s.subject().equals(nats.subjectPrefix() + ".thread.Created"));
    // The seed slot is dropped once its events are confirmed, which may come just after they arrive.
    await().atMost(Duration.ofSeconds(10)).until(() -> !JournalChangeFeed.slotExists(db, outbox.slot() + "_seed"));
    await().atMost(Duration.ofSeconds(5)).until(() -> relay.metrics().lagEvents() == 0);
  }

  @Test
  void aStoppedRelaysSuccessorResumesWhereItStoppedWithoutRepublishing() throws Exception {
    nats = TestNats.shared();
    OutboxRelay first = start(nats);
    for (int i = 1; i <= 10; i++) {
      OutboxFixture.insert(db, "role|r" + i, 1, 5);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> OutboxFixture.count(nats.url(), nats) == 50);
    first.stop();
    OutboxRelay second = start(nats);
    OutboxFixture.insert(db, "role|r1", 6, 8);
    await().atMost(Duration.ofSeconds(10)).until(() -> second.metrics().eventsPublished() == 3);
    assertThat(second.metrics().duplicatesDropped()).isZero();
    assertExactlyOnceInEntityOrder(OutboxFixture.read(nats.url(), nats), 53);
    // The slot's stored position moves on with every relayed transaction.
    long confirmed = JournalChangeFeed.storedPosition(db, outbox.slot());
    OutboxFixture.insert(db, "role|r2", 6, 6);
    await().atMost(Duration.ofSeconds(10)).until(() -> JournalChangeFeed.storedPosition(db, outbox.slot()) > confirmed);
  }

  @Test
  void anIdleRelayLetsItsSlotFollowWalWrittenForOtherTables() throws Exception {
    nats = TestNats.shared();
    start(nats);
    OutboxFixture.insert(db, "knot|one", 1, 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> OutboxFixture.count(nats.url(), nats) == 1);
    long written;
    try (Connection c = db.connect(); java.sql.Statement s = c.createStatement()) {
      s.execute("CREATE TABLE unrelated (n int)");
      s.execute("INSERT INTO unrelated SELECT generate_series(1, 10000)");
      try (java.sql.ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
        rs.next();
        written = org.postgresql.replication.LogSequenceNumber.valueOf(rs.getString(1)).asLong();
      }
    }
    // Otherwise the slot would hold every WAL segment written since the journal's last event.
    await().atMost(Duration.ofSeconds(15)).until(() -> JournalChangeFeed.storedPosition(db, outbox.slot()) >= written);
  }

  @Test
  void startFailsWithTheRemedyWhenNatsRefusesTheStreamAndLeavesNoSlotBehind() throws Exception {
    try (TestNats small = TestNats.startPrivate("1GB")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(small.settings()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("max_file_store must allow max_bytes = 100 GiB");
      assertThat(JournalChangeFeed.slotExists(db, outbox.slot() + "_seed")).isFalse();
    }
  }

  /**
   * Writes {@code perEntity} events for each of {@code entities} entities, each entity in order, in
   * transactions of 1 to 5 events, as the journal gets them from busy entities.
   */
  private CompletableFuture<Void> burst(int entities, int perEntity, AtomicBoolean stop) {
    return CompletableFuture.runAsync(
        () -> {
          try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            long[] next = new long[entities];
            java.util.Arrays.fill(next, 1);
            int round = 0;
            boolean more = true;
            while (more && !stop.get()) {
              more = false;
              for (int e = 0; e < entities; e++) {
                if (next[e] > perEntity) {
                  continue;
                }
                long to = Math.min(perEntity, next[e] + (round + e) % 5);
                OutboxFixture.insert(c, "knot|burst" + e, next[e], to);
                c.commit();
                next[e] = to + 1;
                more = true;
              }
              round++;
            }
          } catch (Exception e) {
            throw new IllegalStateException("burst writer failed", e);
          }
        });
  }

  static void assertExactlyOnceInEntityOrder(List<Stored> stored, int expected) {
    Set<String> ids = new HashSet<>();
    Map<String, Long> lastSeq = new HashMap<>();
    for (Stored s : stored) {
      assertThat(ids.add(s.messageId())).as("stored once: %s", s.messageId()).isTrue();
      assertThat(s.messageId()).isEqualTo(s.persistenceId() + "#" + s.sequenceNr());
      long previous = lastSeq.getOrDefault(s.persistenceId(), 0L);
      assertThat(s.sequenceNr()).as("order of %s", s.persistenceId()).isEqualTo(previous + 1);
      lastSeq.put(s.persistenceId(), s.sequenceNr());
    }
    assertThat(stored).hasSize(expected);
  }
}
