package org.weltgewebe.actors;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The count of a vote with transitive delegation: who voted directly, and whom every other role
 * counted through. Deterministic (roles in id order, chains followed one way) and auditable: each
 * counted role names the chain of delegates its vote went through, by role id only — nothing
 * personal, nothing a voter did not make public by voting or delegating.
 *
 * <p>Rules: a direct vote always counts as cast, whatever its role delegated (a direct vote
 * overrides the delegation for this vote). A role without a direct vote counts with the first role
 * along its delegation chain that voted directly. A chain that ends at a role that neither voted
 * nor delegated counts nothing; so does a chain that comes back to a role it already passed (a
 * cycle: the delegation graph refuses them, but the count does not rely on that and never loops).
 * Every role is counted at most once.
 */
public record VoteTally(int yes, int no, int abstain, List<Counted> counted, List<String> uncounted)
    implements WeaveSerializable {

  /** What a role can answer to a proposal put to the vote. */
  public enum Choice { YES, NO, ABSTAIN }

  /**
   * One role's vote as counted: {@code through} is empty for a direct vote, else the delegates its
   * vote passed, the last of them the role that voted directly.
   */
  public record Counted(String roleId, Choice choice, List<String> through) implements WeaveSerializable {
    public Counted {
      through = List.copyOf(through);
    }
  }

  public VoteTally {
    counted = List.copyOf(counted);
    uncounted = List.copyOf(uncounted);
  }

  /** An accepted proposal has more yes than no votes; abstentions count for neither. */
  public boolean accepted() {
    return yes > no;
  }

  /** How many roles took part, directly or through a delegate. */
  public int participants() {
    return counted.size();
  }

  /** No one took part. */
  public static VoteTally empty() {
    return new VoteTally(0, 0, 0, List.of(), List.of());
  }

  /**
   * Counts {@code direct} votes (role → choice) with {@code delegations} (delegator → delegate, the
   * graph valid at the deadline). Roles that delegated but count nothing are listed as uncounted.
   */
  public static VoteTally count(Map<String, Choice> direct, Map<String, String> delegations) {
    Set<String> roles = new TreeSet<>(direct.keySet());
    roles.addAll(delegations.keySet());
    int yes = 0;
    int no = 0;
    int abstain = 0;
    List<Counted> counted = new ArrayList<>();
    List<String> uncounted = new ArrayList<>();
    for (String role : roles) {
      Counted vote = resolve(role, direct, delegations);
      if (vote == null) {
        uncounted.add(role);
        continue;
      }
      counted.add(vote);
      switch (vote.choice()) {
        case YES -> yes++;
        case NO -> no++;
        case ABSTAIN -> abstain++;
      }
    }
    return new VoteTally(yes, no, abstain, counted, uncounted);
  }

  private static Counted resolve(String role, Map<String, Choice> direct, Map<String, String> delegations) {
    Choice own = direct.get(role);
    if (own != null) {
      return new Counted(role, own, List.of());
    }
    List<String> through = new ArrayList<>();
    Set<String> passed = new HashSet<>();
    passed.add(role);
    String current = role;
    while (true) {
      String next = delegations.get(current);
      if (next == null || !passed.add(next)) {
        return null; // the chain ends without a vote, or comes back on itself
      }
      through.add(next);
      Choice choice = direct.get(next);
      if (choice != null) {
        return new Counted(role, choice, through);
      }
      current = next;
    }
  }
}
