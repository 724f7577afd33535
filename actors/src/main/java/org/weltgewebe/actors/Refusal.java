package org.weltgewebe.actors;

/**
 * Why an entity refused a command: a category an API maps to its status code and a reason a
 * person can read. A refused command persists nothing.
 */
public record Refusal(Kind kind, String reason) implements WeaveSerializable {

  /** The categories of refusal; the HTTP layer maps each to one status code. */
  public enum Kind {
    /** The input is malformed or out of range (400/422). */
    INVALID,
    /** The addressed entity does not exist (404). */
    NOT_FOUND,
    /** The entity exists but its state forbids the command, e.g. double registration (409). */
    CONFLICT,
    /** The caller may not do this to this entity, e.g. twisting another role's thread (403). */
    FORBIDDEN,
    /** The entity existed but is gone, e.g. a dissolved knot (410). */
    GONE
  }

  public static Refusal invalid(String reason) {
    return new Refusal(Kind.INVALID, reason);
  }

  public static Refusal notFound(String reason) {
    return new Refusal(Kind.NOT_FOUND, reason);
  }

  public static Refusal conflict(String reason) {
    return new Refusal(Kind.CONFLICT, reason);
  }

  public static Refusal forbidden(String reason) {
    return new Refusal(Kind.FORBIDDEN, reason);
  }

  public static Refusal gone(String reason) {
    return new Refusal(Kind.GONE, reason);
  }
}
