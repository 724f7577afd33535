package org.weltgewebe.actors;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
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
 * {@link CheckDissolution}, which its own timer also sends (scheduled after every event and after
 * recovery, through the clock's {@link WeaveClock#realTimeUntil}, so a compressed scenario clock
 * dissolves knots on its own while a {@link ManualClock} leaves the check to the test), and before
 * any write command, which then is refused as {@link Refusal.Kind#GONE}. A dissolved knot still
 * answers {@link Get} and {@link CheckDissolution}; everything else is refused as gone.
 *
 * <p>Every command carries its {@code replyTo}, so each state refuses what it does not handle in
 * one place, and each write command knows what makes it invalid ({@code problem()}).
 */
public final class Knot
    extends EventSourcedBehaviorWithEnforcedReplies<Knot.Command, Knot.Event, Knot.State> {

  /** Sharding key of the knot entities; the entity id is the knot id. */
  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "knot");

  /** How long a knot stays without threads (or after its dated event) before it dissolves. */
  public static final Duration DISSOLUTION_TIME = Duration.ofDays(7);

  static final int MAX_TITLE = 120;
  static final int MAX_DESCRIPTION = 4000;

  /** What a knot is; only {@link #EVENT} is dated. */
  public enum Type { IDEA, EVENT, FACILITY, TOOL, SLEEPING_PLACE, PARKING_PLACE, OTHER }

  /** How a role relates to a knot through a thread it led there. */
  public enum Connection { AGREE, INTEREST, REJECT, COMMIT, TAKE_RESPONSIBILITY }

  // ---- protocol

  /** Everything a knot understands; each command names who hears the answer. */
  public sealed interface Command extends WeaveSerializable
      permits Create, LeadThread, AttachYarn, DetachYarn, CheckDissolution, Get {
    ActorRef<Reply> replyTo();

    /** What makes this command unusable, if anything; a standing knot refuses it before anything else. */
    default Optional<String> problem() {
      return Optional.empty();
    }
  }

  /**
   * Ties the knot. {@code eventStart} and {@code eventEnd} are given for {@link Type#EVENT} only. A
   * null description counts as empty.
   */
  public record Create(
      String createdBy, Type type, String title, String description, GeoPoint location, Instant eventStart,
      Instant eventEnd, ActorRef<Reply> replyTo)
      implements Command {

    /** What makes this knot impossible to tie, if anything. */
    @Override
    public Optional<String> problem() {
      if (Input.isBlank(createdBy)) {
        return Optional.of("createdBy must not be blank");
      }
      if (type == null) {
        return Optional.of("type is required");
      }
      String trimmed = title == null ? "" : title.trim();
      if (trimmed.isEmpty() || trimmed.length() > MAX_TITLE) {
        return Optional.of("title must have 1 to " + MAX_TITLE + " characters, got " + trimmed.length());
      }
      return Input.atMost("description", description, MAX_DESCRIPTION)
          .or(() -> location == null ? Optional.of("location is required") : location.problem())
          .or(this::datesProblem);
    }

    /** The fact of tying the knot {@code knotId} at {@code at} as this command asks. */
    Created tying(String knotId, Instant at) {
      return new Created(knotId, createdBy, type, title.trim(), description == null ? "" : description, location,
          eventStart, eventEnd, at);
    }

    private Optional<String> datesProblem() {
      if (type != Type.EVENT) {
        return eventStart == null && eventEnd == null
            ? Optional.empty()
            : Optional.of("only an EVENT knot is dated; a " + type + " knot takes no dates");
      }
      if (eventStart == null || eventEnd == null) {
        return Optional.of("an EVENT knot needs eventStart and eventEnd");
      }
      if (!eventStart.isBefore(eventEnd)) {
        return Optional.of("eventStart must lie before eventEnd, got " + eventStart + " and " + eventEnd);
      }
      return Optional.empty();
    }
  }

  /**
   * Reports a thread a role spun to this knot. {@code connection} is null for a thread that is not
   * a connection, such as a conversation. Repeating a thread id changes nothing, so retries are safe.
   */
  public record LeadThread(
      String threadId, String roleId, String threadKind, Connection connection, ActorRef<Reply> replyTo)
      implements Command {

    @Override
    public Optional<String> problem() {
      return Input.blank("threadId", threadId)
          .or(() -> Input.blank("roleId", roleId))
          .or(() -> Input.blank("threadKind", threadKind));
    }
  }

  /** A thread led to this knot was twisted into yarn: the knot stays while it holds. */
  public record AttachYarn(String threadId, ActorRef<Reply> replyTo) implements Command {

    @Override
    public Optional<String> problem() {
      return Input.blank("threadId", threadId);
    }
  }

  /** A yarn to this knot was untwisted: it fades again from now. */
  public record DetachYarn(String threadId, ActorRef<Reply> replyTo) implements Command {

    @Override
    public Optional<String> problem() {
      return Input.blank("threadId", threadId);
    }
  }

  /** Dissolves the knot if its time has come, and answers its view either way; its timer sends it too. */
  public record CheckDissolution(ActorRef<Reply> replyTo) implements Command {}

  /** Reads the knot. */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** What happened to a knot. */
  public sealed interface Event extends WeaveSerializable
      permits Created, ThreadLed, YarnAttached, YarnDetached, Dissolved {}

  /** The knot was tied; this is also its creator's design thread for the dissolution rule. */
  public record Created(
      String knotId, String createdBy, Type type, String title, String description, GeoPoint location,
      Instant eventStart, Instant eventEnd, Instant at)
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
      String knotId, Type type, String title, String description, GeoPoint location, Instant eventStart,
      Instant eventEnd, String createdBy, Instant createdAt, Instant lastThreadAt, int threadCount, int yarnCount,
      Map<String, Connection> connections, Instant dissolvesAt, boolean dissolved)
      implements Reply {}

  /** The knot refused the command and changed nothing (except to record its own dissolution). */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---- state

  /** A knot's state: not yet tied, standing, or dissolved. */
  sealed interface State extends WeaveSerializable permits Untied, Tied {}

  /** A knot that was tied, standing or dissolved: it can be shown. */
  sealed interface Tied extends State permits Standing, Gone {
    KnotView viewAt(Instant now);
  }

  /** No knot has been tied under this id. */
  record Untied() implements State {}

  /**
   * A living knot: what it is (the fact of its tying), which threads and yarns lead to it, and when
   * the last came. Snapshots written before it held {@code tied} are reshaped by
   * {@link KnotSnapshotMigration}.
   */
  record Standing(
      Created tied, Instant lastThreadAt, Set<String> threadIds, Map<String, Connection> connections,
      Set<String> yarnThreadIds)
      implements Tied {

    /** When the knot dissolves unless another thread comes; null while a yarn holds it. */
    Instant dissolvesAt() {
      if (!yarnThreadIds.isEmpty()) {
        return null;
      }
      Instant eventEnd = tied.eventEnd();
      Instant quietSince = eventEnd != null && eventEnd.isAfter(lastThreadAt) ? eventEnd : lastThreadAt;
      return quietSince.plus(DISSOLUTION_TIME);
    }

    boolean dueToDissolveAt(Instant now) {
      Instant dissolvesAt = dissolvesAt();
      return dissolvesAt != null && !now.isBefore(dissolvesAt);
    }

    /** Shown as dissolved once its time has passed, even before the knot has written so. */
    @Override
    public KnotView viewAt(Instant now) {
      return view(dueToDissolveAt(now));
    }

    KnotView view(boolean dissolved) {
      return new KnotView(
          tied.knotId(), tied.type(), tied.title(), tied.description(), tied.location(), tied.eventStart(),
          tied.eventEnd(), tied.createdBy(), tied.at(), lastThreadAt, threadIds.size(), yarnThreadIds.size(),
          connections, dissolvesAt(), dissolved);
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
          tied, later(lastThreadAt, led.at()), Set.copyOf(threads), Map.copyOf(latest), yarnThreadIds);
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
      return new Standing(tied, lastThread, threadIds, connections, yarns);
    }

    private static Instant later(Instant a, Instant b) {
      return a.isAfter(b) ? a : b;
    }
  }

  /** A dissolved knot, kept so that it can still be read. */
  record Gone(Standing knot, String reason, Instant at) implements Tied {

    @Override
    public KnotView viewAt(Instant now) {
      return knot.view(true);
    }
  }

  // ---- behaviour

  /** A knot entity for {@code knotId}, reading time from {@code clock}. */
  public static Behavior<Command> create(String knotId, WeaveClock clock) {
    return Behaviors.withTimers(
        timers -> Behaviors.setup(context -> new Knot(knotId, clock, timers, context.getSystem().ignoreRef())));
  }

  private final String knotId;
  private final WeaveClock clock;
  private final DeadlineTimer<Command> timer;

  // The timer's own dissolution check is answered to nobody.
  private Knot(String knotId, WeaveClock clock, TimerScheduler<Command> timers, ActorRef<Reply> nobody) {
    super(PersistenceId.of(ENTITY_KEY.name(), knotId));
    this.knotId = knotId;
    this.clock = clock;
    this.timer = new DeadlineTimer<>(timers, clock, "dissolution", new CheckDissolution(nobody));
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
        .onCommand(Command.class, refuse(Refusal.notFound("knot " + knotId + " not found")));
    builder
        .forStateType(Gone.class)
        .onCommand(Get.class, this::show)
        .onCommand(CheckDissolution.class, this::show)
        .onCommand(Command.class, refuse(goneRefusal()));
    // The dissolution guard: a knot past its time dissolves before it does anything else. (The
    // builders are tried in this order; Pekko tests this predicate only on states left over.)
    builder
        .forState(Standing.class, knot -> knot.dueToDissolveAt(clock.now()))
        .onCommand(Get.class, this::show)
        .onCommand(CheckDissolution.class, this::dissolve)
        .onCommand(Command.class, this::dissolveAndRefuse);
    builder
        .forStateType(Standing.class)
        .onCommand(Create.class, refuse(Refusal.conflict("knot " + knotId + " already exists")))
        .onCommand(Knot::isInvalid, this::refuseInvalid)
        .onCommand(LeadThread.class, this::leadThread)
        .onCommand(AttachYarn.class, this::attachYarn)
        .onCommand(DetachYarn.class, this::detachYarn)
        .onCommand(CheckDissolution.class, this::notYetDue)
        .onCommand(Get.class, this::show);
    return builder.build();
  }

  private ReplyEffect<Event, State> create(Untied untied, Create command) {
    if (isInvalid(command)) {
      return refuseInvalid(command);
    }
    return persist(command.tying(knotId, clock.now()), command);
  }

  private ReplyEffect<Event, State> leadThread(Standing knot, LeadThread command) {
    if (knot.threadIds().contains(command.threadId())) {
      return show(knot, command);
    }
    return persist(
        new ThreadLed(command.threadId(), command.roleId(), command.threadKind(), command.connection(), clock.now()),
        command);
  }

  private ReplyEffect<Event, State> attachYarn(Standing knot, AttachYarn command) {
    if (!knot.threadIds().contains(command.threadId())) {
      return reject(command, Refusal.invalid("thread " + command.threadId() + " does not lead to knot " + knotId));
    }
    if (knot.yarnThreadIds().contains(command.threadId())) {
      return show(knot, command);
    }
    return persist(new YarnAttached(command.threadId(), clock.now()), command);
  }

  private ReplyEffect<Event, State> detachYarn(Standing knot, DetachYarn command) {
    if (!knot.yarnThreadIds().contains(command.threadId())) {
      return show(knot, command);
    }
    return persist(new YarnDetached(command.threadId(), clock.now()), command);
  }

  /** Woken early (by someone, by the capped timer or the clock's rounding): wait for the rest. */
  private ReplyEffect<Event, State> notYetDue(Standing knot, CheckDissolution command) {
    return Effect().none().thenRun(this::scheduleDissolutionCheck).thenReply(command.replyTo(), this::answer);
  }

  private ReplyEffect<Event, State> dissolve(Standing knot, CheckDissolution command) {
    return persist(dissolution(knot), command);
  }

  /**
   * A write command found the knot past its dissolution time. Persisting {@link Dissolved} here is
   * not a side effect of a refused command but the truth catching up: the knot is dissolved by its
   * rule whether or not anyone asked, and the refusal must agree with what the journal says.
   */
  private ReplyEffect<Event, State> dissolveAndRefuse(Standing knot, Command command) {
    return Effect()
        .persist(dissolution(knot))
        .thenRun(this::scheduleDissolutionCheck)
        .thenReply(command.replyTo(), gone -> new Rejected(goneRefusal()));
  }

  private Dissolved dissolution(Standing knot) {
    String reason =
        knot.tied().eventEnd() != null ? "dated event over and no thread for 7 days" : "no thread for 7 days";
    return new Dissolved(reason, clock.now());
  }

  private ReplyEffect<Event, State> show(Tied knot, Command command) {
    return Effect().reply(command.replyTo(), knot.viewAt(clock.now()));
  }

  private Refusal goneRefusal() {
    return Refusal.gone("knot " + knotId + " has dissolved");
  }

  private static boolean isInvalid(Command command) {
    return command.problem().isPresent();
  }

  private ReplyEffect<Event, State> refuseInvalid(Command command) {
    return reject(command, Refusal.invalid(command.problem().orElseThrow()));
  }

  /** A handler that refuses, whatever the command. */
  private <C extends Command> Function<C, ReplyEffect<Event, State>> refuse(Refusal refusal) {
    return command -> reject(command, refusal);
  }

  private ReplyEffect<Event, State> reject(Command command, Refusal refusal) {
    return Effect().reply(command.replyTo(), new Rejected(refusal));
  }

  private ReplyEffect<Event, State> persist(Event event, Command command) {
    return Effect().persist(event).thenRun(this::scheduleDissolutionCheck).thenReply(command.replyTo(), this::answer);
  }

  /** The knot as it stands after an event, which always leaves it tied. */
  private Reply answer(State state) {
    return state instanceof Tied knot
        ? knot.viewAt(clock.now())
        : new Rejected(Refusal.notFound("knot " + knotId + " not found"));
  }

  private void scheduleDissolutionCheck(State state) {
    if (state instanceof Standing knot && knot.dissolvesAt() != null) {
      timer.wakeAt(knot.dissolvesAt());
    } else {
      timer.cancel();
    }
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
    return new Standing(created, created.at(), Set.of(), Map.of(), Set.of());
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
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
