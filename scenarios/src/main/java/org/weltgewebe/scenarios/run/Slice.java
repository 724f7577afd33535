package org.weltgewebe.scenarios.run;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;

/** The replayed slice of the scenario's day. */
record Slice(double startHour, double virtualHours, double compression) {
  /** The main job's default (no --compress, no --duration): the whole day in 90 s. */
  static final double DEFAULT_COMPRESSION = 960;

  static Slice of(ScenarioDefinition scenario, OptionalDouble compression, Optional<Duration> duration) {
    if (compression.isPresent() && !(compression.getAsDouble() >= 1)) {
      throw new IllegalArgumentException("--compress must be at least 1, got " + compression.getAsDouble());
    }
    if (duration.isPresent() && (duration.get().isNegative() || duration.get().isZero())) {
      throw new IllegalArgumentException("--duration must be positive");
    }
    double c;
    double hours;
    if (compression.isPresent() && duration.isPresent()) {
      c = compression.getAsDouble();
      hours = Math.min(24, duration.get().toMillis() / 1000.0 * c / 3600);
    } else if (duration.isPresent()) {
      hours = 24;
      c = 24 * 3600 / (duration.get().toMillis() / 1000.0);
    } else {
      c = compression.orElse(DEFAULT_COMPRESSION);
      hours = 24;
    }
    double start = 0;
    if (hours < 24) {
      double[] w = scenario.hourlyWeights();
      int peak = 0;
      for (int h = 1; h < 24; h++) {
        if (w[h] > w[peak]) {
          peak = h;
        }
      }
      start = Math.max(0, Math.min(24 - hours, peak + 0.5 - hours / 2));
    }
    return new Slice(start, hours, c);
  }

  Duration wall() {
    return Duration.ofMillis(Math.round(virtualHours * 3600_000 / compression));
  }

  /** Sessions the slice carries at the scenario's real volume. */
  double sessionsIn(ScenarioDefinition scenario) {
    double[] perHour = scenario.sessionsPerHour();
    double total = 0;
    for (int h = 0; h < 24; h++) {
      double overlap = Math.max(0, Math.min(h + 1, startHour + virtualHours) - Math.max(h, startHour));
      total += perHour[h] * overlap;
    }
    return total;
  }
}
