package org.weltgewebe.actors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Reads knot snapshots written before a standing knot held its {@link Knot.Created} fact as
 * {@code tied} (version 1: the creation's fields flat beside the threads, the creation time as
 * {@code createdAt}). Bound in {@code serialization.conf} to {@link Knot.Standing} and to
 * {@link Knot.Gone}, whose {@code knot} is a standing knot. Events are untouched: {@code Created}
 * kept its form.
 */
public final class KnotSnapshotMigration extends JacksonMigration {
  private static final List<String> CREATION =
      List.of("knotId", "createdBy", "type", "title", "description", "location", "eventStart", "eventEnd");

  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    if (fromVersion >= 2 || !(json instanceof ObjectNode root)) {
      return json;
    }
    if (root.get("knot") instanceof ObjectNode standing) {
      root.set("knot", tied(standing));
      return root;
    }
    return tied(root);
  }

  private static ObjectNode tied(ObjectNode standing) {
    if (standing.has("tied")) {
      return standing;
    }
    ObjectNode created = standing.objectNode();
    for (String field : CREATION) {
      JsonNode value = standing.remove(field);
      created.set(field, value == null ? standing.nullNode() : value);
    }
    JsonNode at = standing.remove("createdAt");
    created.set("at", at == null ? standing.nullNode() : at);
    standing.set("tied", created);
    return standing;
  }
}
