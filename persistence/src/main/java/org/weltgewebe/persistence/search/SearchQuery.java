package org.weltgewebe.persistence.search;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.weltgewebe.actors.Knot;

/**
 * What to search for: free text (words, prefixes of words, words with a typo), optionally only
 * knots or only roles, only knots of one type, only inside a map area, and which page of hits.
 *
 * <p>The bounds are part of the contract every {@link SearchIndex} answers, so the constructor
 * refuses what is outside them; the API checks the same bounds first to tell a client which
 * parameter is wrong.
 *
 * @param kinds what to find; empty means everything, and a knot type implies knots only
 */
public record SearchQuery(
    String text, Set<Kind> kinds, Optional<Knot.Type> knotType, Optional<Area> area, int limit, int offset) {
  /** Longer text is no search term but a paste: refused rather than matched word by word. */
  public static final int MAX_TEXT_LENGTH = 200;
  /** Hits per page at most; a search box shows a handful, a map a few dozen. */
  public static final int MAX_LIMIT = 50;
  public static final int DEFAULT_LIMIT = 20;
  /**
   * How deep a client may page. Every page is ranked anew, so deep pages cost as much as all the
   * pages before them; nobody reads hit 1,000 of a search.
   */
  public static final int MAX_OFFSET = 1000;

  /** What a hit is. */
  public enum Kind {
    KNOT,
    ROLE
  }

  /** A map area, in degrees; hits are those whose public position lies inside it. */
  public record Area(double minLat, double minLon, double maxLat, double maxLon) {}

  public SearchQuery {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("search text must not be empty");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw new IllegalArgumentException("search text must have at most " + MAX_TEXT_LENGTH + " characters");
    }
    if (text.indexOf('\u0000') >= 0) {
      // PostgreSQL text cannot hold NUL: refused here rather than failing in the database.
      throw new IllegalArgumentException("search text must not contain NUL");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be in [1, " + MAX_LIMIT + "], got " + limit);
    }
    if (offset < 0 || offset > MAX_OFFSET) {
      throw new IllegalArgumentException("offset must be in [0, " + MAX_OFFSET + "], got " + offset);
    }
    Set<Kind> wanted = kinds.isEmpty() ? EnumSet.allOf(Kind.class) : EnumSet.copyOf(kinds);
    if (knotType.isPresent()) {
      if (!wanted.contains(Kind.KNOT)) {
        throw new IllegalArgumentException("a knot type filters knots; it cannot be combined with roles only");
      }
      wanted = EnumSet.of(Kind.KNOT);
    }
    kinds = Set.copyOf(wanted);
  }

  /** Everything that matches {@code text}, first page. */
  public static SearchQuery of(String text) {
    return new SearchQuery(text, Set.of(), Optional.empty(), Optional.empty(), DEFAULT_LIMIT, 0);
  }

  public boolean wants(Kind kind) {
    return kinds.contains(kind);
  }
}
