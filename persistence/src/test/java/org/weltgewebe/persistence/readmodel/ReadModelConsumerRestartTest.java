package org.weltgewebe.persistence.readmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.outbox.EventStream;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.TestNats;

/**
 * The read-model consumer on a nats-server of the test's own: it applies an event, and after the
 * server restarts it connects again by itself and applies the next one. jnats' iterating consumer
 * answers nothing (no error) once its connection is gone, so without its own check the consumer
 * would wait on a dead connection for good.
 */
class ReadModelConsumerRestartTest {
  static final GeoPoint PLACE = new GeoPoint(52.4986, 13.4030);

  @Test
  void afterANatsRestartTheConsumerConnectsAgainAndGoesOn() throws Exception {
    try (TestDatabase db = TestDatabase.create(); TestNats server = TestNats.startPrivate()) {
      NatsSettings nats = server.settings();
      EventDecoder decoder = (serializerId, manifest, payload) -> {
        String knotId = new String(payload, StandardCharsets.UTF_8);
        return new Knot.Created(knotId, "r1", Knot.Type.IDEA, "Knoten " + knotId, "", PLACE, null, null,
            Instant.parse("2026-05-01T09:00:00Z"));
      };
      try (Connection connection = server.connect()) {
        EventStream.ensure(connection, nats);
        DeadLettersTest.publish(connection, nats, "before", DeadLettersTest.OutboxFixtureManifest.CREATED);
      }
      ReadModels readModels = new ReadModels(db.settings());
      try (ReadModelConsumer consumer =
          ReadModelConsumer.start(db.settings(), nats, ReadModelProjection.CONSUMER, decoder, RegionFeed.none())) {
        await("the first event applied").atMost(Duration.ofSeconds(30)).until(() -> readModels.knot("before").isPresent());

        server.stop();
        server.start();
        try (Connection connection = server.connect()) {
          DeadLettersTest.publish(connection, nats, "after", DeadLettersTest.OutboxFixtureManifest.CREATED);
        }
        await("the event published after the restart applied").atMost(Duration.ofSeconds(30))
            .until(() -> readModels.knot("after").isPresent());
        assertThat(consumer.metrics().failures()).as("the lost connection was noticed").isPositive();
      }
    }
  }
}
