package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The knot's rules: creation, threads and yarns, and dissolution in time. */
class KnotTest {

  private static final Instant T0 = Instant.parse("2025-05-01T10:00:00Z");
  private static final GeoPoint KANAL = new GeoPoint(52.4960, 13.4210);

  private static ActorTestKit testKit;

  private ManualClock clock;
  private String knotId;
  private EventSourcedBehaviorTestKit<Knot.Command, Knot.Event, Knot.State> knot;

  @BeforeAll
  static void startSystem() {
    testKit =
        ActorTestKit.create(
            "KnotTest", EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void freshKnot() {
    clock = new ManualClock(T0);
    knotId = "knot-" + UUID.randomUUID();
    knot =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), Knot.create(knotId, clock));
  }

  // ---- creation

  @Test
  void createTiesTheKnot() {
    var result = createIdea();

    Knot.Created created = (Knot.Created) result.event();
    assertEquals(knotId, created.knotId());
    assertEquals("Gemeinschaftsgarten", created.title());
    assertEquals(T0, created.at());
    Knot.KnotView view = result.replyOfType(Knot.KnotView.class);
    assertEquals(Knot.Type.IDEA, view.type());
    assertEquals("role-1", view.createdBy());
    assertEquals(T0, view.createdAt());
    assertEquals(T0, view.lastThreadAt(), "creation counts as the creator's design thread");
    assertEquals(T0.plus(Duration.ofDays(7)), view.dissolvesAt());
    assertEquals(0, view.threadCount());
    assertFalse(view.dissolved());
    assertEquals(KANAL, view.location());
  }

  @Test
  void createTrimsTheTitle() {
    var result = create(Knot.Type.TOOL, "  Lastenrad  ", null, null);

    assertEquals("Lastenrad", result.replyOfType(Knot.KnotView.class).title());
  }

  @Test
  void invalidCreatesAreRefusedAndPersistNothing() {
    assertInvalid(createCommand("", Knot.Type.IDEA, "Garten", "", KANAL, null, null), "createdBy");
    assertInvalid(createCommand("role-1", null, "Garten", "", KANAL, null, null), "type");
    assertInvalid(createCommand("role-1", Knot.Type.IDEA, "   ", "", KANAL, null, null), "title");
    assertInvalid(
        createCommand("role-1", Knot.Type.IDEA, "x".repeat(121), "", KANAL, null, null), "title");
    assertInvalid(
        createCommand("role-1", Knot.Type.IDEA, "Garten", "d".repeat(4001), KANAL, null, null),
        "description");
    assertInvalid(createCommand("role-1", Knot.Type.IDEA, "Garten", "", null, null, null), "location");
    assertInvalid(
        createCommand("role-1", Knot.Type.IDEA, "Garten", "", new GeoPoint(91, 0), null, null),
        "latitude");
    assertInvalid(createCommand("role-1", Knot.Type.EVENT, "Fest", "", KANAL, T0, null), "EVENT");
    assertInvalid(
        createCommand("role-1", Knot.Type.EVENT, "Fest", "", KANAL, T0, T0), "before eventEnd");
    assertInvalid(
        createCommand("role-1", Knot.Type.TOOL, "Rad", "", KANAL, T0, T0.plusSeconds(60)),
        "no dates");
  }

  @Test
  void limitsAreInclusive() {
    var result =
        create(Knot.Type.IDEA, "t".repeat(120), "d".repeat(4000), null, null);

    assertInstanceOf(Knot.KnotView.class, result.reply());
  }

  @Test
  void aSecondCreateConflicts() {
    createIdea();

    var again = create(Knot.Type.IDEA, "Noch ein Garten", null, null);

    assertTrue(again.hasNoEvents());
    assertEquals(Refusal.Kind.CONFLICT, refusalOf(again).kind());
  }

