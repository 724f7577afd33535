package org.weltgewebe.actors;

import java.util.List;
import java.util.Optional;

/**
 * The goods or skills a {@link Role} offers: at most {@link #MAX_OFFERS} entries, each of 1 to
 * {@link #MAX_OFFER_LENGTH} characters once stripped; an empty list offers nothing.
 */
final class Offers {
  static final int MAX_OFFERS = 20;
  static final int MAX_OFFER_LENGTH = 60;

  private Offers() {}

  /** What is wrong with the offered {@code what} ("goods", "skills"), if anything. */
  static Optional<String> problem(String what, List<String> offers) {
    if (offers == null) {
      return Optional.of(what + " are missing (send an empty list to clear them)");
    }
    if (offers.size() > MAX_OFFERS) {
      return Optional.of(what + " may have at most " + MAX_OFFERS + " entries, got " + offers.size());
    }
    for (int i = 0; i < offers.size(); i++) {
      String entry = offers.get(i) == null ? "" : offers.get(i).strip();
      if (entry.isEmpty()) {
        return Optional.of(what + " entry " + (i + 1) + " is blank");
      }
      if (entry.length() > MAX_OFFER_LENGTH) {
        return Optional.of(what + " entry " + (i + 1) + " must have at most " + MAX_OFFER_LENGTH
            + " characters, got " + entry.length());
      }
    }
    return Optional.empty();
  }

  /** The offers as they are kept: each entry stripped. */
  static List<String> stripped(List<String> offers) {
    return offers.stream().map(String::strip).toList();
  }
}
