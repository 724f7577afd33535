package org.weltgewebe.http.shedding;

/**
 * One operation of the API as the route table and the OpenAPI document name it: an HTTP method and
 * a path template such as {@code /knots/{id}/connections}, with the priority the load shedder gives
 * it. Shed counts are kept per template, so they stay few however many ids are requested.
 */
public record Endpoint(String method, String template, Priority priority) {
  @Override
  public String toString() {
    return method + " " + template;
  }
}
