package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A district's delegations: chains, refused cycles, revocation, expiry after 28 quiet days, leaving. */
class DelegationsTest {
  private static final Instant START = Instant.parse("2026-03-02T09:00:00Z");
  private static final AtomicInteger IDS = new AtomicInteger();
  private static ActorTestKit testKit;

  private ManualClock clock;
  private EventSourcedBehaviorTestKit<Delegations.Command, Delegations.Event, Delegations.State> graph;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("DelegationsTest", EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newGraph() {
    clock = new ManualClock(START);
    graph = EventSourcedBehaviorTestKit.create(
        testKit.system(), Delegations.create("871f1d489ffffff-" + IDS.incrementAndGet(), clock));
  }

  private Delegations.Reply delegate(String from, String to) {
    return graph.<Delegations.Reply>runCommand(r -> new Delegations.Delegate(from, to, r)).reply();
  }

  private Map<String, String> validNow() {
    return graph.<Delegations.Reply>runCommand(r -> new Delegations.GetGraph(clock.now(), r))
        .replyOfType(Delegations.Graph.class).delegations();
  }

  @Test
  void chainsAreKeptAndACycleIsRefusedWithTheCycleSpeltOut() {
    delegate("a", "b");
    delegate("b", "c");
    delegate("c", "d");

    var closing = graph.<Delegations.Reply>runCommand(r -> new Delegations.Delegate("d", "a", r));
    assertTrue(closing.hasNoEvents());
    Refusal refusal = closing.replyOfType(Delegations.Rejected.class).refusal();
    assertEquals(Refusal.Kind.CONFLICT, refusal.kind());
    assertEquals("delegating from d to a would close a cycle: d → a → b → c → d", refusal.reason());
    assertEquals(Refusal.Kind.CONFLICT,
        ((Delegations.Rejected) delegate("e", "e")).refusal().kind(), "delegating to oneself is a cycle");
    assertEquals(Map.of("a", "b", "b", "c", "c", "d"), validNow());

    // Re-pointing a delegation away from the chain makes the former cycle possible.
    delegate("b", "e");
    delegate("d", "a");
    assertEquals(Map.of("a", "b", "b", "e", "c", "d", "d", "a"), validNow());
  }

  @Test
  void noAcceptedDelegationEverClosesACycle() {
    // 20 sequences of 6 delegation attempts among 4 roles, pseudo-random with a fixed seed.
    java.util.Random random = new java.util.Random(17);
    String[] roles = {"a", "b", "c", "d"};
    for (int run = 0; run < 20; run++) {
      newGraph();
      for (int step = 0; step < 6; step++) {
        String from = roles[random.nextInt(4)];
        String to = roles[random.nextInt(4)];
        Delegations.Reply reply = delegate(from, to);
        Map<String, String> valid = validNow();
        assertTrue(acyclic(valid), "cycle after " + from + " → " + to + ": " + valid);
        if (reply instanceof Delegations.Rejected) {
          Map<String, String> wouldBe = new HashMap<>(valid);
          wouldBe.put(from, to);
          assertTrue(!acyclic(wouldBe), "refused only what would close a cycle: " + from + " → " + to);
        }
      }
    }
  }

  @Test
  void aDelegationEnds28DaysAfterItsDelegatorsLastActivityOrOnRevocation() {
    delegate("a", "b");
    delegate("c", "b");
    clock.advance(Duration.ofDays(20));
    graph.<Delegations.Reply>runCommand(r -> new Delegations.NoteActivity("a", r)).eventOfType(Delegations.ActivityNoted.class);
    assertTrue(graph.<Delegations.Reply>runCommand(r -> new Delegations.NoteActivity("a", r)).hasNoEvents(), "noted at most daily");
    assertTrue(graph.<Delegations.Reply>runCommand(r -> new Delegations.NoteActivity("zed", r)).hasNoEvents(), "no delegation, no note");

    clock.advance(Duration.ofDays(8));
    assertEquals(Map.of("a", "b"), validNow(), "c was quiet for 28 days; a was active on day 20");

    graph.<Delegations.Reply>runCommand(r -> new Delegations.Revoke("a", r)).eventOfType(Delegations.Revoked.class);
    assertEquals(Map.of(), validNow());
    assertTrue(graph.<Delegations.Reply>runCommand(r -> new Delegations.Revoke("a", r)).hasNoEvents(), "revoking twice is no news");
  }

  @Test
  void leavingEndsTheRolesDelegationAndThoseToIt() {
    delegate("a", "b");
    delegate("b", "c");
    delegate("d", "b");
    var ended = graph.<Delegations.Reply>runCommand(r -> new Delegations.EndAllOf("b", r));
    assertEquals(3, ended.events().size());
    assertEquals(Map.of(), validNow());
    assertEquals(graph.getState(), graph.restart().state());
  }

  private static boolean acyclic(Map<String, String> delegations) {
    for (String start : delegations.keySet()) {
      List<String> seen = new ArrayList<>();
      String at = start;
      while (at != null) {
        if (seen.contains(at)) {
          return false;
        }
        seen.add(at);
        at = delegations.get(at);
      }
    }
    return true;
  }
}
