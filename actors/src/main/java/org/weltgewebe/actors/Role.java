package org.weltgewebe.actors;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * A role (Garnrolle): a verified account placed on the map at its user's home. The role is
 * "spinning" while its user is logged in, and offers goods and skills in its public profile.
 *
 * <p>The exact home address and position are personal data. They live in {@link PersonalData},
 * apart from the {@link PublicProfile} that everyone may see, so that a forget pipeline can drop
 * them alone; their {@code toString} is redacted so they never reach a log. What the map shows is
 * the home blurred to the centre of its privacy cell ({@link RegionCells#blur}).
 */
public final class Role
    extends EventSourcedBehaviorWithEnforcedReplies<Role.Command, Role.Event, Role.State> {

  /** Sharding key of the role entities; the entity id is the role id. */
  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "role");

  static final int MAX_DISPLAY_NAME = 80;
  static final int MAX_ADDRESS = 200;
  static final int MAX_PROFILE_ENTRIES = 20;
  static final int MAX_PROFILE_ENTRY = 60;

  // ---- protocol

  /** Everything a role understands. */
  public sealed interface Command extends WeaveSerializable
      permits Register, Login, Logout, UpdateProfile, GetProfile, GetPersonalData {}

  /** Places a new role on the map at its home. */
  public record Register(
      String displayName, String homeAddress, GeoPoint home, ActorRef<Reply> replyTo)
      implements Command {
    @Override
    public String toString() {
      return "Register[displayName=" + displayName + ", home=[redacted]]";
    }
  }

  /** The role's user logged in: the role starts spinning. Repeating it changes nothing. */
  public record Login(ActorRef<Reply> replyTo) implements Command {}

  /** The role's user logged out: the role stops spinning. Repeating it changes nothing. */
  public record Logout(ActorRef<Reply> replyTo) implements Command {}

  /** Replaces the goods and skills the role offers. */
  public record UpdateProfile(List<String> goods, List<String> skills, ActorRef<Reply> replyTo)
      implements Command {}

  /** Reads the public profile. */
  public record GetProfile(ActorRef<Reply> replyTo) implements Command {}

  /** Reads the personal data; the API lets only the role itself ask. */
  public record GetPersonalData(ActorRef<Reply> replyTo) implements Command {}

  /** What happened to a role. */
  public sealed interface Event extends WeaveSerializable
      permits Registered, LoggedIn, LoggedOut, ProfileUpdated {}

  /** The role was placed on the map. */
  public record Registered(
      String roleId, String displayName, PersonalData personal, GeoPoint publicLocation, Instant at)
      implements Event {}

  /** The role started spinning. */
  public record LoggedIn(Instant at) implements Event {}

  /** The role stopped spinning. */
  public record LoggedOut(Instant at) implements Event {}

  /** The role's goods and skills changed. */
  public record ProfileUpdated(List<String> goods, List<String> skills, Instant at) implements Event {}

  /** A role's personal data: never shown to others, never logged. */
  public record PersonalData(String homeAddress, GeoPoint home) implements WeaveSerializable {
    @Override
    public String toString() {
      return "PersonalData[redacted]";
    }
  }

  /** What a role answers. */
  public sealed interface Reply extends WeaveSerializable
      permits Profile, PersonalDataView, Rejected {}

  /** The public profile: what anyone may see of the role. */
  public record Profile(
      String roleId,
      String displayName,
      GeoPoint publicLocation,
      boolean spinning,
      List<String> goods,
      List<String> skills,
      Instant registeredAt)
      implements Reply {}

  /** The role's personal data, for the role itself. */
  public record PersonalDataView(String roleId, String homeAddress, GeoPoint home) implements Reply {
    @Override
    public String toString() {
      return "PersonalDataView[roleId=" + roleId + ", redacted]";
    }
  }

  /** The role refused the command and changed nothing. */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---- state

  /** A role's state: not registered, or registered. */
  sealed interface State extends WeaveSerializable permits Unregistered, Placed {}

  /** No role has been registered under this id. */
  record Unregistered() implements State {}

  /** What everyone may see of a registered role. */
  record PublicProfile(
      String displayName,
      GeoPoint publicLocation,
      List<String> goods,
      List<String> skills,
      boolean spinning,
      Instant registeredAt,
      Instant lastSeenAt)
      implements WeaveSerializable {

    PublicProfile spinning(boolean nowSpinning, Instant at) {
      return new PublicProfile(displayName, publicLocation, goods, skills, nowSpinning, registeredAt, at);
    }

    PublicProfile offering(List<String> newGoods, List<String> newSkills, Instant at) {
      return new PublicProfile(
          displayName, publicLocation, List.copyOf(newGoods), List.copyOf(newSkills), spinning, registeredAt, at);
    }
  }

  /** A registered role: its public profile and, apart from it, its personal data. */
  record Placed(PublicProfile profile, PersonalData personal) implements State {}

  // ---- behaviour

  /** A role entity for {@code roleId}, reading time from {@code clock}, reporting to {@code feed}. */
  public static Behavior<Command> create(String roleId, WeaveClock clock, RegionFeed feed) {
    return Behaviors.setup(context -> new Role(roleId, clock, feed, context));
  }

  private final String roleId;
  private final WeaveClock clock;
  private final RegionFeed feed;
  private final ActorContext<Command> context;

  private Role(String roleId, WeaveClock clock, RegionFeed feed, ActorContext<Command> context) {
    super(PersistenceId.of(ENTITY_KEY.name(), roleId));
    this.roleId = roleId;
    this.clock = clock;
    this.feed = feed;
    this.context = context;
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
        .onCommand(Login.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(Logout.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(UpdateProfile.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(GetProfile.class, (state, command) -> notFound(command.replyTo()))
        .onCommand(GetPersonalData.class, (state, command) -> notFound(command.replyTo()));
    builder
        .forStateType(Placed.class)
        .onCommand(Register.class, (role, command) -> reject(command.replyTo(),
            Refusal.conflict("role " + roleId + " is already registered")))
        .onCommand(Login.class, this::login)
        .onCommand(Logout.class, this::logout)
        .onCommand(UpdateProfile.class, this::updateProfile)
        .onCommand(GetProfile.class, (role, command) -> Effect().reply(command.replyTo(), profileOf(role)))
        .onCommand(GetPersonalData.class, (role, command) ->
            Effect().reply(command.replyTo(),
                new PersonalDataView(roleId, role.personal().homeAddress(), role.personal().home())));
    return builder.build();
  }

  private ReplyEffect<Event, State> register(Unregistered state, Register command) {
    Optional<String> problem = problemOf(command);
    if (problem.isPresent()) {
      return reject(command.replyTo(), Refusal.invalid(problem.get()));
    }
    Registered registered =
        new Registered(
            roleId,
            command.displayName().trim(),
            new PersonalData(command.homeAddress().trim(), command.home()),
            RegionCells.blur(command.home()),
            clock.now());
    return Effect().persist(registered).thenReply(command.replyTo(), this::profileOf);
  }

  private ReplyEffect<Event, State> login(Placed role, Login command) {
    if (role.profile().spinning()) {
      return Effect().reply(command.replyTo(), profileOf(role));
    }
    return Effect()
        .persist(new LoggedIn(clock.now()))
        .thenRun(this::reportSpinning)
        .thenReply(command.replyTo(), this::profileOf);
  }

  private ReplyEffect<Event, State> logout(Placed role, Logout command) {
    if (!role.profile().spinning()) {
      return Effect().reply(command.replyTo(), profileOf(role));
    }
    return Effect()
        .persist(new LoggedOut(clock.now()))
        .thenRun(this::reportSpinning)
        .thenReply(command.replyTo(), this::profileOf);
  }

  private ReplyEffect<Event, State> updateProfile(Placed role, UpdateProfile command) {
    Optional<String> problem =
        entriesProblem("goods", command.goods()).or(() -> entriesProblem("skills", command.skills()));
    if (problem.isPresent()) {
      return reject(command.replyTo(), Refusal.invalid(problem.get()));
    }
    List<String> goods = command.goods().stream().map(String::trim).toList();
    List<String> skills = command.skills().stream().map(String::trim).toList();
    return Effect()
        .persist(new ProfileUpdated(goods, skills, clock.now()))
        .thenReply(command.replyTo(), this::profileOf);
  }

  /** Tells the role's region that it started or stopped spinning, at its public position only. */
  private void reportSpinning(State state) {
    Placed role = (Placed) state;
    EventId source = new EventId(persistenceId().id(), lastSequenceNumber(context));
    PublicProfile profile = role.profile();
    if (profile.spinning()) {
      feed.publish(new Region.RoleSpinning(source, roleId, profile.displayName(), profile.publicLocation()));
    } else {
      feed.publish(new Region.RoleResting(source, roleId, profile.publicLocation()));
    }
  }

  private static Optional<String> problemOf(Register command) {
    if (isBlank(command.displayName())) {
      return Optional.of("displayName must not be blank");
    }
    if (command.displayName().trim().length() > MAX_DISPLAY_NAME) {
      return Optional.of("displayName must be at most " + MAX_DISPLAY_NAME + " characters");
    }
    if (isBlank(command.homeAddress())) {
      return Optional.of("homeAddress must not be blank");
    }
    if (command.homeAddress().trim().length() > MAX_ADDRESS) {
      return Optional.of("homeAddress must be at most " + MAX_ADDRESS + " characters");
    }
    if (command.home() == null) {
      return Optional.of("home position is required");
    }
    return command.home().problem().map(p -> "home position: " + p);
  }

  private static Optional<String> entriesProblem(String field, List<String> entries) {
    if (entries == null) {
      return Optional.of(field + " is required (an empty list clears it)");
    }
    if (entries.size() > MAX_PROFILE_ENTRIES) {
      return Optional.of(field + " may hold at most " + MAX_PROFILE_ENTRIES + " entries, got " + entries.size());
    }
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i);
      if (isBlank(entry)) {
        return Optional.of(field + "[" + i + "] must not be blank");
      }
      if (entry.trim().length() > MAX_PROFILE_ENTRY) {
        return Optional.of(field + "[" + i + "] must be at most " + MAX_PROFILE_ENTRY + " characters");
      }
    }
    return Optional.empty();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private Reply profileOf(State state) {
    PublicProfile p = ((Placed) state).profile();
    return new Profile(roleId, p.displayName(), p.publicLocation(), p.spinning(), p.goods(), p.skills(), p.registeredAt());
  }

  private ReplyEffect<Event, State> notFound(ActorRef<Reply> replyTo) {
    return reject(replyTo, Refusal.notFound("role " + roleId + " is not registered"));
  }

  private ReplyEffect<Event, State> reject(ActorRef<Reply> replyTo, Refusal refusal) {
    return Effect().reply(replyTo, new Rejected(refusal));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(Unregistered.class)
        .onEvent(Registered.class, (state, e) -> new Placed(
            new PublicProfile(e.displayName(), e.publicLocation(), List.of(), List.of(), false, e.at(), e.at()),
            e.personal()));
    builder
        .forStateType(Placed.class)
        .onEvent(LoggedIn.class, (role, e) -> new Placed(role.profile().spinning(true, e.at()), role.personal()))
        .onEvent(LoggedOut.class, (role, e) -> new Placed(role.profile().spinning(false, e.at()), role.personal()))
        .onEvent(ProfileUpdated.class, (role, e) ->
            new Placed(role.profile().offering(e.goods(), e.skills(), e.at()), role.personal()));
    return builder.build();
  }

  @Override
  public java.util.Set<String> tagsFor(Event event) {
    return Tagging.tagsFor(ENTITY_KEY.name(), roleId);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
