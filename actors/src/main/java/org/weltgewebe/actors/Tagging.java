package org.weltgewebe.actors;

import java.util.Set;

/**
 * Event tags that let projections read an entity type's events in parallel slices: every event of
 * entity type {@code knot} carries {@code knot} and one of {@code knot-0} … {@code knot-3}, chosen
 * by the entity id, so one entity's events always share a slice and keep their order.
 */
public final class Tagging {
  /** How many slices each entity type's events are spread over. */
  public static final int SLICES = 4;

  private Tagging() {}

  /** The tags of every event of this entity. */
  public static Set<String> tagsFor(String entityType, String entityId) {
    return Set.of(entityType, sliceTag(entityType, entityId));
  }

  /** The slice tag of this entity, {@code <type>-<n>}. */
  public static String sliceTag(String entityType, String entityId) {
    return entityType + "-" + Math.floorMod(entityId.hashCode(), SLICES);
  }
}
