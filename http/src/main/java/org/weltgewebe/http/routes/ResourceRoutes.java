package org.weltgewebe.http.routes;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.http.auth.Authentication;
import org.weltgewebe.http.json.JsonBody;
import org.weltgewebe.http.json.Responses;

/**
 * The routes of one of the weave's resources that callers write to (roles, knots, conversations,
 * proposals, accounts): each asks the weave, reads JSON bodies, knows its caller by the access
 * token and answers through the same responses (problems for refusals).
 */
abstract class ResourceRoutes {
  final Weave weave;
  final Responses responses;
  final JsonBody body;
  final Authentication auth;

  ResourceRoutes(Weave weave, Responses responses, JsonBody body, Authentication auth) {
    this.weave = weave;
    this.responses = responses;
    this.body = body;
    this.auth = auth;
  }

  /** Every operation of the resource, for the route table. */
  public abstract List<Operation> operations();

  /** An answer that is ready now, where the route's work answers later. */
  static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
