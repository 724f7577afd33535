package org.weltgewebe.scenarios.run;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.definition.UserMap;

/**
 * What the virtual users of a run share: where they live (H3 cells around the scenario's centre,
 * with a Zipf skew so a few hot neighbourhoods carry most of the traffic, as real cities do), who
 * of them has registered, and the knots, threads and conversations they have learnt of from the
 * platform's answers. Whatever transport drives them reads and grows the same world.
 */
final class World {
  /** Knots remembered per cell and conversations overall: enough to choose from, bounded in memory. */
  private static final int KNOTS_PER_CELL = 200;
  private static final int CONVERSATIONS = 1000;
  /** Proposals and funded knots remembered: enough to choose from, bounded in memory. */
  private static final int PROPOSALS = 1000;
  private static final int FUNDED_KNOTS = 200;
  /** Roles the setup registers and single requests act as; they never leave. */
  static final int PREPARED_ROLES = 20;

  /** A user: where they live and, once registered, their id and token. */
  static final class Role {
    final int index;
    final String cell;
    volatile String id;
    volatile String token;
    /** True while the role delegates its vote in its home district. */
    volatile boolean delegating;
    final List<String> threads = new CopyOnWriteArrayList<>();

    Role(int index, String cell) {
      this.index = index;
      this.cell = cell;
    }
  }

  private final ScenarioDefinition scenario;
  private final double compression;
  private final UserMap map;
  private final Role[] roles;
  private final Map<String, List<String>> knotsByCell = new ConcurrentHashMap<>();
  private final List<String> conversations = new CopyOnWriteArrayList<>();
  /** Proposal id → the phase its latest answer showed ({@link #STALE} after a refusal). */
  private final Map<String, String> proposals = new ConcurrentHashMap<>();
  private final List<String> fundedKnots = new CopyOnWriteArrayList<>();

  /** The phase of a proposal whose step was refused: it moved on; a read tells where to. */
  static final String STALE = "STALE";

  World(ScenarioDefinition scenario, double compression, long seed) {
    this.scenario = scenario;
    this.compression = compression;
    this.map = UserMap.of(scenario.geography(), seed);
    SplittableRandom placing = new SplittableRandom(seed ^ 0x5DEECE66DL);
    this.roles = new Role[scenario.monthlyActiveUsers()];
    for (int i = 0; i < roles.length; i++) {
      roles[i] = new Role(i, cellByHeat(placing.nextDouble()));
    }
  }

  ScenarioDefinition scenario() {
    return scenario;
  }

  /** Virtual seconds per wall second. */
  double compression() {
    return compression;
  }

  /** The cells users live in, hottest first. */
  List<String> cellsByHeat() {
    return map.cells();
  }

  /** A cell drawn by heat: {@code u} uniform in [0, 1). */
  String cellByHeat(double u) {
    return map.cellByHeat(u);
  }

  int roleCount() {
    return roles.length;
  }

  Role role(int index) {
    return roles[index];
  }

  Role anyRole(SplittableRandom random) {
    return roles[random.nextInt(roles.length)];
  }

  /** A role that is not one of the prepared ones, registered or not: who leaves in a single request. */
  Role leaver(SplittableRandom random) {
    if (roles.length <= PREPARED_ROLES) {
      return null;
    }
    return roles[PREPARED_ROLES + random.nextInt(roles.length - PREPARED_ROLES)];
  }

  /** The role dissolved its account: the next session of this user registers a new role. */
  void departed(Role role) {
    role.id = null;
    role.token = null;
    role.delegating = false;
    role.threads.clear();
  }

  /** A registered role among the first few (those the setup registers), or null while none is. */
  Role registered(SplittableRandom random) {
    for (int tries = 0; tries < 20; tries++) {
      Role r = roles[random.nextInt(Math.min(roles.length, PREPARED_ROLES))];
      if (r.token != null) {
        return r;
      }
    }
    for (Role r : roles) {
      if (r.token != null) {
        return r;
      }
    }
    return null;
  }

  List<String> knots(String cell) {
    return knotsByCell.getOrDefault(cell, List.of());
  }

  String firstKnot() {
    return knotsByCell.values().stream().flatMap(List::stream).findFirst().orElse(null);
  }

  void learnKnot(String cell, String knot) {
    List<String> known = knotsByCell.computeIfAbsent(cell, c -> new CopyOnWriteArrayList<>());
    if (known.size() < KNOTS_PER_CELL && !known.contains(knot)) {
      known.add(knot);
    }
  }

  List<String> conversations() {
    return conversations;
  }

  void learnConversation(String conversation) {
    if (conversations.size() < CONVERSATIONS) {
      conversations.add(conversation);
    }
  }

  /** Notes a proposal and the phase an answer showed (OBJECTABLE, VOTING, CLOSED or {@link #STALE}). */
  void learnProposal(String proposal, String phase) {
    if (proposals.containsKey(proposal) || proposals.size() < PROPOSALS) {
      proposals.put(proposal, phase);
    }
  }

  /** A proposal last seen in {@code phase}, or null when none is known. */
  String proposalIn(String phase, SplittableRandom random) {
    List<String> matching = proposals.entrySet().stream().filter(e -> e.getValue().equals(phase)).map(Map.Entry::getKey).toList();
    return matching.isEmpty() ? null : matching.get(random.nextInt(matching.size()));
  }

  /** Any known proposal, stale ones first (a read tells their phase), or null. */
  String anyProposal(SplittableRandom random) {
    String stale = proposalIn(STALE, random);
    if (stale != null) {
      return stale;
    }
    List<String> known = List.copyOf(proposals.keySet());
    return known.isEmpty() ? null : known.get(random.nextInt(known.size()));
  }

  /** A knot whose community account received a donation, or null. */
  String fundedKnot(SplittableRandom random) {
    return fundedKnots.isEmpty() ? null : fundedKnots.get(random.nextInt(fundedKnots.size()));
  }

  void learnFundedKnot(String knot) {
    if (fundedKnots.size() < FUNDED_KNOTS && !fundedKnots.contains(knot)) {
      fundedKnots.add(knot);
    }
  }
}
