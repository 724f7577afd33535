package org.weltgewebe.cluster.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.actors.CommunityAccount;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.Delegations;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Proposal;
import org.weltgewebe.actors.Region;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveClock;
import org.weltgewebe.actors.VoteTally;
import org.weltgewebe.actors.WeaveThread;

/**
 * The virtual users of one worker in one run: the roles it owns (every {@code workers}-th of the
 * scenario's users, so two workers never share a role), the knots and conversations its users have
 * seen, and the replay of a share as chains of asynchronous commands with think time in between.
 *
 * <p>What a session does mirrors the HTTP driver action by action, so that both drivers load the
 * domain alike: a session registers its role the first time (logs in after), does each action its
 * mean number of times in random order, and logs out. Each command is measured from the moment it
 * was due — the arrival, or the end of the think time before it — so a worker that falls behind
 * shows as latency, not as missing load (no coordinated omission).
 *
 * <p>Arrivals are timed by one thread per share (open model: they come whether or not earlier
 * sessions have finished); think times by a small scheduler; the commands themselves run on
 * Pekko's threads as their replies arrive.
 */
final class VirtualUsers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LoadWorker.class);
  /** Roles every phase registers before it starts, unmeasured by the verdict (its "-setup" phase). */
  private static final int PREPARED_ROLES = 20;
  /** Cells given a knot and a conversation before a phase starts, hottest first. */
  private static final int PREPARED_CELLS = 3;
  /** Tries of a setup step that got no answer. */
  private static final int SETUP_ATTEMPTS = 3;
  private static final int KNOWN_KNOTS_PER_CELL = 200;
  private static final int KNOWN_CONVERSATIONS = 1000;
  /** Encoded histogram bytes per {@link LoadWorker.Measured}: well under Artery's 256 KiB frame once in JSON (Base64). */
  private static final int PART_BYTES = 96 * 1024;
  private static final List<String> GOODS = List.of("Lastenrad");
  private static final List<String> SKILLS = List.of("Fahrradreparatur");

  /** What a virtual user can do: the HTTP driver's API actions, as entity commands. */
  enum Step {
    /** A new role (POST /roles). */
    REGISTER,
    LOGIN,
    LOGOUT,
    REGION_VIEW,
    /** Knots of one cell: the region's picture, as GET /knots?cell= reads it. */
    KNOT_LIST,
    KNOT_READ,
    PROFILE_READ,
    CONVERSATION_READ,
    CONNECT,
    POST,
    CREATE_KNOT,
    START_CONVERSATION,
    TWIST,
    UNTWIST,
    PROFILE_UPDATE,
    /** A chat's messages, each a post to the conversation (what the WebSocket route sends). */
    CHAT,
    PROPOSE,
    /** A proposal to pay from the knot's community account (to the proposer). */
    PROPOSE_PAYOUT,
    PROPOSAL_READ,
    OBJECT,
    VOTE,
    TALLY_READ,
    DELEGATE,
    REVOKE_DELEGATION,
    DELEGATIONS_READ,
    DONATE,
    DONATE_ANONYMOUS,
    ACCOUNT_READ,
    /** The role dissolves its account; the session ends with it. */
    LEAVE;

    /** True for the steps a driver may name in a session's actions or a request mix. */
    static boolean drivable(String name) {
      try {
        Step step = valueOf(name);
        return step != REGISTER && step != LOGIN && step != LOGOUT;
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
  }

  /** One of this worker's roles: where it lives and, once registered, its id and threads. */
  private static final class VirtualRole {
    final int index;
    final String cell;
    volatile String id;
    volatile boolean delegating;
    final List<String> threads = new CopyOnWriteArrayList<>();

    VirtualRole(int index, String cell) {
      this.index = index;
      this.cell = cell;
    }
  }

  /** The measurements of one share: its tally and the sessions it started. */
  static final class ShareRun {
    final String phase;
    final Tally tally;
    final AtomicLong sessions = new AtomicLong();

    ShareRun(String phase, Tally tally) {
      this.phase = phase;
      this.tally = tally;
    }
  }

  /** The body of a share, run on a thread of its own. */
  @FunctionalInterface
  interface ShareBody {
    void run(ShareRun run);
  }

  private final Weave weave;
  private final WeaveClock clock;
  private final String runId;
  private final String worker;
  private final int workerIndex;
  private final int workers;
  private final int monthlyActiveUsers;
  private final long seed;
  private final List<String> cells;
  private final double[] cumulative;
  private final Map<Integer, VirtualRole> roles = new ConcurrentHashMap<>();
  private final Map<String, List<String>> knotsByCell = new ConcurrentHashMap<>();
  private final List<String> conversations = new CopyOnWriteArrayList<>();
  /** Proposal id → the phase its latest answer showed (null after a refusal: it moved on). */
  private final Map<String, Optional<Proposal.Phase>> proposals = new ConcurrentHashMap<>();
  private final List<String> fundedKnots = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer;

  VirtualUsers(Weave weave, WeaveClock clock, LoadWorker.Share share, String worker) {
    if (share.workers() < 1 || share.workerIndex() < 0 || share.workerIndex() >= share.workers()) {
      throw new IllegalArgumentException("worker " + share.workerIndex() + " of " + share.workers() + " is no share");
    }
    if (share.cellsByHeat().isEmpty() || share.cellsByHeat().size() != share.cumulativeCellShares().size()) {
      throw new IllegalArgumentException("a share needs the map: as many cumulative shares as cells");
    }
    this.weave = weave;
    this.clock = clock;
    this.runId = share.runId();
    this.worker = worker;
    this.workerIndex = share.workerIndex();
    this.workers = share.workers();
    this.monthlyActiveUsers = Math.max(1, share.monthlyActiveUsers());
    this.seed = share.seed();
    this.cells = List.copyOf(share.cellsByHeat());
    this.cumulative = share.cumulativeCellShares().stream().mapToDouble(Double::doubleValue).toArray();
    this.timer = Executors.newScheduledThreadPool(2, daemon("load-worker-timer"));
  }

  String runId() {
    return runId;
  }

  /**
   * Runs {@code body} for {@code share} on a thread of its own, reports its progress to
   * {@code replyTo} every two seconds, and at its end sends the tally in parts and then
   * {@link LoadWorker.Finished}.
   */
  void runInBackground(LoadWorker.Share share, ActorRef<LoadWorker.Report> replyTo, ShareBody body) {
    ShareRun run = new ShareRun(share.phase(), new Tally(share.originEpochMillis()));
    Thread thread = new Thread(() -> {
      ScheduledFuture<?> progress = timer.scheduleAtFixedRate(
          () -> replyTo.tell(new LoadWorker.Running(worker, run.tally.requests(), run.tally.ok(), run.tally.errors(), run.sessions.get())),
          2, 2, TimeUnit.SECONDS);
      String failure = null;
      try {
        body.run(run);
      } catch (RuntimeException e) {
        failure = e.toString();
      } finally {
        progress.cancel(false);
      }
      int parts = sendParts(run.tally.entries(), replyTo);
      replyTo.tell(new LoadWorker.Finished(worker, run.sessions.get(), parts, failure));
      LOG.info("load share {} of run {} done: worker {} of {}, {} sessions, {} commands ({} ok, {} timed out or failed){}",
          share.phase(), runId, workerIndex + 1, workers, run.sessions.get(), run.tally.requests(), run.tally.ok(),
          run.tally.errors(), failure == null ? "" : ", failed: " + failure);
    }, "load-worker-" + share.phase());
    thread.setDaemon(true);
    thread.start();
  }

  private int sendParts(List<Tally.Entry> entries, ActorRef<LoadWorker.Report> replyTo) {
    int parts = 0;
    List<Tally.Entry> part = new ArrayList<>();
    int bytes = 0;
    for (Tally.Entry e : entries) {
      int size = e.answered().length + e.okLatency().length + 256;
      if (!part.isEmpty() && bytes + size > PART_BYTES) {
        replyTo.tell(new LoadWorker.Measured(worker, List.copyOf(part)));
        parts++;
        part.clear();
        bytes = 0;
      }
      part.add(e);
      bytes += size;
    }
    if (!part.isEmpty()) {
      replyTo.tell(new LoadWorker.Measured(worker, List.copyOf(part)));
      parts++;
    }
    return parts;
  }

  // ---------------------------------------------------------------- sessions

  /** Replays this worker's share of a slice of the day as user sessions, and waits for them to end. */
  // `running` holds each future by identity to await what is still in flight; the callbacks end each one.
  @SuppressWarnings({"FutureReturnValueIgnored", "CollectionUndefinedEquality"})
  void sessions(LoadWorker.RunSessions plan, ShareRun run) {
    if (plan.sessionsPerHour().size() != 24 || !(plan.compression() >= 1)) {
      throw new IllegalArgumentException("a sessions plan needs 24 hourly rates and a compression of at least 1");
    }
    SplittableRandom random = randomFor(plan.share());
    prepare(run.phase + "-setup", run, random);
    List<Step> kinds = new ArrayList<>();
    List<Double> means = new ArrayList<>();
    plan.actionsPerSession().forEach((name, mean) -> {
      if (Step.drivable(name) && mean > 0) {
        kinds.add(Step.valueOf(name));
        means.add(mean);
      }
    });
    double virtual = plan.virtualStartHour() * 3600;
    double virtualEnd = (plan.virtualStartHour() + plan.virtualHours()) * 3600;
    long startNanos = System.nanoTime();
    Set<CompletableFuture<Void>> running = ConcurrentHashMap.newKeySet();
    while (true) {
      int hour = Math.min(23, (int) (virtual / 3600));
      double perVirtualSecond = plan.sessionsPerHour().get(hour) / 3600 / workers;
      virtual += -Math.log(1 - random.nextDouble()) / Math.max(1e-9, perVirtualSecond);
      if (virtual >= virtualEnd) {
        break;
      }
      long due = startNanos + (long) ((virtual - plan.virtualStartHour() * 3600) / plan.compression() * 1e9);
      sleepUntil(due);
      VirtualRole role = anyRole(random);
      run.sessions.incrementAndGet();
      List<Step> steps = draw(kinds, means, random);
      double thinkSeconds = plan.sessionMinutes() * 60 / plan.compression() / Math.max(1, steps.size() + 2);
      CompletableFuture<Void> session = session(run, plan, role, steps, thinkSeconds, random.split(), due);
      running.add(session);
      session.whenComplete((v, e) -> running.remove(session));
    }
    // sessions started near the end finish before the next phase begins; every step of a session
    // ends within its ask timeout, so the deadline only guards against the unforeseen
    awaitAll(running, Math.round(3 * plan.sessionMinutes() * 60 / plan.compression()) + 60);
  }

  private CompletableFuture<Void> session(
      ShareRun run, LoadWorker.RunSessions plan, VirtualRole role, List<Step> steps, double thinkSeconds,
      SplittableRandom random, long due) {
    String phase = run.phase;
    CompletableFuture<Void> chain = role.id == null ? register(run, phase, role, due) : login(run, phase, role, due);
    for (Step step : steps) {
      chain = chain.thenCompose(v -> later(thinkSeconds * (0.5 + random.nextDouble())))
          .thenCompose(stepDue -> role.id == null ? done() : act(run, phase, step, role, random, stepDue, plan));
    }
    return chain.thenCompose(v -> role.id == null ? done() : later(0).thenCompose(d -> logout(run, phase, role, d)))
        .exceptionally(e -> null);
  }

  /** Each step its mean number of times (the fraction by chance), in random order. */
  private static List<Step> draw(List<Step> kinds, List<Double> means, SplittableRandom random) {
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < kinds.size(); i++) {
      double mean = means.get(i);
      long n = (long) Math.floor(mean) + (random.nextDouble() < mean - Math.floor(mean) ? 1 : 0);
      for (long k = 0; k < n; k++) {
        steps.add(kinds.get(i));
      }
    }
    Collections.shuffle(steps, new Random(random.nextLong()));
    // leaving ends the session: whatever else the user does comes first
    if (steps.remove(Step.LEAVE)) {
      steps.add(Step.LEAVE);
    }
    return steps;
  }

  // ---------------------------------------------------------------- single requests

  /** Replays this worker's share of a ramp of single commands by registered roles. */
  // `running` holds each future by identity to await what is still in flight; the callbacks end each one.
  @SuppressWarnings({"FutureReturnValueIgnored", "CollectionUndefinedEquality"})
  void requests(LoadWorker.RunRequests plan, ShareRun run) {
    SplittableRandom random = randomFor(plan.share());
    prepare(run.phase + "-setup", run, random);
    List<Step> pool = new ArrayList<>();
    plan.mix().forEach((name, weight) -> {
      if (Step.drivable(name) && weight > 0) {
        for (long i = 0; i < Math.max(1, Math.round(weight * 10)); i++) {
          pool.add(Step.valueOf(name));
        }
      }
    });
    if (pool.isEmpty()) {
      throw new IllegalArgumentException("the mix " + plan.mix().keySet() + " names no step a worker can send");
    }
    long startNanos = System.nanoTime();
    double t = 0;
    Set<CompletableFuture<Void>> running = ConcurrentHashMap.newKeySet();
    while (true) {
      double rate = (plan.fromPerSecond() + (plan.toPerSecond() - plan.fromPerSecond()) * (t / plan.seconds())) / workers;
      t += -Math.log(1 - random.nextDouble()) / Math.max(1e-9, rate);
      if (t >= plan.seconds()) {
        break;
      }
      long due = startNanos + (long) (t * 1e9);
      sleepUntil(due);
      Step step = pool.get(random.nextInt(pool.size()));
      // a prepared role never leaves: another user does (registering first when it has not yet)
      VirtualRole role = step == Step.LEAVE ? leaver(random) : registered(random);
      if (role == null) {
        continue;
      }
      SplittableRandom own = random.split();
      CompletableFuture<Void> before = role.id == null ? register(run, run.phase, role, due) : done();
      CompletableFuture<Void> request = before
          .thenCompose(v -> role.id == null ? done() : act(run, run.phase, step, role, own, due, null))
          .exceptionally(e -> null);
      running.add(request);
      request.whenComplete((v, e) -> running.remove(request));
    }
    awaitAll(running, 30);
  }

  /**
   * Registers a few roles and gives the hottest cells a knot and a conversation, before the phase's
   * load. A step that timed out (a cold node: shards allocated, journals read for the first time)
   * is tried again, so that the phase does not run without the roles and knots it needs; every
   * attempt is measured under the setup phase.
   */
  private void prepare(String setup, ShareRun run, SplittableRandom random) {
    for (int attempt = 0; attempt < SETUP_ATTEMPTS; attempt++) {
      List<CompletableFuture<Void>> steps = new ArrayList<>();
      for (int k = 0; k < PREPARED_ROLES; k++) {
        VirtualRole role = preparedRole(k);
        if (role != null && role.id == null) {
          steps.add(register(run, setup, role, System.nanoTime()));
        }
      }
      if (steps.isEmpty()) {
        break;
      }
      awaitAll(steps, 30);
    }
    VirtualRole someone = registered(random);
    if (someone == null) {
      return;
    }
    for (int attempt = 0; attempt < SETUP_ATTEMPTS; attempt++) {
      for (String cell : cells.subList(0, Math.min(PREPARED_CELLS, cells.size()))) {
        if (knotsByCell.getOrDefault(cell, List.of()).isEmpty()) {
          awaitAll(List.of(createKnot(run, setup, someone, cell, random, System.nanoTime())), 30);
        }
      }
      if (conversations.isEmpty()) {
        knotsByCell.values().stream().flatMap(List::stream).findFirst().ifPresent(knot ->
            awaitAll(List.of(startConversation(run, setup, someone, knot, System.nanoTime())), 30));
      }
    }
  }

  // ---------------------------------------------------------------- the steps

  private CompletableFuture<Void> act(
      ShareRun run, String phase, Step step, VirtualRole role, SplittableRandom random, long due, LoadWorker.RunSessions plan) {
    String cell = random.nextDouble() < 0.7 ? role.cell : cellByHeat(random.nextDouble());
    List<String> knots = knotsByCell.getOrDefault(cell, List.of());
    String knot = knots.isEmpty() ? null : knots.get(random.nextInt(knots.size()));
    String conversation = conversations.isEmpty() ? null : conversations.get(random.nextInt(conversations.size()));
    switch (step) {
      case REGION_VIEW:
      case KNOT_LIST:
        return measure(run, phase, step, due, () -> weave.regionView(cell), view -> false)
            .thenAccept(view -> learnKnots(cell, view));
      case KNOT_READ:
        return knot == null
            ? createKnot(run, phase, role, cell, random, due)
            : measure(run, phase, step, due, () -> weave.getKnot(knot), r -> r instanceof Knot.Rejected).thenApply(r -> null);
      case PROFILE_READ: {
        VirtualRole other = roles.get(anyIndex(random));
        String id = other != null && other.id != null ? other.id : role.id;
        return measure(run, phase, step, due, () -> weave.profile(id), r -> r instanceof Role.Rejected).thenApply(r -> null);
      }
      case CONVERSATION_READ:
        return conversation == null ? done()
            : measure(run, phase, step, due, () -> weave.readConversation(conversation, 0, 20), r -> r instanceof Conversation.Rejected)
                .thenApply(r -> null);
      case CONNECT: {
        if (knot == null) {
          return createKnot(run, phase, role, cell, random, due);
        }
        Knot.Connection connection = random.nextBoolean() ? Knot.Connection.INTEREST : Knot.Connection.AGREE;
        return measure(run, phase, step, due,
                () -> weave.connect(Weave.newId(), knot, role.id, WeaveThread.Kind.VOTE, connection), o -> o.refusal() != null)
            .thenAccept(o -> {
              if (o != null && o.thread() != null && role.threads.size() < KNOWN_CONVERSATIONS) {
                role.threads.add(o.thread().threadId());
              }
            });
      }
      case POST:
        return conversation == null ? done() : post(run, phase, step, role, conversation, due);
      case CREATE_KNOT:
        return createKnot(run, phase, role, cell, random, due);
      case START_CONVERSATION:
        return knot == null ? done() : startConversation(run, phase, role, knot, due);
      case TWIST:
      case UNTWIST: {
        if (role.threads.isEmpty()) {
          return done();
        }
        String thread = role.threads.get(random.nextInt(role.threads.size()));
        return measure(run, phase, step, due,
                () -> step == Step.TWIST ? weave.twist(thread, role.id) : weave.untwist(thread, role.id), o -> o.refusal() != null)
            .thenApply(o -> null);
      }
      case PROFILE_UPDATE:
        return measure(run, phase, step, due, () -> weave.updateProfile(role.id, GOODS, SKILLS),
                r -> r instanceof Role.Rejected)
            .thenApply(r -> null);
      case CHAT:
        return conversation == null || plan == null ? done() : chat(run, phase, role, conversation, plan, due);
      case PROPOSE:
      case PROPOSE_PAYOUT:
      case PROPOSAL_READ:
      case OBJECT:
      case VOTE:
      case TALLY_READ:
        return proposalStep(run, phase, step, role, cell, knot, random, due);
      case DELEGATE:
      case REVOKE_DELEGATION:
      case DELEGATIONS_READ:
        return delegationStep(run, phase, step, role, random, due);
      case DONATE:
      case DONATE_ANONYMOUS:
      case ACCOUNT_READ:
        return accountStep(run, phase, step, role, cell, knot, random, due);
      case LEAVE:
        return measure(run, phase, step, due, () -> weave.leave(role.id), r -> r instanceof Role.Rejected)
            .thenAccept(reply -> {
              if (reply instanceof Role.Departed) {
                role.id = null; // the user registers a new role next time
                role.delegating = false;
                role.threads.clear();
              }
            });
      default:
        return done();
    }
  }

  // ---------------------------------------------------------------- proposals, delegations, accounts

  /**
   * A step on a proposal, as the HTTP driver's Journey makes it: what a step needs and does not
   * find it makes (a vote objects to an open proposal, an objection proposes, a tally read with no
   * closed proposal reads any, a read with none proposes).
   */
  private CompletableFuture<Void> proposalStep(
      ShareRun run, String phase, Step step, VirtualRole role, String cell, String knot, SplittableRandom random, long due) {
    switch (step) {
      case PROPOSE:
      case PROPOSE_PAYOUT: {
        String funded = step == Step.PROPOSE_PAYOUT ? anyOf(fundedKnots, random) : null;
        String on = funded != null ? funded : knot;
        if (on == null) {
          return createKnot(run, phase, role, cell, random, due);
        }
        Proposal.Payout payout = step == Step.PROPOSE_PAYOUT ? new Proposal.Payout(300 + random.nextInt(1200), role.id) : null;
        String proposalId = Weave.newId();
        return measure(run, phase, step, due,
                () -> weave.propose(proposalId, on, role.id, "Neues Schloss für den Werkzeugschuppen",
                    "Das alte klemmt; ich besorge ein neues.", payout),
                r -> r instanceof Proposal.Rejected)
            .thenAccept(this::learnProposal);
      }
      case OBJECT: {
        String open = proposalIn(Proposal.Phase.OBJECTABLE, random);
        if (open == null) {
          return proposalStep(run, phase, Step.PROPOSE, role, cell, knot, random, due);
        }
        return measure(run, phase, step, due, () -> weave.object(open, role.id), r -> r instanceof Proposal.Rejected)
            .thenAccept(reply -> learnProposal(open, reply));
      }
      case VOTE: {
        String voting = proposalIn(Proposal.Phase.VOTING, random);
        if (voting == null) {
          return proposalStep(run, phase, Step.OBJECT, role, cell, knot, random, due);
        }
        double u = random.nextDouble();
        VoteTally.Choice choice = u < 0.6 ? VoteTally.Choice.YES : u < 0.9 ? VoteTally.Choice.NO : VoteTally.Choice.ABSTAIN;
        return measure(run, phase, step, due, () -> weave.vote(voting, role.id, choice), r -> r instanceof Proposal.Rejected)
            .thenAccept(reply -> learnProposal(voting, reply));
      }
      case TALLY_READ: {
        String closed = proposalIn(Proposal.Phase.CLOSED, random);
        if (closed == null) {
          return proposalStep(run, phase, Step.PROPOSAL_READ, role, cell, knot, random, due);
        }
        return measure(run, phase, step, due, () -> weave.tally(closed), r -> r instanceof Proposal.Rejected).thenApply(r -> null);
      }
      default: {
        String any = anyProposal(random);
        if (any == null) {
          return proposalStep(run, phase, Step.PROPOSE, role, cell, knot, random, due);
        }
        return measure(run, phase, Step.PROPOSAL_READ, due, () -> weave.proposal(any), r -> r instanceof Proposal.Rejected)
            .thenAccept(reply -> learnProposal(any, reply));
      }
    }
  }

  /** Delegating in one's home district to another registered role; a revocation by a role that does not delegate delegates first. */
  private CompletableFuture<Void> delegationStep(
      ShareRun run, String phase, Step step, VirtualRole role, SplittableRandom random, long due) {
    if (step == Step.DELEGATIONS_READ) {
      return readDelegations(run, phase, role, due);
    }
    if (step == Step.REVOKE_DELEGATION && role.delegating) {
      return revoke(run, phase, role, due);
    }
    VirtualRole delegate = roles.get(anyIndex(random));
    if (delegate == null || delegate == role || delegate.id == null) {
      delegate = registered(random);
    }
    if (delegate == null || delegate == role) {
      return readDelegations(run, phase, role, due);
    }
    String to = delegate.id;
    return measure(run, phase, Step.DELEGATE, due, () -> weave.delegate(role.cell, role.id, to), r -> r instanceof Delegations.Rejected)
        .thenCompose(reply -> {
          if (!(reply instanceof Delegations.Graph)) {
            return done();
          }
          role.delegating = true;
          return step == Step.REVOKE_DELEGATION ? later(0).thenCompose(d -> revoke(run, phase, role, d)) : done();
        });
  }

  private CompletableFuture<Void> revoke(ShareRun run, String phase, VirtualRole role, long due) {
    return measure(run, phase, Step.REVOKE_DELEGATION, due, () -> weave.revokeDelegation(role.cell, role.id),
            r -> r instanceof Delegations.Rejected)
        .thenAccept(reply -> {
          if (reply instanceof Delegations.Graph) {
            role.delegating = false;
          }
        });
  }

  private CompletableFuture<Void> readDelegations(ShareRun run, String phase, VirtualRole role, long due) {
    return measure(run, phase, Step.DELEGATIONS_READ, due, () -> weave.delegations(role.cell, clock.now()),
            r -> r instanceof Delegations.Rejected)
        .thenApply(r -> null);
  }

  /** A donation (EUR 2–50) to a knot of the cell, or a look at a funded knot's account. */
  private CompletableFuture<Void> accountStep(
      ShareRun run, String phase, Step step, VirtualRole role, String cell, String knot, SplittableRandom random, long due) {
    if (step == Step.ACCOUNT_READ) {
      String funded = anyOf(fundedKnots, random);
      String on = funded != null && random.nextBoolean() ? funded : knot != null ? knot : funded;
      return on == null ? createKnot(run, phase, role, cell, random, due)
          : measure(run, phase, step, due, () -> weave.account(on), r -> r instanceof CommunityAccount.Rejected).thenApply(r -> null);
    }
    if (knot == null) {
      return createKnot(run, phase, role, cell, random, due);
    }
    long cents = 200L + random.nextInt(4800);
    return measure(run, phase, step, due,
            () -> weave.donate(knot, Weave.newId(), role.id, cents, step == Step.DONATE), r -> r instanceof CommunityAccount.Rejected)
        .thenAccept(reply -> {
          if (reply instanceof CommunityAccount.Balance && fundedKnots.size() < KNOWN_KNOTS_PER_CELL && !fundedKnots.contains(knot)) {
            fundedKnots.add(knot);
          }
        });
  }

  private void learnProposal(Proposal.Reply reply) {
    if (reply instanceof Proposal.ProposalView view) {
      learnProposal(view.proposalId(), reply);
    }
  }

  /** The phase the answer showed; a refusal means the proposal moved on (objected, voting, closed). */
  private void learnProposal(String proposalId, Proposal.Reply reply) {
    if (!proposals.containsKey(proposalId) && proposals.size() >= KNOWN_CONVERSATIONS) {
      return;
    }
    if (reply instanceof Proposal.ProposalView view) {
      proposals.put(proposalId, Optional.of(view.phase()));
    } else if (reply instanceof Proposal.Rejected) {
      proposals.put(proposalId, Optional.empty());
    }
  }

  private String proposalIn(Proposal.Phase phase, SplittableRandom random) {
    return anyOf(proposals.entrySet().stream().filter(e -> e.getValue().equals(Optional.of(phase))).map(Map.Entry::getKey).toList(), random);
  }

  /** Any known proposal, those whose phase is unknown first (a read tells it), or null. */
  private String anyProposal(SplittableRandom random) {
    String unknown = anyOf(proposals.entrySet().stream().filter(e -> e.getValue().isEmpty()).map(Map.Entry::getKey).toList(), random);
    return unknown != null ? unknown : anyOf(List.copyOf(proposals.keySet()), random);
  }

  private static String anyOf(List<String> choices, SplittableRandom random) {
    return choices.isEmpty() ? null : choices.get(random.nextInt(choices.size()));
  }

  private CompletableFuture<Void> register(ShareRun run, String phase, VirtualRole role, long due) {
    String id = Weave.newId();
    GeoPoint home = RegionCells.centreOf(role.cell);
    return measure(run, phase, Step.REGISTER, due,
            () -> weave.register(id, "Rolle " + role.index, "Hof " + role.index, home), r -> r instanceof Role.Rejected)
        .thenAccept(reply -> {
          if (reply instanceof Role.Profile) {
            role.id = id;
          }
        });
  }

  private CompletableFuture<Void> login(ShareRun run, String phase, VirtualRole role, long due) {
    return measure(run, phase, Step.LOGIN, due, () -> weave.login(role.id), r -> r instanceof Role.Rejected).thenApply(r -> null);
  }

  private CompletableFuture<Void> logout(ShareRun run, String phase, VirtualRole role, long due) {
    return measure(run, phase, Step.LOGOUT, due, () -> weave.logout(role.id), r -> r instanceof Role.Rejected).thenApply(r -> null);
  }

  private CompletableFuture<Void> createKnot(ShareRun run, String phase, VirtualRole role, String cell, SplittableRandom random, long due) {
    GeoPoint centre = RegionCells.centreOf(cell);
    GeoPoint location = new GeoPoint(
        centre.lat() + (random.nextDouble() - 0.5) * 0.01, centre.lon() + (random.nextDouble() - 0.5) * 0.01);
    String knotId = Weave.newId();
    Knot.Type type = random.nextBoolean() ? Knot.Type.IDEA : Knot.Type.TOOL;
    String title = "Reparaturcafé " + random.nextInt(1000);
    return measure(run, phase, Step.CREATE_KNOT, due,
            () -> weave.createKnot(knotId, Weave.newId(), role.id, type, title, "Fahrradwerkstatt im Hinterhof", location, null, null),
            r -> r instanceof Knot.Rejected)
        .thenAccept(reply -> {
          if (reply instanceof Knot.KnotView view) {
            // the knot stands in the region of its location, which may be a neighbour of cell
            knotsByCell.computeIfAbsent(RegionCells.regionOf(view.location()), c -> new CopyOnWriteArrayList<>()).add(knotId);
          }
        });
  }

  private CompletableFuture<Void> startConversation(ShareRun run, String phase, VirtualRole role, String knot, long due) {
    String conversationId = Weave.newId();
    return measure(run, phase, Step.START_CONVERSATION, due,
            () -> weave.startConversation(conversationId, Weave.newId(), knot, role.id, "Wer hilft mit?", "Samstag ab zehn im Hof."),
            r -> r instanceof Conversation.Rejected)
        .thenAccept(reply -> {
          if (reply instanceof Conversation.ConversationView && conversations.size() < KNOWN_CONVERSATIONS) {
            conversations.add(conversationId);
          }
        });
  }

  private CompletableFuture<Void> post(ShareRun run, String phase, Step step, VirtualRole role, String conversation, long due) {
    return measure(run, phase, step, due,
            () -> weave.post(conversation, Weave.newId(), role.id, "Bin dabei, bringe Werkzeug mit."),
            r -> r instanceof Conversation.Rejected)
        .thenApply(r -> null);
  }

  /** A chat's messages, one post each, {@code chatGapSeconds} apart. */
  private CompletableFuture<Void> chat(ShareRun run, String phase, VirtualRole role, String conversation, LoadWorker.RunSessions plan, long due) {
    CompletableFuture<Void> sending = post(run, phase, Step.CHAT, role, conversation, due);
    for (int i = 1; i < plan.chatMessages(); i++) {
      sending = sending.thenCompose(v -> later(plan.chatGapSeconds())).thenCompose(d -> post(run, phase, Step.CHAT, role, conversation, d));
    }
    return sending;
  }

  private void learnKnots(String cell, Region.View view) {
    if (view == null) {
      return;
    }
    List<String> known = knotsByCell.computeIfAbsent(cell, c -> new CopyOnWriteArrayList<>());
    for (Region.KnotEntry knot : view.knots()) {
      if (known.size() < KNOWN_KNOTS_PER_CELL && !known.contains(knot.knotId())) {
        known.add(knot.knotId());
      }
    }
  }

  // ---------------------------------------------------------------- measuring

  /**
   * Sends one command (or the steps of one operation) and records it under {@code step}: latency
   * from {@code due}, refused when {@code refused} says so, a timeout when no answer came in the
   * ask timeout, a failure for anything else. Completes with the reply, or null when there was none.
   */
  private <T> CompletableFuture<T> measure(
      ShareRun run, String phase, Step step, long due, Supplier<CompletionStage<T>> send, Predicate<T> refused) {
    CompletionStage<T> sent;
    try {
      sent = send.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    return sent.toCompletableFuture().handle((reply, error) -> {
      long nanos = System.nanoTime();
      long micros = (nanos - due) / 1000;
      long dueEpochMillis = System.currentTimeMillis() - (nanos - due) / 1_000_000;
      Tally.Outcome outcome;
      if (error != null) {
        outcome = timedOut(error) ? Tally.Outcome.TIMEOUT : Tally.Outcome.FAILURE;
      } else {
        outcome = refused.test(reply) ? Tally.Outcome.REFUSED : Tally.Outcome.OK;
      }
      run.tally.record(phase, step.name(), dueEpochMillis, micros, outcome);
      return error == null ? reply : null;
    });
  }

  private static boolean timedOut(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- roles and the map

  /** A role of this worker's share of the users: index ≡ workerIndex (mod workers). */
  private VirtualRole anyRole(SplittableRandom random) {
    return role(anyIndex(random));
  }

  private int anyIndex(SplittableRandom random) {
    int owned = Math.max(1, (monthlyActiveUsers - workerIndex + workers - 1) / workers);
    return Math.min(monthlyActiveUsers - 1, workerIndex + workers * random.nextInt(owned));
  }

  /** One of this worker's roles that is not a prepared one: who leaves in a single request (null when all are prepared). */
  private VirtualRole leaver(SplittableRandom random) {
    int index = anyIndex(random);
    return index >= workerIndex + workers * PREPARED_ROLES ? role(index) : null;
  }

  private VirtualRole preparedRole(int k) {
    int index = workerIndex + workers * k;
    return index < monthlyActiveUsers ? role(index) : null;
  }

  private VirtualRole role(int index) {
    return roles.computeIfAbsent(index, i -> new VirtualRole(i, cellByHeat(new SplittableRandom(seed ^ (i * 0x9E3779B97F4A7C15L)).nextDouble())));
  }

  /** A registered role among the prepared ones, or null when none could register. */
  private VirtualRole registered(SplittableRandom random) {
    for (int tries = 0; tries < PREPARED_ROLES; tries++) {
      VirtualRole r = preparedRole(random.nextInt(PREPARED_ROLES));
      if (r != null && r.id != null) {
        return r;
      }
    }
    for (int k = 0; k < PREPARED_ROLES; k++) {
      VirtualRole r = preparedRole(k);
      if (r != null && r.id != null) {
        return r;
      }
    }
    return null;
  }

  private String cellByHeat(double u) {
    for (int i = 0; i < cumulative.length; i++) {
      if (u <= cumulative[i]) {
        return cells.get(i);
      }
    }
    return cells.get(cells.size() - 1);
  }

  private SplittableRandom randomFor(LoadWorker.Share share) {
    return new SplittableRandom(share.seed() * 31 + share.phase().hashCode() * 1_000_003L + share.workerIndex());
  }

  // ---------------------------------------------------------------- time

  /** Completes after {@code seconds} with the moment it was due (System.nanoTime()). */
  // The scheduled task only completes `done`, which the caller holds.
  @SuppressWarnings("FutureReturnValueIgnored")
  private CompletableFuture<Long> later(double seconds) {
    long due = System.nanoTime() + Math.max(0, Math.round(seconds * 1e9));
    CompletableFuture<Long> done = new CompletableFuture<>();
    timer.schedule(() -> done.complete(due), Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
    return done;
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }

  private static void awaitAll(java.util.Collection<CompletableFuture<Void>> futures, long seconds) {
    try {
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // what has not finished is reported as it stands
    }
  }

  private static void sleepUntil(long nanos) {
    long wait = nanos - System.nanoTime();
    if (wait > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
