package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
  void nodesWithTheSameStartsAgree() {
    Clock wall = Clock.fixed(WALL.plusSeconds(3), ZoneOffset.UTC);
    assertEquals(
        WeaveClock.compressed(WALL, VIRTUAL, 100, wall).now(),
        WeaveClock.compressed(WALL, VIRTUAL, 100, wall).now());
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
