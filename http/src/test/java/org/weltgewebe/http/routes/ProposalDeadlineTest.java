package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.http.OwnNode;
import org.weltgewebe.http.TestApi;
import org.weltgewebe.persistence.readmodel.ReadModels;

/**
 * A payout proposal's whole life on a node of its own whose domain clock runs 40,320 times faster
 * (seven days in 15 s): donated, proposed, objected to, voted on with a delegation, counted at its
 * deadline and paid out. Idle entities passivate after 3 s, so the proposal sleeps through its
 * deadline and its own timer is lost with it; the deadline sweeper (every second) finds it overdue
 * in the proposal view and wakes it. (The test asserts the outcome, not which of the two woke it.)
 */
class ProposalDeadlineTest {
  /**
   * Seven days in 15 s: the objection must come within them and the delegation and both votes
   * within the next 15 s, each a request that fails anyway after the facade's 5-s ask timeout.
   */
  private static final double COMPRESSION = 40_320;

  @RegisterExtension
  static final OwnNode own = OwnNode.with("weltgewebe.clock.compression = " + COMPRESSION + "\n"
        + "weltgewebe.deadlines.sweep-every = 1s\n"
        + "pekko.cluster.sharding.passivation.default-idle-strategy.idle-entity.timeout = 3s\n");

  @Test
  void anAcceptedPayoutProposalIsCountedThroughItsDelegationAndPaidAtItsDeadline() throws Exception {
    TestApi api = own.api();
    TestApi.Role ada = api.register("Ada");
    TestApi.Role bob = api.register("Bob");
    TestApi.Role cem = api.register("Cem");
    String knotId = api.createKnot(ada, "Lastenrad").at("/knot/knotId").asText();
    assertThat(api.post("/knots/" + knotId + "/account/donations", "{\"amountCents\":5000}", ada.token()).statusCode())
        .isEqualTo(201);

    HttpResponse<String> made = api.post("/knots/" + knotId + "/proposals", TestApi.body(Map.of(
        "title", "Reparatur des Lastenrads", "payout", Map.of("amountCents", 3000, "recipient", cem.id()))), ada.token());
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    String id = TestApi.json(made).get("proposalId").asText();
    assertThat(api.post("/proposals/" + id + "/objections", null, bob.token()).statusCode()).isEqualTo(200);
    String cell = RegionCells.regionOf(new GeoPoint(TestApi.KREUZBERG_LAT + 0.001, TestApi.KREUZBERG_LON + 0.001));
    assertThat(api.put("/regions/" + cell + "/delegation", TestApi.body(Map.of("delegate", ada.id())), cem.token())
        .statusCode()).isEqualTo(200);
    assertThat(api.put("/proposals/" + id + "/vote", "{\"choice\":\"YES\"}", ada.token()).statusCode()).isEqualTo(200);
    assertThat(api.put("/proposals/" + id + "/vote", "{\"choice\":\"NO\"}", bob.token()).statusCode()).isEqualTo(200);

    // 14 virtual days are 30 s here; the sweeper needs the proposal view and then a second.
    JsonNode closed = Awaitility.await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(2))
        .until(() -> TestApi.json(api.get("/proposals/" + id)), p -> "PAID".equals(p.get("payoutStatus").asText()));

    assertThat(closed.get("phase").asText()).isEqualTo("CLOSED");
    assertThat(closed.get("outcome").asText()).isEqualTo("ACCEPTED");
    JsonNode tally = TestApi.json(api.get("/proposals/" + id + "/tally")).get("tally");
    assertThat(tally.get("yes").asInt()).as(tally.toString()).isEqualTo(2);
    assertThat(tally.get("no").asInt()).isEqualTo(1);
    assertThat(tally.toString()).contains("{\"roleId\":\"" + cem.id() + "\",\"choice\":\"YES\",\"through\":[\"" + ada.id() + "\"]}");
    assertThat(TestApi.json(api.get("/knots/" + knotId + "/account")).get("balanceCents").asLong()).isEqualTo(2000);

    ReadModels readModels = new ReadModels(own.db().settings());
    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(readModels.account(knotId)).isPresent();
      assertThat(readModels.account(knotId).get().ledgerSumCents()).isEqualTo(2000);
      assertThat(readModels.account(knotId).get().ledgerEntries()).isEqualTo(2);
    });
    assertThat(readModels.unbalancedAccounts()).isEmpty();
  }
}
