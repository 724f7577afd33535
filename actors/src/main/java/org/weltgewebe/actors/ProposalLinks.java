package org.weltgewebe.actors;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What a {@link Proposal} needs from other entities when it settles on its own, at its deadline:
 * the delegations of its district (for the tally) and, for an accepted payout, its knot's community
 * account. The node implements it over cluster sharding; tests give fixed answers.
 */
public interface ProposalLinks {

  /** The delegations (delegator → delegate) of region {@code cell} valid at {@code at}. */
  CompletionStage<Map<String, String>> delegationsAt(String cell, Instant at);

  /**
   * Pays {@code amountCents} out of knot {@code knotId}'s account to {@code recipientRoleId} for the
   * accepted proposal {@code proposalId}; empty when paid (also when it had been paid before), else
   * why the account refused.
   */
  CompletionStage<Optional<Refusal>> payOut(
      String knotId, String proposalId, long amountCents, String recipientRoleId);
}
