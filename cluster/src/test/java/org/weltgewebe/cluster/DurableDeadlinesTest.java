package org.weltgewebe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Proposal;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.readmodel.ReadModels;

/**
 * A knot's dissolution and a proposal's deadline that pass while the entity is not in memory — on a
 * node that stopped, or passivated while idle — are still kept: the {@link DeadlineSweeper} finds
 * them in the read models and wakes them, and they write their event. Nothing else touches them
 * after they fell asleep (the checks read the read models, not the entities), so the sweeper is what
 * woke them. A knot held by a yarn has no dissolution time and stays.
 */
class DurableDeadlinesTest {
  // seven days in 15 s on the second node: entities idle for 2 s are passivated well before that
  private static final double COMPRESSION = 40_320;

  @Test
  void deadlinesThatPassWhileTheEntityIsStoppedOrPassivatedAreKeptByTheSweeper() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      ReadModels readModels = new ReadModels(db.settings());
      String held = "held-" + Weave.newId();
      String heldDesign = Weave.newId();
      String beforeRestart = "restarted-" + Weave.newId();
      String proposalBeforeRestart = "proposal-restarted-" + Weave.newId();

      // Node 1, real time: the deadlines lie 7 days ahead when it stops.
      try (WeaveNode first = OutboxIntegrationTest.startWarm(db)) {
        Weave weave = first.weave();
        OutboxIntegrationTest.retrying(() -> weave.createKnot(held, heldDesign, "role-h", Knot.Type.IDEA, "Gehalten", "", OutboxIntegrationTest.PLACE, null, null));
        Weave.ThreadOutcome twisted = OutboxIntegrationTest.retrying(() -> weave.twist(heldDesign, "role-h"));
        assertThat(twisted.refusal()).as("the held knot's design thread became yarn").isNull();
        Knot.Reply created = OutboxIntegrationTest.retrying(() -> weave.createKnot(beforeRestart, Weave.newId(), "role-k", Knot.Type.IDEA,
            "Vor dem Neustart", "", OutboxIntegrationTest.PLACE, null, null));
        assertThat(((Knot.KnotView) created).dissolvesAt()).isAfter(first.clock().now().plus(Duration.ofDays(6)));
        Proposal.Reply proposed = OutboxIntegrationTest.retrying(
            () -> weave.propose(proposalBeforeRestart, held, "role-p", "Vor dem Neustart", "", null));
        assertThat(proposed).isInstanceOf(Proposal.ProposalView.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> readModels.knot(beforeRestart).isPresent()
            && readModels.knot(held).map(k -> k.yarnCount() == 1).orElse(false) && phaseOf(db, proposalBeforeRestart).isPresent());
      }

      // Node 2: its domain clock 15 days later, running 40,320×; entities passivate after 2 s idle.
      Config later = ConfigFactory.parseString(
          "weltgewebe.clock.compression = " + COMPRESSION + "\n"
              + "weltgewebe.clock.virtual-start = \"" + Instant.now().plus(Duration.ofDays(15)) + "\"\n"
              + "weltgewebe.deadlines.sweep-every = 1s\n"
              + "pekko.cluster.sharding.passivation.default-idle-strategy.idle-entity.timeout = 2s\n");
      try (WeaveNode second = WeaveNode.start(later.withFallback(OutboxIntegrationTest.nodeConfig(db)))) {
        second.awaitEntitiesAnswer(Duration.ofMinutes(2));
        Weave weave = second.weave();
        String asleep = "asleep-" + Weave.newId();
        String proposalAsleep = "proposal-asleep-" + Weave.newId();
        Knot.KnotView knot = (Knot.KnotView) OutboxIntegrationTest.retrying(() -> weave.createKnot(asleep, Weave.newId(), "role-a",
            Knot.Type.IDEA, "Schläft ein", "", OutboxIntegrationTest.PLACE, null, null));
        Proposal.ProposalView proposal = (Proposal.ProposalView) OutboxIntegrationTest.retrying(
            () -> weave.propose(proposalAsleep, held, "role-p", "Schläft ein", "", null));

        // Both leave memory before their time comes, taking their own timers with them.
        await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(200)).until(() ->
            !EntitiesInMemory.of(second, Knot.ENTITY_KEY).contains(asleep) && !EntitiesInMemory.of(second, Proposal.ENTITY_KEY).contains(proposalAsleep));
        assertThat(second.clock().now()).as("passivated before the knot's dissolution time").isBefore(knot.dissolvesAt());
        assertThat(second.clock().now()).as("passivated before the proposal's deadline").isBefore(proposal.deadline());

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
          assertThat(readModels.knot(beforeRestart).orElseThrow().dissolvedAt()).as("dissolved after the restart").isNotNull();
          assertThat(readModels.knot(asleep).orElseThrow().dissolvedAt()).as("dissolved while passivated").isNotNull();
          assertThat(phaseOf(db, proposalBeforeRestart)).as("settled after the restart").contains("CLOSED PASSED_WITHOUT_OBJECTION");
          assertThat(phaseOf(db, proposalAsleep)).as("settled while passivated").contains("CLOSED PASSED_WITHOUT_OBJECTION");
        });
        assertThat(readModels.knot(asleep).orElseThrow().dissolvedAt()).isAfterOrEqualTo(knot.dissolvesAt());
        assertThat(readModels.knot(held).orElseThrow().dissolvedAt()).as("a yarn holds it").isNull();
        assertThat(dissolvedEvents(db, beforeRestart)).isEqualTo(1);
        assertThat(dissolvedEvents(db, asleep)).isEqualTo(1);
      }
    }
  }

  /** The proposal's phase and outcome in the proposal view, e.g. "OBJECTABLE null". */
  private static Optional<String> phaseOf(TestDatabase db, String proposalId) throws SQLException {
    try (Connection c = db.settings().connect();
        PreparedStatement s = c.prepareStatement("SELECT phase, outcome FROM rm_proposal WHERE proposal_id = ?")) {
      s.setString(1, proposalId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1) + " " + rs.getString(2)) : Optional.empty();
      }
    }
  }

  /** How many Dissolved events the knot's journal holds. */
  private static long dissolvedEvents(TestDatabase db, String knotId) throws SQLException {
    try (Connection c = db.settings().connect();
        PreparedStatement s = c.prepareStatement(
            "SELECT count(*) FROM event_journal WHERE persistence_id = ? AND event_ser_manifest LIKE '%Dissolved'")) {
      s.setString(1, "knot|" + knotId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
