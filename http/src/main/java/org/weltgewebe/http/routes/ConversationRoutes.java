package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;

import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.StringUnmarshallers;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.http.auth.Authentication;
import org.weltgewebe.http.json.JsonBody;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;

/**
 * Conversations: start one on a knot (which spins the starter's conversation thread), post a
 * message, read a page. A post carries the client's message id, so a post retried after a lost
 * answer is written once and answered the same way again.
 */
public final class ConversationRoutes extends ResourceRoutes {
  static final int DEFAULT_PAGE = 50;

  /** The body of a new conversation: its title and first post. */
  record StartRequest(String title, String text) {}

  /** The body of a post; {@code messageId} is chosen by the client (at most 64 characters). */
  record PostRequest(String messageId, String text) {}

  /** A started conversation and the id of the starter's conversation thread. */
  record Started(Conversation.ConversationView conversation, String threadId) {}

  public ConversationRoutes(Weave weave, Responses responses, JsonBody body, Authentication auth) {
    super(weave, responses, body, auth);
  }

  @Override
  public List<Operation> operations() {
    return List.of(
        Operation.post("/knots/{id}/conversations", Priority.SESSION_WRITE, p -> start(p.get("id"))),
        Operation.post("/conversations/{id}/messages", Priority.SESSION_WRITE, p -> post(p.get("id"))),
        Operation.get("/conversations/{id}", Priority.READ, p -> read(p.get("id"))));
  }

  private Route start(String knotId) {
    return auth.caller(
        roleId ->
            body.as(
                StartRequest.class,
                request ->
                    responses.answer(
                        instance -> {
                          String conversationId = Weave.newId();
                          String threadId = Weave.newId();
                          return weave
                              .startConversation(conversationId, threadId, knotId, roleId, request.title(), request.text())
                              .thenApply(
                                  reply ->
                                      reply instanceof Conversation.ConversationView view
                                          ? responses.created(
                                              "/conversations/" + conversationId, new Started(view, threadId))
                                          : responses.refused(((Conversation.Rejected) reply).refusal(), instance));
                        })));
  }

  private Route post(String conversationId) {
    return auth.caller(
        roleId ->
            body.as(
                PostRequest.class,
                request ->
                    responses.answer(
                        instance ->
                            weave
                                .post(conversationId, request.messageId(), roleId, request.text())
                                .thenApply(reply -> answer(reply, instance)))));
  }

  private Route read(String conversationId) {
    // A malformed number is rejected by the unmarshaller, and the rejection handler answers 400.
    return parameterOptional(
        StringUnmarshallers.INTEGER,
        "offset",
        offset ->
            parameterOptional(
                StringUnmarshallers.INTEGER,
                "limit",
                limit ->
                    responses.answer(
                        instance ->
                            weave
                                .readConversation(conversationId, offset.orElse(0), limit.orElse(DEFAULT_PAGE))
                                .thenApply(reply -> answer(reply, instance)))));
  }

  private HttpResponse answer(Conversation.Reply reply, String instance) {
    return reply instanceof Conversation.Rejected rejected
        ? responses.refused(rejected.refusal(), instance)
        : responses.ok(reply);
  }
}
