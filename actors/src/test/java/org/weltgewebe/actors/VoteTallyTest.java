package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.VoteTally.Choice;

/**
 * The tally against a brute-force recomputation on every small graph: all delegation graphs of four
 * roles (each delegates to one of the others or to no one, cycles included) under all direct votes
 * (yes, no, abstain or none per role) — 256 × 256 = 65,536 cases.
 */
class VoteTallyTest {
  private static final List<String> ROLES = List.of("a", "b", "c", "d");
  private static final Choice[] OR_NONE = {null, Choice.YES, Choice.NO, Choice.ABSTAIN};

  @Test
  void everySmallGraphCountsLikeTheBruteForceAndNoVoteTwice() {
    int cases = 0;
    int cyclic = 0;
    for (int graph = 0; graph < 256; graph++) {
      Map<String, String> delegations = delegations(graph);
      cyclic += hasCycle(delegations) ? 1 : 0;
      for (int votes = 0; votes < 256; votes++) {
        Map<String, Choice> direct = votes(votes);
        VoteTally tally = VoteTally.count(direct, delegations);
        Map<String, Choice> expected = bruteForce(direct, delegations);

        Map<String, Choice> counted = new HashMap<>();
        for (VoteTally.Counted c : tally.counted()) {
          assertTrue(counted.put(c.roleId(), c.choice()) == null, "counted twice: " + c.roleId());
          assertChainIsReal(c, direct, delegations);
        }
        String why = "graph " + delegations + ", votes " + direct;
        assertEquals(expected, counted, why);
        assertEquals(count(expected, Choice.YES), tally.yes(), why);
        assertEquals(count(expected, Choice.NO), tally.no(), why);
        assertEquals(count(expected, Choice.ABSTAIN), tally.abstain(), why);
        Set<String> everyone = new HashSet<>(direct.keySet());
        everyone.addAll(delegations.keySet());
        assertEquals(everyone.size(), tally.counted().size() + tally.uncounted().size(), why);
        cases++;
      }
    }
    assertEquals(65_536, cases);
    assertTrue(cyclic > 0, "the graphs include cycles, and counting them terminated");
  }

  @Test
  void aDirectVoteOverridesTheDelegationAndChainsAreNamed() {
    Map<String, String> delegations = Map.of("a", "b", "b", "c", "d", "c");
    Map<String, Choice> direct = Map.of("c", Choice.NO, "d", Choice.YES);

    VoteTally tally = VoteTally.count(direct, delegations);

    assertEquals(
        List.of(
            new VoteTally.Counted("a", Choice.NO, List.of("b", "c")),
            new VoteTally.Counted("b", Choice.NO, List.of("c")),
            new VoteTally.Counted("c", Choice.NO, List.of()),
            new VoteTally.Counted("d", Choice.YES, List.of())),
        tally.counted());
    assertEquals(1, tally.yes());
    assertEquals(3, tally.no());
    assertEquals(false, tally.accepted());
    assertEquals(tally, VoteTally.count(new HashMap<>(direct), new HashMap<>(delegations)), "deterministic");
  }

  /** The reference: votes flow along delegations by repeated relaxation, n rounds for n roles. */
  private static Map<String, Choice> bruteForce(Map<String, Choice> direct, Map<String, String> delegations) {
    Map<String, Choice> resolved = new HashMap<>(direct);
    for (int round = 0; round < ROLES.size(); round++) {
      Map<String, Choice> next = new HashMap<>(direct);
      for (String role : ROLES) {
        if (!direct.containsKey(role) && delegations.containsKey(role)) {
          Choice through = resolved.get(delegations.get(role));
          if (through != null) {
            next.put(role, through);
          }
        }
      }
      resolved = next;
    }
    return resolved;
  }

  private static void assertChainIsReal(VoteTally.Counted c, Map<String, Choice> direct, Map<String, String> delegations) {
    String at = c.roleId();
    for (String hop : c.through()) {
      assertEquals(hop, delegations.get(at), "chain of " + c.roleId() + " follows the delegations");
      at = hop;
    }
    assertEquals(c.choice(), direct.get(at), "the chain ends at a direct vote");
    assertEquals(c.through().size(), new HashSet<>(c.through()).size(), "no role twice in a chain");
  }

  private static Map<String, String> delegations(int code) {
    Map<String, String> delegations = new HashMap<>();
    for (int i = 0; i < ROLES.size(); i++) {
      int target = (code >> (2 * i)) & 3;
      if (target != i) { // pointing at oneself stands for "no delegation"
        delegations.put(ROLES.get(i), ROLES.get(target));
      }
    }
    return delegations;
  }

  private static Map<String, Choice> votes(int code) {
    Map<String, Choice> votes = new HashMap<>();
    for (int i = 0; i < ROLES.size(); i++) {
      Choice choice = OR_NONE[(code >> (2 * i)) & 3];
      if (choice != null) {
        votes.put(ROLES.get(i), choice);
      }
    }
    return votes;
  }

  private static boolean hasCycle(Map<String, String> delegations) {
    for (String start : delegations.keySet()) {
      List<String> seen = new ArrayList<>();
      String at = start;
      while (at != null && !seen.contains(at)) {
        seen.add(at);
        at = delegations.get(at);
      }
      if (at != null) {
        return true;
      }
    }
    return false;
  }

  private static long count(Map<String, Choice> votes, Choice choice) {
    return votes.values().stream().filter(choice::equals).count();
  }
}
