package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.complete;

import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.http.auth.KeyRing;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;

/**
 * The JWKS ({@code /.well-known/jwks.json}): the public keys that verify access tokens now,
 * including a replaced key during its 14 days of overlap, so that other services can verify our
 * tokens. Cached for five minutes; a freshly rotated key signs at once, so a verifier that meets an
 * unknown kid should fetch this document again before it refuses the token.
 */
public final class KeyRoutes {
  private final KeyRing keys;
  private final Responses responses;

  public KeyRoutes(KeyRing keys, Responses responses) {
    this.keys = keys;
    this.responses = responses;
  }

  public List<Operation> operations() {
    return List.of(Operation.get("/.well-known/jwks.json", Priority.READ, p -> jwks()));
  }

  private Route jwks() {
    List<Map<String, Object>> published = keys.verifyingKeys().stream().map(KeyRing::publicJwk).toList();
    return complete(
        responses.ok(Map.of("keys", published)).addHeader(RawHeader.create("Cache-Control", "public, max-age=300")));
  }
}
