package org.weltgewebe.cluster.load.session;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleFunction;
import java.util.function.IntFunction;

/**
 * The virtual users a driver (or one worker of it) owns, and what they have learnt of the platform
 * from its answers: knots by cell, conversations, proposals with the phase last seen, funded knots.
 * A driver owns every {@code workers}-th of the scenario's users from {@code workerIndex} on, so
 * two workers never share a user; a single driver owns them all.
 */
public final class Population {
  /** Users the setup registers and single requests act as; they never leave. */
  public static final int PREPARED = 20;
  /** The phase of a proposal whose step was refused: it moved on; a read tells where to. */
  public static final String STALE = "STALE";
  private static final int KNOTS_PER_CELL = 200;
  private static final int CONVERSATIONS = 1000;
  private static final int PROPOSALS = 1000;
  private static final int FUNDED_KNOTS = 200;

  private final int users;
  private final int workerIndex;
  private final int workers;
  private final IntFunction<String> homeOf;
  private final DoubleFunction<String> cellByHeat;
  private final Map<Integer, User> byIndex = new ConcurrentHashMap<>();
  private final Map<String, List<String>> knotsByCell = new ConcurrentHashMap<>();
  private final List<String> conversations = new CopyOnWriteArrayList<>();
  /** Proposal id → the phase its latest answer showed ({@link #STALE} after a refusal). */
  private final Map<String, String> proposals = new ConcurrentHashMap<>();
  private final List<String> fundedKnots = new CopyOnWriteArrayList<>();

  /**
   * The share {@code workerIndex} of {@code workers} of {@code users} users; user i lives in
   * {@code homeOf(i)}, and a step away from home goes to {@code cellByHeat(u)} for u uniform in [0, 1).
   */
  public Population(int users, int workerIndex, int workers, IntFunction<String> homeOf, DoubleFunction<String> cellByHeat) {
    if (workers < 1 || workerIndex < 0 || workerIndex >= workers) {
      throw new IllegalArgumentException("worker " + workerIndex + " of " + workers + " is no share");
    }
    this.users = Math.max(1, users);
    this.workerIndex = workerIndex;
    this.workers = workers;
    this.homeOf = homeOf;
    this.cellByHeat = cellByHeat;
  }

  /** Users of this share. */
  public int owned() {
    return Math.max(1, (users - workerIndex + workers - 1) / workers);
  }

  /** The k-th user of this share (k below {@link #owned()}). */
  public User user(int k) {
    int index = Math.min(users - 1, workerIndex + workers * k);
    return byIndex.computeIfAbsent(index, i -> new User(i, homeOf.apply(i)));
  }

  /** Any user of this share. */
  public User anyUser(SplittableRandom random) {
    return user(random.nextInt(owned()));
  }

  /** The k-th prepared user, or null when the share has fewer users. */
  public User prepared(int k) {
    return k < owned() ? user(k) : null;
  }

  /** A registered user among the prepared ones, or null while none is. */
  public User registered(SplittableRandom random) {
    int prepared = Math.min(PREPARED, owned());
    for (int tries = 0; tries < PREPARED; tries++) {
      User u = user(random.nextInt(prepared));
      if (u.registered()) {
        return u;
      }
    }
    for (int k = 0; k < prepared; k++) {
      if (user(k).registered()) {
        return user(k);
      }
    }
    return null;
  }

  /** A user who is not one of the prepared ones, registered or not: who leaves in a single request (null when all are prepared). */
  public User leaver(SplittableRandom random) {
    return owned() <= PREPARED ? null : user(PREPARED + random.nextInt(owned() - PREPARED));
  }

  /** A cell drawn by heat. */
  String cellByHeat(SplittableRandom random) {
    return cellByHeat.apply(random.nextDouble());
  }

  /** The knots known in {@code cell}. */
  public List<String> knots(String cell) {
    return knotsByCell.getOrDefault(cell, List.of());
  }

  /** A known knot, or null while none is. */
  public String firstKnot() {
    return knotsByCell.values().stream().flatMap(List::stream).findFirst().orElse(null);
  }

  /** Notes that {@code knot} stands in {@code cell}. */
  public void learnKnot(String cell, String knot) {
    List<String> known = knotsByCell.computeIfAbsent(cell, c -> new CopyOnWriteArrayList<>());
    if (known.size() < KNOTS_PER_CELL && !known.contains(knot)) {
      known.add(knot);
    }
  }

  /** The conversations known. */
  public List<String> conversations() {
    return conversations;
  }

  void learnConversation(String conversation) {
    if (conversations.size() < CONVERSATIONS && !conversations.contains(conversation)) {
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
    return anyOf(proposals.entrySet().stream().filter(e -> e.getValue().equals(phase)).map(Map.Entry::getKey).toList(), random);
  }

  /** Any known proposal, stale ones first (a read tells their phase), or null. */
  String anyProposal(SplittableRandom random) {
    String stale = proposalIn(STALE, random);
    return stale != null ? stale : anyOf(List.copyOf(proposals.keySet()), random);
  }

  /** A knot whose community account received a donation, or null. */
  String fundedKnot(SplittableRandom random) {
    return anyOf(fundedKnots, random);
  }

  void learnFundedKnot(String knot) {
    if (fundedKnots.size() < FUNDED_KNOTS && !fundedKnots.contains(knot)) {
      fundedKnots.add(knot);
    }
  }

  static String anyOf(List<String> choices, SplittableRandom random) {
    return choices.isEmpty() ? null : choices.get(random.nextInt(choices.size()));
  }
}
