package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
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

class WeaveThreadTest {
  private static final Instant START = Instant.parse("2025-03-01T08:00:00Z");
  private static final GeoPoint KNOT = new GeoPoint(53.5511, 9.9937);
  private static final String OWNER = "role-ada";
  private static final String OTHER = "role-bob";
  private static final AtomicInteger IDS = new AtomicInteger();

  private static ActorTestKit actorTestKit;

  private ManualClock clock;
  private String threadId;
  private EventSourcedBehaviorTestKit<WeaveThread.Command, WeaveThread.Event, WeaveThread.State>
      thread;

  @BeforeAll
  static void startSystem() {
    actorTestKit =
        ActorTestKit.create(
            "WeaveThreadTest",
            EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopSystem() {
    actorTestKit.shutdownTestKit();
  }

  @BeforeEach
  void newThread() {
    clock = new ManualClock(START);
    threadId = "t-" + IDS.incrementAndGet();
    thread =
        EventSourcedBehaviorTestKit.create(
            actorTestKit.system(), WeaveThread.create(threadId, clock));
  }

  private CommandResultWithReply<
          WeaveThread.Command, WeaveThread.Event, WeaveThread.State, WeaveThread.Reply>
      run(Function<ActorRef<WeaveThread.Reply>, WeaveThread.Command> command) {
    return thread.runCommand(command);
  }

  private WeaveThread.ThreadView spin() {
    return run(r -> new WeaveThread.Spin(OWNER, "k-1", WeaveThread.Kind.DESIGN, KNOT, r))
        .replyOfType(WeaveThread.ThreadView.class);
  }

  private WeaveThread.ThreadView view() {
    return run(WeaveThread.Get::new).replyOfType(WeaveThread.ThreadView.class);
  }

  private WeaveThread.ThreadView twist(String roleId) {
    return run(r -> new WeaveThread.Twist(roleId, r)).replyOfType(WeaveThread.ThreadView.class);
  }

  private WeaveThread.ThreadView untwist(String roleId) {
    return run(r -> new WeaveThread.Untwist(roleId, r)).replyOfType(WeaveThread.ThreadView.class);
  }

  private void assertRefused(
      Refusal.Kind kind,
      String reason,
      CommandResultWithReply<
              WeaveThread.Command, WeaveThread.Event, WeaveThread.State, WeaveThread.Reply>
          result) {
    assertTrue(result.hasNoEvents(), "a refused command persists nothing");
    Refusal refusal = result.replyOfType(WeaveThread.Rejected.class).refusal();
    assertEquals(kind, refusal.kind());
    if (reason != null) {
      assertEquals(reason, refusal.reason());
    }
  }

  private ManualClock advanceDays(double days) {
    clock.advance(Duration.ofMillis((long) (days * Duration.ofDays(1).toMillis())));
    return clock;
  }

  @Test
  void spinCreatesAFreshThread() {
    var result = run(r -> new WeaveThread.Spin(OWNER, "k-1", WeaveThread.Kind.DESIGN, KNOT, r));

    assertEquals(
        new WeaveThread.Spun(threadId, OWNER, "k-1", WeaveThread.Kind.DESIGN, KNOT, START),
        result.event());
    assertEquals(
        new WeaveThread.SpunThread(
            threadId, OWNER, "k-1", WeaveThread.Kind.DESIGN, KNOT, START, false, START),
        result.state());
    assertEquals(
        new WeaveThread.ThreadView(
            threadId, OWNER, "k-1", WeaveThread.Kind.DESIGN, START, false, START, 0.0),
        result.reply());
  }

  @Test
  void aThreadFadesOutOverSevenDays() {
    spin();
    assertEquals(0.0, view().fadeLevel());
    advanceDays(3.5);
    assertEquals(0.5, view().fadeLevel(), 1e-9);
    advanceDays(3.5);
    assertEquals(1.0, view().fadeLevel());
    advanceDays(10);
    assertEquals(1.0, view().fadeLevel(), "fading stops at gone");
  }

  @Test
  void twistingMakesYarnThatDoesNotFadeFor30Days() {
    spin();
    advanceDays(3);
    var result = run(r -> new WeaveThread.Twist(OWNER, r));

    Instant twistedAt = START.plus(Duration.ofDays(3));
    assertEquals(new WeaveThread.Twisted(OWNER, twistedAt), result.event());
    assertTrue(result.stateOfType(WeaveThread.SpunThread.class).yarn());
    WeaveThread.ThreadView twisted = result.replyOfType(WeaveThread.ThreadView.class);
    assertTrue(twisted.yarn());
    assertEquals(0.0, twisted.fadeLevel());

    for (int day = 0; day < 30; day++) {
      advanceDays(1);
      assertEquals(0.0, view().fadeLevel(), "yarn on day " + day);
    }
  }

  @Test
  void untwistingRestartsFadingFromTheUntwistMoment() {
    spin();
    advanceDays(1);
    twist(OWNER);
    advanceDays(20);
    var result = run(r -> new WeaveThread.Untwist(OWNER, r));

    Instant untwistedAt = START.plus(Duration.ofDays(21));
    assertEquals(new WeaveThread.Untwisted(OWNER, untwistedAt), result.event());
    WeaveThread.ThreadView untwisted = result.replyOfType(WeaveThread.ThreadView.class);
    assertFalse(untwisted.yarn());
    assertEquals(untwistedAt, untwisted.fadeFrom());
    assertEquals(0.0, untwisted.fadeLevel(), "fading starts afresh, not from the spin");

    advanceDays(3.5);
    assertEquals(0.5, view().fadeLevel(), 1e-9);
    advanceDays(3.5);
    assertEquals(1.0, view().fadeLevel());
  }

  @Test
  void twistingSomeoneElsesThreadIsForbidden() {
    spin();
    assertRefused(
        Refusal.Kind.FORBIDDEN,
        "thread " + threadId + " belongs to another role",
        run(r -> new WeaveThread.Twist(OTHER, r)));
    twist(OWNER);
    assertRefused(
        Refusal.Kind.FORBIDDEN,
        "thread " + threadId + " belongs to another role",
        run(r -> new WeaveThread.Untwist(OTHER, r)));
    assertRefused(Refusal.Kind.INVALID, null, run(r -> new WeaveThread.Twist(" ", r)));
    assertTrue(view().yarn());
  }

  @Test
  void twistingAFadedOutThreadIsGone() {
    spin();
    advanceDays(7);
    assertRefused(
        Refusal.Kind.GONE,
        "thread " + threadId + " has faded out and can no longer be twisted",
        run(r -> new WeaveThread.Twist(OWNER, r)));
    assertFalse(view().yarn());
  }

  @Test
  void twistingJustBeforeFadingOutStillWorks() {
    spin();
    clock.advance(Duration.ofDays(7).minusSeconds(1));
    assertTrue(twist(OWNER).yarn());
  }

  @Test
  void repeatedTwistAndUntwistAreAcceptedWithoutEvents() {
    spin();
    var notYarn = run(r -> new WeaveThread.Untwist(OWNER, r));
    assertTrue(notYarn.hasNoEvents());
    assertFalse(notYarn.replyOfType(WeaveThread.ThreadView.class).yarn());

    twist(OWNER);
    var again = run(r -> new WeaveThread.Twist(OWNER, r));
    assertTrue(again.hasNoEvents());
    assertTrue(again.replyOfType(WeaveThread.ThreadView.class).yarn());
  }

  @Test
  void respinningIsRetrySafeButADifferentSpinConflicts() {
    spin();
    advanceDays(1);
    var retry = run(r -> new WeaveThread.Spin(OWNER, "k-1", WeaveThread.Kind.DESIGN, KNOT, r));
    assertTrue(retry.hasNoEvents());
    assertEquals(START, retry.replyOfType(WeaveThread.ThreadView.class).spunAt());

    assertRefused(
        Refusal.Kind.CONFLICT,
        "thread " + threadId + " already leads from role " + OWNER + " to knot k-1 as DESIGN",
        run(r -> new WeaveThread.Spin(OTHER, "k-1", WeaveThread.Kind.DESIGN, KNOT, r)));
    assertRefused(
        Refusal.Kind.CONFLICT,
        null,
        run(r -> new WeaveThread.Spin(OWNER, "k-2", WeaveThread.Kind.DESIGN, KNOT, r)));
    assertRefused(
        Refusal.Kind.CONFLICT,
        null,
        run(r -> new WeaveThread.Spin(OWNER, "k-1", WeaveThread.Kind.VOTE, KNOT, r)));
  }

  @Test
  void commandsBeforeSpinningAreNotFound() {
    String reason = "thread " + threadId + " has not been spun";
    assertRefused(Refusal.Kind.NOT_FOUND, reason, run(r -> new WeaveThread.Twist(OWNER, r)));
    assertRefused(Refusal.Kind.NOT_FOUND, reason, run(r -> new WeaveThread.Untwist(OWNER, r)));
    assertRefused(Refusal.Kind.NOT_FOUND, reason, run(WeaveThread.Get::new));
  }

  @Test
  void invalidSpinsAreRefused() {
    WeaveThread.Kind kind = WeaveThread.Kind.CONVERSATION;
    assertRefused(
        Refusal.Kind.INVALID,
        "roleId must not be blank",
        run(r -> new WeaveThread.Spin(" ", "k-1", kind, KNOT, r)));
    assertRefused(
        Refusal.Kind.INVALID, null, run(r -> new WeaveThread.Spin(null, "k-1", kind, KNOT, r)));
    assertRefused(
        Refusal.Kind.INVALID,
        "knotId must not be blank",
        run(r -> new WeaveThread.Spin(OWNER, "", kind, KNOT, r)));
    assertRefused(
        Refusal.Kind.INVALID,
        "kind is missing",
        run(r -> new WeaveThread.Spin(OWNER, "k-1", null, KNOT, r)));
    assertRefused(
        Refusal.Kind.INVALID, null, run(r -> new WeaveThread.Spin(OWNER, "k-1", kind, null, r)));
    assertRefused(
        Refusal.Kind.INVALID,
        "knot location: longitude must lie in [-180, 180], got 181.0",
        run(r -> new WeaveThread.Spin(OWNER, "k-1", kind, new GeoPoint(0, 181), r)));
    assertInstanceOf(WeaveThread.Unspun.class, thread.getState());
  }

  @Test
  void restartRebuildsTheSameState() {
    spin();
    advanceDays(2);
    twist(OWNER);
    advanceDays(5);
    untwist(OWNER);
    WeaveThread.State before = thread.getState();
    WeaveThread.ThreadView viewBefore = view();

    WeaveThread.State after = thread.restart().state();

    assertEquals(before, after);
    assertEquals(viewBefore, view());
    assertEquals(START.plus(Duration.ofDays(7)), view().fadeFrom());
  }
}
