package org.weltgewebe.cluster.load;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;
import org.weltgewebe.actors.CommunityAccount;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.Delegations;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Proposal;
import org.weltgewebe.actors.Region;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveClock;
import org.weltgewebe.actors.VoteTally;
import org.weltgewebe.actors.WeaveThread;
import org.weltgewebe.cluster.load.session.Answer;
import org.weltgewebe.cluster.load.session.Move;
import org.weltgewebe.cluster.load.session.MoveInterpreter;
import org.weltgewebe.cluster.load.session.Moves;
import org.weltgewebe.cluster.load.session.SessionStep;

/**
 * The in-cluster driver's interpreter: a session's moves as commands to the entities, through
 * {@link Weave} (no HTTP in between), and the entities' replies as {@link Answer}s. Ids of what a
 * move creates are made here, as the HTTP routes make them. A chat is one post per move (the driver
 * sends as many as a chat has messages); tiles, feeds and search have no command.
 */
public final class CommandMoves implements MoveInterpreter<CompletionStage<Answer>> {
  private final Weave weave;
  private final WeaveClock clock;

  /** Sends moves through {@code weave}; a delegation list is read at {@code clock}'s now. */
  public CommandMoves(Weave weave, WeaveClock clock) {
    this.weave = weave;
    this.clock = clock;
  }

  @Override
  public boolean sends(SessionStep step) {
    return step != SessionStep.SEARCH && step != SessionStep.TILE && step != SessionStep.REGION_FEED
        && step != SessionStep.CONVERSATION_FEED;
  }

  @Override
  public CompletionStage<Answer> send(Move move) {
    String roleId = move.user().id();
    switch (move.step()) {
      case REGISTER: {
        String id = Weave.newId();
        int index = move.user().index();
        return answer(weave.register(id, "Rolle " + index, "Hof " + index, move.location()), r -> r instanceof Role.Rejected, r -> id);
      }
      case LOGIN:
        return answer(weave.login(roleId), r -> r instanceof Role.Rejected, r -> null);
      case LOGOUT:
        return answer(weave.logout(roleId), r -> r instanceof Role.Rejected, r -> null);
      case REGION_VIEW:
      case KNOT_LIST:
        return weave.regionView(move.cell()).thenApply(view -> view == null ? Answer.done()
            : new Answer(Answer.Outcome.DONE, null, null, null, null, view.knots().stream().map(Region.KnotEntry::knotId).toList()));
      case KNOT_READ:
        return answer(weave.getKnot(move.target()), r -> r instanceof Knot.Rejected, r -> null);
      case PROFILE_READ:
        return answer(weave.profile(move.target()), r -> r instanceof Role.Rejected, r -> null);
      case CONVERSATION_READ:
        return answer(weave.readConversation(move.target(), 0, 20), r -> r instanceof Conversation.Rejected, r -> null);
      case CONNECT:
        return answer(weave.connect(Weave.newId(), move.target(), roleId, WeaveThread.Kind.VOTE, Knot.Connection.valueOf(move.detail())),
            o -> o.refusal() != null, o -> o.thread() == null ? null : o.thread().threadId());
      case POST:
      case CHAT:
        return answer(weave.post(move.target(), Weave.newId(), roleId, Moves.MESSAGE), r -> r instanceof Conversation.Rejected, r -> null);
      case CREATE_KNOT: {
        String knotId = Weave.newId();
        return weave.createKnot(knotId, Weave.newId(), roleId, Knot.Type.valueOf(move.detail()), Moves.KNOT_TITLE + move.amount(),
                Moves.KNOT_DESCRIPTION, move.location(), null, null)
            .thenApply(reply -> reply instanceof Knot.KnotView view
                // the knot stands in the region of its location, which may be a neighbour of the cell
                ? new Answer(Answer.Outcome.DONE, knotId, null, null, RegionCells.regionOf(view.location()), List.of())
                : reply instanceof Knot.Rejected ? Answer.refused() : Answer.done());
      }
      case START_CONVERSATION: {
        String conversationId = Weave.newId();
        return answer(weave.startConversation(conversationId, Weave.newId(), move.target(), roleId, Moves.CONVERSATION_TITLE,
            Moves.CONVERSATION_TEXT), r -> r instanceof Conversation.Rejected, r -> conversationId);
      }
      case TWIST:
        return answer(weave.twist(move.target(), roleId), o -> o.refusal() != null, o -> null);
      case UNTWIST:
        return answer(weave.untwist(move.target(), roleId), o -> o.refusal() != null, o -> null);
      case PROFILE_UPDATE:
        return answer(weave.updateProfile(roleId, Moves.GOODS, Moves.SKILLS), r -> r instanceof Role.Rejected, r -> null);
      case PROPOSE:
      case PROPOSE_PAYOUT: {
        Proposal.Payout payout = move.step() == SessionStep.PROPOSE_PAYOUT ? new Proposal.Payout(move.amount(), roleId) : null;
        return proposal(weave.propose(Weave.newId(), move.target(), roleId, Moves.PROPOSAL_TITLE, Moves.PROPOSAL_TEXT, payout));
      }
      case OBJECT:
        return proposal(weave.object(move.target(), roleId));
      case VOTE:
        return proposal(weave.vote(move.target(), roleId, VoteTally.Choice.valueOf(move.detail())));
      case PROPOSAL_READ:
        return proposal(weave.proposal(move.target()));
      case TALLY_READ:
        return answer(weave.tally(move.target()), r -> r instanceof Proposal.Rejected, r -> null);
      case DELEGATE:
        return answer(weave.delegate(move.cell(), roleId, move.target()), r -> r instanceof Delegations.Rejected, r -> null);
      case REVOKE_DELEGATION:
        return answer(weave.revokeDelegation(move.cell(), roleId), r -> r instanceof Delegations.Rejected, r -> null);
      case DELEGATIONS_READ:
        return answer(weave.delegations(move.cell(), clock.now()), r -> r instanceof Delegations.Rejected, r -> null);
      case DONATE:
      case DONATE_ANONYMOUS:
        return answer(weave.donate(move.target(), Weave.newId(), roleId, move.amount(), move.step() == SessionStep.DONATE),
            r -> r instanceof CommunityAccount.Rejected, r -> null);
      case ACCOUNT_READ:
        return answer(weave.account(move.target()), r -> r instanceof CommunityAccount.Rejected, r -> null);
      case LEAVE:
        return answer(weave.leave(roleId), r -> r instanceof Role.Rejected, r -> null);
      default:
        return CompletableFuture.completedFuture(Answer.none());
    }
  }

  private static CompletionStage<Answer> proposal(CompletionStage<Proposal.Reply> sent) {
    return sent.thenApply(reply -> reply instanceof Proposal.ProposalView view
        ? new Answer(Answer.Outcome.DONE, view.proposalId(), null, view.phase().name(), null, List.of())
        : reply instanceof Proposal.Rejected ? Answer.refused() : Answer.done());
  }

  private static <T> CompletionStage<Answer> answer(CompletionStage<T> sent, Predicate<T> refused, Function<T, String> id) {
    return sent.thenApply(reply -> refused.test(reply) ? Answer.refused() : Answer.done(id.apply(reply)));
  }
}
