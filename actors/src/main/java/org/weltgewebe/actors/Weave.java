package org.weltgewebe.actors;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

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
    return askRole(roleId, r -> new Role.Register(displayName, homeAddress, home, r));
  }

  public CompletionStage<Role.Reply> login(String roleId) {
    return askRole(roleId, Role.Login::new);
  }

  public CompletionStage<Role.Reply> logout(String roleId) {
    return askRole(roleId, Role.Logout::new);
  }

  public CompletionStage<Role.Reply> updateProfile(String roleId, List<String> goods, List<String> skills) {
    return askRole(roleId, r -> new Role.UpdateProfile(goods, skills, r));
  }

  public CompletionStage<Role.Reply> profile(String roleId) {
    return askRole(roleId, Role.GetProfile::new);
  }

  public CompletionStage<Role.Reply> personalData(String roleId) {
    return askRole(roleId, Role.GetPersonalData::new);
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
    return askKnot(knotId, r -> new Knot.Create(roleId, type, title, description, location, eventStart, eventEnd, r))
        .thenCompose(
            created -> {
              if (!(created instanceof Knot.KnotView view)) {
                return CompletableFuture.completedFuture(created);
              }
              return spinThread(designThreadId, view, roleId, WeaveThread.Kind.DESIGN, null)
                  .thenCompose(spun -> askKnot(knotId, Knot.Get::new));
            });
  }

  /** Reads a knot. */
  public CompletionStage<Knot.Reply> getKnot(String knotId) {
    return askKnot(knotId, Knot.Get::new);
  }

  /**
   * A role connects to a knot (agrees, is interested, commits, …): spins a thread of {@code kind}
   * from the role to the knot. Refused with the knot's reason when the knot is unknown or gone.
   */
  public CompletionStage<ThreadOutcome> connect(
      String threadId, String knotId, String roleId, WeaveThread.Kind kind, Knot.Connection connection) {
    return askKnot(knotId, Knot.Get::new)
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
    return askThread(threadId, r -> new WeaveThread.Twist(roleId, r))
        .thenCompose(reply -> followOnKnot(reply, (knotId, t) -> askKnot(knotId, r -> new Knot.AttachYarn(t, r))));
  }

  /** Untwists a role's yarn; the thread fades again from now and its knot counts it as a fresh thread. */
  public CompletionStage<ThreadOutcome> untwist(String threadId, String roleId) {
    return askThread(threadId, r -> new WeaveThread.Untwist(roleId, r))
        .thenCompose(reply -> followOnKnot(reply, (knotId, t) -> askKnot(knotId, r -> new Knot.DetachYarn(t, r))));
  }

  public CompletionStage<WeaveThread.Reply> getThread(String threadId) {
    return askThread(threadId, WeaveThread.Get::new);
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
              return askConversation(conversationId, r -> new Conversation.Start(knotId, roleId, title, text, r));
            });
  }

  public CompletionStage<Conversation.Reply> post(
      String conversationId, String messageId, String roleId, String text) {
    return askConversation(conversationId, r -> new Conversation.Post(messageId, roleId, text, r));
  }

  public CompletionStage<Conversation.Reply> readConversation(String conversationId, int offset, int limit) {
    return askConversation(conversationId, r -> new Conversation.Read(offset, limit, r));
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
    return askKnot(knot.knotId(), r -> new Knot.LeadThread(threadId, roleId, kind.name(), connection, r))
        .thenCompose(
            led -> {
              if (led instanceof Knot.Rejected rejected) {
                return CompletableFuture.completedFuture(ThreadOutcome.refused(rejected.refusal()));
              }
              return askThread(threadId, r -> new WeaveThread.Spin(roleId, knot.knotId(), kind, knot.location(), r))
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

  private CompletionStage<Role.Reply> askRole(String id, Function<ActorRef<Role.Reply>, Role.Command> command) {
    return sharding.entityRefFor(Role.ENTITY_KEY, id).ask(command::apply, timeout);
  }

  private CompletionStage<Knot.Reply> askKnot(String id, Function<ActorRef<Knot.Reply>, Knot.Command> command) {
    return sharding.entityRefFor(Knot.ENTITY_KEY, id).ask(command::apply, timeout);
  }

  private CompletionStage<WeaveThread.Reply> askThread(
      String id, Function<ActorRef<WeaveThread.Reply>, WeaveThread.Command> command) {
    return sharding.entityRefFor(WeaveThread.ENTITY_KEY, id).ask(command::apply, timeout);
  }

  private CompletionStage<Conversation.Reply> askConversation(
      String id, Function<ActorRef<Conversation.Reply>, Conversation.Command> command) {
    return sharding.entityRefFor(Conversation.ENTITY_KEY, id).ask(command::apply, timeout);
  }
}
