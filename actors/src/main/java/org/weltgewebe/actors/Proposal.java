package org.weltgewebe.actors;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A proposal (Antrag) on a knot — or, with payout terms, on the knot's community account. It is
 * open for objections for {@link #OBJECTION_PERIOD}; without objection it passes. The first
 * objection extends the period by {@link #VOTING_EXTENSION} and puts the proposal to the vote; at
 * the deadline the votes are counted with the district's delegations ({@link VoteTally}) and the
 * proposal closes accepted (more yes than no) or rejected. An accepted payout is then paid from the
 * knot's account, once.
 *
 * <p>Deadlines are durable: they are in the events, and the proposal schedules its own settlement
 * through the clock after every event and after recovery (so a passivated, restarted or rebalanced
 * proposal picks it up when it wakes); the {@code DeadlineSweeper} wakes the overdue ones that
 * nobody asks for. Settling reads other entities ({@link ProposalLinks}) and so never happens inside
 * a command's handler: a command that arrives after the deadline is refused and starts settlement.
 */
public final class Proposal
    extends EventSourcedBehaviorWithEnforcedReplies<Proposal.Command, Proposal.Event, Proposal.State> {

  /** Sharding key of the proposals; the entity id is the proposal id. */
  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "proposal");

  /** How long a new proposal is open for objections. */
  public static final Duration OBJECTION_PERIOD = Duration.ofDays(7);

  /** How much an objection extends the deadline, the time the vote runs. */
  public static final Duration VOTING_EXTENSION = Duration.ofDays(7);

  static final int MAX_TITLE = 120;
  static final int MAX_TEXT = 4000;

  private static final Duration MAX_TIMER_WAIT = Duration.ofHours(1);
  private static final Duration RETRY_AFTER = Duration.ofSeconds(5);
  private static final String SETTLE_TIMER = "settle";

  /** Where a proposal stands. */
  public enum Phase { OBJECTABLE, VOTING, CLOSED }

  /** How a closed proposal ended. */
  public enum Outcome { PASSED_WITHOUT_OBJECTION, ACCEPTED, REJECTED }

  /** Where the payout of an accepted payout proposal stands. */
  public enum PayoutStatus { NONE, PENDING, PAID, REFUSED }

  // ---------------------------------------------------------------- protocol

  /** Everything a proposal understands. */
  public sealed interface Command extends WeaveSerializable
      permits Propose, RaiseObjection, Vote, Get, GetTally, CheckDeadline, SettlementDue, GraphArrived, PayoutAnswered {}

  /** Puts a proposal to the knot {@code knotId}; {@code payout} is null for a proposal without money. */
  public record Propose(
      String knotId,
      GeoPoint knotLocation,
      String proposedBy,
      String title,
      String text,
      Payout payout,
      ActorRef<Reply> replyTo)
      implements Command {}

  /** {@code roleId} objects: the proposal goes to the vote. */
  public record RaiseObjection(String roleId, ActorRef<Reply> replyTo) implements Command {}

  /** {@code roleId} votes; voting again replaces its vote. */
  public record Vote(String roleId, VoteTally.Choice choice, ActorRef<Reply> replyTo) implements Command {}

  /** Reads the proposal. */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** Reads the final count of a closed proposal. */
  public record GetTally(ActorRef<Reply> replyTo) implements Command {}

  /** Settles the proposal if its deadline has passed (the sweeper's wake-up), and answers its view. */
  public record CheckDeadline(ActorRef<Reply> replyTo) implements Command {}

  /** The proposal's own timer: its deadline may have come. */
  private record SettlementDue() implements Command {}

  /** The district's delegations at the deadline arrived (or could not be read). */
  private record GraphArrived(Map<String, String> delegations, String failure) implements Command {}

  /** The community account answered the payout. */
  private record PayoutAnswered(Refusal refusal, String failure) implements Command {}

  /** The money an accepted payout proposal moves out of its knot's community account. */
  public record Payout(long amountCents, String recipientRoleId) implements WeaveSerializable {}

  /** What a proposal proposes, fixed when it is made. {@code cell} is its knot's region. */
  public record Terms(
      String proposalId,
      String knotId,
      String cell,
      GeoPoint knotLocation,
      String proposedBy,
      String title,
      String text,
      Payout payout,
      Instant proposedAt)
      implements WeaveSerializable {}

  /** What happened to a proposal. */
  public sealed interface Event extends WeaveSerializable
      permits Proposed, Objected, VoteCast, PassedWithoutObjection, Tallied, PaidOut, PayoutRefused {}

  /** The proposal was made; it is open for objections until {@code deadline}. */
  public record Proposed(Terms terms, Instant deadline) implements Event {}

  /** {@code roleId} objected; the proposal is put to the vote until {@code deadline}. */
  public record Objected(String roleId, Instant deadline, Instant at) implements Event {}

  /** {@code roleId} voted {@code choice}. */
  public record VoteCast(String roleId, VoteTally.Choice choice, Instant at) implements Event {}

  /** Nobody objected before the deadline: the proposal passed. */
  public record PassedWithoutObjection(Instant at) implements Event {}

  /** The votes were counted at the deadline. */
  public record Tallied(VoteTally tally, Instant at) implements Event {}

  /** The accepted payout left the community account. */
  public record PaidOut(Instant at) implements Event {}

  /** The community account refused the accepted payout (e.g. it holds too little). */
  public record PayoutRefused(String reason, Instant at) implements Event {}

  /** A proposal's answer. */
  public sealed interface Reply extends WeaveSerializable permits ProposalView, TallyView, Rejected {}

  /**
   * A proposal as seen now: {@code deadline} is when objections (or the vote) end; {@code votes} is
   * how many roles voted directly so far; {@code outcome}, {@code tally} and {@code closedAt} are
   * null until it closes.
   */
  public record ProposalView(
      String proposalId,
      String knotId,
      String cell,
      String proposedBy,
      String title,
      String text,
      Payout payout,
      Phase phase,
      Instant proposedAt,
      Instant deadline,
      String objectedBy,
      int votes,
      Outcome outcome,
      PayoutStatus payoutStatus,
      String payoutRefusal,
      Instant closedAt)
      implements Reply {}

  /** The final count of a closed proposal; empty for one that passed without objection. */
  public record TallyView(String proposalId, Outcome outcome, VoteTally tally, Instant closedAt) implements Reply {}

  /** The command was refused and nothing changed. */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---------------------------------------------------------------- state

  /** A proposal's state. */
  public sealed interface State extends WeaveSerializable permits Unproposed, Objectable, Voting, Closed {}

  /** No proposal under this id. */
  public record Unproposed() implements State {}

  /** Open for objections until {@code deadline}. */
  public record Objectable(Terms terms, Instant deadline) implements State {}

  /** Put to the vote by {@code objectedBy}, until {@code deadline}; the direct votes so far. */
  public record Voting(Terms terms, Instant deadline, String objectedBy, Map<String, VoteTally.Choice> votes)
      implements State {
    public Voting {
      votes = Map.copyOf(votes);
    }

    Voting with(String roleId, VoteTally.Choice choice) {
      Map<String, VoteTally.Choice> changed = new HashMap<>(votes);
      changed.put(roleId, choice);
      return new Voting(terms, deadline, objectedBy, changed);
    }
  }

  /** Closed: passed, accepted or rejected; with its tally when it was voted on. */
  public record Closed(
      Terms terms,
      Instant deadline,
      String objectedBy,
      Outcome outcome,
      VoteTally tally,
      Instant closedAt,
      PayoutStatus payoutStatus,
      String payoutRefusal)
      implements State {

    Closed withPayout(PayoutStatus status, String refusal) {
      return new Closed(terms, deadline, objectedBy, outcome, tally, closedAt, status, refusal);
    }
  }

  // ---------------------------------------------------------------- behaviour

  /** The proposal {@code proposalId}, reading time from {@code clock}, settling through {@code links}. */
  public static Behavior<Command> create(String proposalId, WeaveClock clock, ProposalLinks links) {
    return Behaviors.withTimers(
        timers -> Behaviors.setup(context -> new Proposal(proposalId, clock, links, context, timers)));
  }

  private final String proposalId;
  private final WeaveClock clock;
  private final ProposalLinks links;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  /** A settlement or payout is in flight; not state, because it does not survive the actor. */
  private boolean waiting;

  private Proposal(
      String proposalId,
      WeaveClock clock,
      ProposalLinks links,
      ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    super(PersistenceId.of(ENTITY_KEY.name(), proposalId));
    this.proposalId = proposalId;
    this.clock = clock;
    this.links = links;
    this.context = context;
    this.timers = timers;
  }

  @Override
  public State emptyState() {
    return new Unproposed();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unproposed.class)
        .onCommand(Propose.class, this::propose)
        .onCommand(SettlementDue.class, (state, due) -> Effect().noReply())
        .onCommand(GraphArrived.class, (state, graph) -> Effect().noReply())
        .onCommand(PayoutAnswered.class, (state, answer) -> Effect().noReply())
        .onCommand(Command.class, this::notFound);
    builder
        .forStateType(Objectable.class)
        .onCommand(RaiseObjection.class, this::object)
        .onCommand(Vote.class, (state, vote) -> refuse(vote.replyTo(),
            "proposal " + proposalId + " is not put to the vote: nobody has objected"))
        .onCommand(SettlementDue.class, this::passIfDue)
        .onCommand(CheckDeadline.class, this::checkObjectable)
        .onCommand(GraphArrived.class, (state, graph) -> Effect().noReply())
        .onCommand(PayoutAnswered.class, (state, answer) -> Effect().noReply());
    builder
        .forStateType(Voting.class)
        .onCommand(RaiseObjection.class, (state, object) -> refuse(object.replyTo(),
            "proposal " + proposalId + " is already put to the vote; vote NO to oppose it"))
        .onCommand(Vote.class, this::vote)
        .onCommand(SettlementDue.class, this::countIfDue)
        .onCommand(CheckDeadline.class, (state, check) -> {
          context.getSelf().tell(new SettlementDue());
          return Effect().reply(check.replyTo(), viewOf(state));
        })
        .onCommand(GraphArrived.class, this::tally)
        .onCommand(PayoutAnswered.class, (state, answer) -> Effect().noReply());
    builder
        .forStateType(Closed.class)
        .onCommand(RaiseObjection.class, (state, object) -> closedRefusal(object.replyTo(), state))
        .onCommand(Vote.class, (state, vote) -> closedRefusal(vote.replyTo(), state))
        .onCommand(CheckDeadline.class, (state, check) -> Effect().reply(check.replyTo(), viewOf(state)))
        .onCommand(SettlementDue.class, this::payIfPending)
        .onCommand(GraphArrived.class, (state, graph) -> Effect().noReply())
        .onCommand(PayoutAnswered.class, this::payoutAnswered);
    builder
        .forAnyState()
        .onCommand(Propose.class, (state, propose) -> refuse(propose.replyTo(),
            "proposal " + proposalId + " already exists"))
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), viewOf(state)))
        .onCommand(GetTally.class, this::tallyOf);
    return builder.build();
  }

  // ---- making and objecting

  private ReplyEffect<Event, State> propose(Unproposed state, Propose command) {
    Optional<String> problem = problemOf(command);
    if (problem.isPresent()) {
      return Effect().reply(command.replyTo(), new Rejected(Refusal.invalid(problem.get())));
    }
    Instant now = clock.now();
    Terms terms =
        new Terms(
            proposalId, command.knotId(), RegionCells.regionOf(command.knotLocation()), command.knotLocation(),
            command.proposedBy(), command.title().strip(), command.text() == null ? "" : command.text().strip(),
            command.payout(), now);
    return Effect()
        .persist(new Proposed(terms, now.plus(OBJECTION_PERIOD)))
        .thenRun(this::scheduleSettlement)
        .thenReply(command.replyTo(), this::viewOf);
  }

  static Optional<String> problemOf(Propose command) {
    if (isBlank(command.knotId()) || isBlank(command.proposedBy())) {
      return Optional.of("knotId and proposedBy must not be blank");
    }
    if (command.knotLocation() == null || command.knotLocation().problem().isPresent()) {
      return Optional.of("the knot's location is missing or off the globe");
    }
    String title = command.title() == null ? "" : command.title().strip();
    if (title.isEmpty() || title.length() > MAX_TITLE) {
      return Optional.of("title must have 1 to " + MAX_TITLE + " characters, got " + title.length());
    }
    if (command.text() != null && command.text().length() > MAX_TEXT) {
      return Optional.of("text must have at most " + MAX_TEXT + " characters, got " + command.text().length());
    }
    Payout payout = command.payout();
    if (payout != null) {
      if (payout.amountCents() <= 0) {
        return Optional.of("a payout must move a positive amount, got " + payout.amountCents() + " cents");
      }
      if (isBlank(payout.recipientRoleId())) {
        return Optional.of("a payout needs a recipient role");
      }
    }
    return Optional.empty();
  }

  private ReplyEffect<Event, State> object(Objectable state, RaiseObjection command) {
    Instant now = clock.now();
    if (!now.isBefore(state.deadline())) {
      return lateCommand(command.replyTo(), state.deadline());
    }
    if (isBlank(command.roleId())) {
      return Effect().reply(command.replyTo(), new Rejected(Refusal.invalid("roleId must not be blank")));
    }
    return Effect()
        .persist(new Objected(command.roleId(), state.deadline().plus(VOTING_EXTENSION), now))
        .thenRun(this::scheduleSettlement)
        .thenReply(command.replyTo(), this::viewOf);
  }

  private ReplyEffect<Event, State> vote(Voting state, Vote command) {
    Instant now = clock.now();
    if (!now.isBefore(state.deadline())) {
      return lateCommand(command.replyTo(), state.deadline());
    }
    if (isBlank(command.roleId()) || command.choice() == null) {
      return Effect().reply(command.replyTo(), new Rejected(Refusal.invalid("a vote needs a roleId and a choice")));
    }
    if (state.votes().get(command.roleId()) == command.choice()) {
      return Effect().reply(command.replyTo(), viewOf(state));
    }
    return Effect()
        .persist(new VoteCast(command.roleId(), command.choice(), now))
        .thenReply(command.replyTo(), this::viewOf);
  }

  /** A command after the deadline: refused, and the settlement the deadline calls for is started. */
  private ReplyEffect<Event, State> lateCommand(ActorRef<Reply> replyTo, Instant deadline) {
    context.getSelf().tell(new SettlementDue());
    return refuse(replyTo, "proposal " + proposalId + " closed for this at " + deadline);
  }

  // ---- settling

  private ReplyEffect<Event, State> passIfDue(Objectable state, SettlementDue due) {
    if (clock.now().isBefore(state.deadline())) {
      return Effect().none().thenRun(this::scheduleSettlement).thenNoReply();
    }
    return Effect()
        .persist(new PassedWithoutObjection(clock.now()))
        .thenRun(this::scheduleSettlement)
        .thenNoReply();
  }

  private ReplyEffect<Event, State> checkObjectable(Objectable state, CheckDeadline check) {
    if (clock.now().isBefore(state.deadline())) {
      return Effect().reply(check.replyTo(), viewOf(state));
    }
    return Effect()
        .persist(new PassedWithoutObjection(clock.now()))
        .thenRun(this::scheduleSettlement)
        .thenReply(check.replyTo(), this::viewOf);
  }

  private ReplyEffect<Event, State> countIfDue(Voting state, SettlementDue due) {
    if (clock.now().isBefore(state.deadline())) {
      return Effect().none().thenRun(this::scheduleSettlement).thenNoReply();
    }
    if (!waiting) {
      waiting = true;
      context.pipeToSelf(
          links.delegationsAt(state.terms().cell(), state.deadline()),
          (graph, failure) -> failure == null
              ? new GraphArrived(graph, null)
              : new GraphArrived(Map.of(), String.valueOf(failure.getMessage())));
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> tally(Voting state, GraphArrived graph) {
    waiting = false;
    if (graph.failure() != null) {
      context.getLog().warn("proposal {}: cannot read the delegations yet, retrying: {}", proposalId, graph.failure());
      timers.startSingleTimer(SETTLE_TIMER, new SettlementDue(), RETRY_AFTER);
      return Effect().noReply();
    }
    VoteTally tally = VoteTally.count(state.votes(), graph.delegations());
    return Effect()
        .persist(new Tallied(tally, clock.now()))
        .thenRun(this::scheduleSettlement)
        .thenNoReply();
  }

  private ReplyEffect<Event, State> payIfPending(Closed state, SettlementDue due) {
    if (state.payoutStatus() != PayoutStatus.PENDING || waiting) {
      return Effect().noReply();
    }
    waiting = true;
    Payout payout = state.terms().payout();
    context.pipeToSelf(
        links.payOut(state.terms().knotId(), proposalId, payout.amountCents(), payout.recipientRoleId()),
        (refusal, failure) -> failure == null
            ? new PayoutAnswered(refusal.orElse(null), null)
            : new PayoutAnswered(null, String.valueOf(failure.getMessage())));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> payoutAnswered(Closed state, PayoutAnswered answer) {
    waiting = false;
    if (state.payoutStatus() != PayoutStatus.PENDING) {
      return Effect().noReply();
    }
    if (answer.failure() != null) {
      context.getLog().warn("proposal {}: the payout got no answer, retrying: {}", proposalId, answer.failure());
      timers.startSingleTimer(SETTLE_TIMER, new SettlementDue(), RETRY_AFTER);
      return Effect().noReply();
    }
    Event event = answer.refusal() == null
        ? new PaidOut(clock.now())
        : new PayoutRefused(answer.refusal().reason(), clock.now());
    return Effect().persist(event).thenNoReply();
  }

  /**
   * Schedules the next settlement step: the deadline of an open proposal, or at once the payout of
   * an accepted one. The wait is capped, so a reconfigured clock never pins a wrong real-time guess.
   */
  private void scheduleSettlement(State state) {
    Optional<Duration> wait = Optional.empty();
    if (state instanceof Objectable open) {
      wait = clock.realTimeUntil(open.deadline());
    } else if (state instanceof Voting voting) {
      wait = clock.realTimeUntil(voting.deadline());
    } else if (state instanceof Closed closed && closed.payoutStatus() == PayoutStatus.PENDING) {
      wait = Optional.of(Duration.ZERO);
    }
    if (wait.isPresent()) {
      Duration capped = wait.get().compareTo(MAX_TIMER_WAIT) > 0 ? MAX_TIMER_WAIT : wait.get();
      timers.startSingleTimer(SETTLE_TIMER, new SettlementDue(), capped);
    } else {
      timers.cancel(SETTLE_TIMER);
    }
  }

  // ---- reading

  private ReplyEffect<Event, State> tallyOf(State state, GetTally query) {
    if (state instanceof Closed closed) {
      VoteTally tally = closed.tally() == null ? VoteTally.empty() : closed.tally();
      return Effect().reply(query.replyTo(), new TallyView(proposalId, closed.outcome(), tally, closed.closedAt()));
    }
    if (state instanceof Unproposed) {
      return notFound(state, query);
    }
    return refuse(query.replyTo(),
        "proposal " + proposalId + " is still open: its votes are counted at its deadline");
  }

  private Reply viewOf(State state) {
    if (state instanceof Objectable open) {
      return view(open.terms(), Phase.OBJECTABLE, open.deadline(), null, 0, null, null, null);
    }
    if (state instanceof Voting voting) {
      return view(voting.terms(), Phase.VOTING, voting.deadline(), voting.objectedBy(), voting.votes().size(),
          null, null, null);
    }
    if (state instanceof Closed closed) {
      int votes = closed.tally() == null
          ? 0
          : (int) closed.tally().counted().stream().filter(c -> c.through().isEmpty()).count();
      return view(closed.terms(), Phase.CLOSED, closed.deadline(), closed.objectedBy(), votes, closed.outcome(),
          closed, closed.closedAt());
    }
    return new Rejected(Refusal.notFound("proposal " + proposalId + " not found"));
  }

  private static ProposalView view(
      Terms t, Phase phase, Instant deadline, String objectedBy, int votes, Outcome outcome, Closed closed,
      Instant closedAt) {
    // Nothing is due before the proposal is accepted.
    PayoutStatus payout = closed != null ? closed.payoutStatus() : PayoutStatus.NONE;
    String refusal = closed != null ? closed.payoutRefusal() : null;
    return new ProposalView(
        t.proposalId(), t.knotId(), t.cell(), t.proposedBy(), t.title(), t.text(), t.payout(), phase,
        t.proposedAt(), deadline, objectedBy, votes, outcome, payout, refusal, closedAt);
  }

  private ReplyEffect<Event, State> notFound(State state, Command command) {
    return refuseAs(command, Refusal.notFound("proposal " + proposalId + " not found"));
  }

  private ReplyEffect<Event, State> refuseAs(Command command, Refusal refusal) {
    ActorRef<Reply> replyTo = replyToOf(command);
    return replyTo == null ? Effect().noReply() : Effect().reply(replyTo, new Rejected(refusal));
  }

  private static ActorRef<Reply> replyToOf(Command command) {
    if (command instanceof Propose c) {
      return c.replyTo();
    } else if (command instanceof RaiseObjection c) {
      return c.replyTo();
    } else if (command instanceof Vote c) {
      return c.replyTo();
    } else if (command instanceof Get c) {
      return c.replyTo();
    } else if (command instanceof GetTally c) {
      return c.replyTo();
    } else if (command instanceof CheckDeadline c) {
      return c.replyTo();
    }
    return null;
  }

  private ReplyEffect<Event, State> refuse(ActorRef<Reply> replyTo, String reason) {
    return Effect().reply(replyTo, new Rejected(Refusal.conflict(reason)));
  }

  private ReplyEffect<Event, State> closedRefusal(ActorRef<Reply> replyTo, Closed state) {
    return refuse(replyTo, "proposal " + proposalId + " closed at " + state.closedAt() + " ("
        + state.outcome() + ")");
  }

  private static boolean isBlank(String text) {
    return text == null || text.isBlank();
  }

  // ---------------------------------------------------------------- events

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder.forStateType(Unproposed.class)
        .onEvent(Proposed.class, (state, e) -> new Objectable(e.terms(), e.deadline()));
    builder.forStateType(Objectable.class)
        .onEvent(Objected.class, (state, e) -> new Voting(state.terms(), e.deadline(), e.roleId(), Map.of()))
        .onEvent(PassedWithoutObjection.class, (state, e) -> closed(state.terms(), state.deadline(), null,
            Outcome.PASSED_WITHOUT_OBJECTION, null, e.at()));
    builder.forStateType(Voting.class)
        .onEvent(VoteCast.class, (state, e) -> state.with(e.roleId(), e.choice()))
        .onEvent(Tallied.class, (state, e) -> closed(state.terms(), state.deadline(), state.objectedBy(),
            e.tally().accepted() ? Outcome.ACCEPTED : Outcome.REJECTED, e.tally(), e.at()));
    builder.forStateType(Closed.class)
        .onEvent(PaidOut.class, (state, e) -> state.withPayout(PayoutStatus.PAID, null))
        .onEvent(PayoutRefused.class, (state, e) -> state.withPayout(PayoutStatus.REFUSED, e.reason()));
    return builder.build();
  }

  private static Closed closed(
      Terms terms, Instant deadline, String objectedBy, Outcome outcome, VoteTally tally, Instant at) {
    boolean owes = terms.payout() != null && outcome != Outcome.REJECTED;
    return new Closed(terms, deadline, objectedBy, outcome, tally, at,
        owes ? PayoutStatus.PENDING : PayoutStatus.NONE, null);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    // A proposal woken after a pause picks its deadline (or pending payout) up again; an overdue one
    // gets a zero wait and settles at once.
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::scheduleSettlement)
        .build();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Tagging.tagsFor(ENTITY_KEY.name(), proposalId);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
