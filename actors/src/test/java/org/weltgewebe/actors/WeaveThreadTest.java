package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
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

/** The thread's rules: spinning, fading over seven days, twisting into yarn and untwisting. */
class WeaveThreadTest {
  private static final Instant T0 = Instant.parse("2026-04-01T12:00:00Z");
  private static final GeoPoint KNOT = new GeoPoint(52.4960, 13.4210);

  private static ActorTestKit testKit;

  private ManualClock clock;
  private List<Region.Update> published;
  private String threadId;
  private EventSourcedBehaviorTestKit<WeaveThread.Command, WeaveThread.Event, WeaveThread.State> thread;

  @BeforeAll
  static void startSystem() {
    testKit = ActorTestKit.create("WeaveThreadTest", EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void freshThread() {
    clock = new ManualClock(T0);
    published = new CopyOnWriteArrayList<>();
    threadId = "thread-" + UUID.randomUUID();
    thread = EventSourcedBehaviorTestKit.create(testKit.system(), WeaveThread.create(threadId, clock, published::add));
  }

  private CommandResultWithReply<WeaveThread.Command, WeaveThread.Event, WeaveThread.State, WeaveThread.Reply> spin() {
    return run(r -> new WeaveThread.Spin("role-1", "knot-1", WeaveThread.Kind.VOTE, KNOT, r));
  }

  private WeaveThread.ThreadView view() {
    return run(WeaveThread.Get::new).replyOfType(WeaveThread.ThreadView.class);
  }

  @Test
  void aSpunThreadFadesOverSevenDays() {
    var result = spin();
    assertEquals(new WeaveThread.Spun(threadId, "role-1", "knot-1", WeaveThread.Kind.VOTE, KNOT, T0), result.event());
    assertEquals(0.0, result.replyOfType(WeaveThread.ThreadView.class).fadeLevel());
    clock.advance(Duration.ofHours(84));
    assertEquals(0.5, view().fadeLevel(), 1e-9);
    clock.advance(Duration.ofHours(84));
    assertEquals(1.0, view().fadeLevel());
    clock.advance(Duration.ofDays(30));
    assertEquals(1.0, view().fadeLevel(), "never beyond faded out");
  }

  @Test
  void yarnDoesNotFadeAndUntwistingRestartsTheFadeFromThen() {
    spin();
    clock.advance(Duration.ofDays(6));
    var twisted = run(r -> new WeaveThread.Twist("role-1", r));
    assertEquals(new WeaveThread.Twisted("role-1", T0.plus(Duration.ofDays(6))), twisted.event());
    clock.advance(Duration.ofDays(30));
    assertTrue(view().yarn());
    assertEquals(0.0, view().fadeLevel());

    Instant untwistedAt = clock.now();
    var untwisted = run(r -> new WeaveThread.Untwist("role-1", r));
    assertEquals(new WeaveThread.Untwisted("role-1", untwistedAt), untwisted.event());
    WeaveThread.ThreadView view = untwisted.replyOfType(WeaveThread.ThreadView.class);
    assertFalse(view.yarn());
    assertEquals(untwistedAt, view.fadeFrom());
    assertEquals(0.0, view.fadeLevel(), "fading starts again at the untwist, not at the spin");
    clock.advance(Duration.ofHours(42));
    assertEquals(0.25, view().fadeLevel(), 1e-9);
  }

  @Test
  void everyChangeIsReportedToTheKnotsRegion() {
    spin();
    run(r -> new WeaveThread.Twist("role-1", r));
    clock.advance(Duration.ofDays(1));
    run(r -> new WeaveThread.Untwist("role-1", r));
    assertEquals(3, published.size());
    for (int i = 0; i < 3; i++) {
      Region.ThreadChanged changed = (Region.ThreadChanged) published.get(i);
      assertEquals(new EventId("thread|" + threadId, i + 1), changed.source());
      assertEquals(KNOT, changed.location());
      assertEquals("VOTE", changed.kind());
    }
    assertFalse(((Region.ThreadChanged) published.get(0)).yarn());
    assertTrue(((Region.ThreadChanged) published.get(1)).yarn());
    assertEquals(T0.plus(Duration.ofDays(1)), ((Region.ThreadChanged) published.get(2)).fadeFrom());
  }

  @Test
  void onlyItsRoleMayTwistOrUntwistIt() {
    spin();
    for (var result :
        List.of(
            run(r -> new WeaveThread.Twist("role-2", r)),
            run(r -> new WeaveThread.Untwist("role-2", r)))) {
      assertTrue(result.hasNoEvents());
      Refusal refusal = result.replyOfType(WeaveThread.Rejected.class).refusal();
      assertEquals(Refusal.Kind.FORBIDDEN, refusal.kind());
      assertEquals("thread " + threadId + " belongs to another role", refusal.reason());
    }
  }

  @Test
  void aFadedOutThreadCannotBeTwisted() {
    spin();
    clock.advance(Duration.ofDays(7));
    var result = run(r -> new WeaveThread.Twist("role-1", r));
    assertTrue(result.hasNoEvents());
    assertEquals(Refusal.Kind.GONE, result.replyOfType(WeaveThread.Rejected.class).refusal().kind());
  }

  @Test
  void repeatedTwistsUntwistsAndSpinsAreAcceptedWithoutEvents() {
    spin();
    assertTrue(spin().hasNoEvents(), "the same spin again is a retry");
    assertTrue(run(r -> new WeaveThread.Untwist("role-1", r)).hasNoEvents());
    run(r -> new WeaveThread.Twist("role-1", r));
    var again = run(r -> new WeaveThread.Twist("role-1", r));
    assertTrue(again.hasNoEvents());
    assertTrue(again.replyOfType(WeaveThread.ThreadView.class).yarn());
  }

  @Test
  void aDifferentSpinUnderTheSameIdConflicts() {
    spin();
    var result = run(r -> new WeaveThread.Spin("role-1", "knot-2", WeaveThread.Kind.VOTE, KNOT, r));
    assertTrue(result.hasNoEvents());
    assertEquals(Refusal.Kind.CONFLICT, result.replyOfType(WeaveThread.Rejected.class).refusal().kind());
  }

  @Test
  void invalidSpinsAreRefusedAndPersistNothing() {
    assertInvalid(run(r -> new WeaveThread.Spin(" ", "knot-1", WeaveThread.Kind.VOTE, KNOT, r)), "roleId");
    assertInvalid(run(r -> new WeaveThread.Spin("role-1", null, WeaveThread.Kind.VOTE, KNOT, r)), "knotId");
    assertInvalid(run(r -> new WeaveThread.Spin("role-1", "knot-1", null, KNOT, r)), "kind");
    assertInvalid(run(r -> new WeaveThread.Spin("role-1", "knot-1", WeaveThread.Kind.VOTE, new GeoPoint(0, 200), r)), "longitude");
  }

  @Test
  void everythingButSpinIsNotFoundBeforeIt() {
    for (var result :
        List.of(
            run(r -> new WeaveThread.Twist("role-1", r)),
            run(r -> new WeaveThread.Untwist("role-1", r)),
            run(WeaveThread.Get::new))) {
      assertTrue(result.hasNoEvents());
      assertEquals(Refusal.Kind.NOT_FOUND, result.replyOfType(WeaveThread.Rejected.class).refusal().kind());
    }
  }

  @Test
  void aRestartedThreadRecoversItsYarn() {
    spin();
    run(r -> new WeaveThread.Twist("role-1", r));
    WeaveThread.State before = thread.getState();
    thread.restart();
    assertEquals(before, thread.getState());
    assertTrue(view().yarn());
  }

  private static void assertInvalid(
      CommandResultWithReply<WeaveThread.Command, WeaveThread.Event, WeaveThread.State, WeaveThread.Reply> result,
      String reasonPart) {
    assertTrue(result.hasNoEvents());
    Refusal refusal = result.replyOfType(WeaveThread.Rejected.class).refusal();
    assertEquals(Refusal.Kind.INVALID, refusal.kind());
    assertTrue(refusal.reason().contains(reasonPart), refusal.reason());
  }

  private CommandResultWithReply<WeaveThread.Command, WeaveThread.Event, WeaveThread.State, WeaveThread.Reply> run(
      java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<WeaveThread.Reply>, WeaveThread.Command> command) {
    return thread.<WeaveThread.Reply>runCommand(command::apply);
  }
}
