package org.weltgewebe.actors;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The domain's operations, addressed to the sharded entities wherever they run.
 *
 * <p>Most operations are one command to one entity. Those that touch two entities — every action of
 * a role on a knot spins a thread (the knot learns of it, and a thread entity is created), and a
 * twist makes the thread yarn and tells its knot — run as steps in a fixed order whose later steps
 * are idempotent: the knot is asked first, because it refuses when it is unknown or dissolved; a
 * step that failed can be retried with the same ids without doubling anything.
 */
public final class Weave implements ProposalLinks {
  private final ClusterSharding sharding;
  private final Duration timeout;
  private final List<LeavingHook> leavingHooks = new CopyOnWriteArrayList<>();

  public Weave(ClusterSharding sharding, Duration timeout) {
    this.sharding = sharding;
    this.timeout = timeout;
  }

  /**
   * Adds a step that {@link #leave} runs after a role has left; steps run in the order they were
   * added. The node adds its own at start (yarns fade, delegations end; the forget pipeline).
   */
  public void onLeaving(LeavingHook hook) {
    leavingHooks.add(hook);
  }

  // ---- roles

  public CompletionStage<Role.Reply> register(
      String roleId, String displayName, String homeAddress, GeoPoint home) {
    return askRole(roleId, r -> new Role.Register(displayName, homeAddress, home, r));
  }

