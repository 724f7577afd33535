package org.weltgewebe.actors;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The live picture of one map region, an H3 cell at {@link RegionCells#REGION_RESOLUTION}: the knots
 * that stand in it, the roles spinning there and the threads that lead to its knots, each with its
 * fade level. Map viewers read it from memory.
 *
 * <p>A region is not event-sourced: it is a view of other entities' events, fed {@link Update}s
 * that carry the {@link EventId} of the event they come from. It applies an update only when that
 * event is newer than the last one it applied from the same entity, so a replayed or repeated feed
 * changes nothing. Knots past their dissolution time and threads that have faded out leave the
 * picture when it is read, by the region's clock.
 *
 * <p>A busy region is read far more often than it changes (map viewers poll it; in S1's compressed
 * day its picture grows to hundreds of knots and about 200 KB of JSON), so a picture is built once
 * and answered again, the same {@link View} object, until an update arrives, a knot dissolves or
 * a thread fades out, {@link #REUSE_VIRTUAL} of the region's clock passes (fade levels move by a
 * thousandth) or {@link #REUSE_WALL} of real time passes. The view says when it was taken
 * ({@link View#at}); a reused one is exact as of then. Identical answers let the HTTP layer reuse
 * its serialised bytes too.
 */
public final class Region extends AbstractBehavior<Region.Command> {

  /** Sharding key of the region entities; the entity id is the H3 cell address. */
  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "region");

  /** How long a thread takes to fade out. */
  public static final Duration FADE_TIME = Duration.ofDays(7);

  /** The longest a picture is answered again by the region's clock: a thousandth of the fade time, about 10 minutes. */
  static final Duration REUSE_VIRTUAL = FADE_TIME.dividedBy(1000);

  /** The longest a picture is answered again in real time. */
  static final Duration REUSE_WALL = Duration.ofSeconds(1);

  /** Everything a region understands. */
  public sealed interface Command extends WeaveSerializable permits Update, GetView, Recovered {}

  /**
   * Where a region that starts (after a node failure, a rebalance or a restart) gets the picture it
   * had: the read models built from the event stream. Updates arriving meanwhile wait.
   */
  @FunctionalInterface
  public interface Recovery {
    CompletionStage<View> load(String cell);

    /** No recovery: the region starts empty (tests, nodes without the event stream). */
    static Recovery none() {
      return cell -> CompletableFuture.completedFuture(null);
    }
  }

  /** The picture loaded at start, or null when there was none or loading failed. */
  private record Recovered(View view, String failure) implements Command {}

  /** A change on the map, reported from an entity's persisted event. */
  public sealed interface Update extends Command
      permits KnotChanged, KnotGone, RoleSpinning, RoleResting, ThreadChanged {
    /** The event this update comes from. */
    EventId source();

    /** Where the change happened; its region is the one that applies it. */
    GeoPoint location();

    /** The region cell this update belongs to. */
    @JsonIgnore
    default String cell() {
      return RegionCells.regionOf(location());
    }
  }

  /** A knot appeared or changed; {@code dissolvesAt} is null while a yarn keeps it. */
  public record KnotChanged(
      EventId source, String knotId, String type, String title, GeoPoint location, Instant dissolvesAt)
      implements Update {}

  /** A knot dissolved. */
  public record KnotGone(EventId source, String knotId, GeoPoint location) implements Update {}

  /** A role logged in; {@code location} is its blurred public position. */
  public record RoleSpinning(EventId source, String roleId, String displayName, GeoPoint location)
      implements Update {}

  /** A role logged out. */
  public record RoleResting(EventId source, String roleId, GeoPoint location) implements Update {}

  /**
   * A thread to a knot in this region was spun, twisted or untwisted. It fades from
   * {@code fadeFrom} unless it is yarn; {@code location} is its knot's position.
   */
  public record ThreadChanged(
      EventId source,
      String threadId,
      String roleId,
      String knotId,
      String kind,
      GeoPoint location,
      Instant fadeFrom,
      boolean yarn)
      implements Update {}

  /** Asks for the region's picture as of now. */
  public record GetView(ActorRef<View> replyTo) implements Command {}

  /** The picture of a region at {@code at}. */
  public record View(
      String cell,
      Instant at,
      List<KnotEntry> knots,
      List<RoleEntry> spinningRoles,
      List<ThreadEntry> threads,
      long updatesApplied)
      implements WeaveSerializable {}

  /** A knot on the map; {@code dissolvesAt} is null while a yarn keeps it. */
  public record KnotEntry(
      String knotId, String type, String title, GeoPoint location, Instant dissolvesAt)
      implements WeaveSerializable {}

  /** A spinning role at its public position. */
  public record RoleEntry(String roleId, String displayName, GeoPoint location)
      implements WeaveSerializable {}

  /**
   * A thread to a knot here, at its knot's {@code location}: fade level 0 is fresh (or yarn), 1 is
   * gone; it fades from {@code fadeFrom}.
   */
  public record ThreadEntry(
      String threadId, String roleId, String knotId, String kind, GeoPoint location, Instant fadeFrom,
      boolean yarn, double fadeLevel)
      implements WeaveSerializable {}

  /** The fade level of a thread at {@code now}: 0 when fresh or yarn, rising to 1 over seven days. */
  public static double fadeLevel(Instant fadeFrom, boolean yarn, Instant now) {
    if (yarn) {
      return 0.0;
    }
    double age = Duration.between(fadeFrom, now).toMillis();
    return Math.max(0.0, Math.min(1.0, age / FADE_TIME.toMillis()));
  }

  /** A region for {@code cell}, reading time from {@code clock}, starting empty. */
  public static Behavior<Command> create(String cell, WeaveClock clock) {
    return Behaviors.setup(context -> new Region(context, cell, clock, new Recovered(null, null)));
  }

  /**
   * A region for {@code cell} that first loads its picture through {@code recovery}, keeping the
   * updates and queries that arrive meanwhile until it has.
   */
  public static Behavior<Command> create(String cell, WeaveClock clock, Recovery recovery) {
    return Behaviors.withStash(
        10_000, stash -> Behaviors.setup(context -> loading(context, stash, cell, clock, recovery)));
  }

  /** Until its picture has loaded, a region keeps every update and query for afterwards. */
  private static Behavior<Command> loading(
      ActorContext<Command> context, StashBuffer<Command> stash, String cell, WeaveClock clock, Recovery recovery) {
    context.pipeToSelf(
        recovery.load(cell), (view, failure) -> new Recovered(view, failure == null ? null : failure.toString()));
    return Behaviors.receive(Command.class)
        .onMessage(Recovered.class, recovered -> stash.unstashAll(new Region(context, cell, clock, recovered)))
        .onAnyMessage(message -> keep(stash, message))
        .build();
  }

  private static Behavior<Command> keep(StashBuffer<Command> stash, Command message) {
    stash.stash(message);
    return Behaviors.same();
  }

  private final String cell;
  private final WeaveClock clock;
  // The picture is confined to this actor and rebuilt from the feed, so plain maps are safe here.
  private final Map<String, Long> appliedUpTo = new HashMap<>();
  private final Map<String, KnotChanged> knots = new HashMap<>();
  private final Map<String, RoleSpinning> roles = new HashMap<>();
  private final Map<String, ThreadChanged> threads = new HashMap<>();
  private long updatesApplied;
  // The last picture built, while no update, dissolution or fading has changed it (see the class comment).
  private View lastView;
  private Instant lastViewValidUntil = Instant.MIN;
  private long lastViewNanos;

  private Region(ActorContext<Command> context, String cell, WeaveClock clock, Recovered recovered) {
    super(context);
    this.cell = cell;
    this.clock = clock;
    restore(recovered);
  }

  /** Takes over a recovered picture; entries carry no event identity, so any later update applies. */
  private void restore(Recovered recovered) {
    if (recovered.failure() != null) {
      getContext().getLog().warn("region {} starts empty: its picture could not be loaded ({})", cell, recovered.failure());
      return;
    }
    View view = recovered.view();
    if (view == null) {
      return;
    }
    EventId unknown = new EventId("recovered", 0);
    for (KnotEntry k : view.knots()) {
      knots.put(k.knotId(), new KnotChanged(unknown, k.knotId(), k.type(), k.title(), k.location(), k.dissolvesAt()));
    }
    for (RoleEntry r : view.spinningRoles()) {
      roles.put(r.roleId(), new RoleSpinning(unknown, r.roleId(), r.displayName(), r.location()));
    }
    for (ThreadEntry t : view.threads()) {
      threads.put(t.threadId(), new ThreadChanged(unknown, t.threadId(), t.roleId(), t.knotId(), t.kind(),
          t.location(), t.fadeFrom(), t.yarn()));
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(KnotChanged.class, u -> apply(u, () -> knots.put(u.knotId(), u)))
        .onMessage(KnotGone.class, u -> apply(u, () -> knots.remove(u.knotId())))
        .onMessage(RoleSpinning.class, u -> apply(u, () -> roles.put(u.roleId(), u)))
        .onMessage(RoleResting.class, u -> apply(u, () -> roles.remove(u.roleId())))
        .onMessage(ThreadChanged.class, u -> apply(u, () -> threads.put(u.threadId(), u)))
        .onMessage(GetView.class, this::onGetView)
        .onMessage(Recovered.class, recovered -> this)
        .build();
  }

  private Behavior<Command> apply(Update update, Runnable change) {
    if (!cell.equals(update.cell())) {
      getContext().getLog().warn("region {} ignores an update for region {}", cell, update.cell());
      return this;
    }
    EventId source = update.source();
    long applied = appliedUpTo.getOrDefault(source.persistenceId(), 0L);
    if (source.sequenceNr() <= applied) {
      return this;
    }
    appliedUpTo.put(source.persistenceId(), source.sequenceNr());
    change.run();
    updatesApplied++;
    return this;
  }

  private Behavior<Command> onGetView(GetView query) {
    Instant now = clock.now();
    if (lastView != null && lastView.updatesApplied() == updatesApplied && now.isBefore(lastViewValidUntil)
        && !now.isBefore(lastView.at()) && System.nanoTime() - lastViewNanos < REUSE_WALL.toNanos()) {
      query.replyTo().tell(lastView);
      return this;
    }
    knots.values().removeIf(k -> k.dissolvesAt() != null && !k.dissolvesAt().isAfter(now));
    threads.values().removeIf(t -> fadeLevel(t.fadeFrom(), t.yarn(), now) >= 1.0);

    List<KnotEntry> knotEntries = new ArrayList<>();
    for (KnotChanged k : knots.values()) {
      knotEntries.add(new KnotEntry(k.knotId(), k.type(), k.title(), k.location(), k.dissolvesAt()));
    }
    knotEntries.sort(Comparator.comparing(KnotEntry::knotId));
    List<RoleEntry> roleEntries = new ArrayList<>();
    for (RoleSpinning r : roles.values()) {
      roleEntries.add(new RoleEntry(r.roleId(), r.displayName(), r.location()));
    }
    roleEntries.sort(Comparator.comparing(RoleEntry::roleId));
    List<ThreadEntry> threadEntries = new ArrayList<>();
    for (ThreadChanged t : threads.values()) {
      threadEntries.add(
          new ThreadEntry(
              t.threadId(), t.roleId(), t.knotId(), t.kind(), t.location(), t.fadeFrom(), t.yarn(),
              fadeLevel(t.fadeFrom(), t.yarn(), now)));
    }
    threadEntries.sort(Comparator.comparing(ThreadEntry::threadId));
    lastView = new View(cell, now, List.copyOf(knotEntries), List.copyOf(roleEntries), List.copyOf(threadEntries), updatesApplied);
    lastViewValidUntil = nextChange(now);
    lastViewNanos = System.nanoTime();
    query.replyTo().tell(lastView);
    return this;
  }

  /**
   * Until when a picture taken at {@code now} stays exact but for fade levels: the first knot's
   * dissolution or thread's fading out after it, at most {@link #REUSE_VIRTUAL} later.
   */
  private Instant nextChange(Instant now) {
    Instant until = now.plus(REUSE_VIRTUAL);
    for (KnotChanged k : knots.values()) {
      if (k.dissolvesAt() != null && k.dissolvesAt().isBefore(until)) {
        until = k.dissolvesAt();
      }
    }
    for (ThreadChanged t : threads.values()) {
      if (!t.yarn() && t.fadeFrom().plus(FADE_TIME).isBefore(until)) {
        until = t.fadeFrom().plus(FADE_TIME);
      }
    }
    return until;
  }
}
