package org.weltgewebe.persistence.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.RoleSealing;
import org.weltgewebe.actors.SubjectCipher;
import org.weltgewebe.actors.SubjectKeys;
import org.weltgewebe.actors.WeaveSerializable;
import org.weltgewebe.actors.WeaveThread;

/**
 * Journal rows of real domain events in the mix of a scenario file's write actions, serialized by
 * the node's own serializer (an actor system with the actors module's configuration), so the stream
 * benchmarks measure what the platform writes. Each action writes the events its {@code Action}
 * documents (CONNECT: ThreadLed and Spun, …; CHAT: {@code live.chatMessagesPerChat} posts), with
 * the load driver's texts ({@code Journey}); the role's profile goes sealed, as {@link
 * RoleSealing} stores it. Deterministic for a seed.
 */
final class S4EventMix implements AutoCloseable {
  /** The scenario file of S4, from the repository's root or a module's directory. */
  static Path s4() {
    Path fromRoot = Path.of("scenarios/definitions/S4.json");
    return Files.exists(fromRoot) ? fromRoot : Path.of("..").resolve(fromRoot);
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> WRITES =
      List.of("LOGIN", "LOGOUT", "CONNECT", "POST", "CREATE_KNOT", "START_CONVERSATION", "TWIST", "UNTWIST", "PROFILE_UPDATE", "CHAT");

  private final ActorSystem<Void> system;
  private final SerializerWithStringManifest serializer;
  private final SubjectCipher cipher = new SubjectCipher(new SubjectKeys.InMemory());
  private final Map<String, Double> perSession = new LinkedHashMap<>();
  private final int chatMessages;
  private final double total;
  private final Random random;
  private final Instant start = Instant.parse("2026-06-13T08:00:00Z");
  private long ordering = 1_000_000;

  /** The mix of {@code scenarioFile}'s write actions (a definition of scenarios/definitions). */
  S4EventMix(Path scenarioFile, long seed) throws IOException {
    JsonNode definition = JSON.readTree(Files.readAllBytes(scenarioFile));
    for (String action : WRITES) {
      perSession.put(action, definition.path("actionsPerSession").path(action).asDouble(0));
    }
    chatMessages = definition.path("live").path("chatMessagesPerChat").asInt(10);
    total = perSession.values().stream().mapToDouble(Double::doubleValue).sum();
    random = new Random(seed);
    system = ActorSystem.create(Behaviors.empty(), "s4-event-mix");
    try {
      serializer = (SerializerWithStringManifest) SerializationExtension.get(system).serializerFor(WeaveSerializable.class);
    } catch (java.io.NotSerializableException e) {
      system.terminate();
      throw new IllegalStateException("no serializer bound to WeaveSerializable", e);
    }
  }

  /** One row as the journal holds it, and the domain object it was written from. */
  record Row(JournalEvent event, Object domainEvent) {}

  /** The rows of the next action drawn from the mix (one to ten). */
  List<Row> nextAction() {
    double pick = random.nextDouble() * total;
    String action = WRITES.get(WRITES.size() - 1);
    for (Map.Entry<String, Double> e : perSession.entrySet()) {
      pick -= e.getValue();
      if (pick < 0) {
        action = e.getKey();
        break;
      }
    }
    return rows(action);
  }

  /** At least {@code count} rows drawn from the mix, whole actions at a time. */
  List<Row> rows(int count) {
    List<Row> rows = new ArrayList<>(count + 10);
    while (rows.size() < count) {
      rows.addAll(nextAction());
    }
    return rows;
  }

  /** The rows one {@code action} writes. */
  List<Row> rows(String action) {
    String role = id();
    String knot = id();
    String thread = id();
    String conversation = id();
    GeoPoint location = new GeoPoint(52.52 + (random.nextDouble() - 0.5) * 0.01, 13.405 + (random.nextDouble() - 0.5) * 0.01);
    List<Row> rows = new ArrayList<>();
    switch (action) {
      case "LOGIN" -> rows.add(row("role|" + role, new Role.LoggedIn(now())));
      case "LOGOUT" -> rows.add(row("role|" + role, new Role.LoggedOut(now())));
      case "CONNECT" -> {
        Knot.Connection connection = random.nextBoolean() ? Knot.Connection.INTEREST : Knot.Connection.AGREE;
        rows.add(row("knot|" + knot, new Knot.ThreadLed(thread, role, WeaveThread.Kind.CHANGE.name(), connection, now())));
        rows.add(row("thread|" + thread, new WeaveThread.Spun(thread, role, knot, WeaveThread.Kind.CHANGE, location, now())));
      }
      case "POST" -> rows.add(row("conversation|" + conversation,
          new Conversation.Posted(new Conversation.Message(id(), role, "Bin dabei, bringe Werkzeug mit.", now()))));
      case "CREATE_KNOT" -> {
        Knot.Type type = random.nextBoolean() ? Knot.Type.IDEA : Knot.Type.TOOL;
        rows.add(row("knot|" + knot, new Knot.Created(knot, role, type, "Reparaturcafé " + random.nextInt(1000),
            "Fahrradwerkstatt im Hinterhof", location, null, null, now())));
        rows.add(row("knot|" + knot, new Knot.ThreadLed(thread, role, WeaveThread.Kind.DESIGN.name(), null, now())));
        rows.add(row("thread|" + thread, new WeaveThread.Spun(thread, role, knot, WeaveThread.Kind.DESIGN, location, now())));
      }
      case "START_CONVERSATION" -> {
        rows.add(row("knot|" + knot, new Knot.ThreadLed(thread, role, WeaveThread.Kind.CONVERSATION.name(), null, now())));
        rows.add(row("thread|" + thread, new WeaveThread.Spun(thread, role, knot, WeaveThread.Kind.CONVERSATION, location, now())));
        Instant at = now();
        rows.add(row("conversation|" + conversation, new Conversation.Started(conversation, knot, role, "Wer hilft mit?",
            new Conversation.Message(id(), role, "Samstag ab zehn im Hof.", at), at)));
      }
      case "TWIST" -> {
        rows.add(row("thread|" + thread, new WeaveThread.Twisted(role, now())));
        rows.add(row("knot|" + knot, new Knot.YarnAttached(thread, now())));
      }
      case "UNTWIST" -> {
        rows.add(row("thread|" + thread, new WeaveThread.Untwisted(role, now())));
        rows.add(row("knot|" + knot, new Knot.YarnDetached(thread, now())));
      }
      case "PROFILE_UPDATE" -> {
        byte[] offers = "{\"goods\":[\"Lastenrad\"],\"skills\":[\"Fahrradreparatur\"]}".getBytes(StandardCharsets.UTF_8);
        rows.add(row("role|" + role, new RoleSealing.SealedProfileUpdated(cipher.seal(role, offers), now())));
      }
      case "CHAT" -> {
        for (int i = 0; i < chatMessages; i++) {
          rows.add(row("conversation|" + conversation, new Conversation.Posted(new Conversation.Message(id(), role, "Chat " + i, now()))));
        }
      }
      default -> throw new IllegalArgumentException("no events for action " + action);
    }
    return rows;
  }

  /** Turns a stream payload back into the domain object, as the node's decoder does. */
  Object decode(OutboxMessage.Event event) {
    try {
      return serializer.fromBinary(event.payload(), event.manifest());
    } catch (java.io.NotSerializableException e) {
      throw new IllegalStateException("no event class for manifest " + event.manifest(), e);
    }
  }

  private Row row(String persistenceId, Object domainEvent) {
    byte[] payload = serializer.toBinary(domainEvent);
    long sequenceNr = 1L + random.nextInt(40);
    JournalEvent event = new JournalEvent(
        ordering++, persistenceId, sequenceNr, "writer", System.currentTimeMillis(), serializer.identifier(),
        serializer.manifest(domainEvent), payload);
    return new Row(event, domainEvent);
  }

  private String id() {
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  // The weave's clock: compressed time, millisecond precision.
  private Instant now() {
    return start.plusMillis(random.nextInt(86_400_000));
  }

  @Override
  public void close() {
    system.terminate();
  }
}
