package org.weltgewebe.actors;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A role (Garnrolle): one user's place on the map. It stands at the blurred centre of its home's
 * privacy cell, offers goods and skills to the neighbourhood, and is "spinning" while its user is
 * logged in.
 *
 * <p>The state keeps what the public sees ({@link PublicPart}) apart from the personal data (home
 * address and exact home, {@link PersonalData}), so that a GDPR forget pipeline can drop the
 * personal part alone while the role stays on the map.
 *
 * <p>Leaving: a role may dissolve its account ({@link Leave}). It stops spinning, and from then on
 * it answers every command but a repeated {@link Leave} with {@link Refusal.Kind#GONE}. What leaving
 * means beyond the role itself (its yarns fade, its delegations end, its personal data is
 * forgotten) is done by {@link Weave#leave} through the {@link LeavingHook}s, which a repeated
 * {@link Leave} runs again, so a departure interrupted half-way can be completed.
 */
public final class Role
    extends EventSourcedBehaviorWithEnforcedReplies<Role.Command, Role.Event, Role.State> {

  /** Sharding key of the role entities; the entity id is the role id. */
  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "role");

  static final int MAX_DISPLAY_NAME = 80;
  static final int MAX_HOME_ADDRESS = 200;

  // ---------------------------------------------------------------- protocol

  /** Everything a role understands; every command is answered with a {@link Reply}. */
  public sealed interface Command extends WeaveSerializable
      permits Register, Login, Logout, UpdateProfile, GetProfile, GetPersonalData, Leave, Forget {
    /** Where the answer goes. */
    ActorRef<Reply> replyTo();
  }

  /** Places a new role on the map at the blurred position of {@code home}. */
  public record Register(
      String displayName, String homeAddress, GeoPoint home, ActorRef<Reply> replyTo)
      implements Command {

    /** What makes this registration impossible, if anything. */
    Optional<String> problem() {
      String address = homeAddress == null ? "" : homeAddress.strip();
      return Input.stripped("display name", displayName, MAX_DISPLAY_NAME)
          .or(() -> address.isEmpty() ? Optional.of("home address must not be blank") : Optional.empty())
          .or(() -> Input.atMost("home address", address, MAX_HOME_ADDRESS))
          .or(() -> home == null ? Optional.of("home position is missing") : Optional.empty())
          // The reason names the offending coordinate; a home that is off the globe is no secret.
          .or(() -> home.problem().map(p -> "home position: " + p));
    }

    @Override
    public String toString() {
      // Commands get logged on failure; the address and exact home must not be.
      return "Register[displayName=" + displayName + ", homeAddress=[redacted], home=[redacted], "
          + "replyTo=" + replyTo + "]";
    }
  }

  /** The role's user logged in: the role starts spinning. */
  public record Login(ActorRef<Reply> replyTo) implements Command {}

  /** The role's user logged out: the role rests. */
  public record Logout(ActorRef<Reply> replyTo) implements Command {}

  /** Replaces the goods and skills the role offers; an empty list clears them. */
  public record UpdateProfile(List<String> goods, List<String> skills, ActorRef<Reply> replyTo)
      implements Command {

    /** What makes these offers unacceptable, if anything. */
    Optional<String> problem() {
      return Offers.problem("goods", goods).or(() -> Offers.problem("skills", skills));
    }
  }

  /** Asks for what anyone may see of the role. */
  public record GetProfile(ActorRef<Reply> replyTo) implements Command {}

  /** Asks for the role's personal data; the HTTP layer lets only the role's owner ask. */
  public record GetPersonalData(ActorRef<Reply> replyTo) implements Command {}

  /**
   * The role's user dissolves its account. Answered {@link Departed}, also when the role had already
   * left, so that the departure's follow-up steps can be retried.
   */
  public record Leave(ActorRef<Reply> replyTo) implements Command {}

  /**
   * Erases the role's personal data for good (GDPR art. 17): the role records {@link Forgotten} and
   * shreds its key, which makes every sealed copy of its personal fields unreadable. {@code actor}
   * and {@code reason} go to the audit log. Answered {@link Erased}, also when already forgotten.
   */
  public record Forget(String actor, String reason, ActorRef<Reply> replyTo) implements Command {}

  /** What happened to a role. */
  public sealed interface Event extends WeaveSerializable
      permits Registered, LoggedIn, LoggedOut, ProfileUpdated, Left, Forgotten {}

  /** The role was placed on the map; {@code publicLocation} is the blurred home. */
  public record Registered(
      String roleId, String displayName, PersonalData personal, GeoPoint publicLocation, Instant at)
      implements Event {}

  /** The role started spinning. */
  public record LoggedIn(Instant at) implements Event {}

  /** The role stopped spinning. */
  public record LoggedOut(Instant at) implements Event {}

  /** The role now offers exactly these goods and skills. */
  public record ProfileUpdated(List<String> goods, List<String> skills, Instant at)
      implements Event {
    public ProfileUpdated {
      goods = List.copyOf(goods);
      skills = List.copyOf(skills);
    }
  }

  /** The role left the weave; it no longer spins and answers everything but {@link Leave} as gone. */
  public record Left(Instant at) implements Event {}

  /** The role's personal data was erased; its key is shredded from here on. */
  public record Forgotten(Instant at) implements Event {}

  /** A role's answer. */
  public sealed interface Reply extends WeaveSerializable
      permits Profile, PersonalDataView, Departed, Erased, Rejected {}

  /** What anyone may see of a role. */
  public record Profile(
      String roleId, String displayName, GeoPoint publicLocation, boolean spinning, List<String> goods,
      List<String> skills, Instant registeredAt)
      implements Reply {
    public Profile {
      goods = List.copyOf(goods);
      skills = List.copyOf(skills);
    }
  }

  /** The role's personal data, for its owner only. */
  public record PersonalDataView(String roleId, String homeAddress, GeoPoint home)
      implements Reply {
    @Override
    public String toString() {
      return "PersonalDataView[roleId=" + roleId + ", homeAddress=[redacted], home=[redacted]]";
    }
  }

  /** The role has left (at {@code leftAt}); {@code alreadyLeft} when it had left before this command. */
  public record Departed(String roleId, Instant leftAt, boolean alreadyLeft) implements Reply {}

  /** The role is forgotten: its key is shredded and nothing personal of it can be read any more. */
  public record Erased(String roleId, Instant forgottenAt, boolean alreadyForgotten) implements Reply {}

  /** The command was refused and nothing changed. */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---------------------------------------------------------------- state

  /** Personal data of a role: where its user lives. Never shown to anyone but the owner. */
  public record PersonalData(String homeAddress, GeoPoint home) implements WeaveSerializable {
    /** What a forgotten role's personal data reads as. */
    public static final PersonalData FORGOTTEN = new PersonalData(RoleSealing.FORGOTTEN, null);

    @Override
    public String toString() {
      return "PersonalData[redacted]";
    }
  }

  /** The public part of a registered role, the part that survives forgetting its personal data. */
  public record PublicPart(
      String displayName, GeoPoint publicLocation, List<String> goods, List<String> skills, boolean spinning,
      Instant registeredAt, Instant lastSeenAt)
      implements WeaveSerializable {
    public PublicPart {
      goods = List.copyOf(goods);
      skills = List.copyOf(skills);
    }

    PublicPart withSpinning(boolean nowSpinning, Instant at) {
      return new PublicPart(displayName, publicLocation, goods, skills, nowSpinning, registeredAt, at);
    }

    PublicPart withOffers(List<String> newGoods, List<String> newSkills, Instant at) {
      return new PublicPart(displayName, publicLocation, newGoods, newSkills, spinning, registeredAt, at);
    }
  }

  /** The state of a role entity. */
  public sealed interface State extends WeaveSerializable
      permits Unregistered, RegisteredRole, LeftRole, ForgottenRole {}

  /** No one has registered under this id yet. */
  public record Unregistered() implements State {}

  /** A role on the map. */
  public record RegisteredRole(PublicPart publicPart, PersonalData personal) implements State {

    RegisteredRole withPublicPart(PublicPart changed) {
      return new RegisteredRole(changed, personal);
    }

    Profile profile(String roleId) {
      return new Profile(roleId, publicPart.displayName(), publicPart.publicLocation(), publicPart.spinning(),
          publicPart.goods(), publicPart.skills(), publicPart.registeredAt());
    }
  }

  /**
   * A role that has left. It keeps what it had so that the forget pipeline can find and erase the
   * personal part; nothing of it is answered any more.
   */
  public record LeftRole(PublicPart publicPart, PersonalData personal, Instant leftAt)
      implements State {}

  /** A forgotten role: nothing personal is left, only that it existed (its id in anonymous threads). */
  public record ForgottenRole(Instant forgottenAt) implements State {}

  // ---------------------------------------------------------------- behaviour

  /** The role {@code roleId}, reading time from {@code clock}, its personal fields sealed in memory. */
  public static Behavior<Command> create(String roleId, WeaveClock clock) {
    return create(roleId, clock, new SubjectCipher(SubjectKeys.inMemory()));
  }

  /** The role {@code roleId} whose personal fields are stored sealed by {@code cipher}. */
  public static Behavior<Command> create(String roleId, WeaveClock clock, SubjectCipher cipher) {
    return new Role(roleId, clock, cipher);
  }

  private final String roleId;
  private final WeaveClock clock;
  private final SubjectCipher cipher;

  private Role(String roleId, WeaveClock clock, SubjectCipher cipher) {
    super(PersistenceId.of(ENTITY_KEY.name(), roleId));
    this.roleId = roleId;
    this.clock = clock;
    this.cipher = cipher;
  }

  @Override
  public State emptyState() {
    return new Unregistered();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unregistered.class)
        .onCommand(Register.class, this::register)
        .onCommand(Command.class, refuse(Refusal.notFound("role " + roleId + " is not registered")));
    builder
        .forStateType(RegisteredRole.class)
        .onCommand(Register.class, refuse(Refusal.conflict("role " + roleId + " is already registered")))
        .onCommand(Login.class, this::login)
        .onCommand(Logout.class, this::logout)
        .onCommand(UpdateProfile.class, this::updateProfile)
        .onCommand(GetProfile.class, this::getProfile)
        .onCommand(GetPersonalData.class, this::getPersonalData)
        .onCommand(Forget.class, this::forget)
        .onCommand(Leave.class, this::leave);
    builder
        .forStateType(LeftRole.class)
        .onCommand(Forget.class, this::forget)
        .onCommand(Leave.class, this::leaveAgain)
        .onCommand(Command.class, refuse(Refusal.gone("role " + roleId + " has left the weave")));
    builder
        .forStateType(ForgottenRole.class)
        .onCommand(Forget.class, this::forgetAgain)
        .onCommand(Command.class,
            refuse(Refusal.gone("role " + roleId + " has left the weave and its personal data was forgotten")));
    return builder.build();
  }

  private ReplyEffect<Event, State> register(Unregistered state, Register command) {
    Optional<String> problem = command.problem();
    if (problem.isPresent()) {
      return reject(command, Refusal.invalid(problem.get()));
    }
    PersonalData personal = new PersonalData(command.homeAddress().strip(), command.home());
    Registered registered =
        new Registered(roleId, command.displayName().strip(), personal, RegionCells.blur(command.home()), clock.now());
    return Effect().persist(registered).thenReply(command.replyTo(), this::profileOf);
  }

  private ReplyEffect<Event, State> login(RegisteredRole state, Login command) {
    if (state.publicPart().spinning()) {
      // A retried login must not fail or repeat the event.
      return Effect().reply(command.replyTo(), state.profile(roleId));
    }
    return Effect().persist(new LoggedIn(clock.now())).thenReply(command.replyTo(), this::profileOf);
  }

  private ReplyEffect<Event, State> logout(RegisteredRole state, Logout command) {
    if (!state.publicPart().spinning()) {
      return Effect().reply(command.replyTo(), state.profile(roleId));
    }
    return Effect().persist(new LoggedOut(clock.now())).thenReply(command.replyTo(), this::profileOf);
  }

  private ReplyEffect<Event, State> updateProfile(RegisteredRole state, UpdateProfile command) {
    Optional<String> problem = command.problem();
    if (problem.isPresent()) {
      return reject(command, Refusal.invalid(problem.get()));
    }
    ProfileUpdated updated =
        new ProfileUpdated(Offers.stripped(command.goods()), Offers.stripped(command.skills()), clock.now());
    return Effect().persist(updated).thenReply(command.replyTo(), this::profileOf);
  }

  private ReplyEffect<Event, State> getProfile(RegisteredRole state, GetProfile query) {
    return Effect().reply(query.replyTo(), state.profile(roleId));
  }

  private ReplyEffect<Event, State> getPersonalData(RegisteredRole state, GetPersonalData query) {
    PersonalData personal = state.personal();
    PersonalDataView view = new PersonalDataView(roleId, personal.homeAddress(), personal.home());
    return Effect().reply(query.replyTo(), view);
  }

  private ReplyEffect<Event, State> leave(RegisteredRole state, Leave command) {
    Left left = new Left(clock.now());
    return Effect().persist(left).thenReply(command.replyTo(), after -> new Departed(roleId, left.at(), false));
  }

  private ReplyEffect<Event, State> leaveAgain(LeftRole state, Leave command) {
    return Effect().reply(command.replyTo(), new Departed(roleId, state.leftAt(), true));
  }

  private ReplyEffect<Event, State> forget(State state, Forget command) {
    Forgotten forgotten = new Forgotten(clock.now());
    return Effect()
        .persist(forgotten)
        .thenRun(after -> shred(command.actor(), command.reason()))
        .thenReply(command.replyTo(), after -> new Erased(roleId, forgotten.at(), false));
  }

  private ReplyEffect<Event, State> forgetAgain(ForgottenRole state, Forget command) {
    // The key may survive a crash between the event and the shredding: shred again, idempotently.
    shred(command.actor(), command.reason());
    return Effect().reply(command.replyTo(), new Erased(roleId, state.forgottenAt(), true));
  }

  /** Shreds the role's key: a blocking write to the key store, rare enough to run on the entity. */
  private void shred(String actor, String reason) {
    cipher.keys().shred(roleId, actor, reason);
  }

  /** A handler that refuses, whatever the command. */
  private <C extends Command> Function<C, ReplyEffect<Event, State>> refuse(Refusal refusal) {
    return command -> reject(command, refusal);
  }

  private ReplyEffect<Event, State> reject(Command command, Refusal refusal) {
    return Effect().reply(command.replyTo(), new Rejected(refusal));
  }

  /** The role as it stands after an event that leaves it registered. */
  private Reply profileOf(State state) {
    return state instanceof RegisteredRole role
        ? role.profile(roleId)
        : new Rejected(Refusal.notFound("role " + roleId + " is not registered"));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder.forStateType(Unregistered.class).onEvent(Registered.class, Role::onRegistered);
    builder
        .forStateType(RegisteredRole.class)
        .onEvent(LoggedIn.class, Role::onLoggedIn)
        .onEvent(LoggedOut.class, Role::onLoggedOut)
        .onEvent(ProfileUpdated.class, Role::onProfileUpdated)
        .onEvent(Left.class, Role::onLeft)
        .onEvent(Forgotten.class, Role::onForgotten);
    builder.forStateType(LeftRole.class).onEvent(Forgotten.class, Role::onForgotten);
    return builder.build();
  }

  private static State onRegistered(Unregistered state, Registered event) {
    PublicPart shown = new PublicPart(event.displayName(), event.publicLocation(), List.of(), List.of(), false,
        event.at(), event.at());
    return new RegisteredRole(shown, event.personal());
  }

  private static State onLoggedIn(RegisteredRole state, LoggedIn event) {
    return state.withPublicPart(state.publicPart().withSpinning(true, event.at()));
  }

  private static State onLoggedOut(RegisteredRole state, LoggedOut event) {
    return state.withPublicPart(state.publicPart().withSpinning(false, event.at()));
  }

  private static State onProfileUpdated(RegisteredRole state, ProfileUpdated event) {
    return state.withPublicPart(
        state.publicPart().withOffers(event.goods(), event.skills(), event.at()));
  }

  private static State onLeft(RegisteredRole state, Left event) {
    return new LeftRole(state.publicPart().withSpinning(false, event.at()), state.personal(), event.at());
  }

  private static State onForgotten(State state, Forgotten event) {
    return new ForgottenRole(event.at());
  }

  @Override
  public EventAdapter<Event, ?> eventAdapter() {
    return RoleSealing.events(roleId, cipher);
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return RoleSealing.snapshots(roleId, cipher);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::shredIfForgotten)
        .build();
  }

  private void shredIfForgotten(State state) {
    if (state instanceof ForgottenRole) {
      shred("system:role-recovery", "a forgotten role started: its key must be gone");
    }
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
