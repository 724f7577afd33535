package org.weltgewebe.scenarios.run;

import java.util.List;
import org.weltgewebe.reports.CapacityReport;
import org.weltgewebe.reports.RunReport;

/** Synthetic capacity steps for the tests: only what the rule under test reads is set. */
final class CapacitySteps {
  private CapacitySteps() {}

  static CapacityReport.Step step(double offered, boolean met, double p95) {
    return step(offered, met, p95, offered, 0, 1, false);
  }

  static CapacityReport.Step rerun(double offered, boolean met, double p95) {
    return step(offered, met, p95, offered, 0, 1, true);
  }

  static CapacityReport.Step step(double offered, boolean met, double p95, double achieved, double cpuSeconds, double wallSeconds, boolean rerun) {
    return new CapacityReport.Step(
        offered, achieved, achieved, Math.round(achieved * wallSeconds), Math.round(achieved * wallSeconds), 0, 0, 0,
        new RunReport.Latency(p95 / 2, p95 * 0.9, p95, p95 * 1.5, p95 * 2, p95 / 2), cpuSeconds, 0, 0, met,
        met ? List.of() : List.of("synthetic"), List.of(), wallSeconds, rerun, List.of());
  }
}
