package org.weltgewebe.actors;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
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
 * A proposal (Antrag) on a knot — or, with payout terms, on the knot's community account. It is
 * open for objections for {@link #OBJECTION_PERIOD}; without objection it passes. The first
 * objection extends the period by {@link #VOTING_EXTENSION} and puts the proposal to the vote; at
 * the deadline the votes are counted with the district's delegations ({@link VoteTally}) and the
 * proposal closes accepted (more yes than no) or rejected. An accepted payout is then paid from the
 * knot's account, once.
 *
 * <p>Deadlines are durable: they are in the events, and the proposal sets its timer (a
 * {@link CheckDeadline} to itself) after every event and after recovery, so a passivated, restarted
 * or rebalanced proposal picks it up when it wakes; the {@code DeadlineSweeper} wakes the overdue
 * ones that nobody asks for. Settling reads other entities ({@link ProposalLinks}) and so never
 * happens inside a command's handler: a command that arrives after the deadline is refused and
 * starts settlement.
 *
 * <p>Every command carries its {@code replyTo}, so each state refuses what it does not handle in
 * one place, and each command from outside knows what makes it invalid ({@code problem()}).
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

  /** Where a proposal stands. */
  public enum Phase { OBJECTABLE, VOTING, CLOSED }

  /** How a closed proposal ended. */
  public enum Outcome { PASSED_WITHOUT_OBJECTION, ACCEPTED, REJECTED }

  /** Where the payout of an accepted payout proposal stands. */
  public enum PayoutStatus { NONE, PENDING, PAID, REFUSED }

  // ---------------------------------------------------------------- protocol

  /** Everything a proposal understands; each command names who hears the answer. */
  public sealed interface Command extends WeaveSerializable
      permits Propose, RaiseObjection, Vote, Get, GetTally, CheckDeadline, GraphArrived, PayoutAnswered {
    ActorRef<Reply> replyTo();
  }

  /** Puts a proposal to the knot {@code knotId}; {@code payout} is null for a proposal without money. */
  public record Propose(
      String knotId, GeoPoint knotLocation, String proposedBy, String title, String text, Payout payout,
      ActorRef<Reply> replyTo)
      implements Command {

    /** What makes this proposal impossible to make, if anything. */
    Optional<String> problem() {
      if (Input.isBlank(knotId) || Input.isBlank(proposedBy)) {
        return Optional.of("knotId and proposedBy must not be blank");
      }
      if (knotLocation == null || knotLocation.problem().isPresent()) {
        return Optional.of("the knot's location is missing or off the globe");
      }
      return Input.stripped("title", title, MAX_TITLE)
          .or(() -> Input.atMost("text", text, MAX_TEXT))
          .or(() -> payout == null ? Optional.empty() : payout.problem());
    }

    /** The terms of the proposal {@code proposalId} this command makes at {@code now}. */
    Terms terms(String proposalId, Instant now) {
      return new Terms(proposalId, knotId, RegionCells.regionOf(knotLocation), knotLocation, proposedBy,
          title.strip(), text == null ? "" : text.strip(), payout, now);
    }
  }

  /** {@code roleId} objects: the proposal goes to the vote. */
  public record RaiseObjection(String roleId, ActorRef<Reply> replyTo) implements Command {

    Optional<String> problem() {
      return Input.blank("roleId", roleId);
    }
  }

  /** {@code roleId} votes; voting again replaces its vote. */
  public record Vote(String roleId, VoteTally.Choice choice, ActorRef<Reply> replyTo) implements Command {

    Optional<String> problem() {
      return Input.isBlank(roleId) || choice == null ? Optional.of("a vote needs a roleId and a choice") : Optional.empty();
    }
  }

  /** Reads the proposal. */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** Reads the final count of a closed proposal. */
  public record GetTally(ActorRef<Reply> replyTo) implements Command {}

  /**
   * Settles the proposal if its deadline has passed, or pays an accepted payout still owed, and
   * answers its view; the sweeper sends it, and so does the proposal's own timer.
   */
  public record CheckDeadline(ActorRef<Reply> replyTo) implements Command {}

  /** The district's delegations at the deadline arrived (or could not be read); nobody hears an answer. */
  record GraphArrived(Map<String, String> delegations, String failure, ActorRef<Reply> replyTo)
      implements Command {}

  /** The community account answered the payout; nobody hears an answer. */
  record PayoutAnswered(Refusal refusal, String failure, ActorRef<Reply> replyTo) implements Command {}

  /** The money an accepted payout proposal moves out of its knot's community account. */
  public record Payout(long amountCents, String recipientRoleId) implements WeaveSerializable {

    Optional<String> problem() {
      if (amountCents <= 0) {
        return Optional.of("a payout must move a positive amount, got " + amountCents + " cents");
      }
      return Input.isBlank(recipientRoleId) ? Optional.of("a payout needs a recipient role") : Optional.empty();
    }
  }

  /** What a proposal proposes, fixed when it is made. {@code cell} is its knot's region. */
  public record Terms(
      String proposalId, String knotId, String cell, GeoPoint knotLocation, String proposedBy, String title,
      String text, Payout payout, Instant proposedAt)
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
      String proposalId, String knotId, String cell, String proposedBy, String title, String text, Payout payout,
      Phase phase, Instant proposedAt, Instant deadline, String objectedBy, int votes, Outcome outcome,
      PayoutStatus payoutStatus, String payoutRefusal, Instant closedAt)
      implements Reply {}

  /** The final count of a closed proposal; empty for one that passed without objection. */
  public record TallyView(String proposalId, Outcome outcome, VoteTally tally, Instant closedAt) implements Reply {}

  /** The command was refused and nothing changed. */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---------------------------------------------------------------- state

  /** A proposal's state: not yet made, or made (open for objections, put to the vote, or closed). */
  public sealed interface State extends WeaveSerializable permits Unproposed, Made {}

  /** A proposal that was made: it can be shown. */
  public sealed interface Made extends State permits Objectable, Voting, Closed {
    ProposalView view();
  }

  /** No proposal under this id. */
  public record Unproposed() implements State {}

  /** Open for objections until {@code deadline}. */
  public record Objectable(Terms terms, Instant deadline) implements Made {

    @Override
    public ProposalView view() {
      return ProposalViews.of(this);
    }
  }

  /** Put to the vote by {@code objectedBy}, until {@code deadline}; the direct votes so far. */
  public record Voting(Terms terms, Instant deadline, String objectedBy, Map<String, VoteTally.Choice> votes)
      implements Made {
    public Voting {
      votes = Map.copyOf(votes);
    }

    Voting with(String roleId, VoteTally.Choice choice) {
      Map<String, VoteTally.Choice> changed = new HashMap<>(votes);
      changed.put(roleId, choice);
      return new Voting(terms, deadline, objectedBy, changed);
    }

    @Override
    public ProposalView view() {
      return ProposalViews.of(this);
    }
  }

  /** Closed: passed, accepted or rejected; with its tally when it was voted on. */
  public record Closed(
      Terms terms, Instant deadline, String objectedBy, Outcome outcome, VoteTally tally, Instant closedAt,
      PayoutStatus payoutStatus, String payoutRefusal)
      implements Made {

    /** How the proposal closed at {@code at}; a payout is owed unless it was rejected. */
    static Closed by(Terms terms, Instant deadline, String objectedBy, Outcome outcome, VoteTally tally, Instant at) {
      boolean owes = terms.payout() != null && outcome != Outcome.REJECTED;
      return new Closed(terms, deadline, objectedBy, outcome, tally, at,
          owes ? PayoutStatus.PENDING : PayoutStatus.NONE, null);
    }

    Closed withPayout(PayoutStatus status, String refusal) {
      return new Closed(terms, deadline, objectedBy, outcome, tally, closedAt, status, refusal);
    }

    @Override
    public ProposalView view() {
      return ProposalViews.of(this);
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
  private final ProposalSettlement settlement;

  private Proposal(
      String proposalId, WeaveClock clock, ProposalLinks links, ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    super(PersistenceId.of(ENTITY_KEY.name(), proposalId));
    this.proposalId = proposalId;
    this.clock = clock;
    this.settlement = new ProposalSettlement(proposalId, clock, links, context, timers);
  }

  @Override
  public State emptyState() {
    return new Unproposed();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unproposed.class)
        .onCommand(Propose.class, this::propose)
        .onCommand(Command.class, refuse(Refusal.notFound("proposal " + proposalId + " not found")));
    // What every proposal that was made answers alike; the states below refuse what is left.
    builder
        .forStateType(Made.class)
        .onCommand(Propose.class, conflict("already exists"))
        .onCommand(Get.class, this::show);
    builder
        .forStateType(Objectable.class)
        .onCommand(RaiseObjection.class, this::object)
        .onCommand(Vote.class, conflict("is not put to the vote: nobody has objected"))
        .onCommand(CheckDeadline.class, this::passIfDue)
        .onCommand(Command.class, conflict("is still open: its votes are counted at its deadline"));
    builder
        .forStateType(Voting.class)
        .onCommand(RaiseObjection.class, conflict("is already put to the vote; vote NO to oppose it"))
        .onCommand(Vote.class, this::vote)
        .onCommand(CheckDeadline.class, this::countIfDue)
        .onCommand(GraphArrived.class, this::tally)
        .onCommand(Command.class, conflict("is still open: its votes are counted at its deadline"));
    builder
        .forStateType(Closed.class)
        .onCommand(CheckDeadline.class, this::payIfOwed)
        .onCommand(PayoutAnswered.class, this::payoutAnswered)
        .onCommand(GetTally.class, this::showTally)
        .onCommand(Command.class, this::closed);
    return builder.build();
  }

  // ---- making, objecting, voting

  private ReplyEffect<Event, State> propose(Unproposed state, Propose command) {
    Optional<String> problem = command.problem();
    if (problem.isPresent()) {
      return reject(command, Refusal.invalid(problem.get()));
    }
    Instant now = clock.now();
    return persist(new Proposed(command.terms(proposalId, now), now.plus(OBJECTION_PERIOD)), command);
  }

  private ReplyEffect<Event, State> object(Objectable open, RaiseObjection command) {
    Instant now = clock.now();
    if (!now.isBefore(open.deadline())) {
      return lateCommand(command, open.deadline());
    }
    Optional<String> problem = command.problem();
    if (problem.isPresent()) {
      return reject(command, Refusal.invalid(problem.get()));
    }
    return persist(new Objected(command.roleId(), open.deadline().plus(VOTING_EXTENSION), now), command);
  }

  private ReplyEffect<Event, State> vote(Voting voting, Vote command) {
    Instant now = clock.now();
    if (!now.isBefore(voting.deadline())) {
      return lateCommand(command, voting.deadline());
    }
    Optional<String> problem = command.problem();
    if (problem.isPresent()) {
      return reject(command, Refusal.invalid(problem.get()));
    }
    if (voting.votes().get(command.roleId()) == command.choice()) {
      return show(voting, command);
    }
    return persist(new VoteCast(command.roleId(), command.choice(), now), command);
  }

  /** A command after the deadline: refused, and the settlement the deadline calls for is started. */
  private ReplyEffect<Event, State> lateCommand(Command command, Instant deadline) {
    settlement.wakeNow();
    return reject(command, Refusal.conflict("proposal " + proposalId + " closed for this at " + deadline));
  }

  // ---- settling

  private ReplyEffect<Event, State> passIfDue(Objectable open, CheckDeadline check) {
    if (clock.now().isBefore(open.deadline())) {
      return notYetDue(check);
    }
    return persist(new PassedWithoutObjection(clock.now()), check);
  }

  /** At the deadline the votes are counted with the delegations as they stood then, read first. */
  private ReplyEffect<Event, State> countIfDue(Voting voting, CheckDeadline check) {
    if (clock.now().isBefore(voting.deadline())) {
      return notYetDue(check);
    }
    settlement.readDelegations(voting);
    return show(voting, check);
  }

  private ReplyEffect<Event, State> tally(Voting voting, GraphArrived graph) {
    if (settlement.failed(graph.failure(), "cannot read the delegations yet")) {
      return Effect().noReply();
    }
    return persist(new Tallied(VoteTally.count(voting.votes(), graph.delegations()), clock.now()), graph);
  }

  private ReplyEffect<Event, State> payIfOwed(Closed closed, CheckDeadline check) {
    if (closed.payoutStatus() == PayoutStatus.PENDING) {
      settlement.payOut(closed);
    }
    return show(closed, check);
  }

  private ReplyEffect<Event, State> payoutAnswered(Closed closed, PayoutAnswered answer) {
    if (settlement.failed(answer.failure(), "the payout got no answer") || closed.payoutStatus() != PayoutStatus.PENDING) {
      return Effect().noReply();
    }
    Event event = answer.refusal() == null
        ? new PaidOut(clock.now())
        : new PayoutRefused(answer.refusal().reason(), clock.now());
    return persist(event, answer);
  }

  /** Woken before the deadline (by someone, by the capped timer or the clock's rounding): wait for the rest. */
  private ReplyEffect<Event, State> notYetDue(CheckDeadline check) {
    return Effect().none().thenRun(settlement::schedule).thenReply(check.replyTo(), this::answer);
  }

  // ---- answering

  private ReplyEffect<Event, State> show(Made proposal, Command command) {
    return Effect().reply(command.replyTo(), proposal.view());
  }

  private ReplyEffect<Event, State> showTally(Closed closed, GetTally query) {
    return Effect().reply(query.replyTo(), ProposalViews.tallyOf(closed));
  }

  private ReplyEffect<Event, State> closed(Closed closed, Command command) {
    return reject(command, Refusal.conflict(
        "proposal " + proposalId + " closed at " + closed.closedAt() + " (" + closed.outcome() + ")"));
  }

  /** A handler that refuses as a conflict: the proposal stands where the command cannot apply. */
  private <C extends Command> Function<C, ReplyEffect<Event, State>> conflict(String why) {
    return refuse(Refusal.conflict("proposal " + proposalId + " " + why));
  }

  private <C extends Command> Function<C, ReplyEffect<Event, State>> refuse(Refusal refusal) {
    return command -> reject(command, refusal);
  }

  private ReplyEffect<Event, State> reject(Command command, Refusal refusal) {
    return Effect().reply(command.replyTo(), new Rejected(refusal));
  }

  private ReplyEffect<Event, State> persist(Event event, Command command) {
    return Effect().persist(event).thenRun(settlement::schedule).thenReply(command.replyTo(), this::answer);
  }

  /** The proposal as it stands after an event, which always leaves it made. */
  private Reply answer(State state) {
    return state instanceof Made proposal
        ? proposal.view()
        : new Rejected(Refusal.notFound("proposal " + proposalId + " not found"));
  }

  // ---------------------------------------------------------------- events

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder.forStateType(Unproposed.class)
        .onEvent(Proposed.class, (none, made) -> new Objectable(made.terms(), made.deadline()));
    builder.forStateType(Objectable.class)
        .onEvent(Objected.class, (open, e) -> new Voting(open.terms(), e.deadline(), e.roleId(), Map.of()))
        .onEvent(PassedWithoutObjection.class, (open, e) -> Closed.by(open.terms(), open.deadline(), null,
            Outcome.PASSED_WITHOUT_OBJECTION, null, e.at()));
    builder.forStateType(Voting.class)
        .onEvent(VoteCast.class, (voting, e) -> voting.with(e.roleId(), e.choice()))
        .onEvent(Tallied.class, (voting, e) -> Closed.by(voting.terms(), voting.deadline(), voting.objectedBy(),
            e.tally().accepted() ? Outcome.ACCEPTED : Outcome.REJECTED, e.tally(), e.at()));
    builder.forStateType(Closed.class)
        .onEvent(PaidOut.class, (closed, e) -> closed.withPayout(PayoutStatus.PAID, null))
        .onEvent(PayoutRefused.class, (closed, e) -> closed.withPayout(PayoutStatus.REFUSED, e.reason()));
    return builder.build();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    // A proposal woken after a pause picks its deadline (or owed payout) up again; an overdue one
    // gets a zero wait and settles at once.
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), settlement::schedule)
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
