package org.weltgewebe.http.routes;

import java.util.Map;

/** The values of a request's path variables, by the names the path template gives them. */
record PathParams(Map<String, String> values) {
  String get(String name) {
    String value = values.get(name);
    if (value == null) {
      // A handler asking for a variable its template lacks is a programming error, found by any test.
      throw new IllegalArgumentException("no path variable " + name);
    }
    return value;
  }
}
