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
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The role's rules: registration, spinning, the public profile and the privacy of its home. */
class RoleTest {
  private static final Instant T0 = Instant.parse("2026-03-01T08:00:00Z");
  private static final GeoPoint HOME = new GeoPoint(52.49712, 13.41875);
  private static final String ADDRESS = "Paul-Lincke-Ufer 7, 10999 Berlin";

  private static ActorTestKit testKit;

  private ManualClock clock;
  private List<Region.Update> published;
  private String roleId;
  private EventSourcedBehaviorTestKit<Role.Command, Role.Event, Role.State> role;

  @BeforeAll
  static void startSystem() {
    testKit = ActorTestKit.create("RoleTest", EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void freshRole() {
    clock = new ManualClock(T0);
    published = new CopyOnWriteArrayList<>();
    roleId = "role-" + UUID.randomUUID();
    role = EventSourcedBehaviorTestKit.create(testKit.system(), Role.create(roleId, clock, published::add));
  }

  private CommandResultWithReply<Role.Command, Role.Event, Role.State, Role.Reply> register() {
    return run(r -> new Role.Register("  Ada  ", ADDRESS, HOME, r));
  }

  @Test
  void registrationPlacesTheRoleAtABlurredPublicPosition() {
    var result = register();
    Role.Registered registered = (Role.Registered) result.event();
    assertEquals("Ada", registered.displayName());
    assertEquals(ADDRESS, registered.personal().homeAddress());
    assertEquals(HOME, registered.personal().home());
    assertEquals(RegionCells.blur(HOME), registered.publicLocation());
    assertNotEquals(HOME, registered.publicLocation(), "the public position is not the home");
    double metres = distanceMetres(HOME, registered.publicLocation());
    assertTrue(metres < 1000, "blurred within the privacy cell, was " + metres + " m away");

    Role.Profile profile = result.replyOfType(Role.Profile.class);
    assertEquals("Ada", profile.displayName());
    assertFalse(profile.spinning());
    assertEquals(T0, profile.registeredAt());
    assertTrue(published.isEmpty(), "a role appears on the map only while spinning");
  }

  @Test
  void personalDataIsAvailableToTheRoleButNeverPrinted() {
    var registered = (Role.Registered) register().event();
    assertFalse(registered.toString().contains("Lincke"), registered.toString());
    assertFalse(registered.toString().contains("52.49712"), registered.toString());
    var view = run(Role.GetPersonalData::new).replyOfType(Role.PersonalDataView.class);
    assertEquals(ADDRESS, view.homeAddress());
    assertEquals(HOME, view.home());
    assertFalse(view.toString().contains("Lincke"));
    Role.Profile profile = run(Role.GetProfile::new).replyOfType(Role.Profile.class);
    assertFalse(profile.toString().contains("Lincke"));
  }

  @Test
  void loginAndLogoutSpinAndTellTheRegionTheBlurredPositionOnly() {
    register();
    clock.advance(Duration.ofMinutes(5));
    var login = run(Role.Login::new);
    assertInstanceOf(Role.LoggedIn.class, login.event());
    assertTrue(login.replyOfType(Role.Profile.class).spinning());
    clock.advance(Duration.ofMinutes(30));
    var logout = run(Role.Logout::new);
    assertEquals(new Role.LoggedOut(T0.plus(Duration.ofMinutes(35))), logout.event());
    assertFalse(logout.replyOfType(Role.Profile.class).spinning());

    assertEquals(2, published.size());
    Region.RoleSpinning spinning = (Region.RoleSpinning) published.get(0);
    assertEquals(new EventId("role|" + roleId, 2), spinning.source());
    assertEquals(RegionCells.blur(HOME), spinning.location());
    assertEquals("Ada", spinning.displayName());
    Region.RoleResting resting = (Region.RoleResting) published.get(1);
    assertEquals(new EventId("role|" + roleId, 3), resting.source());
    assertEquals(RegionCells.blur(HOME), resting.location());
  }

  @Test
  void repeatedLoginAndLogoutAreAcceptedWithoutEvents() {
    register();
    run(Role.Login::new);
    var again = run(Role.Login::new);
    assertTrue(again.hasNoEvents());
    assertTrue(again.replyOfType(Role.Profile.class).spinning());
    run(Role.Logout::new);
    var logoutAgain = run(Role.Logout::new);
    assertTrue(logoutAgain.hasNoEvents());
    assertEquals(2, published.size());
  }

  @Test
  void theProfileOffersGoodsAndSkills() {
    register();
    var result = run(r -> new Role.UpdateProfile(List.of(" Lastenrad ", "Bohrmaschine"), List.of("Fahrräder reparieren"), r));
    assertEquals(List.of("Lastenrad", "Bohrmaschine"), ((Role.ProfileUpdated) result.event()).goods());
    Role.Profile profile = run(Role.GetProfile::new).replyOfType(Role.Profile.class);
    assertEquals(List.of("Lastenrad", "Bohrmaschine"), profile.goods());
    assertEquals(List.of("Fahrräder reparieren"), profile.skills());
  }

  @Test
  void invalidRegistrationsAreRefusedAndPersistNothing() {
    assertInvalid(run(r -> new Role.Register(" ", ADDRESS, HOME, r)), "displayName must not be blank");
    assertInvalid(run(r -> new Role.Register("x".repeat(81), ADDRESS, HOME, r)), "displayName must be at most 80");
    assertInvalid(run(r -> new Role.Register("Ada", "", HOME, r)), "homeAddress must not be blank");
    assertInvalid(run(r -> new Role.Register("Ada", "a".repeat(201), HOME, r)), "homeAddress must be at most 200");
    assertInvalid(run(r -> new Role.Register("Ada", ADDRESS, null, r)), "home position is required");
    assertInvalid(run(r -> new Role.Register("Ada", ADDRESS, new GeoPoint(91, 13), r)), "latitude");
    assertInvalid(run(r -> new Role.Register("Ada", ADDRESS, new GeoPoint(52, -181), r)), "longitude");
    // the limits themselves are allowed
    assertInstanceOf(Role.Registered.class, run(r -> new Role.Register("x".repeat(80), "a".repeat(200), HOME, r)).event());
  }

  @Test
  void invalidProfilesAreRefusedAndPersistNothing() {
    register();
    assertInvalid(run(r -> new Role.UpdateProfile(null, List.of(), r)), "goods is required");
    assertInvalid(run(r -> new Role.UpdateProfile(Collections.nCopies(21, "Brot"), List.of(), r)), "at most 20 entries");
    assertInvalid(run(r -> new Role.UpdateProfile(List.of("Brot", " "), List.of(), r)), "goods[1] must not be blank");
    assertInvalid(run(r -> new Role.UpdateProfile(List.of(), List.of("s".repeat(61)), r)), "skills[0] must be at most 60");
  }

  @Test
  void aSecondRegistrationConflicts() {
    register();
    var again = run(r -> new Role.Register("Bea", ADDRESS, HOME, r));
    assertTrue(again.hasNoEvents());
    Refusal refusal = again.replyOfType(Role.Rejected.class).refusal();
    assertEquals(Refusal.Kind.CONFLICT, refusal.kind());
    assertEquals("role " + roleId + " is already registered", refusal.reason());
  }

  @Test
  void everythingButRegistrationIsNotFoundBeforeIt() {
    for (var result :
        List.of(
            run(Role.Login::new),
            run(Role.Logout::new),
            run(Role.GetProfile::new),
            run(Role.GetPersonalData::new),
            run(r -> new Role.UpdateProfile(List.of(), List.of(), r)))) {
      assertTrue(result.hasNoEvents());
      assertEquals(Refusal.Kind.NOT_FOUND, result.replyOfType(Role.Rejected.class).refusal().kind());
    }
  }

  @Test
  void aRestartedRoleRecoversItsState() {
    register();
    run(Role.Login::new);
    run(r -> new Role.UpdateProfile(List.of("Leiter"), List.of(), r));
    Role.State before = role.getState();
    role.restart();
    assertEquals(before, role.getState());
    Role.Profile profile = run(Role.GetProfile::new).replyOfType(Role.Profile.class);
    assertTrue(profile.spinning());
    assertEquals(List.of("Leiter"), profile.goods());
  }

  private static void assertInvalid(
      CommandResultWithReply<Role.Command, Role.Event, Role.State, Role.Reply> result, String reasonPart) {
    assertTrue(result.hasNoEvents(), "a refused command persists nothing");
    Refusal refusal = result.replyOfType(Role.Rejected.class).refusal();
    assertEquals(Refusal.Kind.INVALID, refusal.kind());
    assertTrue(refusal.reason().contains(reasonPart), refusal.reason() + " should mention " + reasonPart);
  }

  private static double distanceMetres(GeoPoint a, GeoPoint b) {
    double dLat = Math.toRadians(b.lat() - a.lat());
    double dLon = Math.toRadians(b.lon() - a.lon()) * Math.cos(Math.toRadians(a.lat()));
    return 6_371_000 * Math.sqrt(dLat * dLat + dLon * dLon);
  }

  private CommandResultWithReply<Role.Command, Role.Event, Role.State, Role.Reply> run(
      java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<Role.Reply>, Role.Command> command) {
    return role.<Role.Reply>runCommand(command::apply);
  }
}
