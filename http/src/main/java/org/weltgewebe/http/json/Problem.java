package org.weltgewebe.http.json;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem detail, the body of every error this API answers. {@code type} names the
 * kind of problem (a client may switch on it), {@code detail} says what exactly went wrong in
 * words a person can act on, {@code instance} is the path of the request that failed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance) {
  static final String MEDIA_TYPE = "application/problem+json";

  public static Problem of(String slug, String title, int status, String detail, String instance) {
    return new Problem("/problems/" + slug, title, status, detail, instance);
  }
}
