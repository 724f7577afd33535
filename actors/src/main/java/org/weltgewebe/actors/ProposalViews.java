package org.weltgewebe.actors;

import java.time.Instant;
import org.weltgewebe.actors.Proposal.Closed;
import org.weltgewebe.actors.Proposal.Objectable;
import org.weltgewebe.actors.Proposal.Outcome;
import org.weltgewebe.actors.Proposal.PayoutStatus;
import org.weltgewebe.actors.Proposal.Phase;
import org.weltgewebe.actors.Proposal.ProposalView;
import org.weltgewebe.actors.Proposal.TallyView;
import org.weltgewebe.actors.Proposal.Terms;
import org.weltgewebe.actors.Proposal.Voting;

/** How a {@link Proposal} is shown in each of its states: its terms, where it stands, and how it ended. */
final class ProposalViews {
  private ProposalViews() {}

  static ProposalView of(Objectable open) {
    return view(open.terms(), Phase.OBJECTABLE, open.deadline(), null, 0, null, PayoutStatus.NONE, null, null);
  }

  static ProposalView of(Voting voting) {
    return view(voting.terms(), Phase.VOTING, voting.deadline(), voting.objectedBy(), voting.votes().size(), null,
        PayoutStatus.NONE, null, null);
  }

  /** A closed proposal; its direct votes are those in its tally that came through nobody. */
  static ProposalView of(Closed closed) {
    int direct = closed.tally() == null
        ? 0
        : (int) closed.tally().counted().stream().filter(counted -> counted.through().isEmpty()).count();
    return view(closed.terms(), Phase.CLOSED, closed.deadline(), closed.objectedBy(), direct, closed.outcome(),
        closed.payoutStatus(), closed.payoutRefusal(), closed.closedAt());
  }

  /** The final count; empty for a proposal that passed without objection. */
  static TallyView tallyOf(Closed closed) {
    VoteTally tally = closed.tally() == null ? VoteTally.empty() : closed.tally();
    return new TallyView(closed.terms().proposalId(), closed.outcome(), tally, closed.closedAt());
  }

  private static ProposalView view(
      Terms t, Phase phase, Instant deadline, String objectedBy, int votes, Outcome outcome, PayoutStatus payout,
      String payoutRefusal, Instant closedAt) {
    return new ProposalView(t.proposalId(), t.knotId(), t.cell(), t.proposedBy(), t.title(), t.text(), t.payout(),
        phase, t.proposedAt(), deadline, objectedBy, votes, outcome, payout, payoutRefusal, closedAt);
  }
}
