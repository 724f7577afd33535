package org.weltgewebe.actors;

import java.time.Instant;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * A thread (Faden): the trace one action of a role leaves from the role to a knot. It fades out
 * over {@link Region#FADE_TIME} from the moment it was spun; its role can twist it into yarn, which
 * keeps it (and so its knot) for good, and untwist it again, after which it fades from the moment
 * of untwisting. Named WeaveThread so that it does not shadow {@link java.lang.Thread}.
 *
 * <p>Fading is not an event: the fade level is computed from {@code fadeFrom} and the clock
 * whenever it is asked for, so a faded-out thread needs no timer.
 */
public final class WeaveThread
    extends EventSourcedBehaviorWithEnforcedReplies<
        WeaveThread.Command, WeaveThread.Event, WeaveThread.State> {

  /** Sharding key of the thread entities; the entity id is the thread id. */
  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "thread");

  /** What action of a role a thread records. */
  public enum Kind { CONVERSATION, DESIGN, CHANGE, PROPOSAL, VOTE, GOLD, REPORT }

  // ---------------------------------------------------------------- protocol

  /** Everything a thread understands; every command is answered with a {@link Reply}. */
  public sealed interface Command extends WeaveSerializable permits Spin, Twist, Untwist, Get {
    /** Where the answer goes. */
    ActorRef<Reply> replyTo();
  }

  /** Spins the thread from {@code roleId} to the knot at {@code knotLocation}. */
  public record Spin(
      String roleId, String knotId, Kind kind, GeoPoint knotLocation, ActorRef<Reply> replyTo)
      implements Command {}

  /** Twists the thread into yarn; only the role that spun it may. */
  public record Twist(String roleId, ActorRef<Reply> replyTo) implements Command {}

  /** Untwists yarn back into a fading thread; only the role that spun it may. */
  public record Untwist(String roleId, ActorRef<Reply> replyTo) implements Command {}

  /** Asks for the thread as of now. */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** What happened to a thread. */
  public sealed interface Event extends WeaveSerializable permits Spun, Twisted, Untwisted {}

  /** The thread was spun and starts fading. */
  public record Spun(
      String threadId, String roleId, String knotId, Kind kind, GeoPoint knotLocation, Instant at)
      implements Event {}

  /** The thread became yarn and stopped fading. */
  public record Twisted(String roleId, Instant at) implements Event {}

  /** The yarn became a thread again and fades from {@code at}. */
  public record Untwisted(String roleId, Instant at) implements Event {}

  /** A thread's answer. */
  public sealed interface Reply extends WeaveSerializable permits ThreadView, Rejected {}

  /**
   * A thread as of the moment of the answer: {@code fadeLevel} is 0 when fresh or yarn and 1 when
   * faded out; {@code fadeFrom} is when fading (re)started and means nothing while it is yarn.
   */
  public record ThreadView(
      String threadId,
      String roleId,
      String knotId,
      Kind kind,
      Instant spunAt,
      boolean yarn,
      Instant fadeFrom,
      double fadeLevel)
      implements Reply {}

  /** The command was refused and nothing changed. */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---------------------------------------------------------------- state

  /** The state of a thread entity. */
  public sealed interface State extends WeaveSerializable permits Unspun, SpunThread {}

  /** Nothing has been spun under this id yet. */
  public record Unspun() implements State {}

  /** A thread that was spun; it is yarn or fades from {@code fadeFrom}. */
  public record SpunThread(
      String threadId,
      String roleId,
      String knotId,
      Kind kind,
      GeoPoint knotLocation,
      Instant spunAt,
      boolean yarn,
      Instant fadeFrom)
      implements State {

    SpunThread twisted() {
      return new SpunThread(threadId, roleId, knotId, kind, knotLocation, spunAt, true, fadeFrom);
    }

    SpunThread untwisted(Instant at) {
      return new SpunThread(threadId, roleId, knotId, kind, knotLocation, spunAt, false, at);
    }

    double fadeLevelAt(Instant now) {
      return Region.fadeLevel(fadeFrom, yarn, now);
    }

    ThreadView viewAt(Instant now) {
      return new ThreadView(
          threadId, roleId, knotId, kind, spunAt, yarn, fadeFrom, fadeLevelAt(now));
    }
  }

  // ---------------------------------------------------------------- behaviour

  /** The thread {@code threadId}, reading time from {@code clock}. */
  public static Behavior<Command> create(String threadId, WeaveClock clock) {
    return new WeaveThread(threadId, clock);
  }

  private final String threadId;
  private final WeaveClock clock;

  private WeaveThread(String threadId, WeaveClock clock) {
    super(PersistenceId.of(ENTITY_KEY.name(), threadId));
    this.threadId = threadId;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new Unspun();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> builder =
        newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unspun.class)
        .onCommand(Spin.class, this::spin)
        .onCommand(Command.class, this::notSpun);
    builder
        .forStateType(SpunThread.class)
        .onCommand(Spin.class, this::spinAgain)
        .onCommand(Twist.class, this::twist)
        .onCommand(Untwist.class, this::untwist)
        .onCommand(Get.class, this::get);
    return builder.build();
  }

  private ReplyEffect<Event, State> spin(Unspun state, Spin command) {
    Optional<String> problem = spinProblem(command);
    if (problem.isPresent()) {
      return reject(command, Refusal.invalid(problem.get()));
    }
    Spun spun =
        new Spun(
            threadId,
            command.roleId(),
            command.knotId(),
            command.kind(),
            command.knotLocation(),
            clock.now());
    return Effect().persist(spun).thenReply(command.replyTo(), this::viewOf);
  }

  private static Optional<String> spinProblem(Spin command) {
    if (isBlank(command.roleId())) {
      return Optional.of("roleId must not be blank");
    }
    if (isBlank(command.knotId())) {
      return Optional.of("knotId must not be blank");
    }
    if (command.kind() == null) {
      return Optional.of("kind is missing");
    }
    if (command.knotLocation() == null) {
      return Optional.of("knot location is missing");
    }
    return command.knotLocation().problem().map(p -> "knot location: " + p);
  }

  private ReplyEffect<Event, State> spinAgain(SpunThread state, Spin command) {
    Optional<String> problem = spinProblem(command);
    if (problem.isPresent()) {
      return reject(command, Refusal.invalid(problem.get()));
    }
    boolean sameThread =
        state.roleId().equals(command.roleId())
            && state.knotId().equals(command.knotId())
            && state.kind() == command.kind();
    if (sameThread) {
      // A retried spin (the first reply was lost) must neither fail nor spin twice.
      return Effect().reply(command.replyTo(), state.viewAt(clock.now()));
    }
    return reject(
        command,
        Refusal.conflict(
            "thread " + threadId + " already leads from role " + state.roleId() + " to knot "
                + state.knotId() + " as " + state.kind()));
  }

  private ReplyEffect<Event, State> notSpun(Unspun state, Command command) {
    return reject(command, Refusal.notFound("thread " + threadId + " has not been spun"));
  }

  private ReplyEffect<Event, State> twist(SpunThread state, Twist command) {
    Optional<Refusal> refusal = ownershipRefusal(state, command.roleId());
    if (refusal.isPresent()) {
      return reject(command, refusal.get());
    }
    Instant now = clock.now();
    if (state.yarn()) {
      // Already yarn: the integrator may retry its follow-up on the knot, so this must succeed.
      return Effect().reply(command.replyTo(), state.viewAt(now));
    }
    if (state.fadeLevelAt(now) >= 1.0) {
      return reject(
          command,
          Refusal.gone("thread " + threadId + " has faded out and can no longer be twisted"));
    }
    return Effect()
        .persist(new Twisted(command.roleId(), now))
        .thenReply(command.replyTo(), this::viewOf);
  }

  private ReplyEffect<Event, State> untwist(SpunThread state, Untwist command) {
    Optional<Refusal> refusal = ownershipRefusal(state, command.roleId());
    if (refusal.isPresent()) {
      return reject(command, refusal.get());
    }
    Instant now = clock.now();
    if (!state.yarn()) {
      return Effect().reply(command.replyTo(), state.viewAt(now));
    }
    return Effect()
        .persist(new Untwisted(command.roleId(), now))
        .thenReply(command.replyTo(), this::viewOf);
  }

  private Optional<Refusal> ownershipRefusal(SpunThread state, String roleId) {
    if (isBlank(roleId)) {
      return Optional.of(Refusal.invalid("roleId must not be blank"));
    }
    if (!state.roleId().equals(roleId)) {
      return Optional.of(Refusal.forbidden("thread " + threadId + " belongs to another role"));
    }
    return Optional.empty();
  }

  private ReplyEffect<Event, State> get(SpunThread state, Get query) {
    return Effect().reply(query.replyTo(), state.viewAt(clock.now()));
  }

  private ReplyEffect<Event, State> reject(Command command, Refusal refusal) {
    return Effect().reply(command.replyTo(), new Rejected(refusal));
  }

  /** The thread as it stands after an event, which always leaves it spun. */
  private Reply viewOf(State state) {
    return state instanceof SpunThread thread
        ? thread.viewAt(clock.now())
        : new Rejected(Refusal.notFound("thread " + threadId + " has not been spun"));
  }

  private static boolean isBlank(String text) {
    return text == null || text.isBlank();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder.forStateType(Unspun.class).onEvent(Spun.class, WeaveThread::onSpun);
    builder
        .forStateType(SpunThread.class)
        .onEvent(Twisted.class, WeaveThread::onTwisted)
        .onEvent(Untwisted.class, WeaveThread::onUntwisted);
    return builder.build();
  }

  private static State onSpun(Unspun state, Spun event) {
    return new SpunThread(
        event.threadId(),
        event.roleId(),
        event.knotId(),
        event.kind(),
        event.knotLocation(),
        event.at(),
        false,
        event.at());
  }

  private static State onTwisted(SpunThread state, Twisted event) {
    return state.twisted();
  }

  private static State onUntwisted(SpunThread state, Untwisted event) {
    return state.untwisted(event.at());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
