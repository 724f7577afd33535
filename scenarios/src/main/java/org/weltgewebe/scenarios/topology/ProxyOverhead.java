package org.weltgewebe.scenarios.topology;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.TopologyReport;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.run.Load;
import org.weltgewebe.scenarios.run.MixedLatency;
import org.weltgewebe.scenarios.run.RouteMeasure;

/**
 * The proxy's overhead, measured in the run that uses it: the run's API mix offered open-model at
 * one rate, in blocks that alternate between the path through Caddy and the path straight to the
 * node (P D D P P D …, so that a drift of the machine's load over the phase falls on both sides
 * alike), each side's blocks pooled into one phase of its own load. Both paths reach the same node
 * and the same PgBouncer, so the difference is Caddy's: its hop, its compression, its CPU on the
 * shared cores.
 */
public final class ProxyOverhead {
  /** Phase names of the two sides, as they appear in the generator's measurements and report. */
  static final String PROXIED = "overhead-proxied";
  static final String DIRECT = "overhead-direct";

  /** How to measure: {@code blocks} blocks per side of {@code block} each, at {@code rate} (default: the sustainable rate). */
  public record Plan(int blocks, Duration block, OptionalDouble rate) {
    public Plan {
      if (blocks < 0) {
        throw new IllegalArgumentException("--overhead-blocks must be 0 or more, got " + blocks);
      }
      if (block.isNegative() || block.isZero()) {
        throw new IllegalArgumentException("--overhead-block must be positive");
      }
      if (rate.isPresent() && !(rate.getAsDouble() > 0)) {
        throw new IllegalArgumentException("--overhead-rate must be positive, got " + rate.getAsDouble());
      }
    }

    /** Three blocks of 10 s per side at the sustainable rate: a minute of paired measurement. */
    public static Plan standard() {
      return new Plan(3, Duration.ofSeconds(10), OptionalDouble.empty());
    }
  }

  private ProxyOverhead() {}

  static TopologyReport.Overhead measure(
      Plan plan, double rate, String rateSource, Load proxied, Load direct, Map<Action, Double> mix, PrintStream out) {
    out.printf("proxy overhead: the API mix at %.0f req/s, %d blocks of %d s through Caddy and straight to the node, alternating …%n",
        rate, plan.blocks(), plan.block().toSeconds());
    for (boolean viaProxy : order(plan.blocks())) {
      (viaProxy ? proxied : direct).run(new Load.Requests(viaProxy ? PROXIED : DIRECT, plan.block(), rate, rate, mix));
    }
    double seconds = plan.blocks() * plan.block().toMillis() / 1000.0;
    List<RouteMeasure> p = proxied.measures(PROXIED);
    List<RouteMeasure> d = direct.measures(DIRECT);
    TopologyReport.Overhead result = new TopologyReport.Overhead(
        rate, rateSource, plan.blocks(), plan.block().toMillis() / 1000.0, side(d, seconds), side(p, seconds), routes(d, p));
    out.printf("proxy overhead: goodput %.1f req/s direct, %.1f through Caddy; p50 %.2f → %.2f ms, p99 %.2f → %.2f ms%n",
        result.direct().goodputPerSecond(), result.proxied().goodputPerSecond(), result.direct().p50Millis(), result.proxied().p50Millis(),
        result.direct().p99Millis(), result.proxied().p99Millis());
    return result;
  }

  /** P D D P P D …: each pair in the opposite order of the one before. */
  static List<Boolean> order(int blocks) {
    List<Boolean> order = new ArrayList<>();
    for (int i = 0; i < blocks; i++) {
      boolean proxiedFirst = i % 2 == 0;
      order.add(proxiedFirst);
      order.add(!proxiedFirst);
    }
    return order;
  }

  static TopologyReport.Side side(List<RouteMeasure> measures, double seconds) {
    long requests = 0;
    long ok = 0;
    long shed = 0;
    long errors = 0;
    List<MixedLatency.Part> parts = new ArrayList<>();
    for (RouteMeasure m : measures) {
      requests += m.requests();
      ok += m.ok();
      shed += m.shed();
      errors += m.shed() + m.serverErrors() + m.timeouts();
      parts.add(new MixedLatency.Part(m.requests() - m.timeouts(), m.latency()));
    }
    RunReport.Latency all = MixedLatency.of(parts);
    return new TopologyReport.Side(requests, ok, shed, errors, seconds > 0 ? ok / seconds : 0, all.p50Millis(), all.p99Millis());
  }

  static List<TopologyReport.RouteOverhead> routes(List<RouteMeasure> direct, List<RouteMeasure> proxied) {
    Map<String, RouteMeasure[]> byRoute = new TreeMap<>();
    for (RouteMeasure m : direct) {
      byRoute.computeIfAbsent(m.method() + " " + m.route(), k -> new RouteMeasure[2])[0] = m;
    }
    for (RouteMeasure m : proxied) {
      byRoute.computeIfAbsent(m.method() + " " + m.route(), k -> new RouteMeasure[2])[1] = m;
    }
    List<TopologyReport.RouteOverhead> routes = new ArrayList<>();
    for (RouteMeasure[] pair : byRoute.values()) {
      RouteMeasure d = pair[0];
      RouteMeasure p = pair[1];
      RouteMeasure any = d != null ? d : p;
      routes.add(new TopologyReport.RouteOverhead(any.method(), any.route(),
          d == null ? 0 : d.requests(), p == null ? 0 : p.requests(),
          d == null ? Double.NaN : d.latency().p50Millis(), p == null ? Double.NaN : p.latency().p50Millis(),
          d == null ? Double.NaN : d.latency().p99Millis(), p == null ? Double.NaN : p.latency().p99Millis()));
    }
    return routes;
  }
}
