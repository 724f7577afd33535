package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Erlang C and the M/M/c response time against known values, and the what-if model built on them. */
class QueueModelTest {

  @Test
  void withOneServerItIsMm1() {
    QueueModel m = new QueueModel(8, 10, 1);
    assertThat(m.probabilityOfWaiting()).isCloseTo(0.8, within(1e-12)); // C = ρ
    assertThat(m.meanResponseSeconds()).isCloseTo(1 / (10.0 - 8), within(1e-12)); // W = 1 / (μ − λ)
    // T is exponential(μ − λ): the q-quantile is ln(1 / (1 − q)) / (μ − λ)
    assertThat(m.responseTimeQuantileSeconds(0.95)).isCloseTo(Math.log(20) / 2, within(1e-9));
    assertThat(m.responseTimeQuantileSeconds(0.99)).isCloseTo(Math.log(100) / 2, within(1e-9));
  }

  @Test
  void erlangCMatchesKnownValues() {
    assertThat(new QueueModel(1, 1, 2).probabilityOfWaiting()).isCloseTo(1.0 / 3, within(1e-12)); // a = 1, c = 2
    assertThat(new QueueModel(8, 1, 10).probabilityOfWaiting()).isCloseTo(0.40918, within(1e-5)); // a = 8, c = 10 (Erlang C tables)
    assertThat(new QueueModel(0, 1, 4).probabilityOfWaiting()).isEqualTo(0.0);
  }

  @Test
  void mmcResponseTimeHasTheRightMeanAndTail() {
    QueueModel m = new QueueModel(8, 1, 10);
    // W = C / (cμ − λ) + 1/μ = 0.40918 / 2 + 1
    assertThat(m.meanResponseSeconds()).isCloseTo(0.40918 / 2 + 1, within(1e-5));
    assertThat(m.responseTimeTail(0)).isCloseTo(1.0, within(1e-12));
    // the tail integrates to the mean (numerically, trapezoid rule)
    double integral = 0;
    double dt = 0.001;
    for (double t = 0; t < 60; t += dt) {
      integral += (m.responseTimeTail(t) + m.responseTimeTail(t + dt)) / 2 * dt;
    }
    assertThat(integral).isCloseTo(m.meanResponseSeconds(), within(1e-4));
    assertThat(m.responseTimeQuantileSeconds(0.99)).isGreaterThan(m.responseTimeQuantileSeconds(0.95));
  }

  @Test
  void phasesTailMatchesTheClosedFormsAlsoForEqualRates() {
    double t = 0.013;
    assertThat(QueueModel.phasesTail(t, 80)).isCloseTo(Math.exp(-80 * t), within(1e-12));
    // distinct rates: (b e^{−at} − a e^{−bt}) / (b − a)
    assertThat(QueueModel.phasesTail(t, 80, 300)).isCloseTo((300 * Math.exp(-80 * t) - 80 * Math.exp(-300 * t)) / (300 - 80), within(1e-12));
    // equal rates: Erlang-2, (1 + at) e^{−at}
    assertThat(QueueModel.phasesTail(t, 80, 80)).isCloseTo((1 + 80 * t) * Math.exp(-80 * t), within(1e-12));
    // three distinct rates: Σᵢ e^{−rᵢ t} Πⱼ≠ᵢ rⱼ / (rⱼ − rᵢ)
    double[] r = {50, 120, 900};
    double closed = 0;
    for (int i = 0; i < 3; i++) {
      double product = 1;
      for (int j = 0; j < 3; j++) {
        if (j != i) {
          product *= r[j] / (r[j] - r[i]);
        }
      }
      closed += Math.exp(-r[i] * t) * product;
    }
    assertThat(QueueModel.phasesTail(t, r)).isCloseTo(closed, within(1e-12));
    // the M/M/c response time is such a sum: service, then with probability C the wait
    QueueModel m = new QueueModel(8, 1, 10);
    double c = m.probabilityOfWaiting();
    assertThat((1 - c) * QueueModel.phasesTail(1.7, 1) + c * QueueModel.phasesTail(1.7, 1, m.waitingRatePerSecond()))
        .isCloseTo(m.responseTimeTail(1.7), within(1e-12));
    assertThat(QueueModel.phasesTail(0, 5, 7)).isEqualTo(1.0);
  }

  @Test
  void anOverloadedQueueHasNoFiniteLatency() {
    QueueModel m = new QueueModel(30, 10, 2);
    assertThat(m.stable()).isFalse();
    assertThat(m.responseTimeQuantileSeconds(0.95)).isInfinite();
    assertThatThrownBy(() -> new QueueModel(1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void whatIfIsCalibratedAtTheRunAndComparedWithTheCapacitySearch() {
    RunReport run = Fixtures.s1();
    RunReport.Latency lat = new RunReport.Latency(5, 10, 20, 40, 80, 8);
    CapacityReport capacity = new CapacityReport(1, "cap", run.startedAt(), run.finishedAt(), "S1", "http://x", 1, 2, "vm, 2 cores", "test", 0, 10,
        List.of(
            new CapacityReport.Step(100, 100, 100, 1000, 1000, 0, 0, 0, lat, 10, 0, 0, true, List.of(), List.of(), 10, false, List.of()),
            new CapacityReport.Step(400, 390, 380, 4000, 3800, 200, 0, 0, lat, 10, 0, 0, true, List.of(), List.of(), 10, false, List.of())),
        300, 300, 350, "cpu", 0.6, List.of(), "test data", "test data", 3, 2, List.of());
    WhatIf w = WhatIf.of(run, Optional.of(capacity), Prices.current()).orElseThrow();
    QueueModel atRun = new QueueModel(w.runRatePerSecond(), 1 / w.serviceSecondsPerRequest(), 2);
    // at the run's own rate the calibrated prediction is the measured p95
    assertThat(atRun.responseTimeQuantileSeconds(0.95) * 1000 + w.offsetP95Millis()).isCloseTo(w.measuredP95Millis(), within(1e-6));
    WhatIf.CapacityCheck step = w.capacity().get(1);
    double predicted = new QueueModel(400, 1 / w.serviceSecondsPerRequest(), 2).responseTimeQuantileSeconds(0.95) * 1000 + w.offsetP95Millis();
    assertThat(step.predictedP95Millis()).isCloseTo(predicted, within(1e-9));
    assertThat(step.errorP95()).isCloseTo((predicted - 20) / 20, within(1e-9));
    assertThat(step.measuredCpuMillisPerRequest()).isCloseTo(1000 * 10.0 / 4000, within(1e-9)); // 10 CPU s for 4,000 requests
    // more load on the same nodes never predicts less latency
    List<WhatIf.Prediction> oneNode = w.predictions().stream().filter(p -> p.nodes() == 1).toList();
    for (int i = 1; i < oneNode.size(); i++) {
      assertThat(oneNode.get(i).p95Millis()).isGreaterThanOrEqualTo(oneNode.get(i - 1).p95Millis());
    }
  }
}
