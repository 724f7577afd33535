package org.weltgewebe.persistence.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.TestDatabase;

/** The outbox part of a node's readiness, read from PostgreSQL: slot missing, nobody reading it, events waiting. */
class OutboxReadinessTest {
  private final OutboxSettings outbox = OutboxFixture.outboxSettings();
  private final NatsSettings nats = TestNats.shared();
  private TestDatabase database;
  private DatabaseSettings db;

  @BeforeEach
  void migrate() {
    database = TestDatabase.create();
    db = database.settings();
  }

  @AfterEach
  void cleanUp() throws Exception {
    OutboxFixture.removeRelayTraces(db, outbox, nats);
    database.close();
  }

  @Test
  void withoutItsSlotTheOutboxIsNotReady() {
    OutboxReadiness readiness = new OutboxReadiness(db, outbox, Duration.ofSeconds(60), Clock.systemUTC());

    assertThat(readiness.problem()).hasValue("replication slot " + outbox.slot() + " is missing: the outbox relay has not started (yet)");
  }

  @Test
  void aSlotThatNobodyReadsIsNotReady() throws Exception {
    createSlot();
    OutboxReadiness readiness = new OutboxReadiness(db, outbox, Duration.ofSeconds(60), Clock.systemUTC());

    assertThat(readiness.problem()).hasValue("no outbox relay reads replication slot " + outbox.slot());
  }

  @Test
  void aRunningRelayIsReady() {
    try (OutboxRelay relay = OutboxRelay.start(db, nats, outbox)) {
      OutboxReadiness readiness = new OutboxReadiness(db, outbox, Duration.ofSeconds(60), Clock.systemUTC());
      await().atMost(Duration.ofSeconds(30)).until(() -> readiness.problem().isEmpty());
    }
  }

  @Test
  void eventsWaitingPastTheBoundBeyondAReaderThatConfirmsNothingAreNotReady() throws Exception {
    createSlot();
    // a reader that holds the slot and never confirms: a relay stuck on a publish
    try (JournalChangeFeed stuck = JournalChangeFeed.open(db, outbox.slot())) {
      Clock twoMinutesAhead = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(2));
      OutboxReadiness readiness = new OutboxReadiness(db, outbox, Duration.ofSeconds(60), twoMinutesAhead);
      assertThat(readiness.problem()).as("nothing waits yet").isEmpty();

      OutboxFixture.insert(db, "knot|waiting", 1, 2);

      assertThat(readiness.problem()).hasValueSatisfying(p -> assertThat(p)
          .matches("the outbox has not confirmed an event for 1[12][0-9] s \\(slot " + outbox.slot()
              + " at [0-9A-F]+/[0-9A-F]+; weltgewebe.outbox.readiness.max-lag = 60 s\\)"));
      OutboxReadiness patient = new OutboxReadiness(db, outbox, Duration.ofMinutes(5), twoMinutesAhead);
      patient.problem();
      OutboxFixture.insert(db, "knot|waiting", 3, 3);
      assertThat(patient.problem()).as("two minutes are within a bound of five").isEmpty();
    }
  }

  private void createSlot() throws Exception {
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      s.execute("SELECT pg_create_logical_replication_slot('" + outbox.slot() + "', 'pgoutput')");
    }
  }
}
