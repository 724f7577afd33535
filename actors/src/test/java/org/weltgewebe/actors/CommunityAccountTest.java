package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A knot's community account: every movement one event, never below zero, repeats harmless. */
class CommunityAccountTest {
  private static final AtomicInteger IDS = new AtomicInteger();
  private static ActorTestKit testKit;

  private EventSourcedBehaviorTestKit<CommunityAccount.Command, CommunityAccount.Event, CommunityAccount.State> account;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("CommunityAccountTest", EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newAccount() {
    account = EventSourcedBehaviorTestKit.create(
        testKit.system(),
        CommunityAccount.create("knot-" + IDS.incrementAndGet(), new ManualClock(Instant.parse("2026-03-02T09:00:00Z"))));
  }

  @Test
  void donationsComeInAnonymousOnesWithoutTheirDonorAndRepeatsChangeNothing() {
    var visible = account.<CommunityAccount.Reply>runCommand(r -> new CommunityAccount.Donate("d1", "ada", 1_000, true, r));
    assertEquals("ada", visible.eventOfType(CommunityAccount.Donated.class).donorRoleId());
    var anonymous = account.<CommunityAccount.Reply>runCommand(r -> new CommunityAccount.Donate("d2", "bob", 500, false, r));
    assertNull(anonymous.eventOfType(CommunityAccount.Donated.class).donorRoleId(), "an anonymous donor is not kept");
    var repeated = account.<CommunityAccount.Reply>runCommand(r -> new CommunityAccount.Donate("d2", "bob", 500, false, r));
    assertTrue(repeated.hasNoEvents());

    CommunityAccount.Balance balance = repeated.replyOfType(CommunityAccount.Balance.class);
    assertEquals(1_500, balance.balanceCents());
    assertEquals(2, balance.movements());
  }

  @Test
  void aPayoutLargerThanTheBalanceIsRefusedAndAPaidProposalIsNotPaidTwice() {
    account.<CommunityAccount.Reply>runCommand(r -> new CommunityAccount.Donate("d1", "ada", 1_000, true, r));
    var tooMuch = account.<CommunityAccount.Reply>runCommand(r -> new CommunityAccount.PayOut("p1", 1_001, "cem", r));
    assertTrue(tooMuch.hasNoEvents());
    assertEquals(Refusal.Kind.CONFLICT, tooMuch.replyOfType(CommunityAccount.Rejected.class).refusal().kind());

    account.<CommunityAccount.Reply>runCommand(r -> new CommunityAccount.PayOut("p1", 1_000, "cem", r)).eventOfType(CommunityAccount.PaidOut.class);
    var again = account.<CommunityAccount.Reply>runCommand(r -> new CommunityAccount.PayOut("p1", 1_000, "cem", r));
    assertTrue(again.hasNoEvents());
    assertEquals(0, again.replyOfType(CommunityAccount.Balance.class).balanceCents());
  }

  @Test
  void invalidAmountsAreRefused() {
    for (long amount : new long[] {0, -1, CommunityAccount.MAX_DONATION_CENTS + 1}) {
      var refused = account.<CommunityAccount.Reply>runCommand(r -> new CommunityAccount.Donate("d", "ada", amount, true, r));
      assertTrue(refused.hasNoEvents());
      assertEquals(Refusal.Kind.INVALID, refused.replyOfType(CommunityAccount.Rejected.class).refusal().kind());
    }
  }

  @Test
  void underRandomMovementsTheBalanceIsTheSumOfTheEventsAndNeverNegative() {
    Random random = new Random(42);
    long sum = 0;
    for (int i = 0; i < 300; i++) {
      String id = "m" + i;
      long amount = 1L + random.nextInt(5_000);
      var result = random.nextBoolean()
          ? account.<CommunityAccount.Reply>runCommand(r -> new CommunityAccount.Donate(id, "ada", amount, random.nextBoolean(), r))
          : account.<CommunityAccount.Reply>runCommand(r -> new CommunityAccount.PayOut(id, amount, "cem", r));
      for (CommunityAccount.Event e : result.events()) {
        sum += e.delta();
      }
      assertTrue(result.events().size() <= 1, "one event per movement");
      assertTrue(account.getState().balanceCents() >= 0);
      assertEquals(sum, account.getState().balanceCents());
    }
    assertEquals(account.getState(), account.restart().state());
  }
}
