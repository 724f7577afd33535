package org.weltgewebe.scenarios.fault;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.weltgewebe.scenarios.run.Platform;
import org.weltgewebe.scenarios.run.PlatformProcess;
import org.weltgewebe.scenarios.topology.CaddyProcess;

/**
 * A cluster of N platform nodes the run starts — each {@code weltgewebe serve} in a JVM of its own
 * with its own HTTP, metrics and cluster port — behind Caddy ({@code deploy/caddy/Caddyfile}, started
 * as a process of the run), which the load and the SSE watchers drive. Every node lists all nodes'
 * cluster addresses as seed nodes, so a restarted node rejoins whichever is up, and all share one
 * token signing key (a file written into the run directory), so a token issued by one node is
 * accepted by the others.
 *
 * <p>The faults act on it: {@link #kill} (SIGKILL), {@link #restart} (same ports, same log, the
 * domain clock continued), {@link #pause}/{@link #resume} (SIGSTOP/SIGCONT) and, through {@link
 * Partitions}, cutting a node's cluster links. Node numbers are 1..N; node 1 is the first seed.
 */
public final class NodeCluster implements Platform {
  private static final Duration READY_WITHIN = Duration.ofMinutes(6);
  /** How long a node must answer ready without a break to count as back after a fault. */
  static final Duration STABLY_READY = Duration.ofSeconds(10);

  private final PlatformProcess.Launch launch;
  private final Instant wallStart = Instant.now();
  private final Map<Integer, PlatformProcess.Ports> ports;
  private final List<String> seeds;
  private final Optional<Partitions> partitions;
  private final Map<Integer, PlatformProcess> nodes = new LinkedHashMap<>();
  private final Map<Integer, Object> locks = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<Integer, Double> cpuOfEndedIncarnations = new LinkedHashMap<>();
  private final Path dir;
  private CaddyProcess caddy;

  private NodeCluster(PlatformProcess.Launch launch, Map<Integer, PlatformProcess.Ports> ports, Optional<Partitions> partitions, Path dir) {
    this.launch = launch;
    this.ports = ports;
    this.partitions = partitions;
    this.dir = dir;
    this.seeds = ports.values().stream().map(p -> "127.0.0.1:" + p.cluster()).toList();
  }

  /**
   * Starts {@code count} nodes as {@code launch} says (its log names node 1's; node i logs to
   * {@code node<i>.log} beside it), each in its cgroup when {@code partitions} is given, waits until
   * all are ready, then starts Caddy in front of them.
   */
  public static NodeCluster start(int count, PlatformProcess.Launch launch, Optional<Partitions> partitions, Path dir, PrintStream out) {
    Map<Integer, PlatformProcess.Ports> ports = new LinkedHashMap<>();
    Set<Integer> taken = new HashSet<>();
    for (int i = 1; i <= count; i++) {
      PlatformProcess.Ports p = PlatformProcess.Ports.free();
      // nine ports in a row from the kernel's free list may repeat one; draw again until all differ
      while (!distinct(taken, p)) {
        p = PlatformProcess.Ports.free();
      }
      ports.put(i, p);
    }
    Map<String, String> environment = new LinkedHashMap<>(launch.environment());
    environment.put("WELTGEWEBE_AUTH_KEYS_FILE", sharedKeys(dir).toString());
    Duration readyWithin = READY_WITHIN.compareTo(launch.readyWithin()) > 0 ? READY_WITHIN : launch.readyWithin();
    // All nodes start at once, and the others join through node 1: on a loaded machine node 1 took
    // longer than Pekko's 60 s join limit to answer, and node 3 gave up (exit 2, 2026-12-05 at load 45).
    // A node waits to join as long as the run waits for it to be ready.
    environment.putIfAbsent("WELTGEWEBE_CLUSTER_JOIN_WITHIN", readyWithin.toSeconds() + "s");
    PlatformProcess.Launch shared = new PlatformProcess.Launch(launch.serveCommand(), Map.copyOf(environment), launch.runId(),
        launch.compression(), launch.virtualStart(), launch.log(), readyWithin);
    NodeCluster cluster = new NodeCluster(shared, ports, partitions, dir);
    try {
      out.printf("cluster: starting %d nodes (cluster ports %s) …%n", count, cluster.clusterPorts().values());
      // a thread per node: the common pool has one thread on 2 cores and would start them one by one
      java.util.concurrent.ExecutorService threads = Executors.newFixedThreadPool(count);
      try {
        List<CompletableFuture<Void>> starting = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
          int node = i;
          starting.add(CompletableFuture.runAsync(() -> cluster.startNode(node), threads));
        }
        CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).join();
      } finally {
        threads.shutdown();
      }
      cluster.caddy = CaddyProcess.start(cluster.nodeApis(), dir.resolve("caddy"));
      out.printf("cluster: %d nodes ready behind Caddy at %s%n", count, cluster.caddy.url());
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e instanceof java.util.concurrent.CompletionException && e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private static boolean distinct(Set<Integer> taken, PlatformProcess.Ports p) {
    Set<Integer> these = new HashSet<>(List.of(p.http(), p.metrics(), p.cluster()));
    if (these.size() < 3 || these.stream().anyMatch(taken::contains)) {
      return false;
    }
    taken.addAll(these);
    return true;
  }

