package org.weltgewebe.actors;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * The domain's operations, addressed to the sharded entities wherever they run.
 *
 * <p>Most operations are one command to one entity. Those that touch two entities — every action of
 * a role on a knot spins a thread (the knot learns of it, and a thread entity is created), and a
 * twist makes the thread yarn and tells its knot — run as steps in a fixed order whose later steps
 * are idempotent: the knot is asked first, because it refuses when it is unknown or dissolved; a
 * step that failed can be retried with the same ids without doubling anything.
 */
public final class Weave {
  private final ClusterSharding sharding;
  private final Duration timeout;

  public Weave(ClusterSharding sharding, Duration timeout) {
    this.sharding = sharding;
    this.timeout = timeout;
  }

  // ---- roles

  public CompletionStage<Role.Reply> register(
      String roleId, String displayName, String homeAddress, GeoPoint home) {
    return role(roleId).ask(r -> new Role.Register(displayName, homeAddress, home, r), timeout);
  }

  public CompletionStage<Role.Reply> login(String roleId) {
    return role(roleId).ask(Role.Login::new, timeout);
  }

  public CompletionStage<Role.Reply> logout(String roleId) {
    return role(roleId).ask(Role.Logout::new, timeout);
  }

  public CompletionStage<Role.Reply> updateProfile(String roleId, List<String> goods, List<String> skills) {
    return role(roleId).ask(r -> new Role.UpdateProfile(goods, skills, r), timeout);
  }

  public CompletionStage<Role.Reply> profile(String roleId) {
    return role(roleId).ask(Role.GetProfile::new, timeout);
  }

  public CompletionStage<Role.Reply> personalData(String roleId) {
    return role(roleId).ask(Role.GetPersonalData::new, timeout);
  }

  // ---- knots and threads

  /**
   * Creates a knot and the creator's design thread to it. The reply is the knot's; the thread id of
   * the design thread is {@code designThreadId}.
   */
  public CompletionStage<Knot.Reply> createKnot(
      String knotId,
      String designThreadId,
      String roleId,
      Knot.Type type,
      String title,
      String description,
      GeoPoint location,
      Instant eventStart,
      Instant eventEnd) {
    return knot(knotId)
        .ask(r -> new Knot.Create(roleId, type, title, description, location, eventStart, eventEnd, r), timeout)
        .thenCompose(
            created -> {
              if (!(created instanceof Knot.KnotView view)) {
                return CompletableFuture.completedFuture(created);
              }
              return spinThread(designThreadId, view, roleId, WeaveThread.Kind.DESIGN, null)
                  .thenCompose(spun -> knot(knotId).ask(Knot.Get::new, timeout));
            });
  }

  /** Reads a knot. */
  public CompletionStage<Knot.Reply> getKnot(String knotId) {
    return knot(knotId).ask(Knot.Get::new, timeout);
  }

  /**
   * A role connects to a knot (agrees, is interested, commits, …): spins a thread of {@code kind}
   * from the role to the knot. Refused with the knot's reason when the knot is unknown or gone.
   */
  public CompletionStage<ThreadOutcome> connect(
      String threadId, String knotId, String roleId, WeaveThread.Kind kind, Knot.Connection connection) {
    return knot(knotId)
        .ask(Knot.Get::new, timeout)
        .thenCompose(
            found -> {
              if (found instanceof Knot.Rejected rejected) {
                return CompletableFuture.completedFuture(ThreadOutcome.refused(rejected.refusal()));
              }
              Knot.KnotView view = (Knot.KnotView) found;
              if (view.dissolved()) {
                return CompletableFuture.completedFuture(
                    ThreadOutcome.refused(Refusal.gone("knot " + knotId + " has dissolved")));
              }
              return spinThread(threadId, view, roleId, kind, connection);
            });
  }

  /** Twists a role's own thread into yarn and tells its knot that a yarn now leads to it. */
  public CompletionStage<ThreadOutcome> twist(String threadId, String roleId) {
    return thread(threadId)
        .ask(r -> new WeaveThread.Twist(roleId, r), timeout)
        .thenCompose(reply -> followOnKnot(reply, (knotId, t) -> knot(knotId).ask(r -> new Knot.AttachYarn(t, r), timeout)));
  }

