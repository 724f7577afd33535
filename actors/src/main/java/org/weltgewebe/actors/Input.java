package org.weltgewebe.actors;

import java.util.Optional;

/**
 * The checks a command runs on what a client sent: each names the field and says what is wrong
 * with it, so that a refusal reads alike in every entity.
 */
final class Input {
  private Input() {}

  static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  /** A field that must hold something. */
  static Optional<String> blank(String name, String value) {
    return isBlank(value) ? Optional.of(name + " must not be blank") : Optional.empty();
  }

  /** A text that may be missing or empty but not longer than {@code max} characters. */
  static Optional<String> atMost(String name, String value, int max) {
    return value != null && value.length() > max
        ? Optional.of(name + " must have at most " + max + " characters, got " + value.length())
        : Optional.empty();
  }

  /** A text of 1 to {@code max} characters once stripped of surrounding white space. */
  static Optional<String> stripped(String name, String value, int max) {
    int length = value == null ? 0 : value.strip().length();
    return length < 1 || length > max
        ? Optional.of(name + " must have 1 to " + max + " characters, got " + length)
        : Optional.empty();
  }
}
