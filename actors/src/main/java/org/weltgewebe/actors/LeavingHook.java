package org.weltgewebe.actors;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What else has to happen when a role leaves the weave, beyond the role entity itself: its yarns
 * are untwisted so that its threads fade like any other, its vote delegations end, and the forget
 * pipeline erases its personal data. Each part plugs in one hook; {@link Weave#leave} runs them
 * after the role has persisted {@link Role.Left}.
 *
 * <p>A hook must be idempotent: a repeated leave (a client retrying after a lost answer, or an
 * operator completing a departure that a crash interrupted) runs every hook again.
 */
@FunctionalInterface
public interface LeavingHook {

  /** The role {@code roleId} left at {@code leftAt}; completes when this hook's part is done. */
  CompletionStage<Void> afterLeft(String roleId, Instant leftAt);

  /** No follow-up at all. */
  static LeavingHook none() {
    return (roleId, leftAt) -> CompletableFuture.completedFuture(null);
  }

  /** Runs {@code hooks} one after the other, in order; the first failure stops the rest. */
  static LeavingHook all(List<LeavingHook> hooks) {
    List<LeavingHook> inOrder = List.copyOf(hooks);
    return (roleId, leftAt) -> {
      CompletionStage<Void> done = CompletableFuture.completedFuture(null);
      for (LeavingHook hook : inOrder) {
        done = done.thenCompose(previous -> hook.afterLeft(roleId, leftAt));
      }
      return done;
    };
  }
}
