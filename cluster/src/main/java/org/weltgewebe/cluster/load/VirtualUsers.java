package org.weltgewebe.cluster.load;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveClock;
import org.weltgewebe.cluster.load.session.Answer;
import org.weltgewebe.cluster.load.session.Move;
import org.weltgewebe.cluster.load.session.Moves;
import org.weltgewebe.cluster.load.session.Population;
import org.weltgewebe.cluster.load.session.SessionStep;
import org.weltgewebe.cluster.load.session.User;
import org.weltgewebe.cluster.load.session.UserSession;

/**
 * The virtual users of one worker in one run: the users it owns (every {@code workers}-th of the
 * scenario's users, so two workers never share a user) and the replay of a share as chains of
 * asynchronous commands with think time in between.
 *
 * <p>What a session does is the {@link UserSession} both drivers run; this worker sends its moves as
 * entity commands ({@link CommandMoves}). Each command is measured from the moment it was due —
 * the arrival, or the end of the think time before it — so a worker that falls behind shows as
 * latency, not as missing load (no coordinated omission).
 *
 * <p>Arrivals are timed by one thread per share (open model: they come whether or not earlier
 * sessions have finished); think times by a small scheduler; the commands themselves run on
 * Pekko's threads as their replies arrive.
 */
final class VirtualUsers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VirtualUsers.class);
  /** Tries of a setup step that got no answer. */
  private static final int SETUP_ATTEMPTS = 3;
  /** Encoded histogram bytes per {@link LoadWorker.Measured}: well under Artery's 256 KiB frame once in JSON (Base64). */
  private static final int PART_BYTES = 96 * 1024;

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

  private final String runId;
  private final String worker;
  private final int workerIndex;
  private final int workers;
  private final List<String> cells;
  private final double[] cumulative;
  private final Population population;
  private final Moves moves;
  private final CommandMoves commands;
  private final ScheduledExecutorService timer;

  VirtualUsers(Weave weave, WeaveClock clock, LoadWorker.Share share, String worker) {
    if (share.workers() < 1 || share.workerIndex() < 0 || share.workerIndex() >= share.workers()) {
      throw new IllegalArgumentException("worker " + share.workerIndex() + " of " + share.workers() + " is no share");
    }
    if (share.cellsByHeat().isEmpty() || share.cellsByHeat().size() != share.cumulativeCellShares().size()) {
      throw new IllegalArgumentException("a share needs the map: as many cumulative shares as cells");
    }
    this.runId = share.runId();
    this.worker = worker;
    this.workerIndex = share.workerIndex();
    this.workers = share.workers();
    this.cells = List.copyOf(share.cellsByHeat());
    this.cumulative = share.cumulativeCellShares().stream().mapToDouble(Double::doubleValue).toArray();
    long seed = share.seed();
    this.population = new Population(Math.max(1, share.monthlyActiveUsers()), workerIndex, workers,
        i -> cellByHeat(new SplittableRandom(seed ^ (i * 0x9E3779B97F4A7C15L)).nextDouble()), this::cellByHeat);
    this.moves = new Moves(population);
    this.commands = new CommandMoves(weave, clock);
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
    Map<SessionStep, Double> perSession = steps(plan.actionsPerSession());
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
      User user = population.anyUser(random);
      run.sessions.incrementAndGet();
      List<SessionStep> steps = UserSession.draw(perSession, commands::sends, random);
      double thinkSeconds = UserSession.thinkSeconds(plan.sessionMinutes(), plan.compression(), steps);
      UserSession session = UserSession.session(moves, user, steps, thinkSeconds, random.split());
      CompletableFuture<Void> driven = drive(run, run.phase, session, due, plan);
      running.add(driven);
      driven.whenComplete((v, e) -> running.remove(driven));
    }
    // sessions started near the end finish before the next phase begins; every step of a session
    // ends within its ask timeout, so the deadline only guards against the unforeseen
    awaitAll(running, Math.round(3 * plan.sessionMinutes() * 60 / plan.compression()) + 60);
  }

  /** The steps this driver sends among {@code named} (step name → number or weight). */
  private Map<SessionStep, Double> steps(Map<String, Double> named) {
    Map<SessionStep, Double> steps = new EnumMap<>(SessionStep.class);
    named.forEach((name, value) -> SessionStep.named(name)
        .filter(s -> s.isAction() && commands.sends(s) && value > 0)
        .ifPresent(s -> steps.put(s, value)));
    return steps;
  }

  /**
   * Runs {@code session} to its end: its first move when it is {@code due}, each following one
   * after its think time; a chat sends its messages as posts, {@code chatGapSeconds} apart.
   */
  private CompletableFuture<Void> drive(ShareRun run, String phase, UserSession session, long due, LoadWorker.RunSessions plan) {
    Move move = session.next();
    if (move == null) {
      return done();
    }
    return perform(run, phase, move, due, plan)
        .thenCompose(answer -> {
          session.answered(move, answer);
          return next(run, phase, session, plan);
        })
        .exceptionally(e -> null);
  }

  private CompletableFuture<Void> next(ShareRun run, String phase, UserSession session, LoadWorker.RunSessions plan) {
    Move move = session.next();
    if (move == null) {
      return done();
    }
    return later(move.pauseSeconds())
        .thenCompose(due -> perform(run, phase, move, due, plan))
        .thenCompose(answer -> {
          session.answered(move, answer);
          return next(run, phase, session, plan);
        });
  }

  private CompletableFuture<Answer> perform(ShareRun run, String phase, Move move, long due, LoadWorker.RunSessions plan) {
    if (move.step() != SessionStep.CHAT) {
      return measure(run, phase, move.step(), due, () -> commands.send(move));
    }
    if (plan == null) {
      return CompletableFuture.completedFuture(Answer.none());
    }
    CompletableFuture<Answer> sending = measure(run, phase, SessionStep.CHAT, due, () -> commands.send(move));
    for (int i = 1; i < plan.chatMessages(); i++) {
      sending = sending.thenCompose(a -> later(plan.chatGapSeconds()))
          .thenCompose(d -> measure(run, phase, SessionStep.CHAT, d, () -> commands.send(move)));
    }
    return sending;
  }

  // ---------------------------------------------------------------- single requests

  /** Replays this worker's share of a ramp of single commands by registered users. */
  // `running` holds each future by identity to await what is still in flight; the callbacks end each one.
  @SuppressWarnings({"FutureReturnValueIgnored", "CollectionUndefinedEquality"})
  void requests(LoadWorker.RunRequests plan, ShareRun run) {
    SplittableRandom random = randomFor(plan.share());
    prepare(run.phase + "-setup", run, random);
    Map<SessionStep, Double> mix = steps(plan.mix());
    if (mix.isEmpty()) {
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
      UserSession single = UserSession.single(moves, UserSession.pick(mix, random), random.split());
      CompletableFuture<Void> request = drive(run, run.phase, single, due, null);
      running.add(request);
      request.whenComplete((v, e) -> running.remove(request));
    }
    awaitAll(running, 30);
  }

  /**
   * Registers the prepared users and gives the hottest cells a knot and the platform a
   * conversation, before the phase's load. A step that timed out (a cold node: shards allocated,
   * journals read for the first time) is tried again, so that the phase does not run without the
   * users and knots it needs; every attempt is measured under the setup phase.
   */
  private void prepare(String setup, ShareRun run, SplittableRandom random) {
    for (int attempt = 0; attempt < SETUP_ATTEMPTS; attempt++) {
      List<CompletableFuture<Void>> steps = new ArrayList<>();
      for (int k = 0; k < Population.PREPARED; k++) {
        User user = population.prepared(k);
        if (user != null && !user.registered()) {
          steps.add(once(run, setup, moves.register(user)));
        }
      }
      if (steps.isEmpty()) {
        break;
      }
      awaitAll(steps, 30);
    }
    User someone = population.registered(random);
    if (someone == null) {
      return;
    }
    for (int attempt = 0; attempt < SETUP_ATTEMPTS; attempt++) {
      for (String cell : cells.subList(0, Math.min(UserSession.PREPARED_CELLS, cells.size()))) {
        if (population.knots(cell).isEmpty()) {
          awaitAll(List.of(once(run, setup, moves.createKnot(someone, cell, random, 0))), 30);
        }
      }
      String knot = population.firstKnot();
      if (population.conversations().isEmpty() && knot != null) {
        awaitAll(List.of(once(run, setup, moves.startConversation(someone, knot, 0))), 30);
      }
    }
  }

  /** Sends one move now, measured, and learns from its answer. */
  private CompletableFuture<Void> once(ShareRun run, String phase, Move move) {
    return measure(run, phase, move.step(), System.nanoTime(), () -> commands.send(move))
        .thenAccept(answer -> moves.learn(move, answer));
  }

  // ---------------------------------------------------------------- measuring

  /**
   * Sends one command (or the steps of one operation) and records it under {@code step}: latency
   * from {@code due}, refused when {@code refused} says so, a timeout when no answer came in the
   * ask timeout, a failure for anything else. Completes with the reply, or null when there was none.
   */
  private CompletableFuture<Answer> measure(
      ShareRun run, String phase, SessionStep step, long due, Supplier<CompletionStage<Answer>> send) {
    CompletionStage<Answer> sent;
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
        outcome = reply.outcome() == Answer.Outcome.REFUSED ? Tally.Outcome.REFUSED : Tally.Outcome.OK;
      }
      run.tally.record(phase, step.name(), dueEpochMillis, micros, outcome);
      return error == null ? reply : Answer.none();
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

  // ---------------------------------------------------------------- the map

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
