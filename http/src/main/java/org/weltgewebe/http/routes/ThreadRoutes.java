package org.weltgewebe.http.routes;

import java.util.List;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveThread;
import org.weltgewebe.http.auth.Authentication;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;

/**
 * Threads: read one with its fade level; twist one's own thread into yarn ({@code PUT .../yarn})
 * and untwist it ({@code DELETE .../yarn}). Both are idempotent, as PUT and DELETE should be; the
 * thread entity refuses another role's thread (403) and a faded-out one (410).
 */
public final class ThreadRoutes {
  private final Weave weave;
  private final Responses responses;
  private final Authentication auth;

  public ThreadRoutes(Weave weave, Responses responses, Authentication auth) {
    this.weave = weave;
    this.responses = responses;
    this.auth = auth;
  }

  public List<Operation> operations() {
    return List.of(
        Operation.get("/threads/{id}", Priority.READ, p -> read(p.get("id"))),
        Operation.put("/threads/{id}/yarn", Priority.SESSION_WRITE, p -> twist(p.get("id"))),
        Operation.delete("/threads/{id}/yarn", Priority.SESSION_WRITE, p -> untwist(p.get("id"))));
  }

  private Route read(String threadId) {
    return responses.answer(
        instance ->
            weave
                .getThread(threadId)
                .thenApply(
                    reply ->
                        reply instanceof WeaveThread.Rejected rejected
                            ? responses.refused(rejected.refusal(), instance)
                            : responses.ok(reply)));
  }

  private Route twist(String threadId) {
    return auth.caller(roleId -> responses.answer(instance -> weave.twist(threadId, roleId).thenApply(o -> answer(o, instance))));
  }

  private Route untwist(String threadId) {
    return auth.caller(
        roleId -> responses.answer(instance -> weave.untwist(threadId, roleId).thenApply(o -> answer(o, instance))));
  }

  private org.apache.pekko.http.javadsl.model.HttpResponse answer(Weave.ThreadOutcome outcome, String instance) {
    return outcome.refusal() != null ? responses.refused(outcome.refusal(), instance) : responses.ok(outcome.thread());
  }
}
