package org.weltgewebe.scenarios.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Network partitions between platform nodes that share one loopback interface, made by the kernel:
 * each node runs in a cgroup v2 of its own, and a partition is a pair of iptables rules per pair of
 * nodes cut apart — packets from a socket of node A's cgroup to node B's cluster port are dropped,
 * and the converse. Nothing in our code knows: the nodes' Artery connections stall as on a real
 * network split, their failure detectors notice, and the split-brain resolver decides.
 *
 * <p>Why cgroups: nodes on one loopback cannot be told apart by address or source port (outbound
 * connections come from 127.0.0.1 and an ephemeral port), and all run as one user, so neither an
 * address, a port nor an owner rule can select "node A's traffic". The netfilter {@code cgroup}
 * match selects by the cgroup of the sending socket, which is fixed when the socket is made: so each
 * node is put into its cgroup before it opens any socket (a shell writes its own pid into {@code
 * cgroup.procs}, then execs the JVM). Network namespaces with veth pairs would isolate more, but
 * PostgreSQL and NATS would then have to be reached across them.
 *
 * <p>The rules live in a chain of their own ({@code WG-<run>}), jumped to from OUTPUT; {@link #close}
 * removes the jump, the chain and the cgroups. Needs root, a cgroup v2 hierarchy and iptables.
 */
public final class Partitions implements AutoCloseable {
  private static final Path MOUNTS = Path.of("/proc/mounts");
  private static final String IPTABLES = locate("iptables").orElse("iptables");

  private final Path cgroupRoot;
  private final String group;
  private final String chain;
  private final List<String> rules = new ArrayList<>();

  private Partitions(Path cgroupRoot, String group, String chain) {
    this.cgroupRoot = cgroupRoot;
    this.group = group;
    this.chain = chain;
  }

  /** How partitions are made, for the report. */
  public static final String METHOD = "iptables DROP on the cluster (Artery) ports, selected by the sending node's cgroup v2 (xt_cgroup)";

  /** Why this machine cannot partition nodes, or empty when it can. */
  public static Optional<String> unavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("a partition fault needs root (iptables rules and cgroups); run as root or leave partition out of --fault");
    }
    if (cgroup2Root().isEmpty()) {
      return Optional.of("a partition fault needs a cgroup v2 hierarchy (none is mounted)");
    }
    if (!onPath("iptables")) {
      return Optional.of("a partition fault needs iptables (Debian: apt-get install iptables)");
    }
    return Optional.empty();
  }

  /** Makes the run's cgroup parent and rule chain; {@code runId} names them. */
  public static Partitions create(String runId) {
    Path root = cgroup2Root().orElseThrow(() -> new IllegalStateException(unavailable().orElse("no cgroup v2")));
    String id = Integer.toHexString(runId.hashCode() & 0x7fffffff);
    String group = "weltgewebe-" + runId.replaceAll("[^A-Za-z0-9_-]", "_");
    Partitions p = new Partitions(root, group, ("WG-" + id).toUpperCase(Locale.ROOT));
    try {
      Files.createDirectories(root.resolve(group));
    } catch (IOException e) {
      throw new IllegalStateException("cannot create cgroup " + root.resolve(group) + ": " + e.getMessage(), e);
    }
    iptables("-N", p.chain);
    iptables("-I", "OUTPUT", "-j", p.chain);
    return p;
  }

  /**
   * The command line that runs {@code command} as node {@code node} inside its cgroup: a shell puts
   * itself into the cgroup and execs the command, so the JVM and every socket it opens belong to it.
   */
  public List<String> wrap(int node) {
    Path dir = cgroup(node);
    return List.of("/bin/sh", "-c", "echo $$ > '" + dir.resolve("cgroup.procs") + "' && exec \"$@\"", "weltgewebe-node" + node);
  }

  /**
   * Cuts node {@code node} off from the others: {@code clusterPorts} maps every node's number to its
   * cluster port. Returns the rules added, as iptables spells them.
   */
  public synchronized List<String> cut(int node, Map<Integer, Integer> clusterPorts) {
    List<String> added = new ArrayList<>();
    for (Map.Entry<Integer, Integer> other : clusterPorts.entrySet()) {
      if (other.getKey() == node) {
        continue;
      }
      added.add(drop(node, other.getValue()));
      added.add(drop(other.getKey(), clusterPorts.get(node)));
    }
    return added;
  }

  /** Removes every partition rule: the nodes reach each other again. */
  public synchronized void heal() {
    iptables("-F", chain);
    rules.clear();
  }

  /** Packets dropped by the rules so far (read from the chain's counters), for the report. */
  public synchronized long droppedPackets() {
    String listing = run(List.of(IPTABLES, "-L", chain, "-v", "-n", "-x"), false);
    long total = 0;
    for (String line : listing.split("\n", -1)) {
      String[] f = line.trim().split("\\s+", -1);
      if (f.length > 2 && f[2].equals("DROP")) {
        try {
          total += Long.parseLong(f[0]);
        } catch (NumberFormatException e) {
          // a header line
        }
      }
    }
    return total;
  }

  // The node's cgroup directory, made if missing: the cgroup match resolves its path when a rule is added.
  private Path cgroup(int node) {
    Path dir = cgroupRoot.resolve(group).resolve("node" + node);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create cgroup " + dir + ": " + e.getMessage(), e);
    }
    return dir;
  }

  private String drop(int fromNode, int toPort) {
    cgroup(fromNode);
    String path = group + "/node" + fromNode;
    iptables("-A", chain, "-m", "cgroup", "--path", path, "-p", "tcp", "--dport", String.valueOf(toPort), "-j", "DROP");
    String rule = "-A " + chain + " -m cgroup --path " + path + " -p tcp --dport " + toPort + " -j DROP";
    rules.add(rule);
    return rule;
  }

  /** Removes the rules, the chain and the cgroups (call after the nodes have ended). */
  @Override
  public synchronized void close() {
    run(List.of(IPTABLES, "-D", "OUTPUT", "-j", chain), false);
    run(List.of(IPTABLES, "-F", chain), false);
    run(List.of(IPTABLES, "-X", chain), false);
    Path parent = cgroupRoot.resolve(group);
    try (var children = Files.list(parent)) {
      for (Path child : children.filter(Files::isDirectory).toList()) {
        Files.deleteIfExists(child);
      }
      Files.deleteIfExists(parent);
    } catch (IOException e) {
      // a cgroup that still holds a process cannot go; it is empty and harmless once that ends
    }
  }

  private static void iptables(String... arguments) {
    List<String> command = new ArrayList<>(List.of(IPTABLES, "-w"));
    command.addAll(List.of(arguments));
    run(command, true);
  }

  private static String run(List<String> command, boolean required) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not end within 30 s");
      }
      if (required && p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + output.trim());
      }
      return output;
    } catch (IOException e) {
      if (required) {
        throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
      }
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
    }
  }

  // The cgroup v2 mount: /sys/fs/cgroup on a unified system, /sys/fs/cgroup/unified on a hybrid one.
  private static Optional<Path> cgroup2Root() {
    try {
      for (String line : Files.readAllLines(MOUNTS, StandardCharsets.UTF_8)) {
        String[] f = line.split(" ", -1);
        if (f.length > 2 && f[2].equals("cgroup2")) {
          return Optional.of(Path.of(f[1]));
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static boolean onPath(String program) {
    return locate(program).isPresent();
  }

  // root's PATH may lack the sbin directories a login shell adds
  private static Optional<String> locate(String program) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
    for (String dir : path.split(":", -1)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return Optional.of(Path.of(dir, program).toString());
      }
    }
    return Optional.empty();
  }
}
