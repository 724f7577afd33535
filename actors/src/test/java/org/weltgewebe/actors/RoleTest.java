package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RoleTest {
  private static final Instant START = Instant.parse("2025-03-01T08:00:00Z");
  private static final GeoPoint HOME = new GeoPoint(53.5511, 9.9937);
  private static final String ADDRESS = "Rathausmarkt 1, 20095 Hamburg";
  private static final AtomicInteger IDS = new AtomicInteger();

  private static ActorTestKit actorTestKit;

  private ManualClock clock;
  private String roleId;
  private EventSourcedBehaviorTestKit<Role.Command, Role.Event, Role.State> role;

  @BeforeAll
  static void startSystem() {
    actorTestKit =
        ActorTestKit.create(
            "RoleTest", EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopSystem() {
    actorTestKit.shutdownTestKit();
  }

  private final SubjectCipher cipher = new SubjectCipher(SubjectKeys.inMemory());

  @BeforeEach
  void newRole() {
    clock = new ManualClock(START);
    roleId = "r-" + IDS.incrementAndGet();
    role =
        EventSourcedBehaviorTestKit.create(
            actorTestKit.system(), Role.create(roleId, clock, cipher));
  }

  /** The domain event behind a journal entry: the journal holds personal fields sealed (RoleSealing). */
  private <E> E opened(CommandResultWithReply<Role.Command, Role.Event, Role.State, Role.Reply> result, Class<E> type) {
    Object stored = result.event();
    assertInstanceOf(RoleSealing.Journal.class, stored, "personal fields reach the journal only sealed");
    return type.cast(RoleSealing.open(stored, cipher));
  }

  private CommandResultWithReply<Role.Command, Role.Event, Role.State, Role.Reply> run(
      Function<ActorRef<Role.Reply>, Role.Command> command) {
    return role.runCommand(command);
  }

  private void register() {
    run(r -> new Role.Register("Ada", ADDRESS, HOME, r)).replyOfType(Role.Profile.class);
  }

  private void assertRefused(
      Refusal.Kind kind,
      String reason,
      CommandResultWithReply<Role.Command, Role.Event, Role.State, Role.Reply> result) {
    assertTrue(result.hasNoEvents(), "a refused command persists nothing");
    Refusal refusal = result.replyOfType(Role.Rejected.class).refusal();
    assertEquals(kind, refusal.kind());
    assertEquals(reason, refusal.reason());
  }

  private void assertRefused(
      Refusal.Kind kind,
      CommandResultWithReply<Role.Command, Role.Event, Role.State, Role.Reply> result) {
    assertTrue(result.hasNoEvents(), "a refused command persists nothing");
    assertEquals(kind, result.replyOfType(Role.Rejected.class).refusal().kind());
  }

  @Test
  void registerPlacesTheRoleAtItsBlurredHomeAndKeepsThePersonalDataApart() {
    var result = run(r -> new Role.Register("  Ada  ", " " + ADDRESS + " ", HOME, r));

    Role.Registered event = opened(result, Role.Registered.class);
    GeoPoint blurred = RegionCells.blur(HOME);
    assertEquals(roleId, event.roleId());
    assertEquals("Ada", event.displayName());
    assertEquals(new Role.PersonalData(ADDRESS, HOME), event.personal());
    assertEquals(blurred, event.publicLocation());
    assertNotEquals(HOME, event.publicLocation());
    assertEquals(START, event.at());

    Role.RegisteredRole state = result.stateOfType(Role.RegisteredRole.class);
    assertEquals(
        new Role.PublicPart("Ada", blurred, List.of(), List.of(), false, START, START),
        state.publicPart());
    assertEquals(new Role.PersonalData(ADDRESS, HOME), state.personal());

    assertEquals(
        new Role.Profile(roleId, "Ada", blurred, false, List.of(), List.of(), START),
        result.reply());
  }

  @Test
  void personalDataNeverShowsInToString() {
    var personal = new Role.PersonalData(ADDRESS, HOME);
    ActorRef<Role.Reply> nobody = actorTestKit.<Role.Reply>createTestProbe().ref();
    var command = new Role.Register("Ada", ADDRESS, HOME, nobody);
    var view = new Role.PersonalDataView(roleId, ADDRESS, HOME);
    var publicPart =
        new Role.PublicPart("Ada", RegionCells.blur(HOME), List.of(), List.of(), false, START, START);
    var state = new Role.RegisteredRole(publicPart, personal);
    var event = new Role.Registered(roleId, "Ada", personal, RegionCells.blur(HOME), START);

    for (Object holder : List.of(personal, command, view, state, event)) {
      String shown = holder.toString();
      assertFalse(shown.contains("Rathausmarkt"), shown);
      assertFalse(shown.contains(String.valueOf(HOME.lat())), shown);
      assertFalse(shown.contains(String.valueOf(HOME.lon())), shown);
      assertTrue(shown.contains("[redacted]"), shown);
    }
  }

  @Test
  void getPersonalDataAnswersTheExactHome() {
    register();
    var result = run(Role.GetPersonalData::new);
    assertTrue(result.hasNoEvents());
    assertEquals(new Role.PersonalDataView(roleId, ADDRESS, HOME), result.reply());
  }

  @Test
  void registeringTwiceIsAConflict() {
    register();
    assertRefused(
        Refusal.Kind.CONFLICT,
        "role " + roleId + " is already registered",
        run(r -> new Role.Register("Ada", ADDRESS, HOME, r)));
  }

  @Test
  void invalidRegistrationsAreRefused() {
    String tooLongName = "x".repeat(81);
    String tooLongAddress = "x".repeat(201);
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.Register("   ", ADDRESS, HOME, r)));
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.Register(null, ADDRESS, HOME, r)));
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.Register(tooLongName, ADDRESS, HOME, r)));
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.Register("Ada", " ", HOME, r)));
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.Register("Ada", null, HOME, r)));
    assertRefused(
        Refusal.Kind.INVALID, run(r -> new Role.Register("Ada", tooLongAddress, HOME, r)));
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.Register("Ada", ADDRESS, null, r)));
    assertRefused(
        Refusal.Kind.INVALID,
        "home position: latitude must lie in [-90, 90], got 91.0",
        run(r -> new Role.Register("Ada", ADDRESS, new GeoPoint(91, 10), r)));
    assertInstanceOf(Role.Unregistered.class, role.getState());

    // The limits themselves are allowed.
    String longestName = "x".repeat(80);
    String longestAddress = "x".repeat(200);
    var accepted = run(r -> new Role.Register(longestName, longestAddress, HOME, r));
    assertEquals(longestName, opened(accepted, Role.Registered.class).displayName());
  }

  @Test
  void everyOtherCommandBeforeRegistrationIsNotFound() {
    String reason = "role " + roleId + " is not registered";
    assertRefused(Refusal.Kind.NOT_FOUND, reason, run(Role.Login::new));
    assertRefused(Refusal.Kind.NOT_FOUND, reason, run(Role.Logout::new));
    assertRefused(
        Refusal.Kind.NOT_FOUND, reason, run(r -> new Role.UpdateProfile(List.of(), List.of(), r)));
    assertRefused(Refusal.Kind.NOT_FOUND, reason, run(Role.GetProfile::new));
    assertRefused(Refusal.Kind.NOT_FOUND, reason, run(Role.GetPersonalData::new));
  }

  @Test
  void loginAndLogoutShowTheRoleAtItsBlurredLocation() {
    register();
    clock.advance(Duration.ofHours(1));
    var login = run(Role.Login::new);

    Instant loginAt = START.plus(Duration.ofHours(1));
    assertEquals(new Role.LoggedIn(loginAt), login.event());
    assertTrue(login.replyOfType(Role.Profile.class).spinning());
    Role.PublicPart shown = login.stateOfType(Role.RegisteredRole.class).publicPart();
    assertTrue(shown.spinning());
    assertEquals(loginAt, shown.lastSeenAt());

    clock.advance(Duration.ofHours(1));
    var logout = run(Role.Logout::new);
    Instant logoutAt = loginAt.plus(Duration.ofHours(1));
    assertEquals(new Role.LoggedOut(logoutAt), logout.event());
    assertFalse(logout.replyOfType(Role.Profile.class).spinning());
    assertEquals(logoutAt, logout.stateOfType(Role.RegisteredRole.class).publicPart().lastSeenAt());

    GeoPoint blurred = RegionCells.blur(HOME);
    assertEquals(blurred, shown.publicLocation());
    assertEquals(blurred, login.replyOfType(Role.Profile.class).publicLocation());
    assertNotEquals(HOME, shown.publicLocation(), "the exact home never reaches the map");
  }

  @Test
  void repeatedLoginAndLogoutAreAcceptedWithoutEvents() {
    register();
    run(Role.Login::new);
    var again = run(Role.Login::new);
    assertTrue(again.hasNoEvents());
    assertTrue(again.replyOfType(Role.Profile.class).spinning());

    run(Role.Logout::new);
    var outAgain = run(Role.Logout::new);
    assertTrue(outAgain.hasNoEvents());
    assertFalse(outAgain.replyOfType(Role.Profile.class).spinning());
  }

  @Test
  void logoutOfAFreshRoleIsAcceptedWithoutEvent() {
    register();
    var result = run(Role.Logout::new);
    assertTrue(result.hasNoEvents());
    assertFalse(result.replyOfType(Role.Profile.class).spinning());
  }

  @Test
  void updateProfileReplacesGoodsAndSkills() {
    register();
    clock.advance(Duration.ofMinutes(5));
    var result =
        run(r -> new Role.UpdateProfile(List.of(" Bohrmaschine ", "Leiter"), List.of("Nähen"), r));

    Instant at = START.plus(Duration.ofMinutes(5));
    assertEquals(
        new Role.ProfileUpdated(List.of("Bohrmaschine", "Leiter"), List.of("Nähen"), at),
        opened(result, Role.ProfileUpdated.class));
    Role.PublicPart shown = result.stateOfType(Role.RegisteredRole.class).publicPart();
    assertEquals(List.of("Bohrmaschine", "Leiter"), shown.goods());
    assertEquals(List.of("Nähen"), shown.skills());
    assertEquals(at, shown.lastSeenAt());
    Role.Profile profile = result.replyOfType(Role.Profile.class);
    assertEquals(List.of("Bohrmaschine", "Leiter"), profile.goods());
    assertEquals(List.of("Nähen"), profile.skills());

    var cleared = run(r -> new Role.UpdateProfile(List.of(), List.of(), r));
    assertEquals(List.of(), cleared.replyOfType(Role.Profile.class).goods());
    assertEquals(List.of(), run(Role.GetProfile::new).replyOfType(Role.Profile.class).skills());
  }

  @Test
  void invalidProfileUpdatesAreRefused() {
    register();
    List<String> ok = List.of("Leiter");
    List<String> twentyOne = Collections.nCopies(21, "Leiter");
    List<String> blankEntry = List.of("Leiter", "  ");
    List<String> longEntry = List.of("x".repeat(61));

    assertRefused(
        Refusal.Kind.INVALID,
        "goods may have at most 20 entries, got 21",
        run(r -> new Role.UpdateProfile(twentyOne, ok, r)));
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.UpdateProfile(ok, twentyOne, r)));
    assertRefused(
        Refusal.Kind.INVALID,
        "skills entry 2 is blank",
        run(r -> new Role.UpdateProfile(ok, blankEntry, r)));
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.UpdateProfile(blankEntry, ok, r)));
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.UpdateProfile(longEntry, ok, r)));
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.UpdateProfile(ok, longEntry, r)));
    assertRefused(Refusal.Kind.INVALID, run(r -> new Role.UpdateProfile(null, ok, r)));

    // The limits themselves are allowed.
    List<String> twenty = Collections.nCopies(20, "x".repeat(60));
    var accepted = run(r -> new Role.UpdateProfile(twenty, twenty, r));
    assertEquals(20, opened(accepted, Role.ProfileUpdated.class).goods().size());
  }

  @Test
  void restartRebuildsTheSameState() {
    register();
    run(Role.Login::new);
    run(r -> new Role.UpdateProfile(List.of("Leiter"), List.of("Nähen"), r));
    Role.State before = role.getState();

    Role.State after = role.restart().state();

    assertEquals(before, after);
    Role.RegisteredRole recovered = assertInstanceOf(Role.RegisteredRole.class, after);
    assertTrue(recovered.publicPart().spinning());
    assertEquals(new Role.PersonalData(ADDRESS, HOME), recovered.personal());
    Role.Profile profile = run(Role.GetProfile::new).replyOfType(Role.Profile.class);
    assertEquals(List.of("Leiter"), profile.goods());
  }

  @Test
  void leavingStopsSpinningAndEveryLaterCommandIsGone() {
    register();
    run(Role.Login::new);
    clock.advance(Duration.ofHours(2));

    var left = run(Role.Leave::new);

    assertEquals(new Role.Left(START.plus(Duration.ofHours(2))), left.eventOfType(Role.Left.class));
    assertEquals(
        new Role.Departed(roleId, START.plus(Duration.ofHours(2)), false),
        left.replyOfType(Role.Departed.class));
    Role.LeftRole state = left.stateOfType(Role.LeftRole.class);
    assertFalse(state.publicPart().spinning());

    String gone = "role " + roleId + " has left the weave";
    assertRefused(Refusal.Kind.GONE, gone, run(Role.GetProfile::new));
    assertRefused(Refusal.Kind.GONE, gone, run(Role.GetPersonalData::new));
    assertRefused(Refusal.Kind.GONE, gone, run(Role.Login::new));
    assertRefused(Refusal.Kind.GONE, gone, run(Role.Logout::new));
    assertRefused(Refusal.Kind.GONE, gone, run(r -> new Role.UpdateProfile(List.of(), List.of(), r)));
    assertRefused(Refusal.Kind.GONE, gone, run(r -> new Role.Register("Ada", ADDRESS, HOME, r)));
  }

  @Test
  void leavingAgainPersistsNothingAndAnswersTheFirstDeparture() {
    register();
    run(Role.Leave::new);
    clock.advance(Duration.ofDays(1));

    var again = run(Role.Leave::new);

    assertTrue(again.hasNoEvents());
    assertEquals(new Role.Departed(roleId, START, true), again.reply());
    assertEquals(again.state(), role.restart().state(), "a left role recovers as left");
  }

  @Test
  void aRestingRoleLeavesAndAnUnknownOneCannotLeave() {
    register();
    run(Role.Leave::new).eventOfType(Role.Left.class);

    var stranger =
        EventSourcedBehaviorTestKit.<Role.Command, Role.Event, Role.State>create(
            actorTestKit.system(), Role.create("nobody-" + roleId, clock));
    var refused = stranger.<Role.Reply>runCommand(Role.Leave::new);
    assertTrue(refused.hasNoEvents());
    assertEquals(Refusal.Kind.NOT_FOUND, refused.replyOfType(Role.Rejected.class).refusal().kind());
  }

  @Test
  void forgettingShredsTheKeySoTheSealedJournalReadsBlankAndTheRoleIsGone() {
    var registered = run(r -> new Role.Register("Zora Canary", "Canarystraße 1", HOME, r));
    Object storedRegistration = registered.event();
    run(r -> new Role.UpdateProfile(List.of("Kanarienfutter"), List.of(), r));
    var forgotten = run(r -> new Role.Forget("operator:test", "subject asked to be forgotten", r));
    Role.Erased erased = assertInstanceOf(Role.Erased.class, forgotten.reply());
    assertEquals(roleId, erased.roleId());
    assertInstanceOf(Role.ForgottenRole.class, forgotten.state());
    assertTrue(cipher.keys().openingKey(roleId).isEmpty(), "the role's key is shredded");
    Role.Registered reopened = (Role.Registered) RoleSealing.open(storedRegistration, cipher);
    assertEquals(RoleSealing.FORGOTTEN, reopened.displayName());
    assertEquals(Role.PersonalData.FORGOTTEN, reopened.personal());
    assertEquals(RegionCells.blur(HOME), reopened.publicLocation(), "the pseudonymous public rest stays");

    var reply = run(Role.GetPersonalData::new).reply();
    assertEquals(Refusal.Kind.GONE, assertInstanceOf(Role.Rejected.class, reply).refusal().kind());
    var again = run(r -> new Role.Forget("operator:test", "again", r));
    assertTrue(assertInstanceOf(Role.Erased.class, again.reply()).alreadyForgotten());
    assertTrue(again.hasNoEvents());

    role.restart();
    assertInstanceOf(Role.ForgottenRole.class, role.getState(), "recovery from the sealed journal after shredding");
  }
}
