package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A knot snapshot written in the first form (the creation's fields flat in the standing knot)
 * still reads, as a standing knot and inside a dissolved one, through the configured migration.
 */
class KnotSnapshotMigrationTest {
  private static final Instant T0 = Instant.parse("2025-05-01T10:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ActorTestKit testKit;
  private static SerializerWithStringManifest serializer;

  @BeforeAll
  static void startSystem() throws Exception {
    testKit = ActorTestKit.create("KnotSnapshotMigrationTest");
    serializer = (SerializerWithStringManifest) SerializationExtension.get(Adapter.toClassic(testKit.system()))
        .serializerFor(Knot.Standing.class);
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  private static final Knot.Standing STANDING =
      new Knot.Standing(
          new Knot.Created("k1", "r1", Knot.Type.EVENT, "Fest", "Im Hof", new GeoPoint(52.5, 13.4),
              T0.plusSeconds(3600), T0.plusSeconds(7200), T0),
          T0.plusSeconds(60), Set.of("t1", "t2"), Map.of("r2", Knot.Connection.AGREE), Set.of("t2"));

  @Test
  void aStandingKnotOfTheFirstFormReadsAsItWas() throws Exception {
    ObjectNode old = firstForm((ObjectNode) JSON.readTree(serializer.toBinary(STANDING)));

    Object read = serializer.fromBinary(JSON.writeValueAsBytes(old), "org.weltgewebe.actors.Knot$Standing");

    assertEquals(STANDING, read);
  }

  @Test
  void aDissolvedKnotOfTheFirstFormReadsAsItWas() throws Exception {
    Knot.Gone gone = new Knot.Gone(STANDING, "no thread for 7 days", T0.plusSeconds(86_400 * 9));
    ObjectNode old = (ObjectNode) JSON.readTree(serializer.toBinary(gone));
    old.set("knot", firstForm((ObjectNode) old.get("knot")));

    Object read = serializer.fromBinary(JSON.writeValueAsBytes(old), "org.weltgewebe.actors.Knot$Gone");

    assertEquals(gone, read);
  }

  @Test
  void theCurrentFormCarriesItsVersion() {
    assertEquals("org.weltgewebe.actors.Knot$Standing#2", serializer.manifest(STANDING));
  }

  /** The JSON of a standing knot as the first form wrote it, spelled out field by field. */
  private static ObjectNode firstForm(ObjectNode current) {
    ObjectNode tied = (ObjectNode) current.remove("tied");
    ObjectNode old = JSON.createObjectNode();
    for (String field : new String[] {"knotId", "createdBy", "type", "title", "description", "location", "eventStart", "eventEnd"}) {
      old.set(field, tied.get(field));
    }
    old.set("createdAt", tied.get("at"));
    old.setAll(current);
    assertEquals(
        "knotId,createdBy,type,title,description,location,eventStart,eventEnd,createdAt,lastThreadAt,threadIds,connections,yarnThreadIds",
        String.join(",", (Iterable<String>) old::fieldNames), old.toString());
    return old;
  }
}