  @Test
  void commandsBeforeCreateAreNotFound() {
    List<Function<ActorRef<Knot.Reply>, Knot.Command>> commands =
        List.of(
            Knot.Get::new,
            Knot.CheckDissolution::new,
            r -> new Knot.LeadThread("t1", "role-2", "VOTE", Knot.Connection.AGREE, r),
            r -> new Knot.AttachYarn("t1", r),
            r -> new Knot.DetachYarn("t1", r));
    for (var command : commands) {
      CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> result =
          knot.runCommand(command);
      assertTrue(result.hasNoEvents());
      Refusal refusal = refusalOf(result);
      assertEquals(Refusal.Kind.NOT_FOUND, refusal.kind());
      assertEquals("knot " + knotId + " not found", refusal.reason());
    }
  }

  // ---- threads and yarns

  @Test
  void threadsAreCountedAndConnectionsKeepEachRolesLatest() {
    createIdea();
    clock.advance(Duration.ofHours(1));
    leadThread("t1", "role-2", Knot.Connection.INTEREST);
    clock.advance(Duration.ofHours(1));
    leadThread("t2", "role-2", Knot.Connection.COMMIT);
    clock.advance(Duration.ofHours(1));
    var conversation = leadThread("t3", "role-3", null);

    Knot.ThreadLed led = (Knot.ThreadLed) conversation.event();
    assertEquals("CONVERSATION", led.threadKind());
    Knot.KnotView view = conversation.replyOfType(Knot.KnotView.class);
    assertEquals(3, view.threadCount());
    assertEquals(Map.of("role-2", Knot.Connection.COMMIT), view.connections());
    assertEquals(T0.plus(Duration.ofHours(3)), view.lastThreadAt());
    assertEquals(T0.plus(Duration.ofHours(3)).plus(Duration.ofDays(7)), view.dissolvesAt());
  }

  @Test
  void aRepeatedThreadIsAcceptedWithoutAnEvent() {
    createIdea();
    leadThread("t1", "role-2", Knot.Connection.AGREE);
    clock.advance(Duration.ofDays(1));

    var again = leadThread("t1", "role-2", Knot.Connection.AGREE);

    assertTrue(again.hasNoEvents());
    Knot.KnotView view = again.replyOfType(Knot.KnotView.class);
    assertEquals(1, view.threadCount());
    assertEquals(T0, view.lastThreadAt());
  }

  @Test
  void invalidThreadsAreRefusedAndPersistNothing() {
    createIdea();

    for (var bad :
        List.<Function<ActorRef<Knot.Reply>, Knot.Command>>of(
            r -> new Knot.LeadThread(" ", "role-2", "VOTE", null, r),
            r -> new Knot.LeadThread("t1", "", "VOTE", null, r),
            r -> new Knot.LeadThread("t1", "role-2", null, null, r),
            r -> new Knot.AttachYarn("", r),
            r -> new Knot.DetachYarn(null, r))) {
      CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> result =
          knot.runCommand(bad);
      assertTrue(result.hasNoEvents());
      assertEquals(Refusal.Kind.INVALID, refusalOf(result).kind());
    }
  }

  @Test
  void attachingAYarnNeedsAThreadToThisKnot() {
    createIdea();

    var result = knot.<Knot.Reply>runCommand(r -> new Knot.AttachYarn("elsewhere", r));

    assertTrue(result.hasNoEvents());
    Refusal refusal = refusalOf(result);
    assertEquals(Refusal.Kind.INVALID, refusal.kind());
    assertEquals("thread elsewhere does not lead to knot " + knotId, refusal.reason());
  }

  @Test
  void attachAndDetachAreIdempotent() {
    createIdea();
    leadThread("t1", "role-2", Knot.Connection.COMMIT);

    var attached = attachYarn("t1");
    var attachedAgain = attachYarn("t1");
    var detached = detachYarn("t1");
    var detachedAgain = detachYarn("t1");
    var unknown = detachYarn("never-twisted");

    assertInstanceOf(Knot.YarnAttached.class, attached.event());
    assertEquals(1, attached.replyOfType(Knot.KnotView.class).yarnCount());
    assertNull(attached.replyOfType(Knot.KnotView.class).dissolvesAt());
    assertTrue(attachedAgain.hasNoEvents());
    assertInstanceOf(Knot.YarnDetached.class, detached.event());
    assertEquals(0, detached.replyOfType(Knot.KnotView.class).yarnCount());
    assertTrue(detachedAgain.hasNoEvents());
    assertTrue(unknown.hasNoEvents());
    assertInstanceOf(Knot.KnotView.class, unknown.reply());
  }

