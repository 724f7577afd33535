package org.weltgewebe.persistence.privacy;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.weltgewebe.actors.LeavingHook;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.readmodel.LiveFeeds;

/**
 * The forget pipeline, run when a role leaves (a {@link LeavingHook}, so a repeated leave completes
 * an interrupted one):
 *
 * <ol>
 *   <li>the role entity records {@link Role.Forgotten} and shreds its key: every sealed copy of its
 *       personal fields (journal, snapshots, the events stream, backups) is unreadable from then on;
 *   <li>the read-model consumer meets the Forgotten event in the stream and blanks the role's
 *       personal columns ({@code rm_role}; the search index is generated from them) and tells the
 *       region, which drops the role from its live picture; this step waits until that is done;
 *   <li>the live-feed stream's messages on the role's region that name the role (a
 *       {@code RoleSpinning} update carries the display name) are deleted from JetStream.
 * </ol>
 *
 * <p>Token caches are the HTTP layer's: a completed leave revokes every token of the role on every
 * node. What stays are anonymous traces: the role id (a random UUID) on its threads and posts.
 */
public final class ForgetPipeline implements LeavingHook {
  private static final Duration READ_MODEL_WAIT = Duration.ofSeconds(30);

  private final Weave weave;
  private final DatabaseSettings db;
  private final NatsSettings nats;
  private final Executor blocking;

  public ForgetPipeline(Weave weave, DatabaseSettings db, NatsSettings nats, Executor blocking) {
    this.weave = weave;
    this.db = db;
    this.nats = nats;
    this.blocking = blocking;
  }

  @Override
  public CompletionStage<Void> afterLeft(String roleId, Instant leftAt) {
    return forget(roleId, "role:" + roleId, "the role left the weave").thenAccept(reply -> {
      if (!(reply instanceof Role.Erased)) {
        throw new IllegalStateException("role " + roleId + " could not be forgotten: " + reply);
      }
    });
  }

  /**
   * Runs the pipeline for {@code roleId} on behalf of {@code actor} (audited with {@code reason}):
   * answers {@link Role.Erased} once every step is done, or the role's refusal (an unknown role) with
   * nothing done. Used by leaving and by an operator's {@code weltgewebe gdpr forget}.
   */
  public CompletionStage<Role.Reply> forget(String roleId, String actor, String reason) {
    return weave.forget(roleId, actor, reason)
        .thenApplyAsync(reply -> {
          if (reply instanceof Role.Erased) {
            Optional<String> cell = awaitBlankReadModel(roleId);
            cell.ifPresent(c -> scrubFeed(roleId, c));
          }
          return reply;
        }, blocking);
  }

  /**
   * Waits until the read model shows the role blanked; answers the role's region cell. One
   * connection serves every look, since each new one costs PostgreSQL a backend start (with many
   * roles leaving, opening them was the node's largest wait). The pause between looks grows from
   * 5 ms to 100 ms, so a read model that is already done ends the wait at once.
   */
  private Optional<String> awaitBlankReadModel(String roleId) {
    long deadline = System.nanoTime() + READ_MODEL_WAIT.toNanos();
    long pauseMillis = 5;
    try (java.sql.Connection c = db.connect();
        PreparedStatement s = c.prepareStatement("SELECT display_name = '', cell FROM rm_role WHERE role_id = ?")) {
      s.setString(1, roleId);
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = s.executeQuery()) {
          if (rs.next() && rs.getBoolean(1)) {
            return Optional.of(rs.getString(2));
          }
        }
        Thread.sleep(pauseMillis); // polling the consumer's progress, with the deadline above
        pauseMillis = Math.min(100, pauseMillis * 2);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read rm_role while forgetting " + roleId, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while forgetting " + roleId, e);
    }
    throw new IllegalStateException("the read models did not forget role " + roleId + " within " + READ_MODEL_WAIT
        + "; leave again to complete it");
  }

  /** Deletes the region feed's messages that name the role. */
  private void scrubFeed(String roleId, String cell) {
    String stream = LiveFeeds.stream(nats);
    byte[] needle = roleId.getBytes(StandardCharsets.UTF_8);
    try (Connection connection = nats.connect("weltgewebe-forget")) {
      JetStreamManagement management = connection.jetStreamManagement();
      JetStream js = connection.jetStream();
      JetStreamSubscription sub = js.subscribe(LiveFeeds.regionSubject(nats, cell),
          PushSubscribeOptions.builder().stream(stream).ordered(true).build());
      while (true) {
        Message message = sub.nextMessage(Duration.ofSeconds(2));
        if (message == null) {
          break;
        }
        if (PrivacyScan.contains(message.getData(), needle)) {
          management.deleteMessage(stream, message.metaData().streamSequence());
        }
        if (message.metaData().pendingCount() == 0) {
          break;
        }
      }
      sub.unsubscribe();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("cannot scrub the live feed of role " + roleId + ": " + e.getMessage(), e);
    }
  }
}
