package org.weltgewebe.http.routes;

import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.actors.CommunityAccount;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.http.auth.Authentication;
import org.weltgewebe.http.json.JsonBody;
import org.weltgewebe.http.json.Responses;
import org.weltgewebe.http.shedding.Priority;

/**
 * Community accounts: read a knot's balance, donate to it (anonymously, or visibly, which spins a
 * gold thread from the donor to the knot). Money leaves an account only through an accepted payout
 * proposal ({@link ProposalRoutes}); there is no route that pays out.
 */
public final class AccountRoutes extends ResourceRoutes {
  /** The body of a donation: whole euro cents; {@code anonymous} keeps the donor off the ledger and the map. */
  record DonateRequest(long amountCents, Boolean anonymous) {}

  public AccountRoutes(Weave weave, Responses responses, JsonBody body, Authentication auth) {
    super(weave, responses, body, auth);
  }

  @Override
  public List<Operation> operations() {
    return List.of(
        Operation.get("/knots/{id}/account", Priority.READ, p -> read(p.get("id"))),
        Operation.post("/knots/{id}/account/donations", Priority.SESSION_WRITE, p -> donate(p.get("id"))));
  }

  private Route read(String knotId) {
    return responses.answer(instance -> weave.account(knotId).thenApply(reply -> answer(reply, instance, 200)));
  }

  private Route donate(String knotId) {
    return auth.caller(
        roleId ->
            body.as(
                DonateRequest.class,
                request ->
                    responses.answer(
                        instance ->
                            weave
                                .donate(knotId, Weave.newId(), roleId, request.amountCents(), !Boolean.TRUE.equals(request.anonymous()))
                                .thenApply(reply -> answer(reply, instance, 201)))));
  }

  private HttpResponse answer(CommunityAccount.Reply reply, String instance, int status) {
    if (reply instanceof CommunityAccount.Rejected rejected) {
      return responses.refused(rejected.refusal(), instance);
    }
    return responses.json(status, reply);
  }
}
