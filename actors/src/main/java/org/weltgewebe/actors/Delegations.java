package org.weltgewebe.actors;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The vote delegations of one region (entity id = H3 cell at resolution 7, a city district): who
 * lets whom vote for them on the proposals of knots in that district. Delegation is per region
 * rather than global because a neighbourhood's questions are best judged by someone who knows the
 * neighbourhood, and rather than per proposal because delegating is meant to save attention.
 *
 * <p>One entity holds the district's whole graph, so refusing a cycle is one atomic check: a
 * delegation that would lead back to its delegator is refused with the cycle spelt out. A role
 * delegates to one other role at a time; delegating again replaces the delegation. A delegation
 * ends on revocation, when either role leaves the weave, or {@link #EXPIRY} after the delegator's
 * last activity in the district (delegating, voting or objecting there, or logging in while living
 * there); expiry needs no event: a delegation is simply not valid at a moment past it.
 */
public final class Delegations
    extends EventSourcedBehaviorWithEnforcedReplies<Delegations.Command, Delegations.Event, Delegations.State> {

  /** Sharding key of the delegation graphs; the entity id is the region cell. */
  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "delegations");

  /** A delegation ends this long after its delegator's last activity in the district. */
  public static final Duration EXPIRY = Duration.ofDays(28);

  /** Activity is written at most this often per delegator, so logins do not flood the journal. */
  static final Duration ACTIVITY_GRANULARITY = Duration.ofDays(1);

  // ---------------------------------------------------------------- protocol

  /** Everything a delegation graph understands; every command is answered. */
  public sealed interface Command extends WeaveSerializable
      permits Delegate, Revoke, NoteActivity, EndAllOf, GetGraph {
    ActorRef<Reply> replyTo();
  }

  /** {@code from} lets {@code to} vote for it in this district from now on. */
  public record Delegate(String from, String to, ActorRef<Reply> replyTo) implements Command {}

  /** {@code from} takes its vote back. */
  public record Revoke(String from, ActorRef<Reply> replyTo) implements Command {}

  /** {@code roleId} was active in the district (voted, objected, logged in): its delegation lives on. */
  public record NoteActivity(String roleId, ActorRef<Reply> replyTo) implements Command {}

  /** {@code roleId} left the weave: its delegation and every delegation to it end. */
  public record EndAllOf(String roleId, ActorRef<Reply> replyTo) implements Command {}

  /** Asks for the delegations valid at {@code at}. */
  public record GetGraph(Instant at, ActorRef<Reply> replyTo) implements Command {}

  /** What happened to the graph. */
  public sealed interface Event extends WeaveSerializable permits Delegated, Revoked, ActivityNoted {}

  /** {@code from} delegated to {@code to}; this is also activity of {@code from}. */
  public record Delegated(String from, String to, Instant at) implements Event {}

  /** {@code from}'s delegation ended ({@code reason}: revoked, left, delegate left). */
  public record Revoked(String from, String reason, Instant at) implements Event {}

  /** {@code roleId} was active in the district. */
  public record ActivityNoted(String roleId, Instant at) implements Event {}

  /** A graph's answer. */
  public sealed interface Reply extends WeaveSerializable permits Graph, Rejected {}

  /**
   * The delegations valid at {@code at}, delegator → delegate, in delegator order, and when each
   * ends unless its delegator is active again.
   */
  public record Graph(String cell, Instant at, Map<String, String> delegations, Map<String, Instant> endsAt)
      implements Reply {
    public Graph {
      delegations = java.util.Collections.unmodifiableMap(new TreeMap<>(delegations));
      endsAt = java.util.Collections.unmodifiableMap(new TreeMap<>(endsAt));
    }
  }

  /** The command was refused and nothing changed. */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---------------------------------------------------------------- state

  /** One delegation: to whom, and when its delegator was last active here. */
  public record Edge(String to, Instant since, Instant lastActiveAt) implements WeaveSerializable {
    /**
     * Made by {@code at} and not yet expired then. A proposal settles a little after its deadline
     * and asks for the graph at the deadline: a delegation made in between does not count.
     */
    boolean validAt(Instant at) {
      return !since.isAfter(at) && lastActiveAt.plus(EXPIRY).isAfter(at);
    }
  }

  /** The district's delegations by delegator. */
  public record State(Map<String, Edge> edges) implements WeaveSerializable {
    public State {
      edges = Map.copyOf(edges);
    }

    State with(String from, Edge edge) {
      Map<String, Edge> changed = new HashMap<>(edges);
      changed.put(from, edge);
      return new State(changed);
    }

    State without(String from) {
      Map<String, Edge> changed = new HashMap<>(edges);
      changed.remove(from);
      return new State(changed);
    }

    Map<String, String> validAt(Instant at) {
      Map<String, String> valid = new TreeMap<>();
      edges.forEach((from, edge) -> {
        if (edge.validAt(at)) {
          valid.put(from, edge.to());
        }
      });
      return valid;
    }
  }

  // ---------------------------------------------------------------- behaviour

  /** The delegations of region {@code cell}, reading time from {@code clock}. */
  public static Behavior<Command> create(String cell, WeaveClock clock) {
    return new Delegations(cell, clock);
  }

  private final String cell;
  private final WeaveClock clock;

  private Delegations(String cell, WeaveClock clock) {
    super(PersistenceId.of(ENTITY_KEY.name(), cell));
    this.cell = cell;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new State(Map.of());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Delegate.class, this::delegate)
        .onCommand(Revoke.class, this::revoke)
        .onCommand(NoteActivity.class, this::noteActivity)
        .onCommand(EndAllOf.class, this::endAllOf)
        .onCommand(GetGraph.class, (state, query) -> Effect().reply(query.replyTo(), graphAt(state, query.at())))
        .build();
  }

  private ReplyEffect<Event, State> delegate(State state, Delegate command) {
    if (isBlank(command.from()) || isBlank(command.to())) {
      return reject(command, Refusal.invalid("delegator and delegate must not be blank"));
    }
    Instant now = clock.now();
    List<String> cycle = cycleThrough(state.validAt(now), command.from(), command.to());
    if (!cycle.isEmpty()) {
      return reject(
          command,
          Refusal.conflict(
              "delegating from " + command.from() + " to " + command.to() + " would close a cycle: "
                  + String.join(" → ", cycle)));
    }
    return Effect()
        .persist(new Delegated(command.from(), command.to(), now))
        .thenReply(command.replyTo(), after -> graphAt(after, now));
  }

  /**
   * The cycle a delegation {@code from → to} would close, as the chain of roles from {@code from}
   * back to itself; empty when there is none. Follows the valid delegations from {@code to}; each
   * role has one outgoing delegation, so the walk is a path and ends within the graph's size.
   */
  static List<String> cycleThrough(Map<String, String> valid, String from, String to) {
    List<String> chain = new ArrayList<>(List.of(from));
    Set<String> passed = new HashSet<>(Set.of(from));
    String current = to;
    while (current != null) {
      chain.add(current);
      if (current.equals(from)) {
        return chain;
      }
      if (!passed.add(current)) {
        return List.of(); // a loop that does not pass the delegator: not this delegation's cycle
      }
      current = valid.get(current);
    }
    return List.of();
  }

  private ReplyEffect<Event, State> revoke(State state, Revoke command) {
    Instant now = clock.now();
    if (!state.edges().containsKey(command.from())) {
      return Effect().reply(command.replyTo(), graphAt(state, now));
    }
    return Effect()
        .persist(new Revoked(command.from(), "revoked", now))
        .thenReply(command.replyTo(), after -> graphAt(after, now));
  }

  private ReplyEffect<Event, State> noteActivity(State state, NoteActivity command) {
    Instant now = clock.now();
    Edge edge = state.edges().get(command.roleId());
    if (edge == null || !edge.validAt(now) || edge.lastActiveAt().plus(ACTIVITY_GRANULARITY).isAfter(now)) {
      // Nothing to keep alive, already expired (a new delegation is needed), or noted recently.
      return Effect().reply(command.replyTo(), graphAt(state, now));
    }
    return Effect()
        .persist(new ActivityNoted(command.roleId(), now))
        .thenReply(command.replyTo(), after -> graphAt(after, now));
  }

  private ReplyEffect<Event, State> endAllOf(State state, EndAllOf command) {
    Instant now = clock.now();
    List<Event> ended = new ArrayList<>();
    new TreeMap<>(state.edges()).forEach((from, edge) -> {
      if (from.equals(command.roleId())) {
        ended.add(new Revoked(from, "left the weave", now));
      } else if (edge.to().equals(command.roleId())) {
        ended.add(new Revoked(from, "delegate left the weave", now));
      }
    });
    if (ended.isEmpty()) {
      return Effect().reply(command.replyTo(), graphAt(state, now));
    }
    return Effect().persist(ended).thenReply(command.replyTo(), after -> graphAt(after, now));
  }

  private Graph graphAt(State state, Instant at) {
    Map<String, String> valid = state.validAt(at);
    Map<String, Instant> endsAt = new TreeMap<>();
    valid.keySet().forEach(from -> endsAt.put(from, state.edges().get(from).lastActiveAt().plus(EXPIRY)));
    return new Graph(cell, at, valid, endsAt);
  }

  private ReplyEffect<Event, State> reject(Command command, Refusal refusal) {
    return Effect().reply(command.replyTo(), new Rejected(refusal));
  }

  private static boolean isBlank(String text) {
    return text == null || text.isBlank();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Delegated.class, (state, e) -> state.with(e.from(), new Edge(e.to(), e.at(), e.at())))
        .onEvent(Revoked.class, (state, e) -> state.without(e.from()))
        .onEvent(ActivityNoted.class, (state, e) -> {
          Edge edge = state.edges().get(e.roleId());
          return edge == null ? state : state.with(e.roleId(), new Edge(edge.to(), edge.since(), e.at()));
        })
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
