package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.http.routes.RoleRoutesTest.assertProblem;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.http.TestApi;
import org.weltgewebe.http.TestNode;
import org.weltgewebe.persistence.readmodel.ReadModels;

/**
 * Proposals, votes, delegations and community accounts over real HTTP on a node with the outbox
 * and read models (real PostgreSQL and NATS). The deadline's settlement is in {@link ProposalDeadlineTest}.
 */
class ProposalRoutesTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();

  @BeforeAll
  static void warmUp() throws Exception {
    // The first test class of a run may meet a node that is still joining its own cluster and
    // starting its role shards (on a busy machine, longer than an entity's 5-s answer time).
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(() -> api.register("Warm-up") != null);
  }

  @Test
  void aProposalIsObjectedToAndVotedOnAndItsStepsSpinThreads() throws Exception {
    TestApi.Role ada = api.register("Ada");
    TestApi.Role bob = api.register("Bob");
    String knotId = api.createKnot(ada, "Gemeinschaftsgarten").at("/knot/knotId").asText();

    HttpResponse<String> made = api.post("/knots/" + knotId + "/proposals",
        TestApi.body(Map.of("title", "Ein Hochbeet mehr", "text", "am Zaun")), ada.token());
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    JsonNode proposal = TestApi.json(made);
    String id = proposal.get("proposalId").asText();
    assertThat(made.headers().firstValue("Location")).hasValue("/proposals/" + id);
    assertThat(proposal.get("phase").asText()).isEqualTo("OBJECTABLE");

    assertProblem(api.put("/proposals/" + id + "/vote", "{\"choice\":\"YES\"}", bob.token()), 409, "nobody has objected");
    HttpResponse<String> objected = api.post("/proposals/" + id + "/objections", null, bob.token());
    assertThat(objected.statusCode()).as(objected.body()).isEqualTo(200);
    assertThat(TestApi.json(objected).get("phase").asText()).isEqualTo("VOTING");
    assertThat(TestApi.json(objected).get("objectedBy").asText()).isEqualTo(bob.id());
    assertProblem(api.post("/proposals/" + id + "/objections", null, ada.token()), 409, "already put to the vote");

    HttpResponse<String> voted = api.put("/proposals/" + id + "/vote", "{\"choice\":\"NO\"}", bob.token());
    assertThat(voted.statusCode()).as(voted.body()).isEqualTo(200);
    assertThat(api.put("/proposals/" + id + "/vote", "{\"choice\":\"YES\"}", ada.token()).statusCode()).isEqualTo(200);
    assertThat(TestApi.json(api.get("/proposals/" + id)).get("votes").asInt()).isEqualTo(2);
    assertProblem(api.get("/proposals/" + id + "/tally"), 409, "counted at its deadline");

    assertProblem(api.put("/proposals/" + id + "/vote", "{\"choice\":\"MAYBE\"}", ada.token()), 400, "choice");
    assertProblem(api.put("/proposals/" + id + "/vote", "{}", ada.token()), 400, "choice is required");
    assertProblem(api.put("/proposals/" + id + "/vote", "{\"choice\":\"YES\"}", null), 401, "access token");
    assertProblem(api.get("/proposals/no-such"), 404, "proposal no-such not found");
    assertProblem(api.post("/knots/" + knotId + "/proposals", TestApi.body(Map.of("title", " ")), ada.token()), 422, "title");
    assertProblem(api.post("/knots/nope/proposals", TestApi.body(Map.of("title", "x")), ada.token()), 404, "knot nope");

    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(threadKinds(knotId)).containsExactlyInAnyOrder("DESIGN", "PROPOSAL", "PROPOSAL", "VOTE", "VOTE");
      assertThat(proposalRow(id)).isEqualTo("VOTING/2");
    });
  }

  @Test
  void delegationsChainAndACycleIs409() throws Exception {
    TestApi.Role ada = api.register("Ada");
    TestApi.Role bob = api.register("Bob");
    TestApi.Role cem = api.register("Cem");
    String cell = RegionCells.regionOf(new GeoPoint(TestApi.KREUZBERG_LAT, TestApi.KREUZBERG_LON));
    String path = "/regions/" + cell + "/delegation";

    assertThat(api.put(path, delegate(bob), ada.token()).statusCode()).isEqualTo(200);
    HttpResponse<String> chained = api.put(path, delegate(cem), bob.token());
    assertThat(chained.statusCode()).as(chained.body()).isEqualTo(200);
    assertThat(TestApi.json(chained).at("/delegations/" + ada.id()).asText()).isEqualTo(bob.id());
    assertThat(TestApi.json(chained).at("/delegations/" + bob.id()).asText()).isEqualTo(cem.id());

    assertProblem(api.put(path, delegate(ada), cem.token()), 409,
        "would close a cycle: " + cem.id() + " → " + ada.id() + " → " + bob.id() + " → " + cem.id());
    assertProblem(api.put(path, "{\"delegate\":\"nobody\"}", cem.token()), 422, "cannot delegate to nobody");
    assertProblem(api.put("/regions/xyz/delegation", delegate(ada), cem.token()), 400, "xyz");

    assertThat(api.delete(path, bob.token()).statusCode()).isEqualTo(204);
    JsonNode left = TestApi.json(api.get("/regions/" + cell + "/delegations"));
    assertThat(left.at("/delegations/" + bob.id()).isMissingNode()).isTrue();
    assertThat(left.at("/delegations/" + ada.id()).asText()).isEqualTo(bob.id());

    // Leaving ends the leaver's delegations and those to it (once the delegation view has them).
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> delegationRows(cell, ada.id()) == 1);
    assertThat(api.delete("/roles/" + bob.id(), bob.token()).statusCode()).isEqualTo(204);
    JsonNode after = TestApi.json(api.get("/regions/" + cell + "/delegations"));
    assertThat(after.at("/delegations/" + ada.id()).isMissingNode()).as(after.toString()).isTrue();
  }

  @Test
  void donationsFillTheAccountAndTheLedgerSumsToTheBalance() throws Exception {
    TestApi.Role ada = api.register("Ada");
    TestApi.Role bob = api.register("Bob");
    String knotId = api.createKnot(ada, "Werkzeugbibliothek").at("/knot/knotId").asText();

    HttpResponse<String> visible = api.post("/knots/" + knotId + "/account/donations", "{\"amountCents\":2500}", ada.token());
    assertThat(visible.statusCode()).as(visible.body()).isEqualTo(201);
    HttpResponse<String> anonymous = api.post("/knots/" + knotId + "/account/donations",
        "{\"amountCents\":700,\"anonymous\":true}", bob.token());
    assertThat(TestApi.json(anonymous).get("balanceCents").asLong()).isEqualTo(3200);
    JsonNode account = TestApi.json(api.get("/knots/" + knotId + "/account"));
    assertThat(account.get("balanceCents").asLong()).isEqualTo(3200);
    assertThat(account.get("movements").asInt()).isEqualTo(2);

    assertProblem(api.post("/knots/" + knotId + "/account/donations", "{\"amountCents\":0}", ada.token()), 422, "donation");
    assertProblem(api.post("/knots/" + knotId + "/account/donations", "{\"amountCents\":\"x\"}", ada.token()), 400, "amountCents");
    assertProblem(api.post("/knots/" + knotId + "/account/donations", "{\"amountCents\":5}", null), 401, "access token");
    assertProblem(api.get("/knots/nope/account"), 404, "knot nope");

    ReadModels readModels = new ReadModels(TestNode.node().database());
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(readModels.account(knotId)).isPresent();
      ReadModels.AccountRow row = readModels.account(knotId).get();
      assertThat(row.balanceCents()).isEqualTo(3200);
      assertThat(row.ledgerSumCents()).isEqualTo(row.balanceCents());
      assertThat(row.ledgerEntries()).isEqualTo(2);
      assertThat(threadKinds(knotId)).containsExactlyInAnyOrder("DESIGN", "GOLD");
    });
    assertThat(readModels.unbalancedAccounts()).isEmpty();
    assertThat(ledgerDonors(knotId)).containsExactly(ada.id(), null);
  }

  private static String delegate(TestApi.Role to) throws Exception {
    return TestApi.body(Map.of("delegate", to.id()));
  }

  private static List<String> threadKinds(String knotId) throws Exception {
    return column("SELECT kind FROM rm_thread WHERE knot_id = ?", knotId);
  }

  private static List<String> ledgerDonors(String knotId) throws Exception {
    return column("SELECT role_id FROM rm_ledger WHERE knot_id = ? ORDER BY entry_no", knotId);
  }

  private static String proposalRow(String proposalId) throws Exception {
    List<String> rows = column("SELECT phase || '/' || votes_cast FROM rm_proposal WHERE proposal_id = ?", proposalId);
    return rows.isEmpty() ? null : rows.get(0);
  }

  private static int delegationRows(String cell, String delegator) throws Exception {
    try (Connection c = TestNode.node().database().connect();
        PreparedStatement s = c.prepareStatement("SELECT count(*) FROM rm_delegation WHERE cell = ? AND delegator = ?")) {
      s.setString(1, cell);
      s.setString(2, delegator);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static List<String> column(String sql, String parameter) throws Exception {
    try (Connection c = TestNode.node().database().connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, parameter);
      List<String> values = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          values.add(rs.getString(1));
        }
      }
      return values;
    }
  }
}
