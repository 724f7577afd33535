package org.weltgewebe.persistence.readmodel;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.weltgewebe.actors.Delegations;
import org.weltgewebe.actors.LeavingHook;
import org.weltgewebe.actors.Weave;

/**
 * When a role leaves, its vote delegations end, and so does every delegation to it: a vote must not
 * flow through a role that is no longer there. The districts concerned are found in the delegation
 * view ({@code rm_delegation}); like {@link LeavingRoleYarns}, a delegation made in the last instant
 * before leaving is caught by leaving again.
 */
public final class LeavingRoleDelegations implements LeavingHook {
  private final ReadModels readModels;
  private final Weave weave;
  private final Executor blocking;

  public LeavingRoleDelegations(ReadModels readModels, Weave weave, Executor blocking) {
    this.readModels = readModels;
    this.weave = weave;
    this.blocking = blocking;
  }

  @Override
  public CompletionStage<Void> afterLeft(String roleId, Instant leftAt) {
    return CompletableFuture.supplyAsync(() -> readModels.delegationCellsOf(roleId), blocking)
        .thenCompose(
            cells -> {
              CompletableFuture<?>[] ended =
                  cells.stream()
                      .map(cell -> weave.endDelegationsOf(cell, roleId).toCompletableFuture()
                          .thenAccept(reply -> {
                            if (reply instanceof Delegations.Rejected rejected) {
                              throw new IllegalStateException(rejected.refusal().reason());
                            }
                          }))
                      .toArray(CompletableFuture[]::new);
              return CompletableFuture.allOf(ended);
            });
  }
}
