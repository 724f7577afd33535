package org.weltgewebe.actors;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A knot (Knoten): a located bundle of information on the map — an idea, a dated event, a facility,
 * a tool, a place to sleep or park — to which roles lead threads.
 *
 * <p>Dissolution: a knot lives as long as any yarn or thread leads to it. Creation counts as a
 * thread (the creator's design thread), so the last thread time starts at creation; every thread
 * led to the knot moves it forward, and so does untwisting a yarn, because the untwisted thread
 * starts fading at that moment. While any yarn leads to the knot it never dissolves. Without yarn
 * it dissolves at {@code max(last thread, end of its event if dated) + 7 days}.
 *
 * <p>The knot writes its {@link Dissolved} event when that moment has come and it notices: on
 * {@link CheckDissolution}, when its own timer fires (scheduled after every event and after
 * recovery, through the clock's {@link WeaveClock#realTimeUntil}, so a compressed scenario clock
 * dissolves knots on its own while a {@link ManualClock} leaves the check to the test), and before
 * any write command, which then is refused as {@link Refusal.Kind#GONE}. A dissolved knot still
 * answers {@link Get} and {@link CheckDissolution}; everything else is refused as gone.
 */
public final class Knot
    extends EventSourcedBehaviorWithEnforcedReplies<Knot.Command, Knot.Event, Knot.State> {

  /** Sharding key of the knot entities; the entity id is the knot id. */
  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "knot");

  /** How long a knot stays without threads (or after its dated event) before it dissolves. */
  public static final Duration DISSOLUTION_TIME = Duration.ofDays(7);

  static final int MAX_TITLE = 120;
  static final int MAX_DESCRIPTION = 4000;

  // A timer far in the future would pin a wrong real-time guess if the clock's compression is
  // reconfigured, and one long-lived timer per idle knot is wasteful to track; re-checking hourly
  // is cheap and self-correcting.
  private static final Duration MAX_TIMER_WAIT = Duration.ofHours(1);
  private static final String DISSOLUTION_TIMER = "dissolution";

  /** What a knot is; only {@link #EVENT} is dated. */
  public enum Type {
    IDEA,
    EVENT,
    FACILITY,
    TOOL,
    SLEEPING_PLACE,
    PARKING_PLACE,
    OTHER
  }

  /** How a role relates to a knot through a thread it led there. */
  public enum Connection {
    AGREE,
    INTEREST,
    REJECT,
    COMMIT,
    TAKE_RESPONSIBILITY
  }

  // ---- protocol

  /** Everything a knot understands. */
  public sealed interface Command extends WeaveSerializable
      permits Create,
          LeadThread,
          AttachYarn,
          DetachYarn,
          CheckDissolution,
          Get,
          DissolutionDue {}

  /**
   * Ties the knot. {@code eventStart} and {@code eventEnd} are given for {@link Type#EVENT} only. A
   * null description counts as empty.
   */
  public record Create(
      String createdBy,
      Type type,
      String title,
      String description,
      GeoPoint location,
      Instant eventStart,
      Instant eventEnd,
      ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Reports a thread a role spun to this knot. {@code connection} is null for a thread that is not
   * a connection, such as a conversation. Repeating a thread id changes nothing, so retries are safe.
   */
  public record LeadThread(
      String threadId,
      String roleId,
      String threadKind,
      Connection connection,
      ActorRef<Reply> replyTo)
      implements Command {}

  /** A thread led to this knot was twisted into yarn: the knot stays while it holds. */
  public record AttachYarn(String threadId, ActorRef<Reply> replyTo) implements Command {}

  /** A yarn to this knot was untwisted: it fades again from now. */
  public record DetachYarn(String threadId, ActorRef<Reply> replyTo) implements Command {}

  /** Dissolves the knot if its time has come, and answers its view either way. */
  public record CheckDissolution(ActorRef<Reply> replyTo) implements Command {}

  /** Reads the knot. */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** The knot's own timer: its dissolution may be due. Local only, never sent by others. */
  private record DissolutionDue() implements Command {}

  /** What happened to a knot. */
  public sealed interface Event extends WeaveSerializable
      permits Created, ThreadLed, YarnAttached, YarnDetached, Dissolved {}

  /** The knot was tied; this is also its creator's design thread for the dissolution rule. */
  public record Created(
      String knotId,
      String createdBy,
      Type type,
      String title,
      String description,
      GeoPoint location,
      Instant eventStart,
      Instant eventEnd,
      Instant at)
      implements Event {}

  /** A role led a thread to the knot. */
  public record ThreadLed(
      String threadId, String roleId, String threadKind, Connection connection, Instant at)
      implements Event {}

  /** A thread to the knot became yarn. */
  public record YarnAttached(String threadId, Instant at) implements Event {}

  /** A yarn to the knot was untwisted. */
  public record YarnDetached(String threadId, Instant at) implements Event {}

  /** The knot dissolved; nothing leads to it any more. */
  public record Dissolved(String reason, Instant at) implements Event {}

  /** What a knot answers. */
  public sealed interface Reply extends WeaveSerializable permits KnotView, Rejected {}

  /**
   * A knot as seen now. {@code threadCount} counts the distinct threads reported through
   * {@link LeadThread}; {@code connections} holds each role's latest connection;
   * {@code dissolvesAt} is null while a yarn leads to the knot. {@code dissolved} is true once the
   * dissolution time has passed, even if the knot has not yet written its {@link Dissolved} event
   * (its next check or write command will), so a reader never sees a dead knot as alive.
   */
  public record KnotView(
      String knotId,
      Type type,
      String title,
      String description,
      GeoPoint location,
      Instant eventStart,
      Instant eventEnd,
      String createdBy,
      Instant createdAt,
      Instant lastThreadAt,
      int threadCount,
      int yarnCount,
      Map<String, Connection> connections,
      Instant dissolvesAt,
      boolean dissolved)
      implements Reply {}

  /** The knot refused the command and changed nothing (except to record its own dissolution). */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---- state

  /** A knot's state: not yet tied, standing, or dissolved. */
  sealed interface State extends WeaveSerializable permits Untied, Standing, Gone {}

  /** No knot has been tied under this id. */
  record Untied() implements State {}

  /** A living knot: what it is, which threads and yarns lead to it, and when the last came. */
  record Standing(
      String knotId,
      String createdBy,
      Type type,
      String title,
      String description,
      GeoPoint location,
      Instant eventStart,
      Instant eventEnd,
      Instant createdAt,
      Instant lastThreadAt,
      Set<String> threadIds,
      Map<String, Connection> connections,
      Set<String> yarnThreadIds)
      implements State {

    /** When the knot dissolves unless another thread comes; null while a yarn holds it. */
    Instant dissolvesAt() {
      if (!yarnThreadIds.isEmpty()) {
        return null;
      }
      Instant quietSince =
          eventEnd != null && eventEnd.isAfter(lastThreadAt) ? eventEnd : lastThreadAt;
      return quietSince.plus(DISSOLUTION_TIME);
    }

    boolean dueToDissolveAt(Instant now) {
      Instant dissolvesAt = dissolvesAt();
      return dissolvesAt != null && !now.isBefore(dissolvesAt);
    }

    // Copying the sets and map per thread is O(n) in the knot's threads; snapshots every 100
    // events bound recovery, and a knot's thread count stays in the thousands at most.
    Standing withThread(ThreadLed led) {
      Set<String> threads = new HashSet<>(threadIds);
      threads.add(led.threadId());
      Map<String, Connection> latest = new HashMap<>(connections);
      if (led.connection() != null) {
        latest.put(led.roleId(), led.connection());
      }
      return new Standing(
          knotId, createdBy, type, title, description, location, eventStart, eventEnd, createdAt,
          later(lastThreadAt, led.at()), Set.copyOf(threads), Map.copyOf(latest), yarnThreadIds);
    }

    Standing withYarn(String threadId) {
      Set<String> yarns = new HashSet<>(yarnThreadIds);
      yarns.add(threadId);
      return withYarns(Set.copyOf(yarns), lastThreadAt);
    }

    Standing withoutYarn(String threadId, Instant at) {
      Set<String> yarns = new HashSet<>(yarnThreadIds);
      yarns.remove(threadId);
      return withYarns(Set.copyOf(yarns), later(lastThreadAt, at));
    }

    private Standing withYarns(Set<String> yarns, Instant lastThread) {
      return new Standing(
          knotId, createdBy, type, title, description, location, eventStart, eventEnd, createdAt,
          lastThread, threadIds, connections, yarns);
    }

    private static Instant later(Instant a, Instant b) {
      return a.isAfter(b) ? a : b;
    }
  }

  /** A dissolved knot, kept so that it can still be read. */
  record Gone(Standing knot, String reason, Instant at) implements State {}

  // ---- behaviour

  /** A knot entity for {@code knotId}, reading time from {@code clock}. */
  public static Behavior<Command> create(String knotId, WeaveClock clock) {
    return Behaviors.withTimers(timers -> new Knot(knotId, clock, timers));
  }

  private final String knotId;
  private final WeaveClock clock;
  private final TimerScheduler<Command> timers;

  private Knot(String knotId, WeaveClock clock, TimerScheduler<Command> timers) {
    super(PersistenceId.of(ENTITY_KEY.name(), knotId));
    this.knotId = knotId;
    this.clock = clock;
    this.timers = timers;
  }

  @Override
  public State emptyState() {
    return new Untied();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Untied.class)
        .onCommand(Create.class, this::create)
        .onCommand(LeadThread.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(AttachYarn.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(DetachYarn.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(CheckDissolution.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(Get.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(DissolutionDue.class, (state, command) -> Effect().noReply());
    builder
        .forStateType(Standing.class)
        .onCommand(Create.class, this::createAgain)
        .onCommand(LeadThread.class, this::leadThread)
        .onCommand(AttachYarn.class, this::attachYarn)
        .onCommand(DetachYarn.class, this::detachYarn)
        .onCommand(CheckDissolution.class, this::checkDissolution)
        .onCommand(Get.class, (knot, command) -> Effect().reply(command.replyTo(), viewOf(knot)))
        .onCommand(DissolutionDue.class, this::dissolutionDue);
    builder
        .forStateType(Gone.class)
        .onCommand(Create.class, (gone, command) -> refuseGone(command.replyTo()))
        .onCommand(LeadThread.class, (gone, command) -> refuseGone(command.replyTo()))
        .onCommand(AttachYarn.class, (gone, command) -> refuseGone(command.replyTo()))
        .onCommand(DetachYarn.class, (gone, command) -> refuseGone(command.replyTo()))
        .onCommand(CheckDissolution.class, (gone, command) -> Effect().reply(command.replyTo(), viewOf(gone)))
        .onCommand(Get.class, (gone, command) -> Effect().reply(command.replyTo(), viewOf(gone)))
        .onCommand(DissolutionDue.class, (gone, command) -> Effect().noReply());
    return builder.build();
  }

  private ReplyEffect<Event, State> create(Untied untied, Create command) {
    Optional<String> problem = problemOf(command);
    if (problem.isPresent()) {
      return reject(command.replyTo(), Refusal.invalid(problem.get()));
    }
    String description = command.description() == null ? "" : command.description();
    Created created =
        new Created(
            knotId, command.createdBy(), command.type(), command.title().trim(), description,
            command.location(), command.eventStart(), command.eventEnd(), clock.now());
    return persist(created, command.replyTo());
  }

  private ReplyEffect<Event, State> createAgain(Standing knot, Create command) {
    if (knot.dueToDissolveAt(clock.now())) {
      return dissolveAndRefuse(knot, command.replyTo());
    }
    return reject(command.replyTo(), Refusal.conflict("knot " + knotId + " already exists"));
  }

  private ReplyEffect<Event, State> leadThread(Standing knot, LeadThread command) {
    if (knot.dueToDissolveAt(clock.now())) {
      return dissolveAndRefuse(knot, command.replyTo());
    }
    Optional<String> problem =
        firstBlank(
            "threadId", command.threadId(), "roleId", command.roleId(),
            "threadKind", command.threadKind());
    if (problem.isPresent()) {
      return reject(command.replyTo(), Refusal.invalid(problem.get()));
    }
    if (knot.threadIds().contains(command.threadId())) {
      return Effect().reply(command.replyTo(), viewOf(knot));
    }
    return persist(
        new ThreadLed(
            command.threadId(), command.roleId(), command.threadKind(), command.connection(),
            clock.now()),
        command.replyTo());
  }

  private ReplyEffect<Event, State> attachYarn(Standing knot, AttachYarn command) {
    if (knot.dueToDissolveAt(clock.now())) {
      return dissolveAndRefuse(knot, command.replyTo());
    }
    if (isBlank(command.threadId())) {
      return reject(command.replyTo(), Refusal.invalid("threadId must not be blank"));
    }
    if (!knot.threadIds().contains(command.threadId())) {
      return reject(
          command.replyTo(),
          Refusal.invalid("thread " + command.threadId() + " does not lead to knot " + knotId));
    }
    if (knot.yarnThreadIds().contains(command.threadId())) {
      return Effect().reply(command.replyTo(), viewOf(knot));
    }
    return persist(new YarnAttached(command.threadId(), clock.now()), command.replyTo());
  }

  private ReplyEffect<Event, State> detachYarn(Standing knot, DetachYarn command) {
    if (knot.dueToDissolveAt(clock.now())) {
      return dissolveAndRefuse(knot, command.replyTo());
    }
    if (isBlank(command.threadId())) {
      return reject(command.replyTo(), Refusal.invalid("threadId must not be blank"));
    }
    if (!knot.yarnThreadIds().contains(command.threadId())) {
      return Effect().reply(command.replyTo(), viewOf(knot));
    }
    return persist(new YarnDetached(command.threadId(), clock.now()), command.replyTo());
  }

  private ReplyEffect<Event, State> checkDissolution(Standing knot, CheckDissolution command) {
    if (!knot.dueToDissolveAt(clock.now())) {
      return Effect().reply(command.replyTo(), viewOf(knot));
    }
    return Effect()
        .persist(dissolution(knot))
        .thenRun(this::scheduleDissolutionCheck)
        .thenReply(command.replyTo(), this::viewOf);
  }

  private ReplyEffect<Event, State> dissolutionDue(Standing knot, DissolutionDue due) {
    if (!knot.dueToDissolveAt(clock.now())) {
      // Woken early (the wait is capped, or the clock's rounding): wait for the rest.
      return Effect().none().thenRun(this::scheduleDissolutionCheck).thenNoReply();
    }
    return Effect().persist(dissolution(knot)).thenRun(this::scheduleDissolutionCheck).thenNoReply();
  }

  /**
   * A write command found the knot past its dissolution time. Persisting {@link Dissolved} here is
   * not a side effect of a refused command but the truth catching up: the knot is dissolved by its
   * rule whether or not anyone asked, and the refusal must agree with what the journal says.
   */
  private ReplyEffect<Event, State> dissolveAndRefuse(Standing knot, ActorRef<Reply> replyTo) {
    return Effect()
        .persist(dissolution(knot))
        .thenRun(this::scheduleDissolutionCheck)
        .thenReply(replyTo, gone -> new Rejected(goneRefusal()));
  }

  private Dissolved dissolution(Standing knot) {
    String reason =
        knot.eventEnd() != null ? "dated event over and no thread for 7 days" : "no thread for 7 days";
    return new Dissolved(reason, clock.now());
  }

  private ReplyEffect<Event, State> persist(Event event, ActorRef<Reply> replyTo) {
    return Effect().persist(event).thenRun(this::scheduleDissolutionCheck).thenReply(replyTo, this::viewOf);
  }

  private void scheduleDissolutionCheck(State state) {
    Optional<Duration> wait =
        state instanceof Standing knot && knot.dissolvesAt() != null
            ? clock.realTimeUntil(knot.dissolvesAt())
            : Optional.empty();
    if (wait.isPresent()) {
      Duration capped = wait.get().compareTo(MAX_TIMER_WAIT) > 0 ? MAX_TIMER_WAIT : wait.get();
      timers.startSingleTimer(DISSOLUTION_TIMER, new DissolutionDue(), capped);
    } else {
      timers.cancel(DISSOLUTION_TIMER);
    }
  }

  private ReplyEffect<Event, State> notFound(ActorRef<Reply> replyTo) {
    return reject(replyTo, Refusal.notFound("knot " + knotId + " not found"));
  }

  private ReplyEffect<Event, State> refuseGone(ActorRef<Reply> replyTo) {
    return reject(replyTo, goneRefusal());
  }

  private Refusal goneRefusal() {
    return Refusal.gone("knot " + knotId + " has dissolved");
  }

  private ReplyEffect<Event, State> reject(ActorRef<Reply> replyTo, Refusal refusal) {
    return Effect().reply(replyTo, new Rejected(refusal));
  }

  private KnotView viewOf(State state) {
    if (state instanceof Gone gone) {
      return viewOf(gone.knot(), true);
    }
    Standing knot = (Standing) state;
    return viewOf(knot, knot.dueToDissolveAt(clock.now()));
  }

  private static KnotView viewOf(Standing knot, boolean dissolved) {
    return new KnotView(
        knot.knotId(), knot.type(), knot.title(), knot.description(), knot.location(),
        knot.eventStart(), knot.eventEnd(), knot.createdBy(), knot.createdAt(), knot.lastThreadAt(),
        knot.threadIds().size(), knot.yarnThreadIds().size(), knot.connections(),
        knot.dissolvesAt(), dissolved);
  }

  // ---- validation

  static Optional<String> problemOf(Create command) {
    if (isBlank(command.createdBy())) {
      return Optional.of("createdBy must not be blank");
    }
    if (command.type() == null) {
      return Optional.of("type is required");
    }
    String title = command.title() == null ? "" : command.title().trim();
    if (title.isEmpty() || title.length() > MAX_TITLE) {
      return Optional.of(
          "title must have 1 to " + MAX_TITLE + " characters, got " + title.length());
    }
    if (command.description() != null && command.description().length() > MAX_DESCRIPTION) {
      return Optional.of(
          "description must have at most " + MAX_DESCRIPTION + " characters, got "
              + command.description().length());
    }
    if (command.location() == null) {
      return Optional.of("location is required");
    }
    Optional<String> offEarth = command.location().problem();
    if (offEarth.isPresent()) {
      return offEarth;
    }
    if (command.type() == Type.EVENT) {
      if (command.eventStart() == null || command.eventEnd() == null) {
        return Optional.of("an EVENT knot needs eventStart and eventEnd");
      }
      if (!command.eventStart().isBefore(command.eventEnd())) {
        return Optional.of(
            "eventStart must lie before eventEnd, got " + command.eventStart() + " and "
                + command.eventEnd());
      }
    } else if (command.eventStart() != null || command.eventEnd() != null) {
      return Optional.of("only an EVENT knot is dated; a " + command.type() + " knot takes no dates");
    }
    return Optional.empty();
  }

  private static Optional<String> firstBlank(String... namesAndValues) {
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (isBlank(namesAndValues[i + 1])) {
        return Optional.of(namesAndValues[i] + " must not be blank");
      }
    }
    return Optional.empty();
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  // ---- persistence settings

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder.forStateType(Untied.class).onEvent(Created.class, Knot::tied);
    builder
        .forStateType(Standing.class)
        .onEvent(ThreadLed.class, Standing::withThread)
        .onEvent(YarnAttached.class, (knot, attached) -> knot.withYarn(attached.threadId()))
        .onEvent(YarnDetached.class, (knot, detached) -> knot.withoutYarn(detached.threadId(), detached.at()))
        .onEvent(Dissolved.class, (knot, dissolved) -> new Gone(knot, dissolved.reason(), dissolved.at()));
    return builder.build();
  }

  private static State tied(Created created) {
    return new Standing(
        created.knotId(), created.createdBy(), created.type(), created.title(),
        created.description(), created.location(), created.eventStart(), created.eventEnd(),
        created.at(), created.at(), Set.of(), Map.of(), Set.of());
  }

  @Override
  public SignalHandler<State> signalHandler() {
    // A knot woken after a pause (rebalance, restart) picks its timer up again; one that should
    // have dissolved meanwhile gets a zero wait and dissolves at once.
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::scheduleDissolutionCheck)
        .build();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Tagging.tagsFor(ENTITY_KEY.name(), knotId);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
