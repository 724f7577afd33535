package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class WeaveClockTest {
  static final Instant WALL = Instant.parse("2026-11-28T12:00:00Z");
  static final Instant VIRTUAL = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void aCompressedClockRunsFactorTimesFasterFromItsVirtualStart() {
    Clock wall = Clock.fixed(WALL.plusSeconds(60), ZoneOffset.UTC);
    WeaveClock clock = WeaveClock.compressed(WALL, VIRTUAL, 1440, wall);
    // one wall minute at 1440x is one virtual day
    assertEquals(VIRTUAL.plus(Duration.ofDays(1)), clock.now());
  }

  @Test
  void realTimeUntilScalesBackAndIsNeverNegative() {
    Clock wall = Clock.fixed(WALL, ZoneOffset.UTC);
    WeaveClock clock = WeaveClock.compressed(WALL, VIRTUAL, 1000, wall);
    assertEquals(Duration.ofMillis(604_800), clock.realTimeUntil(VIRTUAL.plus(Duration.ofDays(7))).orElseThrow());
    assertEquals(Duration.ZERO, clock.realTimeUntil(VIRTUAL.minusSeconds(5)).orElseThrow());
  }

  @Test
  void nodesWithTheSameStartsAgreeWheneverTheyJoined() {
    // One node made its clock at the run's start, the other joined 2 s later; the time a clock
    // shows depends on the three numbers and the wall, never on when the clock was made.
    SteppedWall wall = new SteppedWall(WALL);
    WeaveClock first = WeaveClock.compressed(WALL, VIRTUAL, 100, wall);
    wall.now = WALL.plusSeconds(2);
    WeaveClock joined = WeaveClock.compressed(WALL, VIRTUAL, 100, wall);
    wall.now = WALL.plusSeconds(3);
    // 3 wall seconds at 100x are 300 virtual seconds, on both nodes.
    assertEquals(VIRTUAL.plusSeconds(300), first.now());
    assertEquals(VIRTUAL.plusSeconds(300), joined.now());
  }

  /** A wall clock the test sets by hand. */
  static final class SteppedWall extends Clock {
    Instant now;

    SteppedWall(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @Test
  void refusesAFactorThatIsNotPositive() {
    assertThrows(IllegalArgumentException.class, () -> WeaveClock.compressed(WALL, VIRTUAL, 0, Clock.systemUTC()));
    assertThrows(IllegalArgumentException.class, () -> WeaveClock.compressed(WALL, VIRTUAL, Double.NaN, Clock.systemUTC()));
  }

  @Test
  void aManualClockMovesOnlyWhenToldAndSchedulesNothing() {
    ManualClock clock = new ManualClock(VIRTUAL);
    assertEquals(VIRTUAL, clock.now());
    assertEquals(VIRTUAL.plus(Duration.ofDays(7)), clock.advance(Duration.ofDays(7)));
    assertTrue(clock.realTimeUntil(VIRTUAL.plus(Duration.ofDays(8))).isEmpty());
    assertThrows(IllegalArgumentException.class, () -> clock.advance(Duration.ofSeconds(-1)));
  }

  @Test
  void theSystemClockIsTheWallClock() {
    Instant before = Instant.now();
    Instant now = WeaveClock.system().now();
    assertTrue(!now.isBefore(before) && now.isBefore(before.plusSeconds(5)));
  }
}
