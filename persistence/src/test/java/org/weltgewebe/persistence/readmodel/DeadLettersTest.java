package org.weltgewebe.persistence.readmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.outbox.EventStream;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxMessage;

/**
 * A poison message on real NATS and PostgreSQL: the consumer parks it with the reason, applies the
 * events around it, and a retry after the cause is gone applies it and removes the dead letter.
 */
class DeadLettersTest {
  static final GeoPoint PLACE = new GeoPoint(52.4986, 13.4030);
  static final String BROKEN = "org.weltgewebe.actors.Knot$CreatedByANewerVersion";

  @Test
  void aPoisonEventIsParkedWithItsReasonTheRestAppliesAndARetryAppliesIt() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      NatsSettings nats = NatsSettings.fromConfig(db.outboxConfig().withFallback(ConfigFactory.load()));
      AtomicBoolean understandsNewVersion = new AtomicBoolean(false);
      EventDecoder decoder =
          (serializerId, manifest, payload) -> {
            if (manifest.equals(BROKEN) && !understandsNewVersion.get()) {
              throw new IllegalArgumentException("no such event class: " + manifest);
            }
            String knotId = new String(payload, StandardCharsets.UTF_8);
            return new Knot.Created(knotId, "r1", Knot.Type.IDEA, "Knoten " + knotId, "", PLACE, null, null, Instant.parse("2026-05-01T09:00:00Z"));
          };
      try (Connection connection = nats.connect("dead-letters-test")) {
        EventStream.ensure(connection, nats);
        publish(connection, nats, "a", OutboxFixtureManifest.CREATED);
        publish(connection, nats, "b", BROKEN);
        publish(connection, nats, "c", OutboxFixtureManifest.CREATED);
      }
      ReadModels readModels = new ReadModels(db.settings());
      try (ReadModelConsumer consumer =
          ReadModelConsumer.start(db.settings(), nats, ReadModelProjection.CONSUMER, decoder, RegionFeed.none())) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          assertThat(consumer.deadLettered()).isEqualTo(1);
          assertThat(readModels.knot("a")).isPresent();
          assertThat(readModels.knot("c")).isPresent();
        });
      }
      assertThat(readModels.knot("b")).isEmpty();

      List<DeadLetters.Letter> letters;
      try (Connection connection = nats.connect("dead-letters-test")) {
        letters = DeadLetters.list(connection, nats, ReadModelProjection.CONSUMER);
      }
      assertThat(letters).singleElement().satisfies(letter -> {
        assertThat(letter.event().persistenceId()).isEqualTo("knot|b");
        assertThat(letter.reason()).contains("no such event class");
        assertThat(letter.subject()).endsWith(".knot.CreatedByANewerVersion");
        assertThat(letter.streamSequence()).isEqualTo(2);
      });

      understandsNewVersion.set(true);
      List<DeadLetterRetry.Outcome> outcomes =
          new DeadLetterRetry(db.settings(), nats, decoder).retry(ReadModelProjection.CONSUMER, List.of());
      assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.applied()).isTrue());
      assertThat(readModels.knot("b")).isPresent();
      try (Connection connection = nats.connect("dead-letters-test")) {
        assertThat(DeadLetters.list(connection, nats, ReadModelProjection.CONSUMER)).isEmpty();
      }
    }
  }

  @Test
  void onlyFailuresARetryCannotChangeArePoison() {
    assertThat(DeadLetters.isPoison(new DeadLetters.UndecodableEvent("bad", null))).isTrue();
    assertThat(DeadLetters.isPoison(new SQLException("value too long", "22001"))).isTrue();
    assertThat(DeadLetters.isPoison(new SQLException("duplicate key", "23505"))).isTrue();
    assertThat(DeadLetters.isPoison(new IllegalStateException("projection bug"))).isTrue();
    assertThat(DeadLetters.isPoison(new SQLException("connection refused", "08001"))).isFalse();
    assertThat(DeadLetters.isPoison(new SQLException("deadlock", "40P01"))).isFalse();
    assertThat(DeadLetters.isPoison(new SQLException("shutting down", "57P01"))).isFalse();
    assertThat(DeadLetters.isPoison(new IOException("broker gone"))).isFalse();
    assertThat(DeadLetters.isPoison(new RuntimeException(new SQLException("connection reset", "08006")))).isFalse();
  }

  static void publish(Connection connection, NatsSettings nats, String knotId, String manifest) throws Exception {
    Headers headers = new Headers();
    headers.put(OutboxMessage.PERSISTENCE_ID, "knot|" + knotId);
    headers.put(OutboxMessage.SEQUENCE_NR, "1");
    headers.put(OutboxMessage.ORDERING, "1");
    headers.put(OutboxMessage.SERIALIZER_ID, "33");
    headers.put(OutboxMessage.MANIFEST, manifest);
    connection.jetStream().publish(
        NatsMessage.builder()
            .subject(OutboxMessage.subject(nats.subjectPrefix(), "knot|" + knotId, manifest))
            .headers(headers)
            .data(knotId.getBytes(StandardCharsets.UTF_8))
            .build());
  }

  /** The manifest the journal records for a knot's creation. */
  static final class OutboxFixtureManifest {
    static final String CREATED = "org.weltgewebe.actors.Knot$Created";
  }
}
