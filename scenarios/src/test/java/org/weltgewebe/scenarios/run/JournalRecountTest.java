package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.CommunityAccount;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Proposal;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.VoteTally;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.TestDatabase;

/**
 * The oracle's recount on a real node (PostgreSQL journal, outbox to NATS, read models) whose
 * domain clock runs 40,320 times faster (a week in 15 s): a proposal that passes without
 * objection, a payout proposal objected to, voted on directly and through a delegation, counted at
 * its deadline and paid; a visible and an anonymous donation. The recount agrees with the read
 * models; then each kind of difference is planted in the database and the recount names it.
 */
class JournalRecountTest {
  private static final GeoPoint GARDEN = new GeoPoint(52.4986, 13.4034);

  static TestDatabase db;
  static WeaveNode node;
  static String passed;
  static String voted;
  static String knot;

  @BeforeAll
  static void aNeighbourhoodDecidesAndPays() throws Exception {
    db = TestDatabase.create();
    node = WeaveNode.start(db.outboxConfig().withFallback(ConfigFactory.parseString(
        "pekko.remote.artery.canonical.port = 0\nweltgewebe.http.port = 0\nweltgewebe.metrics.enabled = off\n"
            + "weltgewebe.clock.compression = 40320\nweltgewebe.deadlines.sweep-every = 1s\n")));
    node.awaitEntitiesAnswer(Duration.ofMinutes(2));
    Weave weave = node.weave();
    String ada = register(weave, "Ada");
    String bob = register(weave, "Bob");
    String cem = register(weave, "Cem");
    knot = Weave.newId();
    Knot.Reply created = get(weave.createKnot(knot, Weave.newId(), ada, Knot.Type.IDEA, "Gemeinschaftsgarten", "Hinterhof",
        GARDEN, null, null));
    assertThat(created).isInstanceOf(Knot.KnotView.class);
    assertThat(get(weave.donate(knot, Weave.newId(), ada, 5_000, true))).isInstanceOf(CommunityAccount.Balance.class);
    assertThat(get(weave.donate(knot, Weave.newId(), bob, 1_500, false))).isInstanceOf(CommunityAccount.Balance.class);

    passed = Weave.newId();
    assertThat(get(weave.propose(passed, knot, bob, "Gießplan", "Wer gießt wann?", null))).isInstanceOf(Proposal.ProposalView.class);
    voted = Weave.newId();
    assertThat(get(weave.propose(voted, knot, ada, "Neue Schubkarre", "Die alte ist durch.", new Proposal.Payout(3_000, ada))))
        .isInstanceOf(Proposal.ProposalView.class);
    assertThat(get(weave.object(voted, bob))).isInstanceOf(Proposal.ProposalView.class);
    assertThat(get(weave.delegate(RegionCells.regionOf(GARDEN), cem, ada))).isNotNull();
    assertThat(get(weave.vote(voted, ada, VoteTally.Choice.YES))).isInstanceOf(Proposal.ProposalView.class);
    assertThat(get(weave.vote(voted, bob, VoteTally.Choice.NO))).isInstanceOf(Proposal.ProposalView.class);
    assertThat(get(weave.vote(voted, bob, VoteTally.Choice.ABSTAIN))).as("voting again replaces the vote")
        .isInstanceOf(Proposal.ProposalView.class);

    // 14 virtual days are 30 s; the deadlines settle, the payout is made, the views catch up
    Awaitility.await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
        .until(() -> "PAID".equals(scalar("SELECT payout_status FROM rm_proposal WHERE proposal_id = '" + voted + "'"))
            && "CLOSED".equals(scalar("SELECT phase FROM rm_proposal WHERE proposal_id = '" + passed + "'"))
            && "2".equals(scalar("SELECT count(*) FROM rm_ledger WHERE knot_id = '" + knot + "' AND kind = 'DONATION'"))
            && "1".equals(scalar("SELECT count(*) FROM rm_ledger WHERE knot_id = '" + knot + "' AND kind = 'PAYOUT'")));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @Test
  void theRecountFromTheJournalAgreesWithTheReadModelsAndNamesEveryPlantedDifference() throws Exception {
    JournalRecount.Result clean = JournalRecount.since(db.settings(), 0);
    assertThat(clean.discrepancies()).isEmpty();
    assertThat(clean.counts().proposals()).isEqualTo(2);
    assertThat(clean.counts().closedProposals()).isEqualTo(2);
    assertThat(clean.counts().directVotes()).as("Ada and Bob; Bob's second vote replaced his first").isEqualTo(2);
    assertThat(clean.counts().accounts()).isEqualTo(1);
    assertThat(clean.counts().movements()).as("two donations and the payout").isEqualTo(3);
    // Cem counted through Ada: 2 yes, 0 no, 1 abstention — the recount and the view agree on it
    assertThat(scalar("SELECT yes || '/' || no || '/' || abstain || '/' || participants FROM rm_proposal WHERE proposal_id = '"
        + voted + "'")).isEqualTo("2/0/1/3");

    // a count in the proposal view
    execute("UPDATE rm_proposal SET yes = yes + 1 WHERE proposal_id = '" + voted + "'");
    assertThat(JournalRecount.since(db.settings(), 0).discrepancies())
        .containsExactly("proposal " + voted + ": yes/no/abstain/participants recounted from the journal against rm_proposal:"
            + " the journal says [2, 0, 1, 3], the read model [3, 0, 1, 3]");
    execute("UPDATE rm_proposal SET yes = yes - 1 WHERE proposal_id = '" + voted + "'");

    // a direct vote lost from the vote view
    execute("DELETE FROM rm_proposal_vote WHERE proposal_id = '" + voted + "' AND choice = 'ABSTAIN'");
    assertThat(JournalRecount.since(db.settings(), 0).discrepancies())
        .anySatisfy(d -> assertThat(d).startsWith("proposal " + voted + ": direct votes (rm_proposal_vote)"));

    // the count the proposal persisted differs from a recount of its votes and delegations
    execute("UPDATE event_journal SET event_payload = convert_to(replace(convert_from(event_payload, 'UTF8'), '\"yes\":2',"
        + " '\"yes\":1'), 'UTF8') WHERE persistence_id = 'proposal|" + voted + "' AND event_ser_manifest LIKE '%Tallied%'");
    assertThat(JournalRecount.since(db.settings(), 0).discrepancies())
        .anySatisfy(d -> assertThat(d).isEqualTo("proposal " + voted + ": yes/no/abstain/participants recounted from the journal"
            + " against its Tallied event: the journal says [2, 0, 1, 3], the read model [1, 0, 1, 3]"));

    // an account's balance and a ledger row
    execute("UPDATE rm_account SET balance_cents = balance_cents + 100 WHERE knot_id = '" + knot + "'");
    execute("UPDATE rm_ledger SET amount_cents = amount_cents - 1 WHERE knot_id = '" + knot + "' AND kind = 'PAYOUT'");
    List<String> accounts = JournalRecount.since(db.settings(), 0).discrepancies();
    assertThat(accounts).contains(
        "account of knot " + knot + ": balance in cents (journal against rm_account): the journal says 3500, the read model 3600",
        "account of knot " + knot + ": balance in cents (journal against the sum of rm_ledger): the journal says 3500, the read model 3499");
    assertThat(accounts).anySatisfy(d -> assertThat(d).startsWith("account of knot " + knot + ": ledger entries"));
  }

  private static String register(Weave weave, String name) throws Exception {
    String id = Weave.newId();
    get(weave.register(id, name, "Hof 1", GARDEN));
    return id;
  }

  private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static String scalar(String sql) throws SQLException {
    try (Connection c = db.settings().connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      return r.next() ? r.getString(1) : null;
    }
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = db.settings().connect(); Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }
}