  /**
   * The role logs in; this also counts as its activity in its home district, which keeps a vote
   * delegation it made there alive (without delaying the answer).
   */
  public CompletionStage<Role.Reply> login(String roleId) {
    return askRole(roleId, Role.Login::new).whenComplete((reply, failure) -> {
      if (reply instanceof Role.Profile profile) {
        noteActivity(RegionCells.regionOf(profile.publicLocation()), roleId);
      }
    });
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

  /** Erases the role's personal data (shreds its key); {@code actor} and {@code reason} are audited. */
  public CompletionStage<Role.Reply> forget(String roleId, String actor, String reason) {
    return askRole(roleId, r -> new Role.Forget(actor, reason, r));
  }

  /**
   * The role dissolves its account: the role persists {@link Role.Left}, then every
   * {@link LeavingHook} runs. The reply is the role's ({@link Role.Departed} or a refusal); it comes
   * only when the hooks are done, and a hook's failure fails the whole, so the caller retries — a
   * repeated leave runs the hooks again and changes nothing twice.
   */
  public CompletionStage<Role.Reply> leave(String roleId) {
    return askRole(roleId, Role.Leave::new)
        .thenCompose(reply -> reply instanceof Role.Departed departed
            ? LeavingHook.all(leavingHooks).afterLeft(roleId, departed.leftAt()).thenApply(done -> reply)
            : done(reply));
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
        .thenCompose(created -> created instanceof Knot.KnotView view
            ? spinThread(designThreadId, view, roleId, WeaveThread.Kind.DESIGN, null)
                .thenCompose(spun -> askKnot(knotId, Knot.Get::new))
            : done(created));
  }

  /** Reads a knot. */
  public CompletionStage<Knot.Reply> getKnot(String knotId) {
    return askKnot(knotId, Knot.Get::new);
  }

  /** Wakes a knot so that it dissolves if its time has come (the deadline sweeper's call). */
  public CompletionStage<Knot.Reply> checkDissolution(String knotId) {
    return askKnot(knotId, Knot.CheckDissolution::new);
  }

  /**
   * A role connects to a knot (agrees, is interested, commits, …): spins a thread of {@code kind}
   * from the role to the knot. Refused with the knot's reason when the knot is unknown or gone.
   */
  public CompletionStage<ThreadOutcome> connect(
      String threadId, String knotId, String roleId, WeaveThread.Kind kind, Knot.Connection connection) {
    return standingKnot(knotId)
        .thenCompose(knot -> knot.refusal() == null
            ? spinThread(threadId, knot.view(), roleId, kind, connection)
            : done(ThreadOutcome.refused(knot.refusal())));
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
        .thenCompose(spun -> spun.refusal() == null
            ? askConversation(conversationId, r -> new Conversation.Start(knotId, roleId, title, text, r))
            : done(new Conversation.Rejected(spun.refusal())));
  }

  public CompletionStage<Conversation.Reply> post(
      String conversationId, String messageId, String roleId, String text) {
    return askConversation(conversationId, r -> new Conversation.Post(messageId, roleId, text, r));
  }

  public CompletionStage<Conversation.Reply> readConversation(String conversationId, int offset, int limit) {
    return askConversation(conversationId, r -> new Conversation.Read(offset, limit, r));
  }

  // ---- proposals, votes and delegations

  /**
   * Puts a proposal to a knot (with {@code payout}, to pay from the knot's community account):
   * the knot must stand; the proposer spins a proposal thread to it.
   */
  public CompletionStage<Proposal.Reply> propose(
      String proposalId, String knotId, String roleId, String title, String text, Proposal.Payout payout) {
    return standingKnot(knotId)
        .thenCompose(knot -> knot.refusal() == null
            ? askProposal(proposalId, r -> new Proposal.Propose(knotId, knot.view().location(), roleId, title, text,
                    payout, r))
                .thenCompose(reply -> spinAfter(reply, threadIdOf(proposalId, "proposal", roleId), knotId, roleId,
                    WeaveThread.Kind.PROPOSAL))
            : done(new Proposal.Rejected(knot.refusal())));
  }

  /** A role objects to a proposal: it goes to the vote; the objector spins a proposal thread. */
  public CompletionStage<Proposal.Reply> object(String proposalId, String roleId) {
    return askProposal(proposalId, r -> new Proposal.RaiseObjection(roleId, r))
        .thenCompose(reply -> afterParticipation(reply, proposalId, roleId, "objection", WeaveThread.Kind.PROPOSAL));
  }

  /** A role votes on a proposal put to the vote; it spins a vote thread (once, however often it votes). */
  public CompletionStage<Proposal.Reply> vote(String proposalId, String roleId, VoteTally.Choice choice) {
    return askProposal(proposalId, r -> new Proposal.Vote(roleId, choice, r))
        .thenCompose(reply -> afterParticipation(reply, proposalId, roleId, "vote", WeaveThread.Kind.VOTE));
  }

  public CompletionStage<Proposal.Reply> proposal(String proposalId) {
    return askProposal(proposalId, Proposal.Get::new);
  }

  /** The final count of a closed proposal: who counted, directly or through whom. */
  public CompletionStage<Proposal.Reply> tally(String proposalId) {
    return askProposal(proposalId, Proposal.GetTally::new);
  }

  /** Wakes a proposal so that it settles if its deadline has passed (the deadline sweeper's call). */
  public CompletionStage<Proposal.Reply> checkDeadline(String proposalId) {
    return askProposal(proposalId, Proposal.CheckDeadline::new);
  }

  /**
   * {@code from} delegates its vote in district {@code cell} to {@code to}, which must be a role
   * still in the weave. Refused 409 when it would close a cycle.
   */
  public CompletionStage<Delegations.Reply> delegate(String cell, String from, String to) {
    return askRole(to, Role.GetProfile::new)
        .thenCompose(delegate -> delegate instanceof Role.Rejected rejected
            ? done(new Delegations.Rejected(notADelegate(to, rejected.refusal())))
            : askDelegations(cell, r -> new Delegations.Delegate(from, to, r)));
  }

  /** A delegate that is unknown or gone makes the delegation invalid; any other refusal stands. */
  private static Refusal notADelegate(String to, Refusal refusal) {
    return refusal.kind() == Refusal.Kind.GONE || refusal.kind() == Refusal.Kind.NOT_FOUND
        ? Refusal.invalid("cannot delegate to " + to + ": " + refusal.reason())
        : refusal;
  }

  /** {@code from} takes back its vote in district {@code cell}. */
  public CompletionStage<Delegations.Reply> revokeDelegation(String cell, String from) {
    return askDelegations(cell, r -> new Delegations.Revoke(from, r));
  }

  /** The delegations of district {@code cell} valid now. */
  public CompletionStage<Delegations.Reply> delegations(String cell, Instant at) {
    return askDelegations(cell, r -> new Delegations.GetGraph(at, r));
  }

  /** A leaving role's delegation in {@code cell}, and every delegation there to it, end. */
  public CompletionStage<Delegations.Reply> endDelegationsOf(String cell, String roleId) {
    return askDelegations(cell, r -> new Delegations.EndAllOf(roleId, r));
  }

  @Override
  public CompletionStage<Map<String, String>> delegationsAt(String cell, Instant at) {
    return delegations(cell, at).thenApply(reply -> {
      if (reply instanceof Delegations.Graph graph) {
        return graph.delegations();
      }
      throw new IllegalStateException("the delegations of " + cell + " refused: " + reply);
    });
  }

  // ---- community accounts

  /**
   * A role gives money to a knot's community account; a visible donation also spins a gold thread
   * from the donor to the knot, an anonymous one leaves no trace of the donor.
   */
  public CompletionStage<CommunityAccount.Reply> donate(
      String knotId, String donationId, String roleId, long amountCents, boolean visible) {
    return standingKnot(knotId)
        .thenCompose(knot -> knot.refusal() == null
            ? askAccount(knotId, r -> new CommunityAccount.Donate(donationId, roleId, amountCents, visible, r))
                .thenCompose(reply -> visible ? spinGold(reply, donationId, knot.view(), roleId) : done(reply))
            : done(new CommunityAccount.Rejected(knot.refusal())));
  }

  /** The gold thread of a visible donation the account took, from the donor to the knot. */
  private CompletionStage<CommunityAccount.Reply> spinGold(
      CommunityAccount.Reply reply, String donationId, Knot.KnotView knot, String roleId) {
    if (!(reply instanceof CommunityAccount.Balance)) {
      return done(reply);
    }
    return spinThread(threadIdOf(donationId, "gold", roleId), knot, roleId, WeaveThread.Kind.GOLD, null)
        .thenApply(spun -> reply);
  }

  /** The community account of a knot that exists (standing or dissolved). */
  public CompletionStage<CommunityAccount.Reply> account(String knotId) {
    return askKnot(knotId, Knot.Get::new)
        .thenCompose(knot -> knot instanceof Knot.Rejected rejected
            ? done(new CommunityAccount.Rejected(rejected.refusal()))
            : askAccount(knotId, CommunityAccount.Get::new));
  }

  @Override
  public CompletionStage<Optional<Refusal>> payOut(
      String knotId, String proposalId, long amountCents, String recipientRoleId) {
    return askAccount(knotId, r -> new CommunityAccount.PayOut(proposalId, amountCents, recipientRoleId, r))
        .thenApply(reply -> reply instanceof CommunityAccount.Rejected rejected
            ? Optional.of(rejected.refusal())
            : Optional.<Refusal>empty());
  }

  /** A knot that stands, or why it cannot take anything new. */
  private record KnotCheck(Knot.KnotView view, Refusal refusal) {}

  private CompletionStage<KnotCheck> standingKnot(String knotId) {
    return askKnot(knotId, Knot.Get::new).thenApply(found -> {
      if (found instanceof Knot.KnotView view && !view.dissolved()) {
        return new KnotCheck(view, null);
      }
      return new KnotCheck(null, found instanceof Knot.Rejected rejected
          ? rejected.refusal()
          : Refusal.gone("knot " + knotId + " has dissolved"));
    });
  }

  /** After a proposal accepted a role's objection or vote: its thread, and its activity in the district. */
  private CompletionStage<Proposal.Reply> afterParticipation(
      Proposal.Reply reply, String proposalId, String roleId, String what, WeaveThread.Kind kind) {
    if (!(reply instanceof Proposal.ProposalView view)) {
      return done(reply);
    }
    noteActivity(view.cell(), roleId);
    return spinAfter(reply, threadIdOf(proposalId, what, roleId), view.knotId(), roleId, kind);
  }

  /**
   * Spins the thread a proposal step leaves on the map. The step has happened when the proposal
   * answered; a knot that dissolved meanwhile only costs the thread, so the answer stays the proposal's.
   */
  private CompletionStage<Proposal.Reply> spinAfter(
      Proposal.Reply reply, String threadId, String knotId, String roleId, WeaveThread.Kind kind) {
    if (!(reply instanceof Proposal.ProposalView)) {
      return done(reply);
    }
    return connect(threadId, knotId, roleId, kind, null).thenApply(spun -> reply);
  }

  private void noteActivity(String cell, String roleId) {
    // Fire and forget: a lost note at worst lets a delegation expire a day early of 28.
    askDelegations(cell, r -> new Delegations.NoteActivity(roleId, r));
  }

  /**
   * The id of the thread a role's step on a proposal or donation spins: derived, so that a retried
   * step spins the same thread instead of a second one.
   */
  static String threadIdOf(String subjectId, String what, String roleId) {
    return UUID.nameUUIDFromBytes((subjectId + "|" + what + "|" + roleId).getBytes(StandardCharsets.UTF_8))
        .toString();
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
      return reply instanceof WeaveThread.ThreadView view
          ? new ThreadOutcome(view, null)
          : refused(((WeaveThread.Rejected) reply).refusal());
    }
  }

