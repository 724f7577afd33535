package org.weltgewebe.http;

import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.actors.Refusal;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.Weave;

/**
 * Roles: register, log in and out, read a public profile, read one's own personal data, change
 * one's own profile, leave the weave.
 *
 * <p>Authenticating a real person is not this platform's job (an identity provider would do it),
 * so the token is the credential: registration answers a token for the new role, and logging in
 * takes a still-valid token of that role, marks the role spinning and answers a fresh token (a
 * refresh). An expired token cannot be refreshed; such a user registers anew until a real log-in
 * exists.
 */
final class RoleRoutes {
  /** The body of a registration. */
  record RegisterRequest(String displayName, String homeAddress, Position home) {}

  /** The body of a profile change: the complete new lists (an empty list clears one). */
  record ProfileRequest(List<String> goods, List<String> skills) {}

  /** A role's profile with a token for it. */
  record Session(Role.Profile profile, AccessTokens.Issued token) {}

  private final Weave weave;
  private final Responses responses;
  private final JsonBody body;
  private final Authentication auth;
  private final AccessTokens tokens;

  RoleRoutes(Weave weave, Responses responses, JsonBody body, Authentication auth, AccessTokens tokens) {
    this.weave = weave;
    this.responses = responses;
    this.body = body;
    this.auth = auth;
    this.tokens = tokens;
  }

  List<Operation> operations() {
    return List.of(
        // Registration starts a session rather than continuing one, so it yields to session writes.
        Operation.post("/roles", Priority.READ, p -> register()),
        Operation.get("/roles/{id}", Priority.READ, p -> profile(p.get("id"))),
        Operation.delete("/roles/{id}", Priority.SESSION_WRITE, p -> leave(p.get("id"))),
        Operation.get("/roles/{id}/personal", Priority.READ, p -> personal(p.get("id"))),
        Operation.put("/roles/{id}/profile", Priority.SESSION_WRITE, p -> updateProfile(p.get("id"))),
        Operation.post("/roles/{id}/session", Priority.SESSION_WRITE, p -> login(p.get("id"))),
        Operation.delete("/roles/{id}/session", Priority.SESSION_WRITE, p -> logout(p.get("id"))));
  }

  private Route register() {
    return body.as(
        RegisterRequest.class,
        request ->
            responses.answer(
                instance -> {
                  Optional<String> problem = Position.problem("home", request.home());
                  if (problem.isPresent()) {
                    return done(responses.refused(Refusal.invalid(problem.get()), instance));
                  }
                  String roleId = Weave.newId();
                  return weave
                      .register(roleId, request.displayName(), request.homeAddress(), request.home().toGeoPoint())
                      .thenApply(
                          reply ->
                              reply instanceof Role.Profile profile
                                  ? responses.created("/roles/" + roleId, new Session(profile, tokens.issue(roleId)))
                                  : refusedOrProfile(reply, instance));
                }));
  }

  private Route profile(String roleId) {
    return responses.answer(instance -> weave.profile(roleId).thenApply(reply -> refusedOrProfile(reply, instance)));
  }

  private Route personal(String roleId) {
    return auth.as(
        roleId,
        () ->
            responses.answer(
                instance ->
                    weave
                        .personalData(roleId)
                        .thenApply(
                            reply ->
                                reply instanceof Role.Rejected rejected
                                    ? responses.refused(rejected.refusal(), instance)
                                    : responses.ok(reply))));
  }

  private Route updateProfile(String roleId) {
    return auth.as(
        roleId,
        () ->
            body.as(
                ProfileRequest.class,
                request ->
                    responses.answer(
                        instance ->
                            weave
                                .updateProfile(roleId, request.goods(), request.skills())
                                .thenApply(reply -> refusedOrProfile(reply, instance)))));
  }

  private Route login(String roleId) {
    return auth.as(
        roleId,
        () ->
            responses.answer(
                instance ->
                    weave
                        .login(roleId)
                        .thenApply(
                            reply ->
                                reply instanceof Role.Profile profile
                                    ? responses.ok(new Session(profile, tokens.issue(roleId)))
                                    : refusedOrProfile(reply, instance))));
  }

  /**
   * Logs out: the role rests, and the token of this request is revoked on every node (a logout that
   * left the token valid would log out nothing).
   */
  private Route logout(String roleId) {
    return auth.as(
        roleId,
        () -> extractRequest(request -> responses.answer(instance -> weave.logout(roleId).thenApply(reply -> {
          if (reply instanceof Role.Profile) {
            Optional<String> token = Authentication.bearerToken(request);
            try {
              if (token.isPresent()) {
                tokens.revoke(token.get());
              }
            } catch (AccessTokens.Refused alreadyInvalid) {
              // refused already (expired meanwhile, or revoked by a parallel logout): nothing to revoke
            }
          }
          return refusedOrProfile(reply, instance);
        }))));
  }

  /**
   * The role leaves the weave: 204 once the role has left and every leaving hook is done; again
   * 204 on a repeat (which completes an interrupted departure). Afterwards the role answers 410.
   */
  private Route leave(String roleId) {
    return auth.as(
        roleId,
        () ->
            responses.answer(
                instance ->
                    weave
                        .leave(roleId)
                        .thenApply(
                            reply ->
                                reply instanceof Role.Departed
                                    ? revokedAll(roleId)
                                    : refusedOrProfile(reply, instance))));
  }

  /** A role that left keeps no valid token, on any node. */
  private HttpResponse revokedAll(String roleId) {
    tokens.revokeRole(roleId);
    return HttpResponse.create().withStatus(204);
  }

  private HttpResponse refusedOrProfile(Role.Reply reply, String instance) {
    if (reply instanceof Role.Rejected rejected) {
      return responses.refused(rejected.refusal(), instance);
    }
    return responses.ok(reply);
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
