package org.weltgewebe.persistence.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.nats.client.ConsumerContext;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.IterableConsumer;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.outbox.OutboxStatus.ConsumerStatus;
import org.weltgewebe.persistence.outbox.OutboxStatus.Limit;
import org.weltgewebe.persistence.outbox.OutboxStatus.Retention;
import org.weltgewebe.persistence.outbox.OutboxStatus.ScenarioVolume;

class OutboxStatusTest {
  private static final int ENTITIES = 30;
  private static final int EVENTS_EACH = 10;
  private static final int EVENTS = ENTITIES * EVENTS_EACH;
  private static final String DURABLE = "status-probe";

  private TestDatabase database;
  private DatabaseSettings db;
  private final OutboxSettings outbox = OutboxFixture.outboxSettings();
  private final NatsSettings nats = TestNats.shared();
  private OutboxRelay relay;

  @BeforeEach
  void relayAFewHundredEvents() throws Exception {
    database = TestDatabase.create();
    db = database.settings();
    relay = OutboxRelay.start(db, nats, outbox);
    for (int entity = 1; entity <= ENTITIES; entity++) {
      OutboxFixture.insert(db, "knot|status-" + entity, 1, EVENTS_EACH);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> OutboxFixture.count(nats.url(), nats) == EVENTS);
  }

  @AfterEach
  void cleanUp() throws Exception {
    relay.kill();
    OutboxFixture.removeRelayTraces(db, outbox, nats);
    database.close();
  }

  @Test
  void streamFiguresAndRetentionFollowFromWhatTheStreamHolds() {
    OutboxStatus status = OutboxStatus.read(db, nats, outbox);

    assertThat(status.streamMessages()).isEqualTo(EVENTS);
    assertThat(status.averageMessageBytes()).isEqualTo((double) status.streamBytes() / EVENTS);
    // JetStream counts subject and headers too: a message takes more than its payload.
    byte[] largestPayload = OutboxFixture.payload("knot|status-" + ENTITIES, EVENTS_EACH);
    assertThat(status.averageMessageBytes()).isGreaterThan(largestPayload.length + (double) nats.subjectPrefix().length());

    double average = status.averageMessageBytes();
    assertThat(status.retention()).extracting(Retention::scenario).containsExactly(ScenarioVolume.values());
    for (Retention r : status.retention()) {
      double byteLimitDays = EventStream.MAX_BYTES / (average * r.scenario().eventsPerDay());
      assertThat(r.days()).isCloseTo(Math.min(byteLimitDays, 30.0), within(1e-9));
      assertThat(r.limitedBy()).isEqualTo(byteLimitDays < 30 ? Limit.MAX_BYTES : Limit.MAX_AGE);
    }
    // Whether S4 keeps 30 days follows from the size alone (the loop above); S1's volume always does.
    assertThat(status.retention(ScenarioVolume.S1).orElseThrow().limitedBy()).isEqualTo(Limit.MAX_AGE);
  }

  @Test
  void retentionArithmetic() {
    // 100 GiB for 600M messages: 178.957 bytes each.
    Retention s4 = OutboxStatus.project(100).get(3);
    assertThat(s4.scenario()).isEqualTo(ScenarioVolume.S4);
    assertThat(s4.bytesPerMessageForMaxAge()).isCloseTo(178.957, within(0.001));
    assertThat(s4.days()).isEqualTo(30.0);
    assertThat(s4.limitedBy()).isEqualTo(Limit.MAX_AGE);

    Retention halved = OutboxStatus.project(2 * s4.bytesPerMessageForMaxAge()).get(3);
    assertThat(halved.days()).isCloseTo(15.0, within(1e-6));
    assertThat(halved.limitedBy()).isEqualTo(Limit.MAX_BYTES);

    // S1 at 1 KiB a message: 100 GiB last 5,243 days, so max_age decides.
    Retention s1 = OutboxStatus.project(1024).get(0);
    assertThat(s1.days()).isEqualTo(30.0);
    assertThat(s1.limitedBy()).isEqualTo(Limit.MAX_AGE);
  }

  @Test
  void theSlotLagGrowsByTheJournalWritesWhileNoRelayConfirms() throws Exception {
    assertThat(OutboxStatus.read(db, nats, outbox).slotLagBytes().orElseThrow()).isNotNegative();

    relay.stop();
    long before = OutboxStatus.read(db, nats, outbox).slotLagBytes().orElseThrow();
    OutboxFixture.insert(db, "knot|status-unrelayed", 1, 100);
    long after = OutboxStatus.read(db, nats, outbox).slotLagBytes().orElseThrow();

    // Other databases on the server may write WAL too; that only adds to the lag.
    int payloadBytes = 100 * OutboxFixture.payload("knot|status-unrelayed", 100).length;
    assertThat(after - before).isGreaterThanOrEqualTo(payloadBytes);
  }

  @Test
  void durableConsumersShowPendingAckPendingAndRedelivered() throws Exception {
    try (io.nats.client.Connection c = nats.connect("outbox-status-test")) {
      c.jetStreamManagement()
          .addOrUpdateConsumer(
              nats.stream(),
              ConsumerConfiguration.builder()
                  .durable(DURABLE)
                  .ackPolicy(AckPolicy.Explicit)
                  .ackWait(Duration.ofMinutes(1))
                  .build());
      ConsumerContext consumer = c.getConsumerContext(nats.stream(), DURABLE);

      // An ordered consumer reads alongside: it is ephemeral and not listed.
      try (IterableConsumer ordered =
          c.getStreamContext(nats.stream())
              .createOrderedConsumer(new OrderedConsumerConfiguration().deliverPolicy(DeliverPolicy.All))
              .iterate()) {
        assertThat(ordered.nextMessage(Duration.ofSeconds(5))).isNotNull();
        assertThat(OutboxStatus.read(db, nats, outbox).consumers())
            .containsExactly(new ConsumerStatus(DURABLE, EVENTS, 0, 0));
      }

      List<Message> delivered = fetch(consumer, 20);
      assertThat(delivered).hasSize(20);
      assertThat(OutboxStatus.read(db, nats, outbox).consumers())
          .containsExactly(new ConsumerStatus(DURABLE, EVENTS - 20, 20, 0));

      // A negative acknowledgement is no acknowledgement: the server delivers the same 20 again.
      delivered.forEach(Message::nak);
      c.flush(Duration.ofSeconds(5)); // the naks reach the server before the next pull
      List<Message> again = fetch(consumer, 20);
      assertThat(again).allSatisfy(m -> assertThat(m.metaData().deliveredCount()).isEqualTo(2));
      assertThat(OutboxStatus.read(db, nats, outbox).consumers())
          .containsExactly(new ConsumerStatus(DURABLE, EVENTS - 20, 20, 20));
    }
  }

  private static List<Message> fetch(ConsumerContext consumer, int count) throws Exception {
    List<Message> messages = new ArrayList<>();
    try (FetchConsumer fetch =
        consumer.fetch(FetchConsumeOptions.builder().maxMessages(count).expiresIn(5_000).build())) {
      for (Message m = fetch.nextMessage(); m != null && messages.size() < count; m = fetch.nextMessage()) {
        messages.add(m);
      }
    }
    return messages;
  }
}
