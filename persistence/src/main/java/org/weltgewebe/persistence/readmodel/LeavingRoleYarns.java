package org.weltgewebe.persistence.readmodel;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.weltgewebe.actors.LeavingHook;
import org.weltgewebe.actors.Weave;

/**
 * When a role leaves, its yarns are untwisted: a yarn is a role's promise to keep a knot alive, and
 * a role that has left keeps nothing. Its threads then fade over seven days like every other thread
 * (the domain's rule), and the knots they held dissolve when nothing else leads to them.
 *
 * <p>The yarns are found in the thread view ({@code rm_thread}), which follows the journal by a
 * moment: a yarn twisted in the last instant before leaving may not be there yet. Leaving again
 * (the hook is idempotent) catches it.
 */
public final class LeavingRoleYarns implements LeavingHook {
  private final DataSource db;
  private final Weave weave;
  private final Executor blocking;

  public LeavingRoleYarns(DataSource db, Weave weave, Executor blocking) {
    this.db = db;
    this.weave = weave;
    this.blocking = blocking;
  }

  @Override
  public CompletionStage<Void> afterLeft(String roleId, Instant leftAt) {
    return CompletableFuture.supplyAsync(() -> yarnsOf(roleId), blocking)
        .thenCompose(
            threads -> {
              CompletableFuture<?>[] untwisted =
                  threads.stream()
                      .map(threadId -> weave.untwist(threadId, roleId).toCompletableFuture())
                      .toArray(CompletableFuture[]::new);
              return CompletableFuture.allOf(untwisted);
            });
  }

  private List<String> yarnsOf(String roleId) {
    try (Connection c = db.getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT thread_id FROM rm_thread WHERE role_id = ? AND yarn ORDER BY thread_id")) {
      s.setString(1, roleId);
      List<String> threads = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          threads.add(rs.getString(1));
        }
      }
      return threads;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the yarns of a leaving role", e);
    }
  }
}