  @Test
  void everyChangeMovesTheDissolutionTime() {
    var created = createIdea();
    clock.advance(Duration.ofDays(1));
    var led = leadThread("t1", "role-2", Knot.Connection.AGREE);
    var attached = attachYarn("t1");
    clock.advance(Duration.ofDays(1));
    var detached = detachYarn("t1");

    List<Instant> dissolvesAt =
        java.util.stream.Stream.of(created, led, attached, detached)
            .map(r -> r.replyOfType(Knot.KnotView.class).dissolvesAt())
            .toList();
    assertEquals(
        Arrays.asList(
            T0.plus(Duration.ofDays(7)), T0.plus(Duration.ofDays(8)), null,
            T0.plus(Duration.ofDays(9))),
        dissolvesAt);
  }

  // ---- dissolution

  @Test
  void anUndatedKnotDissolvesExactlySevenDaysAfterItsLastThread() {
    createIdea();

    clock.advance(Duration.ofDays(6).plusHours(23));
    var early = checkDissolution();
    assertTrue(early.hasNoEvents());
    assertFalse(early.replyOfType(Knot.KnotView.class).dissolved());

    clock.advance(Duration.ofHours(1));
    var due = checkDissolution();
    Knot.Dissolved dissolved = (Knot.Dissolved) due.event();
    assertEquals("no thread for 7 days", dissolved.reason());
    assertEquals(T0.plus(Duration.ofDays(7)), dissolved.at());
    assertTrue(due.replyOfType(Knot.KnotView.class).dissolved());

    var checkedAgain = checkDissolution();
    assertTrue(checkedAgain.hasNoEvents(), "a knot dissolves once");
    assertTrue(checkedAgain.replyOfType(Knot.KnotView.class).dissolved());
  }

  @Test
  void aThreadAtDayFivePushesDissolutionToDayTwelve() {
    createIdea();
    clock.advance(Duration.ofDays(5));
    leadThread("t1", "role-2", Knot.Connection.INTEREST);

    clock.advance(Duration.ofDays(3));
    assertTrue(checkDissolution().hasNoEvents(), "alive at day 8");
    clock.advance(Duration.ofDays(4).minusSeconds(1));
    assertTrue(checkDissolution().hasNoEvents(), "alive one second before day 12");
    clock.advance(Duration.ofSeconds(1));

    var due = checkDissolution();
    assertEquals(T0.plus(Duration.ofDays(12)), ((Knot.Dissolved) due.event()).at());
  }

  @Test
  void aYarnKeepsTheKnotAliveAndDetachingItRestartsTheSevenDays() {
    createIdea();
    leadThread("t1", "role-2", Knot.Connection.TAKE_RESPONSIBILITY);
    attachYarn("t1");

    clock.advance(Duration.ofDays(60));
    var held = checkDissolution();
    assertTrue(held.hasNoEvents());
    assertNull(held.replyOfType(Knot.KnotView.class).dissolvesAt());
    assertFalse(held.replyOfType(Knot.KnotView.class).dissolved());

    var detached = detachYarn("t1");
    Instant day60 = T0.plus(Duration.ofDays(60));
    assertEquals(day60, detached.replyOfType(Knot.KnotView.class).lastThreadAt());
    assertEquals(day60.plus(Duration.ofDays(7)), detached.replyOfType(Knot.KnotView.class).dissolvesAt());

    clock.advance(Duration.ofDays(7).minusMinutes(1));
    assertTrue(checkDissolution().hasNoEvents());
    clock.advance(Duration.ofMinutes(1));
    assertInstanceOf(Knot.Dissolved.class, checkDissolution().event());
  }

