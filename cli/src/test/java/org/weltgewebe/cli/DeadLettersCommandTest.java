package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.cluster.NodeConfig;
import org.weltgewebe.cluster.PekkoEventDecoder;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.outbox.EventStream;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxMessage;
import org.weltgewebe.persistence.readmodel.ReadModelConsumer;
import org.weltgewebe.persistence.readmodel.ReadModelProjection;
import org.weltgewebe.persistence.readmodel.ReadModels;
import org.weltgewebe.persistence.readmodel.RegionFeed;

/**
 * {@code weltgewebe outbox dead-letters} on real NATS and PostgreSQL: a knot event the read models
 * refuse (a check constraint on the knot view rejects its title: SQLState 23514, poison) is parked by
 * the consumer; the command lists it with the reason and exit 1; after the cause is fixed (the
 * constraint dropped) {@code --retry} applies it, removes it and exits 0, and the list is empty again.
 */
class DeadLettersCommandTest {
  private static final GeoPoint PLACE = new GeoPoint(52.4986, 13.4030);

  @Test
  void listsAParkedEventWithItsReasonAndRetriesItOnceTheCauseIsFixed() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      NatsSettings nats = NatsSettings.fromConfig(db.outboxConfig().withFallback(NodeConfig.load()));
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "dead-letters-command-test",
          ConfigFactory.parseString("pekko.actor.provider = local").withFallback(NodeConfig.load()));
      try {
        try (java.sql.Connection c = db.settings().connect(); Statement s = c.createStatement()) {
          s.execute("ALTER TABLE rm_knot ADD CONSTRAINT no_blocked_title CHECK (title <> 'Gesperrt')");
        }
        publish(system, nats, "ok-1", "Gut");
        publish(system, nats, "blocked", "Gesperrt");
        publish(system, nats, "ok-2", "Auch gut");
        ReadModels readModels = new ReadModels(db.settings());
        try (ReadModelConsumer consumer = ReadModelConsumer.start(
            db.settings(), nats, ReadModelProjection.CONSUMER, new PekkoEventDecoder(system), RegionFeed.none())) {
          await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(consumer.deadLettered()).isEqualTo(1);
            assertThat(readModels.knot("ok-1")).isPresent();
            assertThat(readModels.knot("ok-2")).isPresent();
          });
        }
        assertThat(readModels.knot("blocked")).isEmpty();

        Run listed = run(db, nats, "outbox", "dead-letters");
        assertThat(listed.exit()).as(listed.output()).isEqualTo(1);
        assertThat(listed.output()).contains("knot|blocked", "reason:", "violates check constraint \"no_blocked_title\"", "1 dead letters of consumer read-models");

        try (java.sql.Connection c = db.settings().connect(); Statement s = c.createStatement()) {
          s.execute("ALTER TABLE rm_knot DROP CONSTRAINT no_blocked_title");
        }
        Run retried = run(db, nats, "outbox", "dead-letters", "--retry");
        assertThat(retried.exit()).as(retried.output()).isZero();
        assertThat(retried.output()).contains("applied; removed", "retried 1 dead letters of read-models: 1 applied, 0 still fail");
        assertThat(readModels.knot("blocked")).hasValueSatisfying(k -> assertThat(k.title()).isEqualTo("Gesperrt"));

        Run empty = run(db, nats, "outbox", "dead-letters");
        assertThat(empty.exit()).as(empty.output()).isZero();
        assertThat(empty.output()).contains("0 dead letters of consumer read-models");
      } finally {
        system.terminate();
      }
    }
  }

  private record Run(int exit, String output) {}

  // The command reads the stream's name from the configuration, which has no option for it: the
  // test's own stream is given as system properties for the time of the call.
  private static Run run(TestDatabase db, NatsSettings nats, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--db-url=" + db.settings().url());
    PrintStream before = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setProperty("weltgewebe.nats.stream", nats.stream());
    System.setProperty("weltgewebe.nats.subject-prefix", nats.subjectPrefix());
    ConfigFactory.invalidateCaches();
    try {
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      int exit = new picocli.CommandLine(new Weltgewebe()).execute(all.toArray(String[]::new));
      return new Run(exit, printed.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(before);
      System.clearProperty("weltgewebe.nats.stream");
      System.clearProperty("weltgewebe.nats.subject-prefix");
      ConfigFactory.invalidateCaches();
    }
  }

  /** Publishes a knot's creation as the relay would: the journal's serializer, manifest and headers. */
  private static void publish(ActorSystem<Void> system, NatsSettings nats, String knotId, String title) throws Exception {
    Knot.Created created = new Knot.Created(knotId, "r1", Knot.Type.IDEA, title, "", PLACE, null, null, Instant.parse("2026-05-01T09:00:00Z"));
    Serializer serializer = SerializationExtension.get(system).findSerializerFor(created);
    String manifest = ((SerializerWithStringManifest) serializer).manifest(created);
    String persistenceId = "knot|" + knotId;
    Headers headers = new Headers();
    headers.put(OutboxMessage.PERSISTENCE_ID, persistenceId);
    headers.put(OutboxMessage.SEQUENCE_NR, "1");
    headers.put(OutboxMessage.ORDERING, "1");
    headers.put(OutboxMessage.SERIALIZER_ID, String.valueOf(serializer.identifier()));
    headers.put(OutboxMessage.MANIFEST, manifest);
    try (Connection connection = nats.connect("dead-letters-command-test")) {
      EventStream.ensure(connection, nats);
      connection.jetStream().publish(NatsMessage.builder()
          .subject(OutboxMessage.subject(nats.subjectPrefix(), persistenceId, manifest))
          .headers(headers)
          .data(serializer.toBinary(created))
          .build());
    }
  }
}
