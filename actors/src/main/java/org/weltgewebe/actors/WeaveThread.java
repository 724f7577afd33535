package org.weltgewebe.actors;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * A thread (Faden) from a role to a knot: every action of a role on a knot spins one. (Named
 * WeaveThread so that it never shadows {@link java.lang.Thread}.)
 *
 * <p>A thread fades out over seven days from the moment it was spun; its fade level (0 fresh, 1
 * gone) is derived from the clock whenever it is read, so nothing has to happen for it to fade.
 * The role that spun it can twist it into yarn, which does not fade, and untwist it again, after
 * which it fades anew from the moment of untwisting. A thread that has faded out can no longer be
 * twisted.
 */
public final class WeaveThread
    extends EventSourcedBehaviorWithEnforcedReplies<WeaveThread.Command, WeaveThread.Event, WeaveThread.State> {

  /** Sharding key of the thread entities; the entity id is the thread id. */
  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "thread");

  /** What a thread stands for. */
  public enum Kind {
    CONVERSATION,
    DESIGN,
    CHANGE,
    PROPOSAL,
    VOTE,
    GOLD,
    REPORT
  }

  // ---- protocol

  /** Everything a thread understands. */
  public sealed interface Command extends WeaveSerializable permits Spin, Twist, Untwist, Get {}

  /**
   * Spins the thread from {@code roleId} to the knot at {@code knotLocation}. Repeating the same
   * spin changes nothing, so a retried operation is safe.
   */
  public record Spin(
      String roleId, String knotId, Kind kind, GeoPoint knotLocation, ActorRef<Reply> replyTo)
      implements Command {}

  /** Twists the thread into yarn; only its role may. Twisting yarn again changes nothing. */
  public record Twist(String roleId, ActorRef<Reply> replyTo) implements Command {}

  /** Untwists yarn back into a fading thread; only its role may. Untwisting a thread changes nothing. */
  public record Untwist(String roleId, ActorRef<Reply> replyTo) implements Command {}

  /** Reads the thread with its fade level now. */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** What happened to a thread. */
  public sealed interface Event extends WeaveSerializable permits Spun, Twisted, Untwisted {}

  /** The thread was spun. */
  public record Spun(
      String threadId, String roleId, String knotId, Kind kind, GeoPoint knotLocation, Instant at)
      implements Event {}

  /** The thread became yarn. */
  public record Twisted(String roleId, Instant at) implements Event {}

  /** The yarn became a fading thread again. */
  public record Untwisted(String roleId, Instant at) implements Event {}

  /** What a thread answers. */
  public sealed interface Reply extends WeaveSerializable permits ThreadView, Rejected {}

  /** A thread as seen now: fade level 0 is fresh (or yarn), 1 is faded out. */
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

  /** The thread refused the command and changed nothing. */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---- state

  /** A thread's state: not yet spun, or spun. */
  sealed interface State extends WeaveSerializable permits Unspun, Strung {}

  /** No thread has been spun under this id. */
  record Unspun() implements State {}

  /** A spun thread; it fades from {@code fadeFrom} unless it is yarn. */
  record Strung(
      String roleId, String knotId, Kind kind, GeoPoint knotLocation, Instant spunAt, boolean yarn, Instant fadeFrom)
      implements State {

    Strung twisted() {
      return new Strung(roleId, knotId, kind, knotLocation, spunAt, true, fadeFrom);
    }

    Strung untwisted(Instant at) {
      return new Strung(roleId, knotId, kind, knotLocation, spunAt, false, at);
    }

    double fadeLevelAt(Instant now) {
      return Region.fadeLevel(fadeFrom, yarn, now);
    }
  }

  // ---- behaviour

  /** A thread entity for {@code threadId}, reading time from {@code clock}, reporting to {@code feed}. */
  public static Behavior<Command> create(String threadId, WeaveClock clock, RegionFeed feed) {
    return Behaviors.setup(context -> new WeaveThread(threadId, clock, feed, context));
  }

  private final String threadId;
  private final WeaveClock clock;
  private final RegionFeed feed;
  private final ActorContext<Command> context;

  private WeaveThread(String threadId, WeaveClock clock, RegionFeed feed, ActorContext<Command> context) {
    super(PersistenceId.of(ENTITY_KEY.name(), threadId));
    this.threadId = threadId;
    this.clock = clock;
    this.feed = feed;
    this.context = context;
  }

  @Override
  public State emptyState() {
    return new Unspun();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unspun.class)
        .onCommand(Spin.class, this::spin)
        .onCommand(Twist.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(Untwist.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(Get.class, (state, command) -> notFound(command.replyTo()));
    builder
        .forStateType(Strung.class)
        .onCommand(Spin.class, this::spinAgain)
        .onCommand(Twist.class, this::twist)
        .onCommand(Untwist.class, this::untwist)
        .onCommand(Get.class, (thread, command) -> Effect().reply(command.replyTo(), viewOf(thread)));
    return builder.build();
  }

  private ReplyEffect<Event, State> spin(Unspun state, Spin command) {
    Optional<String> problem = problemOf(command);
    if (problem.isPresent()) {
      return reject(command.replyTo(), Refusal.invalid(problem.get()));
    }
    Spun spun =
        new Spun(threadId, command.roleId(), command.knotId(), command.kind(), command.knotLocation(), clock.now());
    return persist(spun, command.replyTo());
  }

  private ReplyEffect<Event, State> spinAgain(Strung thread, Spin command) {
    boolean same =
        thread.roleId().equals(command.roleId())
            && thread.knotId().equals(command.knotId())
            && thread.kind() == command.kind();
    if (same) {
      return Effect().reply(command.replyTo(), viewOf(thread));
    }
    return reject(
        command.replyTo(), Refusal.conflict("thread " + threadId + " was already spun by another action"));
  }

  private ReplyEffect<Event, State> twist(Strung thread, Twist command) {
    Optional<Refusal> refusal = ownerRefusal(thread, command.roleId());
    if (refusal.isPresent()) {
      return reject(command.replyTo(), refusal.get());
    }
    if (thread.yarn()) {
      return Effect().reply(command.replyTo(), viewOf(thread));
    }
    if (thread.fadeLevelAt(clock.now()) >= 1.0) {
      return reject(command.replyTo(), Refusal.gone("thread " + threadId + " has faded out and can no longer be twisted"));
    }
    return persist(new Twisted(command.roleId(), clock.now()), command.replyTo());
  }

  private ReplyEffect<Event, State> untwist(Strung thread, Untwist command) {
    Optional<Refusal> refusal = ownerRefusal(thread, command.roleId());
    if (refusal.isPresent()) {
      return reject(command.replyTo(), refusal.get());
    }
    if (!thread.yarn()) {
      return Effect().reply(command.replyTo(), viewOf(thread));
    }
    return persist(new Untwisted(command.roleId(), clock.now()), command.replyTo());
  }

  private Optional<Refusal> ownerRefusal(Strung thread, String roleId) {
    if (roleId == null || roleId.isBlank()) {
      return Optional.of(Refusal.invalid("roleId must not be blank"));
    }
    if (!thread.roleId().equals(roleId)) {
      return Optional.of(Refusal.forbidden("thread " + threadId + " belongs to another role"));
    }
    return Optional.empty();
  }

  private ReplyEffect<Event, State> persist(Event event, ActorRef<Reply> replyTo) {
    return Effect().persist(event).thenRun(this::report).thenReply(replyTo, this::viewOf);
  }

  /** Tells the region of the thread's knot how the thread looks now. */
  private void report(State state) {
    Strung thread = (Strung) state;
    feed.publish(
        new Region.ThreadChanged(
            new EventId(persistenceId().id(), lastSequenceNumber(context)),
            threadId, thread.roleId(), thread.knotId(), thread.kind().name(), thread.knotLocation(),
            thread.fadeFrom(), thread.yarn()));
  }

  private static Optional<String> problemOf(Spin command) {
    if (command.roleId() == null || command.roleId().isBlank()) {
      return Optional.of("roleId must not be blank");
    }
    if (command.knotId() == null || command.knotId().isBlank()) {
      return Optional.of("knotId must not be blank");
    }
    if (command.kind() == null) {
      return Optional.of("kind is required");
    }
    if (command.knotLocation() == null) {
      return Optional.of("knotLocation is required");
    }
    return command.knotLocation().problem().map(p -> "knotLocation: " + p);
  }

  private Reply viewOf(State state) {
    Strung t = (Strung) state;
    return new ThreadView(
        threadId, t.roleId(), t.knotId(), t.kind(), t.spunAt(), t.yarn(), t.fadeFrom(), t.fadeLevelAt(clock.now()));
  }

  private ReplyEffect<Event, State> notFound(ActorRef<Reply> replyTo) {
    return reject(replyTo, Refusal.notFound("thread " + threadId + " not found"));
  }

  private ReplyEffect<Event, State> reject(ActorRef<Reply> replyTo, Refusal refusal) {
    return Effect().reply(replyTo, new Rejected(refusal));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(Unspun.class)
        .onEvent(Spun.class, (state, e) ->
            new Strung(e.roleId(), e.knotId(), e.kind(), e.knotLocation(), e.at(), false, e.at()));
    builder
        .forStateType(Strung.class)
        .onEvent(Twisted.class, (thread, e) -> thread.twisted())
        .onEvent(Untwisted.class, (thread, e) -> thread.untwisted(e.at()));
    return builder.build();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Tagging.tagsFor(ENTITY_KEY.name(), threadId);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
