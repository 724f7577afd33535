package org.weltgewebe.persistence.privacy;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.api.Subject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.weltgewebe.actors.LeavingHook;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.Weave;
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
 *       {@code RoleSpinning} update carries the display name; they have a subject of their own) are
 *       deleted from JetStream.
 * </ol>
 *
 * <p>Token caches are the HTTP layer's: a completed leave revokes every token of the role on every
 * node. What stays are anonymous traces: the role id (a random UUID) on its threads and posts.
 */
public final class ForgetPipeline implements LeavingHook, AutoCloseable {
  private static final Duration READ_MODEL_WAIT = Duration.ofSeconds(30);
  private static final long FIRST_PAUSE_MILLIS = 5;
  private static final long LONGEST_PAUSE_MILLIS = 100;

  private final Weave weave;
  private final SubjectRecords readModels;
  private final NatsSettings nats;
  private final Executor blocking;
  private Connection connection;

  /**
   * A pipeline that looks at the read models through {@code readModels} (a pooled connection per
   * look) and runs its blocking steps on {@code blocking}.
   */
  public ForgetPipeline(Weave weave, SubjectRecords readModels, NatsSettings nats, Executor blocking) {
    this.weave = weave;
    this.readModels = readModels;
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
    return weave.forget(roleId, actor, reason).thenCompose(reply -> {
      if (!(reply instanceof Role.Erased)) {
        return CompletableFuture.completedFuture(reply);
      }
      CompletableFuture<String> cell = new CompletableFuture<>();
      lookForBlankReadModel(roleId, System.nanoTime() + READ_MODEL_WAIT.toNanos(), 0, cell);
      return cell.thenApplyAsync(c -> {
        scrubFeed(roleId, c);
        return reply;
      }, blocking);
    });
  }

  /**
   * Completes {@code cell} with the role's region cell once the read model shows the role blanked,
   * looking after {@code pauseMillis}. No thread waits between looks: each is scheduled (the pause
   * grows from 5 ms to 100 ms, so a read model that is already done ends the wait at once) and
   * borrows a pooled connection. With a thread and a new connection per leave held through the whole
   * wait, many leaves at once were the node's largest wait (docs/performance.md).
   */
  private void lookForBlankReadModel(String roleId, long deadline, long pauseMillis, CompletableFuture<String> cell) {
    Executor after = pauseMillis == 0 ? blocking : CompletableFuture.delayedExecutor(pauseMillis, TimeUnit.MILLISECONDS, blocking);
    after.execute(() -> {
      try {
        Optional<String> blanked = readModels.forgottenCell(roleId);
        if (blanked.isPresent()) {
          cell.complete(blanked.get());
        } else if (System.nanoTime() >= deadline) {
          cell.completeExceptionally(new IllegalStateException("the read models did not forget role " + roleId
              + " within " + READ_MODEL_WAIT + "; leave again to complete it"));
        } else {
          long next = pauseMillis == 0 ? FIRST_PAUSE_MILLIS : Math.min(LONGEST_PAUSE_MILLIS, pauseMillis * 2);
          lookForBlankReadModel(roleId, deadline, next, cell);
        }
      } catch (RuntimeException e) {
        cell.completeExceptionally(e);
      }
    });
  }

  /**
   * Deletes the region feed's messages that name the role. They have a subject of their own, so
   * only they are read (a role has one per log-in and log-out), each deleted by its sequence.
   * Before, every leave read the region's whole feed (seven days of it) over a new connection, and
   * leaves took seconds (docs/performance.md). Not a purge by subject: the nats-server this
   * platform meets (2.9) moves every consumer with a wider filter past the purged sequences, so the
   * region's subscribers would skip messages that were not purged (nats-server #3838, #5075; the
   * run's oracle saw 3 % of a region feed undelivered). Nor the newest message by subject, deleted
   * until none is left: once a subject's newest message is deleted, 2.9.10's file store answers "no
   * message found" for that subject while older ones remain (tried: three on a subject, one
   * deleted, two left; ForgetCanaryTest found the canary's name left behind). Messages written by an
   * older node on the region's one former subject are still searched, as long as the stream holds
   * any.
   */
  void scrubFeed(String roleId, String cell) {
    String stream = LiveFeeds.stream(nats);
    byte[] needle = roleId.getBytes(StandardCharsets.UTF_8);
    try {
      JetStreamManagement management = connection().jetStreamManagement();
      for (String subject : List.of(LiveFeeds.roleInRegion(nats, cell, roleId), LiveFeeds.legacyRegionSubject(nats, cell))) {
        List<Subject> held = management.getStreamInfo(stream, StreamInfoOptions.filterSubjects(subject)).getStreamState().getSubjects();
        if (held != null && !held.isEmpty()) {
          deleteNaming(management, stream, subject, needle);
        }
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("cannot scrub the live feed of role " + roleId + ": " + e.getMessage(), e);
    }
  }

  /** Deletes the messages on {@code subject} (which holds some) that contain {@code needle}. */
  private void deleteNaming(JetStreamManagement management, String stream, String subject, byte[] needle) throws Exception {
    JetStreamSubscription sub = connection().jetStream().subscribe(subject,
        PushSubscribeOptions.builder().stream(stream).ordered(true).build());
    try {
      while (true) {
        Message message = sub.nextMessage(Duration.ofSeconds(2));
        if (message == null) {
          break;
        }
        if (PrivacyScan.contains(message.getData(), needle)) {
          delete(management, stream, message.metaData().streamSequence());
        }
        if (message.metaData().pendingCount() == 0) {
          break;
        }
      }
    } finally {
      sub.unsubscribe();
    }
  }

  /** JetStream's answer to deleting a sequence below or above what the stream holds (JSSequenceNotFoundErrF). */
  static final int SEQUENCE_NOT_FOUND = 10043;
  /** JetStream's answer to a delete that failed (JSStreamMsgDeleteFailedF), with the store's reason as its description. */
  static final int DELETE_FAILED = 10057;

  /**
   * Deletes message {@code sequence} of {@code stream}. One that is already gone counts as deleted:
   * two leaves of the same role (a client that leaves again after a timeout) scrub the same subject
   * at once, and the second one's delete finds the sequence gone (seen in a main job's coverage
   * phase: a 500 for a leave, "sequence 8267 not found"). The server says so in two ways: a sequence
   * outside the stream's range, or the store's "no message found" for a gap inside it.
   */
  static void delete(JetStreamManagement management, String stream, long sequence) throws Exception {
    try {
      management.deleteMessage(stream, sequence);
    } catch (JetStreamApiException e) {
      boolean gone = e.getApiErrorCode() == SEQUENCE_NOT_FOUND
          || (e.getApiErrorCode() == DELETE_FAILED && "no message found".equals(e.getErrorDescription()));
      if (!gone) {
        throw e;
      }
    }
  }

  /** The pipeline's NATS connection, opened when first needed and again after it was lost. */
  private synchronized Connection connection() throws Exception {
    if (connection == null || connection.getStatus() != Connection.Status.CONNECTED) {
      if (connection != null) {
        connection.close();
      }
      connection = nats.connect("weltgewebe-forget");
    }
    return connection;
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      connection = null;
    }
  }
}