  @Test
  void aDatedEventKnotLivesUntilSevenDaysAfterItsEnd() {
    Instant start = T0.plus(Duration.ofDays(20));
    Instant end = start.plus(Duration.ofHours(4));
    var created = create(Knot.Type.EVENT, "Reparaturcafé", start, end);
    assertEquals(
        end.plus(Duration.ofDays(7)), created.replyOfType(Knot.KnotView.class).dissolvesAt());

    clock.advance(Duration.ofDays(10));
    assertTrue(checkDissolution().hasNoEvents(), "no thread for 10 days, but the event is ahead");
    clock.advance(Duration.between(clock.now(), end.plus(Duration.ofDays(7))).minusSeconds(1));
    assertTrue(checkDissolution().hasNoEvents());
    clock.advance(Duration.ofSeconds(1));

    Knot.Dissolved dissolved = (Knot.Dissolved) checkDissolution().event();
    assertEquals("dated event over and no thread for 7 days", dissolved.reason());
  }

  @Test
  void aDissolvedKnotRefusesEverythingButReading() {
    createIdea();
    leadThread("t1", "role-2", Knot.Connection.AGREE);
    clock.advance(Duration.ofDays(7));
    checkDissolution();

    for (var command :
        List.<Function<ActorRef<Knot.Reply>, Knot.Command>>of(
            r -> new Knot.LeadThread("t2", "role-3", "VOTE", Knot.Connection.AGREE, r),
            r -> new Knot.AttachYarn("t1", r),
            r -> new Knot.DetachYarn("t1", r),
            r ->
                new Knot.Create(
                    "role-1", Knot.Type.IDEA, "Neu", "", KANAL, null, null, r))) {
      CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> result =
          knot.runCommand(command);
      assertTrue(result.hasNoEvents());
      Refusal refusal = refusalOf(result);
      assertEquals(Refusal.Kind.GONE, refusal.kind());
      assertEquals("knot " + knotId + " has dissolved", refusal.reason());
    }
    Knot.KnotView view = knot.<Knot.Reply>runCommand(Knot.Get::new).replyOfType(Knot.KnotView.class);
    assertTrue(view.dissolved());
    assertEquals("Gemeinschaftsgarten", view.title());
    assertEquals(1, view.threadCount());
  }

  @Test
  void aWriteArrivingAfterTheDissolutionTimeRecordsTheDissolutionAndIsRefused() {
    createIdea();
    clock.advance(Duration.ofDays(8));

    var late = leadThread("t1", "role-2", Knot.Connection.AGREE);

    assertEquals(1, late.events().size());
    Knot.Dissolved dissolved = (Knot.Dissolved) late.event();
    assertEquals(T0.plus(Duration.ofDays(8)), dissolved.at());
    assertEquals(Refusal.Kind.GONE, refusalOf(late).kind());
    var checked = checkDissolution();
    assertTrue(checked.hasNoEvents());
    assertEquals(0, checked.replyOfType(Knot.KnotView.class).threadCount());
  }

  @Test
  void readingAKnotPastItsTimeShowsItDissolvedWithoutWriting() {
    createIdea();
    clock.advance(Duration.ofDays(7));

    var read = knot.<Knot.Reply>runCommand(Knot.Get::new);

    assertTrue(read.hasNoEvents());
    assertTrue(read.replyOfType(Knot.KnotView.class).dissolved());
  }

  @Test
  void aRecoveredKnotKeepsItsThreadsYarnsAndDissolution() {
    createIdea();
    leadThread("t1", "role-2", Knot.Connection.COMMIT);
    attachYarn("t1");

    knot.restart();
    clock.advance(Duration.ofDays(30));
    var held = checkDissolution();
    assertTrue(held.hasNoEvents());
    Knot.KnotView view = held.replyOfType(Knot.KnotView.class);
    assertEquals(1, view.yarnCount());
    assertEquals(Map.of("role-2", Knot.Connection.COMMIT), view.connections());
  }

  // ---- the timer, on a compressed clock

  @Test
  void onACompressedClockTheKnotDissolvesByItself() {
    WeaveClock fast =
        WeaveClock.compressed(Instant.now(), T0, 1_000_000, Clock.systemUTC());
    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    TestProbe<Knot.Reply> replies = testKit.createTestProbe();
    ActorRef<Knot.Command> fastKnot = testKit.spawn(Knot.create("fast-" + knotId, fast));

    fastKnot.tell(
        new Knot.Create(
            "role-1", Knot.Type.IDEA, "Schnell", "", KANAL, null, null, replies.getRef()));
    replies.expectMessageClass(Knot.KnotView.class);
    journal.expectNextPersistedClass("knot|fast-" + knotId, Knot.Created.class);

    // Seven virtual days are about 0.6 s here; nothing but the knot's own timer can end it.
    journal.expectNextPersistedClass("knot|fast-" + knotId, Knot.Dissolved.class, Duration.ofSeconds(5));
    fastKnot.tell(new Knot.Get(replies.getRef()));
    assertTrue(replies.expectMessageClass(Knot.KnotView.class).dissolved());
  }