  private void startNode(int node) {
    // the domain clock goes on where it stands now, so a restarted node agrees with the others
    double elapsed = Duration.between(wallStart, Instant.now()).toMillis() * launch.compression();
    PlatformProcess.Launch l = new PlatformProcess.Launch(launch.serveCommand(), launch.environment(), launch.runId(), launch.compression(),
        launch.virtualStart().plusMillis(Math.round(elapsed)), log(node), launch.readyWithin());
    List<String> wrapper = partitions.map(p -> p.wrap(node)).orElse(List.of());
    PlatformProcess process = PlatformProcess.start(l, ports.get(node), wrapper, List.of("--seed-nodes", String.join(",", seeds)));
    synchronized (nodes) {
      PlatformProcess before = nodes.put(node, process);
      if (before != null && before.alive()) {
        before.kill(); // never two incarnations of one node's process
      }
    }
  }

  /** Node {@code node}'s log. */
  public Path log(int node) {
    return dir.resolve("node" + node + ".log");
  }

  /** The nodes' logs. */
  public List<Path> logs() {
    return ports.keySet().stream().map(this::log).toList();
  }

  /** Every node's number and cluster port. */
  public Map<Integer, Integer> clusterPorts() {
    Map<Integer, Integer> map = new LinkedHashMap<>();
    ports.forEach((n, p) -> map.put(n, p.cluster()));
    return map;
  }

  private List<URI> nodeApis() {
    return ports.values().stream().map(p -> URI.create("http://127.0.0.1:" + p.http())).toList();
  }

  /** SIGKILL to node {@code node}: no shutdown, no hand-over. */
  public void kill(int node) {
    PlatformProcess p = node(node);
    OptionalDouble cpu = p.cpuSeconds();
    p.kill();
    cpuOfEndedIncarnations.merge(node, cpu.orElse(0), Double::sum);
  }

  /** Starts node {@code node} again on its ports (after a kill) and waits until it is ready; nothing when it runs. */
  public void restart(int node) {
    restartIfEnded(node);
  }

  /**
   * After a fault on node {@code node}: waits up to {@code within} until the node has answered ready
   * for {@link #STABLY_READY} without a break (a node the resolver downed during a pause still
   * answers ready for a moment after SIGCONT, until it learns its fate); a node whose process ended meanwhile (downed by the split-brain resolver, it shuts itself
   * down) is started again, as a supervisor would. Says what happened.
   */
  public String settle(int node, Duration within) {
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    java.net.http.HttpRequest ready = java.net.http.HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + ports.get(node).http() + "/health/ready")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + within.toNanos();
    long readySince = -1;
    while (System.nanoTime() < deadline) {
      Instant restarting = Instant.now();
      if (restartIfEnded(node)) {
        return String.format("node %d had shut itself down (downed); started again, ready %.1f s later", node,
            Duration.between(restarting, Instant.now()).toMillis() / 1000.0);
      }
      try {
        if (client.send(ready, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          readySince = readySince < 0 ? System.nanoTime() : readySince;
          if (System.nanoTime() - readySince >= STABLY_READY.toNanos()) {
            return "node " + node + " ready again";
          }
        } else {
          readySince = -1;
        }
      } catch (IOException e) {
        readySince = -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted while waiting for node " + node;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted while waiting for node " + node;
      }
    }
    return "node " + node + " not ready within " + within.toSeconds() + " s";
  }

