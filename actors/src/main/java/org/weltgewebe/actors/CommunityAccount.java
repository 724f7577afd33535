package org.weltgewebe.actors;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
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
 * The community account (Ortsgewebekonto) of one knot (entity id = the knot id): the money the
 * neighbourhood gives to what the knot stands for, and pays out only by its own decision. An account
 * per knot rather than per region because people give to a cause — the garden, the tool library —
 * and a payout proposal is made and decided where that cause is.
 *
 * <p>Every movement is exactly one event: a {@link Donated} (anonymous, or visible, in which case
 * the donor also spins a gold thread to the knot) or a {@link PaidOut} for an accepted payout
 * proposal, which only the proposal's settlement sends, once per proposal. The balance never goes
 * negative: a payout larger than the balance is refused. Amounts are whole euro cents.
 */
public final class CommunityAccount
    extends EventSourcedBehaviorWithEnforcedReplies<
        CommunityAccount.Command, CommunityAccount.Event, CommunityAccount.State> {

  /** Sharding key of the accounts; the entity id is the knot id. */
  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "account");

  /** The largest single donation, € 100,000, to keep typos and overflow out. */
  public static final long MAX_DONATION_CENTS = 10_000_000L;

  // ---------------------------------------------------------------- protocol

  /** Everything an account understands. */
  public sealed interface Command extends WeaveSerializable permits Donate, PayOut, Get {
    ActorRef<Reply> replyTo();
  }

  /**
   * {@code donorRoleId} gives {@code amountCents}; {@code visible} donations name the donor (and
   * become a gold thread), anonymous ones do not keep the donor at all. Repeating a donation id
   * changes nothing.
   */
  public record Donate(
      String donationId, String donorRoleId, long amountCents, boolean visible, ActorRef<Reply> replyTo)
      implements Command {}

  /** Pays {@code amountCents} to {@code recipientRoleId} for the accepted proposal {@code proposalId}. */
  public record PayOut(String proposalId, long amountCents, String recipientRoleId, ActorRef<Reply> replyTo)
      implements Command {}

  /** Reads the balance. */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** A movement of money: every event of an account is one. */
  public sealed interface Event extends WeaveSerializable permits Donated, PaidOut {
    /** The signed change of the balance in cents. */
    long delta();
  }

  /** Money came in; {@code donorRoleId} is null for an anonymous donation. */
  public record Donated(String donationId, String donorRoleId, long amountCents, Instant at) implements Event {
    @Override
    public long delta() {
      return amountCents;
    }
  }

  /** Money went out to {@code recipientRoleId}, as proposal {@code proposalId} decided. */
  public record PaidOut(String proposalId, String recipientRoleId, long amountCents, Instant at) implements Event {
    @Override
    public long delta() {
      return -amountCents;
    }
  }

  /** An account's answer. */
  public sealed interface Reply extends WeaveSerializable permits Balance, Rejected {}

  /** The account now: its balance and how many movements made it. */
  public record Balance(String knotId, long balanceCents, int movements, long donatedCents, long paidOutCents)
      implements Reply {}

  /** The command was refused and nothing changed. */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---------------------------------------------------------------- state

  /**
   * The balance and what it came from; the ids of past donations and payouts make repeats harmless.
   */
  public record State(
      long balanceCents, long donatedCents, long paidOutCents, int movements, Set<String> donationIds,
      Set<String> paidProposals)
      implements WeaveSerializable {
    public State {
      donationIds = Set.copyOf(donationIds);
      paidProposals = Set.copyOf(paidProposals);
    }

    State apply(Event event) {
      Set<String> donations = new HashSet<>(donationIds);
      Set<String> proposals = new HashSet<>(paidProposals);
      long donated = donatedCents;
      long paid = paidOutCents;
      if (event instanceof Donated d) {
        donations.add(d.donationId());
        donated += d.amountCents();
      } else if (event instanceof PaidOut p) {
        proposals.add(p.proposalId());
        paid += p.amountCents();
      }
      return new State(balanceCents + event.delta(), donated, paid, movements + 1, donations, proposals);
    }
  }

  // ---------------------------------------------------------------- behaviour

  /** The account of knot {@code knotId}, reading time from {@code clock}. */
  public static Behavior<Command> create(String knotId, WeaveClock clock) {
    return new CommunityAccount(knotId, clock);
  }

  private final String knotId;
  private final WeaveClock clock;

  private CommunityAccount(String knotId, WeaveClock clock) {
    super(PersistenceId.of(ENTITY_KEY.name(), knotId));
    this.knotId = knotId;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new State(0, 0, 0, 0, Set.of(), Set.of());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Donate.class, this::donate)
        .onCommand(PayOut.class, this::payOut)
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), balanceOf(state)))
        .build();
  }

  private ReplyEffect<Event, State> donate(State state, Donate command) {
    if (isBlank(command.donationId()) || isBlank(command.donorRoleId())) {
      return reject(command, Refusal.invalid("a donation needs an id and a donor"));
    }
    if (command.amountCents() <= 0 || command.amountCents() > MAX_DONATION_CENTS) {
      return reject(command, Refusal.invalid(
          "a donation must be 1 to " + MAX_DONATION_CENTS + " cents, got " + command.amountCents()));
    }
    if (state.donationIds().contains(command.donationId())) {
      return Effect().reply(command.replyTo(), balanceOf(state));
    }
    String donor = command.visible() ? command.donorRoleId() : null;
    return Effect()
        .persist(new Donated(command.donationId(), donor, command.amountCents(), clock.now()))
        .thenReply(command.replyTo(), this::balanceOf);
  }

  private ReplyEffect<Event, State> payOut(State state, PayOut command) {
    if (isBlank(command.proposalId()) || isBlank(command.recipientRoleId()) || command.amountCents() <= 0) {
      return reject(command, Refusal.invalid("a payout needs a proposal, a recipient and a positive amount"));
    }
    if (state.paidProposals().contains(command.proposalId())) {
      return Effect().reply(command.replyTo(), balanceOf(state));
    }
    if (command.amountCents() > state.balanceCents()) {
      return reject(command, Refusal.conflict(
          "the account of knot " + knotId + " holds " + state.balanceCents() + " cents, less than the "
              + command.amountCents() + " cents proposal " + command.proposalId() + " would pay out"));
    }
    return Effect()
        .persist(new PaidOut(command.proposalId(), command.recipientRoleId(), command.amountCents(), clock.now()))
        .thenReply(command.replyTo(), this::balanceOf);
  }

  private Balance balanceOf(State state) {
    return new Balance(knotId, state.balanceCents(), state.movements(), state.donatedCents(), state.paidOutCents());
  }

  private ReplyEffect<Event, State> reject(Command command, Refusal refusal) {
    return Effect().reply(command.replyTo(), new Rejected(refusal));
  }

  private static boolean isBlank(String text) {
    return text == null || text.isBlank();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
