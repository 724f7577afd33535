package org.weltgewebe.scenarios.fault;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Injects a {@link FaultPlan} into a {@link NodeCluster} while the load runs: each fault at its
 * time after the main phase's start, its end after its duration, on a scheduler of its own so that
 * a restart that waits for readiness delays nothing else. What was done, and when, is kept for the
 * report. {@link #close} undoes what is still in effect (heals a partition, resumes a paused node,
 * starts a stopped service) so a run never ends with its cluster half cut.
 */
public final class FaultInjector implements AutoCloseable {

  /** A service of the run's own that a fault can stop and start again (NATS, PostgreSQL). */
  public interface Restartable {
    /** Stops it as a crash would (SIGKILL, or PostgreSQL's immediate shutdown). */
    void stop();

    /** Starts it again on the same port and data, and waits until it answers. */
    void start();

    /** A service stopped by {@code stop} and started by {@code start}. */
    static Restartable of(Runnable stop, Runnable start) {
      return new Restartable() {
        @Override
        public void stop() {
          stop.run();
        }

        @Override
        public void start() {
          start.run();
        }
      };
    }
  }

  /** One fault as done: the plan's fault, when it began and ended (wall), and what was done. */
  public record Done(FaultPlan.Fault fault, Instant began, Instant ended, String detail) {}

  // How long a node may take to be ready again after a pause or partition (a downed one restarts).
  private static final Duration SETTLE = Duration.ofMinutes(3);

  private final FaultPlan plan;
  private final NodeCluster cluster;
  private final Optional<Restartable> nats;
  private final Optional<Restartable> postgres;
  private final PrintStream out;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4, r -> {
    Thread t = new Thread(r, "fault-injector");
    t.setDaemon(true);
    return t;
  });
  private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
  private final ConcurrentLinkedQueue<Done> done = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
  private Instant mainStart;

  /**
   * An injector of {@code plan} into {@code cluster}, with the run's own NATS server and PostgreSQL
   * when the plan restarts them; throws IllegalArgumentException when the plan needs what is missing.
   */
  public FaultInjector(FaultPlan plan, NodeCluster cluster, Optional<Restartable> nats, Optional<Restartable> postgres, PrintStream out) {
    for (FaultPlan.Fault f : plan.faults()) {
      if (f.kind() == FaultPlan.Kind.NATS_RESTART && nats.isEmpty()) {
        throw new IllegalArgumentException(f.spelled() + ": the run has no NATS server of its own to restart");
      }
      if (f.kind() == FaultPlan.Kind.PG_RESTART && postgres.isEmpty()) {
        throw new IllegalArgumentException(f.spelled() + ": the run has no PostgreSQL of its own to restart");
      }
      if (f.kind() == FaultPlan.Kind.PARTITION && cluster.partitions().isEmpty()) {
        throw new IllegalArgumentException(f.spelled() + ": the cluster was started without cgroups, so it cannot be partitioned");
      }
      if (f.node() > cluster.nodes()) {
        throw new IllegalArgumentException(f.spelled() + ": the cluster has " + cluster.nodes() + " nodes");
      }
    }
    this.plan = plan;
    this.cluster = cluster;
    this.nats = nats;
    this.postgres = postgres;
    this.out = out;
  }

  /** Schedules every fault relative to now, the main phase's start (its first user session). */
  public synchronized void start() {
    mainStart = Instant.now();
    for (FaultPlan.Fault f : plan.faults()) {
      scheduled.add(scheduler.schedule(() -> inject(f), f.at().toMillis(), TimeUnit.MILLISECONDS));
    }
  }

  /** When the faults' clock started (the main phase's start); null before {@link #start}. */
  public synchronized Instant mainStart() {
    return mainStart;
  }

  /** The faults done so far, in the order they began. */
  public List<Done> done() {
    return done.stream().sorted(java.util.Comparator.comparing(Done::began)).toList();
  }

  /** Faults that could not be injected or undone, with why. */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  /** Waits up to {@code within} until every fault has ended. */
  public boolean awaitAll(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (done.size() + problems.size() < plan.faults().size() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return done.size() + problems.size() >= plan.faults().size();
  }

  private void inject(FaultPlan.Fault f) {
    Instant began = Instant.now();
    out.printf("%nfault: %s begins%n", f.spelled());
    try {
      String detail = switch (f.kind()) {
        case KILL -> {
          cluster.kill(f.node());
          sleep(f.duration());
          Instant restarting = Instant.now();
          cluster.restart(f.node());
          String restarted = String.format("SIGKILL to node %d; started again after %d s, ready %.1f s later", f.node(), f.duration().toSeconds(),
              Duration.between(restarting, Instant.now()).toMillis() / 1000.0);
          yield restarted + "; " + cluster.settleAll(SETTLE);
        }
        case PAUSE -> {
          cluster.pause(f.node());
          sleep(f.duration());
          cluster.resume(f.node());
          yield String.format("SIGSTOP to node %d, SIGCONT after %d s; %s", f.node(), f.duration().toSeconds(),
              cluster.settleAll(SETTLE));
        }
        case PARTITION -> {
          Partitions partitions = cluster.partitions().orElseThrow();
          Map<Integer, Integer> ports = cluster.clusterPorts();
          List<String> rules = partitions.cut(f.node(), ports);
          sleep(f.duration());
          long dropped = partitions.droppedPackets();
          partitions.heal();
          yield String.format("node %d cut off from the others for %d s (%d iptables DROP rules, %d packets dropped); %s", f.node(),
              f.duration().toSeconds(), rules.size(), dropped, cluster.settleAll(SETTLE));
        }
        case NATS_RESTART -> restart("NATS", nats.orElseThrow(), f.duration()) + "; " + cluster.settleAll(SETTLE);
        case PG_RESTART -> restart("PostgreSQL", postgres.orElseThrow(), f.duration()) + "; " + cluster.settleAll(SETTLE);
      };
      Instant ended = Instant.now();
      done.add(new Done(f, began, ended, detail));
      out.printf("%nfault: %s ended: %s%n", f.spelled(), detail);
    } catch (RuntimeException e) {
      problems.add(f.spelled() + ": " + e.getMessage());
      out.printf("%nfault: %s failed: %s%n", f.spelled(), e.getMessage());
    }
  }

  private static String restart(String name, Restartable service, Duration down) {
    service.stop();
    sleep(down);
    Instant starting = Instant.now();
    service.start();
    return String.format("%s crashed, started again after %d s, answering %.1f s later", name, down.toSeconds(),
        Duration.between(starting, Instant.now()).toMillis() / 1000.0);
  }

  /** Cancels what has not begun and waits briefly for what runs; partitions are healed in any case. */
  @Override
  public void close() {
    synchronized (this) {
      scheduled.forEach(s -> s.cancel(false));
    }
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    cluster.partitions().ifPresent(Partitions::heal);
  }

  private static void sleep(Duration d) {
    try {
      // the fault's duration is the point: the node stays killed, paused or cut off this long
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
