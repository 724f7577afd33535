package org.weltgewebe.http.routes;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.actors.Delegations;
import org.weltgewebe.actors.Proposal;
import org.weltgewebe.actors.Refusal;
import org.weltgewebe.actors.VoteTally;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveClock;
import org.weltgewebe.http.auth.Authentication;
import org.weltgewebe.http.json.JsonBody;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;

/**
 * Proposals and votes: put a proposal to a knot (optionally a payout from its community account),
 * read it, object to it (which puts it to the vote), vote on it, read its final tally; and the vote
 * delegations of a district: delegate one's vote there, take it back, read who delegates to whom.
 * Every role acts as itself (the token's role); a proposal step the proposal's state forbids — a
 * vote before anyone objected, an objection after the deadline, a cyclic delegation — is 409.
 */
public final class ProposalRoutes extends ResourceRoutes {
  /** The body of a new proposal; {@code payout} only for a payout from the knot's account. */
  record ProposeRequest(String title, String text, PayoutRequest payout) {}

  /** A payout's terms: whole euro cents to a role. */
  record PayoutRequest(long amountCents, String recipient) {}

  /** The body of a vote. */
  record VoteRequest(VoteTally.Choice choice) {}

  /** The body of a delegation. */
  record DelegateRequest(String delegate) {}

  private final WeaveClock clock;

  public ProposalRoutes(Weave weave, Responses responses, JsonBody body, Authentication auth, WeaveClock clock) {
    super(weave, responses, body, auth);
    this.clock = clock;
  }

  @Override
  public List<Operation> operations() {
    return List.of(
        Operation.post("/knots/{id}/proposals", Priority.SESSION_WRITE, p -> propose(p.get("id"))),
        Operation.get("/proposals/{id}", Priority.READ, p -> read(p.get("id"))),
        Operation.post("/proposals/{id}/objections", Priority.SESSION_WRITE, p -> object(p.get("id"))),
        Operation.put("/proposals/{id}/vote", Priority.SESSION_WRITE, p -> vote(p.get("id"))),
        Operation.get("/proposals/{id}/tally", Priority.READ, p -> tally(p.get("id"))),
        Operation.get("/regions/{cell}/delegations", Priority.READ, p -> delegations(p.get("cell"))),
        Operation.put("/regions/{cell}/delegation", Priority.SESSION_WRITE, p -> delegate(p.get("cell"))),
        Operation.delete("/regions/{cell}/delegation", Priority.SESSION_WRITE, p -> revoke(p.get("cell"))));
  }

  private Route propose(String knotId) {
    return auth.caller(
        roleId ->
            body.as(
                ProposeRequest.class,
                request ->
                    responses.answer(
                        instance -> {
                          String proposalId = Weave.newId();
                          Proposal.Payout payout =
                              request.payout() == null
                                  ? null
                                  : new Proposal.Payout(request.payout().amountCents(), request.payout().recipient());
                          return weave
                              .propose(proposalId, knotId, roleId, request.title(), request.text(), payout)
                              .thenApply(
                                  reply ->
                                      reply instanceof Proposal.ProposalView view
                                          ? responses.created("/proposals/" + proposalId, view)
                                          : answer(reply, instance));
                        })));
  }

  private Route read(String proposalId) {
    return responses.answer(instance -> weave.proposal(proposalId).thenApply(reply -> answer(reply, instance)));
  }

  private Route object(String proposalId) {
    return auth.caller(
        roleId -> responses.answer(instance -> weave.object(proposalId, roleId).thenApply(reply -> answer(reply, instance))));
  }

  private Route vote(String proposalId) {
    return auth.caller(
        roleId ->
            body.as(
                VoteRequest.class,
                request ->
                    responses.answer(
                        instance -> {
                          if (request.choice() == null) {
                            return CompletableFuture.completedFuture(
                                responses.badRequest("choice is required: YES, NO or ABSTAIN", instance));
                          }
                          return weave.vote(proposalId, roleId, request.choice()).thenApply(reply -> answer(reply, instance));
                        })));
  }

  private Route tally(String proposalId) {
    return responses.answer(instance -> weave.tally(proposalId).thenApply(reply -> answer(reply, instance)));
  }

  private Route delegations(String cell) {
    if (!RegionRoutes.isRegion(cell)) {
      return responses.answer(instance -> CompletableFuture.completedFuture(
          responses.badRequest(KnotRoutes.notARegion(cell), instance)));
    }
    return responses.answer(instance -> weave.delegations(cell, clock.now()).thenApply(reply -> delegationAnswer(reply, instance)));
  }

  private Route delegate(String cell) {
    if (!RegionRoutes.isRegion(cell)) {
      return responses.answer(instance -> CompletableFuture.completedFuture(
          responses.badRequest(KnotRoutes.notARegion(cell), instance)));
    }
    return auth.caller(
        roleId ->
            body.as(
                DelegateRequest.class,
                request ->
                    responses.answer(
                        instance -> {
                          if (request.delegate() == null || request.delegate().isBlank()) {
                            return CompletableFuture.completedFuture(
                                responses.badRequest("delegate is required: the role id to delegate to", instance));
                          }
                          return weave
                              .delegate(cell, roleId, request.delegate())
                              .thenApply(reply -> delegationAnswer(reply, instance));
                        })));
  }

  private Route revoke(String cell) {
    if (!RegionRoutes.isRegion(cell)) {
      return responses.answer(instance -> CompletableFuture.completedFuture(
          responses.badRequest(KnotRoutes.notARegion(cell), instance)));
    }
    return auth.caller(
        roleId ->
            responses.answer(
                instance ->
                    weave
                        .revokeDelegation(cell, roleId)
                        .thenApply(
                            reply ->
                                reply instanceof Delegations.Rejected rejected
                                    ? responses.refused(rejected.refusal(), instance)
                                    : HttpResponse.create().withStatus(204))));
  }

  private HttpResponse answer(Proposal.Reply reply, String instance) {
    if (reply instanceof Proposal.Rejected rejected) {
      return responses.refused(rejected.refusal(), instance);
    }
    return responses.ok(reply);
  }

  private HttpResponse delegationAnswer(Delegations.Reply reply, String instance) {
    if (reply instanceof Delegations.Rejected rejected) {
      Refusal refusal = rejected.refusal();
      return responses.refused(refusal, instance);
    }
    return responses.ok(reply);
  }
}
