package org.weltgewebe.http.auth;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.http.json.Problem;
import org.weltgewebe.http.json.Responses;

/**
 * Who is calling: the role a bearer token speaks for. Writes and personal reads need a token (401
 * with {@code WWW-Authenticate} otherwise), and a role may act only as itself (403).
 */
public final class Authentication {
  private static final String REALM = "weltgewebe";

  private final AccessTokens tokens;
  private final Responses responses;

  public Authentication(AccessTokens tokens, Responses responses) {
    this.tokens = tokens;
    this.responses = responses;
  }

  /** Runs {@code inner} with the calling role's id, or answers 401. */
  public Route caller(Function<String, Route> inner) {
    return extractRequest(
        request -> {
          String instance = request.getUri().path();
          Optional<String> token = bearerToken(request);
          if (token.isEmpty()) {
            return complete(
                responses.problem(
                    Problem.of("unauthenticated", "Unauthorized", 401,
                        "this operation needs an access token: send Authorization: Bearer <token>", instance),
                    RawHeader.create("WWW-Authenticate", "Bearer realm=\"" + REALM + "\"")));
          }
          String roleId;
          try {
            roleId = tokens.verify(token.get());
          } catch (AccessTokens.Refused refused) {
            return complete(
                responses.problem(
                    Problem.of("invalid-token", "Unauthorized", 401, refused.getMessage(), instance),
                    RawHeader.create(
                        "WWW-Authenticate",
                        "Bearer realm=\"" + REALM + "\", error=\"invalid_token\", error_description=\""
                            + headerSafe(refused.getMessage()) + "\"")));
          }
          return inner.apply(roleId);
        });
  }

  /** Runs {@code inner} only when the caller is {@code roleId}: a role acts only as itself. */
  public Route as(String roleId, Supplier<Route> inner) {
    return as(roleId, refusedCaller -> CompletableFuture.completedFuture(null), inner);
  }

  /**
   * Like {@link #as(String, Supplier)}, and before answering 403 runs {@code refused} with the
   * refused caller's role id, so that a reach for another role's personal data is audited before the
   * refusal goes out (a refusal that could not be audited answers 500 instead).
   */
  public Route as(String roleId, Function<String, CompletionStage<?>> refused, Supplier<Route> inner) {
    return caller(
        callerId ->
            callerId.equals(roleId)
                ? inner.get()
                : responses.answer(
                    instance ->
                        refused.apply(callerId).thenApply(audited -> responses.problem(
                            Problem.of("forbidden", "Forbidden", 403,
                                "the token speaks for role " + callerId + "; only role " + roleId + " may do this",
                                instance)))));
  }

  /** The text as a quoted-string value: printable ASCII only, no quotes or backslashes. */
  private static String headerSafe(String text) {
    StringBuilder safe = new StringBuilder();
    for (char c : text.toCharArray()) {
      safe.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : ' ');
    }
    return safe.length() > 200 ? safe.substring(0, 200) : safe.toString();
  }

  public static Optional<String> bearerToken(HttpRequest request) {
    return request
        .getHeader("Authorization")
        .map(h -> h.value().trim())
        .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(v -> v.substring(7).trim())
        .filter(v -> !v.isEmpty());
  }
}
