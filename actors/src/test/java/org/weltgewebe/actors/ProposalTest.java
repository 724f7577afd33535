package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.VoteTally.Choice;

/** A proposal's life: objections, the vote, the count at the deadline with delegations, the payout. */
class ProposalTest {
  private static final Instant START = Instant.parse("2026-03-02T09:00:00Z");
  private static final GeoPoint GARDEN = new GeoPoint(52.4986, 13.4033);
  private static final AtomicInteger IDS = new AtomicInteger();

  private static ActorTestKit testKit;

  private ManualClock clock;
  private String proposalId;
  private EventSourcedBehaviorTestKit<Proposal.Command, Proposal.Event, Proposal.State> proposal;
  private volatile Map<String, String> delegations = Map.of();
  private volatile Optional<Refusal> accountAnswer = Optional.empty();
  private final List<String> payouts = new CopyOnWriteArrayList<>();
  private final List<Instant> graphsAskedAt = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("ProposalTest", EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newProposal() {
    clock = new ManualClock(START);
    proposalId = "p-" + IDS.incrementAndGet();
    ProposalLinks links = new ProposalLinks() {
      @Override
      public CompletionStage<Map<String, String>> delegationsAt(String cell, Instant at) {
        graphsAskedAt.add(at);
        return CompletableFuture.completedFuture(delegations);
      }

      @Override
      public CompletionStage<Optional<Refusal>> payOut(String knotId, String id, long amountCents, String recipient) {
        payouts.add(knotId + ":" + id + ":" + amountCents + ":" + recipient);
        return CompletableFuture.completedFuture(accountAnswer);
      }
    };
    proposal = EventSourcedBehaviorTestKit.create(testKit.system(), Proposal.create(proposalId, clock, links));
  }

  private CommandResultWithReply<Proposal.Command, Proposal.Event, Proposal.State, Proposal.Reply> run(
      Function<ActorRef<Proposal.Reply>, Proposal.Command> command) {
    return proposal.runCommand(command);
  }

  private Proposal.ProposalView propose(Proposal.Payout payout) {
    return run(r -> new Proposal.Propose("k1", GARDEN, "ada", " Hochbeete ", "mehr Beete", payout, r))
        .replyOfType(Proposal.ProposalView.class);
  }

  private Proposal.ProposalView settled() {
    return testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      Proposal.ProposalView view = run(Proposal.Get::new).replyOfType(Proposal.ProposalView.class);
      assertEquals(Proposal.Phase.CLOSED, view.phase());
      return view;
    });
  }

  @Test
  void withoutObjectionItPassesAfterSevenDays() {
    Proposal.ProposalView made = propose(null);
    assertEquals(Proposal.Phase.OBJECTABLE, made.phase());
    assertEquals(START.plus(Duration.ofDays(7)), made.deadline());
    assertEquals("Hochbeete", made.title());
    assertEquals(RegionCells.regionOf(GARDEN), made.cell());

    clock.advance(Duration.ofDays(7).minusSeconds(1));
    assertEquals(Proposal.Phase.OBJECTABLE,
        run(Proposal.CheckDeadline::new).replyOfType(Proposal.ProposalView.class).phase());
    clock.advance(Duration.ofSeconds(1));

    var checked = run(Proposal.CheckDeadline::new);
    checked.eventOfType(Proposal.PassedWithoutObjection.class);
    Proposal.ProposalView passed = checked.replyOfType(Proposal.ProposalView.class);
    assertEquals(Proposal.Outcome.PASSED_WITHOUT_OBJECTION, passed.outcome());
    assertTrue(run(Proposal.CheckDeadline::new).hasNoEvents(), "settling again changes nothing");

    Proposal.TallyView tally = run(Proposal.GetTally::new).replyOfType(Proposal.TallyView.class);
    assertEquals(VoteTally.empty(), tally.tally());
    assertConflict(run(r -> new Proposal.RaiseObjection("bob", r)), "closed at");
  }

  @Test
  void anObjectionExtendsBySevenDaysAndTheVoteCountsThroughDelegations() {
    propose(null);
    clock.advance(Duration.ofDays(3));
    assertConflict(run(r -> new Proposal.Vote("bob", Choice.NO, r)), "nobody has objected");

    var objected = run(r -> new Proposal.RaiseObjection("bob", r));
    assertEquals(START.plus(Duration.ofDays(14)), objected.eventOfType(Proposal.Objected.class).deadline());
    assertEquals(Proposal.Phase.VOTING, objected.replyOfType(Proposal.ProposalView.class).phase());
    assertConflict(run(r -> new Proposal.RaiseObjection("cem", r)), "already put to the vote");

    run(r -> new Proposal.Vote("bob", Choice.YES, r)).eventOfType(Proposal.VoteCast.class);
    run(r -> new Proposal.Vote("bob", Choice.NO, r)).eventOfType(Proposal.VoteCast.class);
    assertTrue(run(r -> new Proposal.Vote("bob", Choice.NO, r)).hasNoEvents(), "the same vote again is no news");
    run(r -> new Proposal.Vote("ada", Choice.YES, r));
    run(r -> new Proposal.Vote("dora", Choice.YES, r));
    // cem and eve delegated to dora; bob delegated to ada but voted himself: his own vote counts.
    delegations = Map.of("cem", "dora", "eve", "cem", "bob", "ada");

    clock.advance(Duration.ofDays(11));
    run(Proposal.CheckDeadline::new);
    Proposal.ProposalView closed = settled();

    assertEquals(Proposal.Outcome.ACCEPTED, closed.outcome());
    assertEquals(List.of(START.plus(Duration.ofDays(14))), graphsAskedAt, "the graph as of the deadline, once");
    VoteTally tally = run(Proposal.GetTally::new).replyOfType(Proposal.TallyView.class).tally();
    assertEquals(4, tally.yes());
    assertEquals(1, tally.no());
    assertEquals(new VoteTally.Counted("eve", Choice.YES, List.of("cem", "dora")), tally.counted().get(4));
    assertEquals(new VoteTally.Counted("bob", Choice.NO, List.of()), tally.counted().get(1));
    assertConflict(run(r -> new Proposal.Vote("fay", Choice.NO, r)), "closed at");
    assertEquals(proposal.getState(), proposal.restart().state(), "the closed proposal recovers as it was");
  }

  @Test
  void aVoteAfterTheDeadlineIsRefusedAndStartsTheCount() {
    propose(null);
    run(r -> new Proposal.RaiseObjection("bob", r));
    run(r -> new Proposal.Vote("bob", Choice.NO, r));
    clock.advance(Duration.ofDays(14));

    // The late vote is refused; the settlement it starts (a message to itself) may persist the count
    // while the test kit still collects this command's events, so only the vote itself must be absent.
    var late = run(r -> new Proposal.Vote("ada", Choice.YES, r));
    assertTrue(late.events().stream().noneMatch(Proposal.VoteCast.class::isInstance), "a late vote is not cast");
    Refusal refusal = late.replyOfType(Proposal.Rejected.class).refusal();
    assertEquals(Refusal.Kind.CONFLICT, refusal.kind());
    assertTrue(refusal.reason().contains("closed for this at"), refusal.reason());

    Proposal.ProposalView closed = settled();
    assertEquals(Proposal.Outcome.REJECTED, closed.outcome());
    assertEquals(1, closed.votes(), "only bob's vote counts");
  }

  @Test
  void anAcceptedPayoutIsPaidOnceAndARefusalIsRecorded() {
    propose(new Proposal.Payout(2_500, "cem"));
    clock.advance(Duration.ofDays(7));
    run(Proposal.CheckDeadline::new);

    Proposal.ProposalView paid = testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      Proposal.ProposalView view = run(Proposal.Get::new).replyOfType(Proposal.ProposalView.class);
      assertEquals(Proposal.PayoutStatus.PAID, view.payoutStatus());
      return view;
    });
    assertEquals(Proposal.Outcome.PASSED_WITHOUT_OBJECTION, paid.outcome());
    assertEquals(List.of("k1:" + proposalId + ":2500:cem"), payouts);
    proposal.restart();
    assertEquals(1, payouts.size(), "a paid proposal does not pay again after recovery");
  }

  @Test
  void aPayoutTheAccountRefusesIsRecordedAsRefused() {
    accountAnswer = Optional.of(Refusal.conflict("the account holds 0 cents"));
    propose(new Proposal.Payout(2_500, "cem"));
    clock.advance(Duration.ofDays(7));
    run(Proposal.CheckDeadline::new);

    Proposal.ProposalView refused = testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      Proposal.ProposalView view = run(Proposal.Get::new).replyOfType(Proposal.ProposalView.class);
      assertEquals(Proposal.PayoutStatus.REFUSED, view.payoutStatus());
      return view;
    });
    assertEquals("the account holds 0 cents", refused.payoutRefusal());
  }

  @Test
  void badProposalsAreRefusedAndNothingIsPersisted() {
    var noTitle = run(r -> new Proposal.Propose("k1", GARDEN, "ada", " ", "", null, r));
    assertTrue(noTitle.hasNoEvents());
    assertEquals(Refusal.Kind.INVALID, noTitle.replyOfType(Proposal.Rejected.class).refusal().kind());
    var negative = run(r -> new Proposal.Propose("k1", GARDEN, "ada", "Geld", "", new Proposal.Payout(-5, "cem"), r));
    assertEquals(Refusal.Kind.INVALID, negative.replyOfType(Proposal.Rejected.class).refusal().kind());
    var unknown = run(Proposal.Get::new);
    assertEquals(Refusal.Kind.NOT_FOUND, unknown.replyOfType(Proposal.Rejected.class).refusal().kind());
    assertInstanceOf(Proposal.Unproposed.class, proposal.getState());
  }

  private static void assertConflict(
      CommandResultWithReply<Proposal.Command, Proposal.Event, Proposal.State, Proposal.Reply> result, String reason) {
    assertTrue(result.hasNoEvents(), "a refused command persists nothing");
    Refusal refusal = result.replyOfType(Proposal.Rejected.class).refusal();
    assertEquals(Refusal.Kind.CONFLICT, refusal.kind());
    assertTrue(refusal.reason().contains(reason), refusal.reason());
  }
}
