package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RegionTest {
  // Serialization checks on: every message a region sends or receives must round-trip through Jackson.
  static final ActorTestKit testKit =
      ActorTestKit.create(
          ConfigFactory.parseString(
                  "pekko.actor.serialize-messages = on\npekko.actor.no-serialization-verification-needed-class-prefix = []")
              .withFallback(ConfigFactory.load()));

  static final GeoPoint KNOT_PLACE = new GeoPoint(52.4986, 13.4030);
  static final String CELL = RegionCells.regionOf(KNOT_PLACE);
  static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void showsKnotsRolesAndThreadsWithTheirFadeLevel() {
    ManualClock clock = new ManualClock(T0);
    ActorRef<Region.Command> region = testKit.spawn(Region.create(CELL, clock));
    region.tell(new Region.KnotChanged(id("knot|k1", 1), "k1", "IDEA", "Garten", KNOT_PLACE, T0.plus(Duration.ofDays(7))));
    region.tell(new Region.RoleSpinning(id("role|r1", 2), "r1", "Ada", RegionCells.blur(KNOT_PLACE)));
    region.tell(new Region.ThreadChanged(id("thread|t1", 1), "t1", "r1", "k1", "VOTE", KNOT_PLACE, T0, false));
    region.tell(new Region.ThreadChanged(id("thread|t2", 2), "t2", "r1", "k1", "DESIGN", KNOT_PLACE, T0, true));

    clock.advance(Duration.ofHours(84));
    Region.View view = view(region);
    assertEquals(CELL, view.cell());
    assertEquals(1, view.knots().size());
    assertEquals(1, view.spinningRoles().size());
    assertEquals(0.5, view.threads().get(0).fadeLevel(), 1e-9, "half of seven days has faded");
    assertEquals(0.0, view.threads().get(1).fadeLevel(), "yarn does not fade");
  }

  @Test
  void fadedThreadsAndDissolvedKnotsLeaveThePicture() {
    ManualClock clock = new ManualClock(T0);
    ActorRef<Region.Command> region = testKit.spawn(Region.create(CELL, clock));
    region.tell(new Region.KnotChanged(id("knot|k1", 1), "k1", "IDEA", "Garten", KNOT_PLACE, T0.plus(Duration.ofDays(7))));
    region.tell(new Region.KnotChanged(id("knot|k2", 3), "k2", "TOOL", "Rad", KNOT_PLACE, null));
    region.tell(new Region.ThreadChanged(id("thread|t1", 1), "t1", "r1", "k1", "VOTE", KNOT_PLACE, T0, false));

    clock.advance(Duration.ofDays(7));
    Region.View view = view(region);
    assertEquals(1, view.knots().size(), "k1 dissolved, k2 is held by a yarn");
    assertEquals("k2", view.knots().get(0).knotId());
    assertTrue(view.threads().isEmpty(), "a thread faded out after seven days");
  }

  @Test
  void appliesEachEventOnceAndInOrderPerEntity() {
    ManualClock clock = new ManualClock(T0);
    ActorRef<Region.Command> region = testKit.spawn(Region.create(CELL, clock));
    Region.RoleSpinning spinning = new Region.RoleSpinning(id("role|r1", 2), "r1", "Ada", KNOT_PLACE);
    Region.RoleResting resting = new Region.RoleResting(id("role|r1", 3), "r1", KNOT_PLACE);
    region.tell(spinning);
    region.tell(resting);
    region.tell(spinning); // replayed: older than what was applied
    region.tell(resting); // repeated
    Region.View view = view(region);
    assertTrue(view.spinningRoles().isEmpty());
    assertEquals(2, view.updatesApplied());
  }

  @Test
  void ignoresUpdatesForAnotherRegion() {
    ManualClock clock = new ManualClock(T0);
    ActorRef<Region.Command> region = testKit.spawn(Region.create(CELL, clock));
    GeoPoint elsewhere = new GeoPoint(48.137, 11.575);
    region.tell(new Region.KnotChanged(id("knot|k9", 1), "k9", "IDEA", "München", elsewhere, null));
    assertEquals(0, view(region).knots().size());
  }

  @Test
  void answersTheSamePictureAgainUntilSomethingInItChanges() throws InterruptedException {
    ManualClock clock = new ManualClock(T0);
    ActorRef<Region.Command> region = testKit.spawn(Region.create(CELL, clock));
    region.tell(new Region.KnotChanged(id("knot|k1", 1), "k1", "IDEA", "Garten", KNOT_PLACE, T0.plus(Duration.ofHours(1))));
    region.tell(new Region.ThreadChanged(id("thread|t1", 1), "t1", "r1", "k1", "VOTE", KNOT_PLACE, T0.minus(Region.FADE_TIME).plusSeconds(90), false));
    Region.View first = view(region);
    assertEquals(T0, first.at());
    assertEquals(1, first.threads().size());

    clock.advance(Duration.ofSeconds(30));
    assertEquals(first, view(region), "nothing changed: the picture taken at T0 is answered again");

    clock.advance(Duration.ofSeconds(60)); // T0 + 90 s: the thread fades out
    Region.View faded = view(region);
    assertEquals(T0.plusSeconds(90), faded.at());
    assertTrue(faded.threads().isEmpty(), "a thread that faded out is not kept in a reused picture");

    region.tell(new Region.KnotChanged(id("knot|k2", 1), "k2", "TOOL", "Rad", KNOT_PLACE, null));
    Region.View updated = view(region);
    assertEquals(2, updated.knots().size(), "an update ends the reuse");
    assertEquals(T0.plusSeconds(90), updated.at());

    clock.advance(Duration.ofHours(1)); // k1 dissolves at T0 + 1 h
    Region.View dissolved = view(region);
    assertEquals(1, dissolved.knots().size(), "a dissolved knot is not kept in a reused picture");

    clock.advance(Region.REUSE_VIRTUAL);
    Region.View later = view(region);
    assertEquals(dissolved.at().plus(Region.REUSE_VIRTUAL), later.at(), "at most REUSE_VIRTUAL of the region's clock");

    clock.advance(Duration.ofSeconds(1));
    Thread.sleep(Region.REUSE_WALL.toMillis() + 100);
    assertEquals(later.at().plusSeconds(1), view(region).at(), "at most REUSE_WALL of real time");
  }

  private static Region.View view(ActorRef<Region.Command> region) {
    TestProbe<Region.View> probe = testKit.createTestProbe();
    region.tell(new Region.GetView(probe.getRef()));
    return probe.receiveMessage();
  }

  private static EventId id(String persistenceId, long seq) {
    return new EventId(persistenceId, seq);
  }
}
