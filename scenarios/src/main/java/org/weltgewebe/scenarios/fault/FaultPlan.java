package org.weltgewebe.scenarios.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The faults a run injects into its cluster, each at a wall time after the main phase's start:
 * {@code kill@40s,pause@100s/10s,partition@150s/30s,nats-restart@200s/5s,pg-restart@230s/5s}.
 *
 * <p>Each fault is {@code KIND@AT[/DURATION][:NODE]}:
 *
 * <ul>
 *   <li>{@code kill}: SIGKILL the node; after DURATION (default 15 s) it is started again, as a
 *       supervisor (Nomad) would, with the same ports, and rejoins the cluster;
 *   <li>{@code pause}: SIGSTOP the node for DURATION (default 10 s), then SIGCONT;
 *   <li>{@code partition}: cut the cluster links between the node and all others for DURATION
 *       (default 30 s): the kernel drops the packets ({@link Partitions});
 *   <li>{@code nats-restart}, {@code pg-restart}: stop the run's own NATS server or PostgreSQL
 *       (never the machine's shared ones) and start it again after DURATION (default 5 s).
 * </ul>
 *
 * <p>NODE (1..N) is optional: without it the i-th node fault (0-based, counting kill, pause and
 * partition) hits node N − (i mod N), so a plan of three faults on three nodes hits each once, the
 * oldest (node 1, which holds the shard coordinator) last.
 */
public record FaultPlan(List<Fault> faults) {

  /** What a fault does. */
  public enum Kind {
    KILL(Duration.ofSeconds(15)),
    PAUSE(Duration.ofSeconds(10)),
    PARTITION(Duration.ofSeconds(30)),
    NATS_RESTART(Duration.ofSeconds(5)),
    PG_RESTART(Duration.ofSeconds(5));

    private final Duration standardDuration;

    Kind(Duration standardDuration) {
      this.standardDuration = standardDuration;
    }

    /** How the plan spells it, e.g. "nats-restart". */
    public String spelled() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** True when the fault hits one platform node (rather than NATS or PostgreSQL). */
    public boolean hitsNode() {
      return this == KILL || this == PAUSE || this == PARTITION;
    }

    static Kind parse(String text) {
      for (Kind k : values()) {
        if (k.spelled().equals(text)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown fault '" + text + "' (kill, pause, partition, nats-restart, pg-restart)");
    }
  }

  /** One fault: what, when after the main phase's start, for how long, and which node (1-based; 0 for none). */
  public record Fault(Kind kind, Duration at, Duration duration, int node) {
    /** As the plan spells it. */
    public String spelled() {
      return kind.spelled() + "@" + seconds(at) + "/" + seconds(duration) + (node > 0 ? ":" + node : "");
    }

    /** When the fault ends (the node restarted, resumed or reconnected, the service started again). */
    public Duration end() {
      return at.plus(duration);
    }
  }

  private static final Pattern FAULT = Pattern.compile(
      "([a-z-]+)@([0-9]+(?:\\.[0-9]+)?)(s|m)?(?:/([0-9]+(?:\\.[0-9]+)?)(s|m)?)?(?::([0-9]+))?");

  public FaultPlan {
    faults = faults.stream().sorted(Comparator.comparing(Fault::at)).toList();
  }

  /**
   * Parses {@code spec} for a cluster of {@code nodes} nodes; throws IllegalArgumentException with
   * the offending part when it does not parse or does not fit the cluster.
   */
  public static FaultPlan parse(String spec, int nodes) {
    if (nodes < 1) {
      throw new IllegalArgumentException("--nodes must be at least 1, got " + nodes);
    }
    List<Fault> faults = new ArrayList<>();
    int nodeFaults = 0;
    for (String part : spec.split(",", -1)) {
      String p = part.trim().toLowerCase(Locale.ROOT);
      if (p.isEmpty()) {
        continue;
      }
      Matcher m = FAULT.matcher(p);
      if (!m.matches()) {
        throw new IllegalArgumentException("fault '" + part.trim() + "' is not KIND@AT[/DURATION][:NODE], e.g. kill@40s, pause@100s/10s, partition@150s/30s:1");
      }
      Kind kind = Kind.parse(m.group(1));
      Duration at = duration(m.group(2), m.group(3));
      Duration duration = m.group(4) == null ? kind.standardDuration : duration(m.group(4), m.group(5));
      if (duration.isZero()) {
        throw new IllegalArgumentException("fault '" + part.trim() + "': the duration must be positive");
      }
      int node = 0;
      if (kind.hitsNode()) {
        node = m.group(6) != null ? Integer.parseInt(m.group(6)) : nodes - (nodeFaults % nodes);
        nodeFaults++;
        if (node < 1 || node > nodes) {
          throw new IllegalArgumentException("fault '" + part.trim() + "': node " + node + " is not one of 1.." + nodes);
        }
        if (kind == Kind.PARTITION && nodes < 2) {
          throw new IllegalArgumentException("fault '" + part.trim() + "': a partition needs at least 2 nodes (--nodes)");
        }
      } else if (m.group(6) != null) {
        throw new IllegalArgumentException("fault '" + part.trim() + "': " + kind.spelled() + " hits no node; drop ':" + m.group(6) + "'");
      }
      faults.add(new Fault(kind, at, duration, node));
    }
    if (faults.isEmpty()) {
      throw new IllegalArgumentException("the fault plan '" + spec + "' names no fault");
    }
    return new FaultPlan(faults);
  }

  /** True when a fault stops the run's NATS server or PostgreSQL, which then must be the run's own. */
  public boolean restartsServices() {
    return faults.stream().anyMatch(f -> !f.kind().hitsNode());
  }

  /** True when a fault partitions the cluster (which needs root, cgroup v2 and iptables). */
  public boolean partitions() {
    return faults.stream().anyMatch(f -> f.kind() == Kind.PARTITION);
  }

  /** When the last fault ends. */
  public Duration lastEnd() {
    return faults.stream().map(Fault::end).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
  }

  /** As the command line spells it. */
  public String spelled() {
    return String.join(",", faults.stream().map(Fault::spelled).toList());
  }

  /**
   * The fault plan a scenario file carries, if any: {@code "faults": {"nodes": 3, "plan":
   * "kill@40s,…"}}. The built-in scenarios carry none; a capacity planner's copy may.
   */
  public record FromScenario(int nodes, String plan) {}

  /** The {@code faults} element of the scenario {@code idOrPath} (a built-in id or a file), if any. */
  public static Optional<FromScenario> ofScenario(String idOrPath) {
    ObjectMapper json = new ObjectMapper();
    JsonNode root;
    String id = idOrPath.toUpperCase(Locale.ROOT);
    try {
      if (org.weltgewebe.scenarios.definition.Scenarios.BUILT_IN.contains(id)) {
        try (InputStream in = FaultPlan.class.getClassLoader().getResourceAsStream("org/weltgewebe/scenarios/definitions/" + id + ".json")) {
          root = in == null ? null : json.readTree(in);
        }
      } else {
        Path file = Path.of(idOrPath);
        root = Files.isRegularFile(file) ? json.readTree(file.toFile()) : null;
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read scenario " + idOrPath + ": " + e.getMessage(), e);
    }
    JsonNode faults = root == null ? null : root.get("faults");
    if (faults == null || faults.isNull()) {
      return Optional.empty();
    }
    if (!faults.path("plan").isTextual() || !faults.path("nodes").canConvertToInt()) {
      throw new IllegalArgumentException(idOrPath + ": \"faults\" needs {\"nodes\": N, \"plan\": \"kill@40s,…\"}");
    }
    return Optional.of(new FromScenario(faults.get("nodes").asInt(), faults.get("plan").asText()));
  }

  private static Duration duration(String number, String unit) {
    double value = Double.parseDouble(number);
    double seconds = "m".equals(unit) ? value * 60 : value;
    return Duration.ofMillis(Math.round(seconds * 1000));
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
  }
}
