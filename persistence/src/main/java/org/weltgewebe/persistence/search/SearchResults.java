package org.weltgewebe.persistence.search;

import java.util.List;
import org.weltgewebe.actors.GeoPoint;

/**
 * One page of hits, best first, and where the next page starts ({@code null} when this is the
 * last). There is no total: counting every match would cost as much as ranking them all.
 */
public record SearchResults(List<Hit> hits, int offset, Integer nextOffset) {
  public SearchResults {
    hits = List.copyOf(hits);
  }

  /**
   * A knot or a role that matched, with public data only: a knot's position, a role's blurred
   * one, never an address.
   *
   * @param title a knot's title or a role's display name
   * @param knotType the knot's type; {@code null} for a role
   * @param snippet the passage that matched (a knot's description, a role's goods and skills), or
   *     {@code null} when there is none
   * @param score relevance, comparable within one answer only: higher is better
   */
  public record Hit(
      SearchQuery.Kind kind, String id, String title, String knotType, String snippet, GeoPoint location,
      double score) {}
}
