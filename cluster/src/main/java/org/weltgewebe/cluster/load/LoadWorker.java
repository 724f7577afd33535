package org.weltgewebe.cluster.load;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveClock;
import org.weltgewebe.actors.WeaveSerializable;

/**
 * The in-cluster load generator's hands on one node: every platform node runs one (unless
 * {@code weltgewebe.load-worker.enabled} is off), registered with the Receptionist under
 * {@link #KEY}, and it idles until a driver hands it a share of a phase. It then replays that share
 * as virtual users that send the same commands the HTTP routes send, through cluster sharding
 * (the {@link Weave} facade), so the same events are persisted and the run's consistency oracle
 * still holds; it measures every command from when it was due and sends the driver its
 * {@link Tally}, encoded, in parts small enough for one remoting frame.
 *
 * <p>The plan travels as data (rates, means, the map), because the cluster part knows nothing of
 * the scenario files: the driver reads them and says what this worker's share is.
 */
public final class LoadWorker {
  /** The key under which every node's worker registers; the driver finds the workers by it. */
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "weltgewebe-load-worker");

  // ---------------------------------------------------------------- protocol

  /** What a driver can ask of a worker. */
  public sealed interface Command extends WeaveSerializable permits RunSessions, RunRequests, MeasureCeiling {}

  /**
   * What every share of a phase has in common: the run it belongs to (a new run id starts a new
   * world of roles, knots and conversations), the phase's name, this worker's index among
   * {@code workers} (it takes roles {@code index, index + workers, …} of the scenario's
   * {@code monthlyActiveUsers}, and 1/{@code workers} of the arrival rate), the seed, the driver's
   * clock origin for 10-s windows, and the map: region cells hottest first with the cumulative
   * share of users in each.
   */
  public record Share(
      String runId,
      String phase,
      int workerIndex,
      int workers,
      long seed,
      long originEpochMillis,
      int monthlyActiveUsers,
      List<String> cellsByHeat,
      List<Double> cumulativeCellShares) {}

  /**
   * Replay a slice of the day as whole user sessions: arrivals at 1/{@code workers} of
   * {@code sessionsPerHour} (24 entries) over {@code virtualHours} from {@code virtualStartHour},
   * {@code compression} times faster than real time; each session logs in (or registers), does
   * each action of {@code actionsPerSession} (names of {@link org.weltgewebe.cluster.load.session.SessionStep}) its mean number
   * of times with think time between, and logs out. A chat sends {@code chatMessages} posts
   * {@code chatGapSeconds} apart.
   */
  public record RunSessions(
      Share share,
      List<Double> sessionsPerHour,
      double virtualStartHour,
      double virtualHours,
      double compression,
      double sessionMinutes,
      Map<String, Double> actionsPerSession,
      int chatMessages,
      double chatGapSeconds,
      ActorRef<Report> replyTo)
      implements Command {}

  /**
   * Single commands drawn from {@code mix} (step name → weight) by registered roles, arriving at
   * 1/{@code workers} of a rate ramping from {@code fromPerSecond} to {@code toPerSecond} over
   * {@code seconds}.
   */
  public record RunRequests(
      Share share, double seconds, double fromPerSecond, double toPerSecond, Map<String, Double> mix, ActorRef<Report> replyTo)
      implements Command {}

  /**
   * Measure this worker's own ceiling: the most no-op asks to an actor on its own node it
   * completes in one second, over {@code seconds}.
   */
  public record MeasureCeiling(double seconds, ActorRef<CeilingMeasured> replyTo) implements Command {}

  /** A worker's ceiling: the best one-second count of completed no-op asks. */
  public record CeilingMeasured(String worker, double perSecond) implements WeaveSerializable {}

  /** What a worker sends the driver about a share: progress while it runs, then parts, then the end. */
  public sealed interface Report extends WeaveSerializable permits Running, Measured, Finished {}

  /** Counts of the share so far, every two seconds, for the driver's progress line. */
  public record Running(String worker, long requests, long ok, long errors, long sessions) implements Report {}

  /** A part of the share's tally. */
  public record Measured(String worker, List<Tally.Entry> entries) implements Report {}

  /**
   * The share is done: {@code parts} {@link Measured} messages were sent before this one;
   * {@code failure} is null unless the worker could not run the share at all.
   */
  public record Finished(String worker, long sessions, int parts, String failure) implements Report {}

  // ---------------------------------------------------------------- behaviour

  /** An idle worker that registers itself and then runs whatever share it is handed. */
  public static Behavior<Command> create(Weave weave, WeaveClock clock) {
    return Behaviors.setup(
        context -> {
          context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
          ActorRef<Echo.Ping> echo = context.spawn(Echo.create(), "echo");
          return new LoadWorker(context, weave, clock, echo).idle();
        });
  }

  private final ActorContext<Command> context;
  private final Weave weave;
  private final WeaveClock clock;
  private final ActorRef<Echo.Ping> echo;
  private final String name;
  private VirtualUsers world;

  private LoadWorker(ActorContext<Command> context, Weave weave, WeaveClock clock, ActorRef<Echo.Ping> echo) {
    this.context = context;
    this.weave = weave;
    this.clock = clock;
    this.echo = echo;
    this.name = context.getSystem().address().toString();
  }

  private Behavior<Command> idle() {
    return Behaviors.receive(Command.class)
        .onMessage(RunSessions.class, this::onRunSessions)
        .onMessage(RunRequests.class, this::onRunRequests)
        .onMessage(MeasureCeiling.class, this::onMeasureCeiling)
        .onSignal(PostStop.class, stopped -> {
          if (world != null) {
            world.close();
          }
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onRunSessions(RunSessions command) {
    start(command.share(), command.replyTo(), users -> run -> users.sessions(command, run));
    return Behaviors.same();
  }

  private Behavior<Command> onRunRequests(RunRequests command) {
    start(command.share(), command.replyTo(), users -> run -> users.requests(command, run));
    return Behaviors.same();
  }

  /** Starts a share in the background; a share that cannot start at all is answered at once with why. */
  private void start(Share share, ActorRef<Report> replyTo, java.util.function.Function<VirtualUsers, VirtualUsers.ShareBody> body) {
    try {
      VirtualUsers users = worldFor(share);
      users.runInBackground(share, replyTo, body.apply(users));
    } catch (RuntimeException e) {
      context.getLog().warn("load share {} of run {} refused: {}", share.phase(), share.runId(), e.getMessage());
      replyTo.tell(new Finished(name, 0, 0, e.getMessage()));
    }
  }

  private Behavior<Command> onMeasureCeiling(MeasureCeiling command) {
    Echo.ceiling(echo, context.getSystem(), Duration.ofMillis(Math.round(command.seconds() * 1000)))
        .thenAccept(perSecond -> command.replyTo().tell(new CeilingMeasured(name, perSecond)));
    return Behaviors.same();
  }

  /** The virtual users of {@code share}'s run: the same world across its phases, a new one for a new run. */
  private VirtualUsers worldFor(Share share) {
    if (world == null || !world.runId().equals(share.runId())) {
      if (world != null) {
        world.close();
      }
      world = new VirtualUsers(weave, clock, share, name);
    }
    return world;
  }
}