  /**
   * After a fault: {@link #settle}s every node, since a partition or pause can make the resolver
   * down other nodes than the one hit (with two nodes up, the side with the higher address goes).
   */
  public String settleAll(Duration within) {
    java.util.concurrent.ExecutorService threads = Executors.newFixedThreadPool(ports.size());
    try {
      List<CompletableFuture<String>> settling = ports.keySet().stream()
          .map(node -> CompletableFuture.supplyAsync(() -> settle(node, within), threads)).toList();
      return String.join(", ", settling.stream().map(CompletableFuture::join).toList());
    } finally {
      threads.shutdown();
    }
  }

  // Two faults settling at once must not both start the same node (the second would find its ports
  // taken, and the first's process would be lost): one lock per node around the check and the start.
  private boolean restartIfEnded(int node) {
    synchronized (locks.computeIfAbsent(node, n -> new Object())) {
      if (node(node).alive()) {
        return false;
      }
      startNode(node);
      return true;
    }
  }

  /** SIGSTOP to node {@code node}: the JVM freezes, its sockets stay open. */
  public void pause(int node) {
    signal(node, "STOP");
  }

  /** SIGCONT to node {@code node}. */
  public void resume(int node) {
    signal(node, "CONT");
  }

  /** Partitions made by this cluster's cgroups, if the run may partition. */
  public Optional<Partitions> partitions() {
    return partitions;
  }

  private void signal(int node, String signal) {
    long pid = node(node).pid();
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).redirectErrorStream(true).start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output.trim());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling node " + node, e);
    }
  }

  private PlatformProcess node(int node) {
    synchronized (nodes) {
      PlatformProcess p = nodes.get(node);
      if (p == null) {
        throw new IllegalArgumentException("no node " + node + " (nodes 1.." + ports.size() + ")");
      }
      return p;
    }
  }

  @Override
  public URI api() {
    return caddy.url();
  }

  /** Node 1's metrics: the run's server figures are one node's, and the report says so. */
  @Override
  public URI metrics() {
    return URI.create("http://127.0.0.1:" + ports.get(1).metrics() + "/metrics");
  }

  @Override
  public OptionalDouble cpuSeconds() {
    double total = cpuOfEndedIncarnations.values().stream().mapToDouble(Double::doubleValue).sum();
    synchronized (nodes) {
      for (PlatformProcess p : nodes.values()) {
        total += p.cpuSeconds().orElse(0);
      }
    }
    return OptionalDouble.of(total);
  }

  @Override
  public int nodes() {
    return ports.size();
  }

  @Override
  public boolean startedByRun() {
    return true;
  }

  @Override
  public List<String> clusterSeedNodes() {
    return seeds;
  }

  /** Stops Caddy and every node (a paused one is resumed first so that it can shut down). */
  @Override
  public void close() {
    if (caddy != null) {
      caddy.close();
    }
    List<PlatformProcess> all;
    synchronized (nodes) {
      all = List.copyOf(nodes.values());
    }
    for (PlatformProcess p : all) {
      if (p.alive()) {
        try {
          new ProcessBuilder("kill", "-CONT", String.valueOf(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
          // the stop below ends it forcibly if it cannot shut down
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    all.parallelStream().forEach(PlatformProcess::close);
  }

  // One Ed25519 key every node signs and verifies with (weltgewebe.auth.keys-file), active since long
  // before the domain clock's start, so tokens are accepted by whichever node Caddy picks.
  private static Path sharedKeys(Path dir) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      // RFC 8037's OKP JWK: x and d are the raw 32-byte public key and seed, the last 32 bytes of the
      // X.509 and PKCS#8 encodings Java gives for Ed25519
      java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
      byte[] x = pair.getPublic().getEncoded();
      byte[] d = pair.getPrivate().getEncoded();
      String jwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + b64.encodeToString(java.util.Arrays.copyOfRange(x, x.length - 32, x.length))
          + "\",\"d\":\"" + b64.encodeToString(java.util.Arrays.copyOfRange(d, d.length - 32, d.length)) + "\"}";
      Path file = dir.resolve("auth-keys.json");
      Files.createDirectories(dir);
      Files.writeString(file, "{\"keys\":[{\"activeFrom\":\"2020-01-01T00:00:00Z\",\"jwk\":" + jwk + "}]}", StandardCharsets.UTF_8);
      return file.toAbsolutePath();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot make Ed25519 keys", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the cluster's signing key into " + dir, e);
    }
  }
}