  /** Untwists a role's yarn; the thread fades again from now and its knot counts it as a fresh thread. */
  public CompletionStage<ThreadOutcome> untwist(String threadId, String roleId) {
    return thread(threadId)
        .ask(r -> new WeaveThread.Untwist(roleId, r), timeout)
        .thenCompose(reply -> followOnKnot(reply, (knotId, t) -> knot(knotId).ask(r -> new Knot.DetachYarn(t, r), timeout)));
  }

  public CompletionStage<WeaveThread.Reply> getThread(String threadId) {
    return thread(threadId).ask(WeaveThread.Get::new, timeout);
  }

  // ---- conversations

  /** Starts a conversation on a knot; the starter spins a conversation thread to the knot. */
  public CompletionStage<Conversation.Reply> startConversation(
      String conversationId, String threadId, String knotId, String roleId, String title, String text) {
    return connect(threadId, knotId, roleId, WeaveThread.Kind.CONVERSATION, null)
        .thenCompose(
            outcome -> {
              if (outcome.refusal() != null) {
                return CompletableFuture.completedFuture(new Conversation.Rejected(outcome.refusal()));
              }
              return conversation(conversationId)
                  .ask(r -> new Conversation.Start(knotId, roleId, title, text, r), timeout);
            });
  }

  public CompletionStage<Conversation.Reply> post(
      String conversationId, String messageId, String roleId, String text) {
    return conversation(conversationId).ask(r -> new Conversation.Post(messageId, roleId, text, r), timeout);
  }

  public CompletionStage<Conversation.Reply> readConversation(String conversationId, int offset, int limit) {
    return conversation(conversationId).ask(r -> new Conversation.Read(offset, limit, r), timeout);
  }

  // ---- regions

  /** The live picture of the region cell {@code cell}. */
  public CompletionStage<Region.View> regionView(String cell) {
    return sharding.entityRefFor(Region.ENTITY_KEY, cell).ask(Region.GetView::new, timeout);
  }

  /** A fresh entity id. */
  public static String newId() {
    return UUID.randomUUID().toString();
  }

  /** The result of an operation that spins or changes a thread: its view, or why it was refused. */
  public record ThreadOutcome(WeaveThread.ThreadView thread, Refusal refusal) {
    static ThreadOutcome refused(Refusal refusal) {
      return new ThreadOutcome(null, refusal);
    }

    static ThreadOutcome of(WeaveThread.Reply reply) {
      if (reply instanceof WeaveThread.Rejected rejected) {
        return refused(rejected.refusal());
      }
      return new ThreadOutcome((WeaveThread.ThreadView) reply, null);
    }
  }

  private CompletionStage<ThreadOutcome> spinThread(
      String threadId, Knot.KnotView knot, String roleId, WeaveThread.Kind kind, Knot.Connection connection) {
    return knot(knot.knotId())
        .ask(r -> new Knot.LeadThread(threadId, roleId, kind.name(), connection, r), timeout)
        .thenCompose(
            led -> {
              if (led instanceof Knot.Rejected rejected) {
                return CompletableFuture.completedFuture(ThreadOutcome.refused(rejected.refusal()));
              }
              return thread(threadId)
                  .ask(r -> new WeaveThread.Spin(roleId, knot.knotId(), kind, knot.location(), r), timeout)
                  .thenApply(ThreadOutcome::of);
            });
  }

  /** Runs the knot's half of a twist or untwist once the thread accepted its half. */
  private CompletionStage<ThreadOutcome> followOnKnot(WeaveThread.Reply reply, KnotStep step) {
    if (!(reply instanceof WeaveThread.ThreadView view)) {
      return CompletableFuture.completedFuture(ThreadOutcome.of(reply));
    }
    return step.run(view.knotId(), view.threadId())
        .thenApply(
            knotReply ->
                knotReply instanceof Knot.Rejected rejected
                    ? ThreadOutcome.refused(rejected.refusal())
                    : new ThreadOutcome(view, null));
  }

  @FunctionalInterface
  private interface KnotStep {
    CompletionStage<Knot.Reply> run(String knotId, String threadId);
  }

  private EntityRef<Role.Command> role(String id) {
    return sharding.entityRefFor(Role.ENTITY_KEY, id);
  }

  private EntityRef<Knot.Command> knot(String id) {
    return sharding.entityRefFor(Knot.ENTITY_KEY, id);
  }

  private EntityRef<WeaveThread.Command> thread(String id) {
    return sharding.entityRefFor(WeaveThread.ENTITY_KEY, id);
  }

  private EntityRef<Conversation.Command> conversation(String id) {
    return sharding.entityRefFor(Conversation.ENTITY_KEY, id);
  }
}