  @Test
  void aKnotThatCameDueWhileAsleepDissolvesWhenItWakes() {
    // A stepped clock that, unlike ManualClock, lets the knot schedule: real waits equal clock time.
    WeaveClock stepped =
        new WeaveClock() {
          @Override
          public Instant now() {
            return clock.now();
          }

          @Override
          public Optional<Duration> realTimeUntil(Instant instant) {
            Duration wait = Duration.between(clock.now(), instant);
            return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
          }
        };
    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    TestProbe<Knot.Reply> replies = testKit.createTestProbe();
    String sleeperId = "sleeper-" + knotId;
    ActorRef<Knot.Command> awake = testKit.spawn(Knot.create(sleeperId, stepped));
    awake.tell(
        new Knot.Create("role-1", Knot.Type.IDEA, "Schlafend", "", KANAL, null, null, replies.getRef()));
    replies.expectMessageClass(Knot.KnotView.class);
    journal.expectNextPersistedClass("knot|" + sleeperId, Knot.Created.class);
    testKit.stop(awake);

    clock.advance(Duration.ofDays(8));
    testKit.spawn(Knot.create(sleeperId, stepped));

    // Nothing but the woken knot's recovery can write this: no command reaches it.
    journal.expectNextPersistedClass("knot|" + sleeperId, Knot.Dissolved.class);
    assertEquals(2, journal.persistedInStorage("knot|" + sleeperId).size());
  }

  // ---- helpers

  private CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> createIdea() {
    return knot.runCommand(
        r ->
            new Knot.Create(
                "role-1", Knot.Type.IDEA, "Gemeinschaftsgarten", "Beete am Kanal", KANAL, null,
                null, r));
  }

  private CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> create(
      Knot.Type type, String title, Instant start, Instant end) {
    return create(type, title, "", start, end);
  }

  private CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> create(
      Knot.Type type, String title, String description, Instant start, Instant end) {
    return knot.runCommand(
        createCommand("role-1", type, title, description, KANAL, start, end));
  }

  private static Function<ActorRef<Knot.Reply>, Knot.Command> createCommand(
      String createdBy,
      Knot.Type type,
      String title,
      String description,
      GeoPoint location,
      Instant start,
      Instant end) {
    return r -> new Knot.Create(createdBy, type, title, description, location, start, end, r);
  }

  private void assertInvalid(
      Function<ActorRef<Knot.Reply>, Knot.Command> command, String mention) {
    CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> result =
        knot.runCommand(command);
    assertTrue(result.hasNoEvents());
    Refusal refusal = refusalOf(result);
    assertEquals(Refusal.Kind.INVALID, refusal.kind());
    assertTrue(
        refusal.reason().contains(mention), () -> refusal.reason() + " should mention " + mention);
  }

  private CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> leadThread(
      String threadId, String roleId, Knot.Connection connection) {
    String kind = connection == null ? "CONVERSATION" : "VOTE";
    return knot.runCommand(r -> new Knot.LeadThread(threadId, roleId, kind, connection, r));
  }

  private CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> attachYarn(
      String threadId) {
    return knot.runCommand(r -> new Knot.AttachYarn(threadId, r));
  }

  private CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> detachYarn(
      String threadId) {
    return knot.runCommand(r -> new Knot.DetachYarn(threadId, r));
  }

  private CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> checkDissolution() {
    return knot.runCommand(Knot.CheckDissolution::new);
  }

  private static Refusal refusalOf(
      CommandResultWithReply<Knot.Command, Knot.Event, Knot.State, Knot.Reply> result) {
    return result.replyOfType(Knot.Rejected.class).refusal();
  }
}