  private CompletionStage<ThreadOutcome> spinThread(
      String threadId, Knot.KnotView knot, String roleId, WeaveThread.Kind kind, Knot.Connection connection) {
    return askKnot(knot.knotId(), r -> new Knot.LeadThread(threadId, roleId, kind.name(), connection, r))
        .thenCompose(led -> led instanceof Knot.Rejected rejected
            ? done(ThreadOutcome.refused(rejected.refusal()))
            : askThread(threadId, r -> new WeaveThread.Spin(roleId, knot.knotId(), kind, knot.location(), r))
                .thenApply(ThreadOutcome::of));
  }

  /** Runs the knot's half of a twist or untwist once the thread accepted its half. */
  private CompletionStage<ThreadOutcome> followOnKnot(WeaveThread.Reply reply, KnotStep step) {
    if (!(reply instanceof WeaveThread.ThreadView view)) {
      return done(ThreadOutcome.of(reply));
    }
    return step.run(view.knotId(), view.threadId())
        .thenApply(knotReply -> knotReply instanceof Knot.Rejected rejected
            ? ThreadOutcome.refused(rejected.refusal())
            : new ThreadOutcome(view, null));
  }

  @FunctionalInterface
  private interface KnotStep {
    CompletionStage<Knot.Reply> run(String knotId, String threadId);
  }

  /** A step whose answer is already known. */
  private static <T> CompletionStage<T> done(T answer) {
    return CompletableFuture.completedFuture(answer);
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

  private CompletionStage<Proposal.Reply> askProposal(
      String id, Function<ActorRef<Proposal.Reply>, Proposal.Command> command) {
    return sharding.entityRefFor(Proposal.ENTITY_KEY, id).ask(command::apply, timeout);
  }

  private CompletionStage<Delegations.Reply> askDelegations(
      String cell, Function<ActorRef<Delegations.Reply>, Delegations.Command> command) {
    return sharding.entityRefFor(Delegations.ENTITY_KEY, cell).ask(command::apply, timeout);
  }

  private CompletionStage<CommunityAccount.Reply> askAccount(
      String knotId, Function<ActorRef<CommunityAccount.Reply>, CommunityAccount.Command> command) {
    return sharding.entityRefFor(CommunityAccount.ENTITY_KEY, knotId).ask(command::apply, timeout);
  }

  private CompletionStage<Conversation.Reply> askConversation(
      String id, Function<ActorRef<Conversation.Reply>, Conversation.Command> command) {
    return sharding.entityRefFor(Conversation.ENTITY_KEY, id).ask(command::apply, timeout);
  }
}
