package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.actors.Refusal;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.http.auth.AccessTokens;
import org.weltgewebe.http.auth.Authentication;
import org.weltgewebe.http.json.JsonBody;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;
import org.weltgewebe.persistence.privacy.AuditLog;
import org.weltgewebe.persistence.privacy.SubjectRecords;
import org.weltgewebe.persistence.privacy.Vault;

/**
 * Roles: register, log in and out, read a public profile, read one's own personal data or export
 * everything held about oneself (both audited, as is another role's refused attempt), change one's
 * own profile, leave the weave.
 *
 * <p>Authenticating a real person is not this platform's job (an identity provider would do it),
 * so the token is the credential: registration answers a token for the new role, and logging in
 * takes a still-valid token of that role, marks the role spinning and answers a fresh token (a
 * refresh). An expired token cannot be refreshed; such a user registers anew until a real log-in
 * exists.
 */
public final class RoleRoutes extends ResourceRoutes {
  /** The body of a registration. */
  record RegisterRequest(String displayName, String homeAddress, Position home) {}

  /** The body of a profile change: the complete new lists (an empty list clears one). */
  record ProfileRequest(List<String> goods, List<String> skills) {}

  /** A role's profile with a token for it. */
  record Session(Role.Profile profile, AccessTokens.Issued token) {}

  /**
   * Everything held about a role, for the role itself (GDPR art. 15): its profile and personal data
   * as the role holds them, every read-model row that names it, its key's state, and the audit log's
   * rows about it (this export's own row included).
   */
  record PersonalDataExport(
      String roleId,
      Instant exportedAt,
      Role.Profile profile,
      Role.PersonalDataView personal,
      Map<String, List<Map<String, Object>>> readModels,
      Map<String, Object> key,
      List<AuditLog.Row> audit) {}

  private final AccessTokens tokens;
  private final Vault vault;
  private final Executor blocking;
  private final Clock clock;
  private final SessionRateLimit sessionLimit;

  public RoleRoutes(
      Weave weave, Responses responses, JsonBody body, Authentication auth, AccessTokens tokens, Vault vault,
      Executor blocking, Clock clock, SessionRateLimit sessionLimit) {
    super(weave, responses, body, auth);
    this.tokens = tokens;
    this.vault = vault;
    this.blocking = blocking;
    this.clock = clock;
    this.sessionLimit = sessionLimit;
  }

  @Override
  public List<Operation> operations() {
    return List.of(
        // Registration starts a session rather than continuing one, so it yields to session writes.
        Operation.post("/roles", Priority.READ, p -> sessionLimit.limited(this::register)),
        Operation.get("/roles/{id}", Priority.READ, p -> profile(p.get("id"))),
        Operation.delete("/roles/{id}", Priority.ERASURE, p -> leave(p.get("id"))),
        Operation.get("/roles/{id}/personal", Priority.READ, p -> personal(p.get("id"))),
        Operation.get("/roles/{id}/personal-data", Priority.READ, p -> export(p.get("id"))),
        Operation.put("/roles/{id}/profile", Priority.SESSION_WRITE, p -> updateProfile(p.get("id"))),
        Operation.post("/roles/{id}/session", Priority.SESSION_WRITE, p -> sessionLimit.limited(() -> login(p.get("id")))),
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

  /** The role's own personal data; the read is audited before the data goes out. */
  private Route personal(String roleId) {
    return subjectRead(roleId, "GET /roles/{id}/personal", "personal-data.read",
        (personal, instance) -> done(responses.ok(personal)));
  }

  /**
   * The data subject access export: audited first (no export goes out unaudited), then gathered
   * from the role and the read models. Another role is refused 403, and that is audited too.
   */
  private Route export(String roleId) {
    return subjectRead(roleId, "GET /roles/{id}/personal-data", "personal-data.export", (personal, instance) -> {
      CompletableFuture<SubjectRecords.Export> records =
          CompletableFuture.supplyAsync(() -> vault.records().of(roleId), blocking);
      return weave.profile(roleId).thenCombine(records, (profile, held) -> {
        if (profile instanceof Role.Rejected rejected) {
          return responses.refused(rejected.refusal(), instance);
        }
        return responses.ok(new PersonalDataExport(roleId, clock.instant(), (Role.Profile) profile,
            (Role.PersonalDataView) personal, held.readModels(), held.key(), held.audit()));
      });
    });
  }

  /**
   * A read of personal data by its subject only: another role is refused 403, and the refusal is
   * audited; the subject's read is audited as {@code action} before the role's personal data is
   * fetched and handed to {@code answer} (with the request's instance), so nothing goes out unaudited.
   */
  private Route subjectRead(String roleId, String operation, String action,
      BiFunction<Role.Reply, String, CompletionStage<HttpResponse>> answer) {
    return auth.as(
        roleId,
        refused -> audited(refused, "personal-data.refused", roleId, operation + " by another role"),
        () ->
            responses.answer(
                instance ->
                    audited(roleId, action, roleId, operation + " by the subject")
                        .thenCompose(audited -> weave.personalData(roleId))
                        .thenCompose(personal -> personal instanceof Role.Rejected rejected
                            ? done(responses.refused(rejected.refusal(), instance))
                            : answer.apply(personal, instance))));
  }

  /** Appends to the audit log off the request thread; {@code roleId} is the acting role. */
  private CompletionStage<Long> audited(String roleId, String action, String subject, String reason) {
    return CompletableFuture.supplyAsync(
        () -> vault.audit().append(new AuditLog.Entry("role:" + roleId, action, subject, reason)), blocking);
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
}
