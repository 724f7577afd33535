package org.weltgewebe.actors;

import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.weltgewebe.actors.Proposal.CheckDeadline;
import org.weltgewebe.actors.Proposal.Closed;
import org.weltgewebe.actors.Proposal.Command;
import org.weltgewebe.actors.Proposal.GraphArrived;
import org.weltgewebe.actors.Proposal.Objectable;
import org.weltgewebe.actors.Proposal.PayoutAnswered;
import org.weltgewebe.actors.Proposal.PayoutStatus;
import org.weltgewebe.actors.Proposal.Reply;
import org.weltgewebe.actors.Proposal.State;
import org.weltgewebe.actors.Proposal.Voting;

/**
 * How a {@link Proposal} settles on its own: the timer that wakes it at its deadline (or at once
 * for an owed payout), the reads of other entities ({@link ProposalLinks}) whose answers come back
 * to it as messages, and their retry. The proposal decides what settling means; this only gets it
 * woken and answered.
 *
 * <p>At most one read is in flight; that is not state, because it does not survive the actor.
 */
final class ProposalSettlement {
  private static final Duration RETRY_AFTER = Duration.ofSeconds(5);

  private final String proposalId;
  private final ProposalLinks links;
  private final ActorContext<Command> context;
  private final DeadlineTimer<Command> timer;
  // Who hears the answer to the proposal's own messages: nobody.
  private final ActorRef<Reply> nobody;
  private boolean reading;

  ProposalSettlement(
      String proposalId, WeaveClock clock, ProposalLinks links, ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    this.proposalId = proposalId;
    this.links = links;
    this.context = context;
    this.nobody = context.getSystem().ignoreRef();
    this.timer = new DeadlineTimer<>(timers, clock, "settle", new CheckDeadline(nobody));
  }

  /** Sets the timer for the next step: an open proposal's deadline, or at once an owed payout. */
  void schedule(State state) {
    if (state instanceof Objectable open) {
      timer.wakeAt(open.deadline());
    } else if (state instanceof Voting voting) {
      timer.wakeAt(voting.deadline());
    } else if (state instanceof Closed closed && closed.payoutStatus() == PayoutStatus.PENDING) {
      timer.wakeIn(Duration.ZERO);
    } else {
      timer.cancel();
    }
  }

  /** The proposal checks its deadline now, after the command at hand. */
  void wakeNow() {
    context.getSelf().tell(new CheckDeadline(nobody));
  }

  /** Reads the district's delegations as they stood at the vote's deadline: {@link GraphArrived}. */
  void readDelegations(Voting voting) {
    if (!reading) {
      reading = true;
      context.pipeToSelf(
          links.delegationsAt(voting.terms().cell(), voting.deadline()),
          (graph, failure) -> failure == null
              ? new GraphArrived(graph, null, nobody)
              : new GraphArrived(Map.of(), String.valueOf(failure.getMessage()), nobody));
    }
  }

  /** Asks the knot's community account to pay the closed proposal's payout: {@link PayoutAnswered}. */
  void payOut(Closed closed) {
    if (!reading) {
      reading = true;
      Proposal.Payout payout = closed.terms().payout();
      context.pipeToSelf(
          links.payOut(closed.terms().knotId(), proposalId, payout.amountCents(), payout.recipientRoleId()),
          (refusal, failure) -> failure == null
              ? new PayoutAnswered(refusal.orElse(null), null, nobody)
              : new PayoutAnswered(null, String.valueOf(failure.getMessage()), nobody));
    }
  }

  /** An answer came; true when it is a {@code failure}, which is logged as {@code what} and retried. */
  boolean failed(String failure, String what) {
    reading = false;
    if (failure == null) {
      return false;
    }
    context.getLog().warn("proposal {}: {}, retrying: {}", proposalId, what, failure);
    timer.wakeIn(RETRY_AFTER);
    return true;
  }
}
