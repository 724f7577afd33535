package org.weltgewebe.cluster.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.cluster.NodeConfig;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.TestDatabase;

/**
 * A platform node's worker, driven from a second node as the scenario runner drives it: found
 * through the Receptionist, handed shares over remoting (so every message crosses the wire through
 * the project's serializer), it replays them against the real entities on PostgreSQL and reports
 * what it measured.
 */
class LoadWorkerTest {
  static TestDatabase db;
  static WeaveNode platform;
  static ActorSystem<Void> driver;
  static ActorRef<LoadWorker.Command> worker;

  @BeforeAll
  static void platformAndDriver() {
    db = TestDatabase.create();
    platform = WeaveNode.start(db.outboxConfig().withFallback(ConfigFactory.parseString(
        "pekko.remote.artery.canonical.port = 0\n"
            + "weltgewebe.metrics.enabled = off")));
    platform.awaitEntitiesAnswer(Duration.ofMinutes(2)); // the worker counts every timeout
    String seed = "127.0.0.1:" + platform.system().address().getPort().get();
    driver = ActorSystem.create(Behaviors.empty(), NodeConfig.SYSTEM_NAME, NodeConfig.load(ConfigFactory.parseString(
        "pekko.remote.artery.canonical.port = 0\n"
            + "pekko.cluster.roles = [driver]\n"
            + "weltgewebe.cluster.seed-nodes = \"" + seed + "\"")));
    await().atMost(Duration.ofSeconds(30)).until(() -> Cluster.get(driver).selfMember().status() == MemberStatus.up());
    List<ActorRef<LoadWorker.Command>> found = new ArrayList<>();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      found.clear();
      found.addAll(workers());
      return !found.isEmpty();
    });
    assertThat(found).hasSize(1);
    worker = found.get(0);
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.terminate();
      driver.getWhenTerminated().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }
    if (platform != null) {
      platform.close();
    }
    db.close();
  }

  private static Set<ActorRef<LoadWorker.Command>> workers() throws Exception {
    CompletionStage<Receptionist.Listing> listing = AskPattern.ask(
        driver.receptionist(), reply -> Receptionist.find(LoadWorker.KEY, reply), Duration.ofSeconds(3), driver.scheduler());
    return listing.toCompletableFuture().get(5, TimeUnit.SECONDS).getServiceInstances(LoadWorker.KEY);
  }

  /** A share of a run of its own: every test starts with a world of no roles, knots or conversations. */
  private static LoadWorker.Share share(String phase) {
    String cell = RegionCells.regionOf(new org.weltgewebe.actors.GeoPoint(52.4986, 13.4031));
    return new LoadWorker.Share("test-run-" + System.nanoTime(), phase, 0, 1, 11, System.currentTimeMillis(), 500, List.of(cell), List.of(1.0));
  }

  private static ShareCollector.Collected collect(java.util.function.Function<ActorRef<LoadWorker.Report>, LoadWorker.Command> share,
      List<LoadWorker.Running> progress) throws Exception {
    CompletableFuture<ShareCollector.Collected> result = new CompletableFuture<>();
    ActorRef<LoadWorker.Report> collector =
        driver.systemActorOf(ShareCollector.create(result, progress::add), "collector-" + System.nanoTime(), Props.empty());
    worker.tell(share.apply(collector));
    return result.get(60, TimeUnit.SECONDS);
  }

  @Test
  void aRampOfSingleCommandsIsMeasuredPerActionAndSetUpFirst() throws Exception {
    List<LoadWorker.Running> progress = Collections.synchronizedList(new ArrayList<>());
    ShareCollector.Collected collected = collect(
        replyTo -> new LoadWorker.RunRequests(share("probe"), 4, 20, 40,
            Map.of("REGION_VIEW", 1.0, "KNOT_READ", 1.0, "CONNECT", 1.0, "PROFILE_UPDATE", 1.0, "SEARCH", 1.0), replyTo),
        progress);

    assertThat(collected.failure()).isNull();
    Tally merged = new Tally(0);
    collected.entries().forEach(merged::add);
    Map<String, Tally.Stats> probe = byAction(merged, "probe");
    Map<String, Tally.Stats> setup = byAction(merged, "probe-setup");
    // the phase's roles registered, a knot in the one cell and a conversation on it, before the load
    assertThat(setup.get("REGISTER").ok()).isEqualTo(20);
    assertThat(setup.get("CREATE_KNOT").ok()).isEqualTo(1);
    assertThat(setup.get("START_CONVERSATION").ok()).isEqualTo(1);
    // about 120 commands in 4 s at 20→40/s; SEARCH is the read models' business, not an entity's
    long requests = probe.values().stream().mapToLong(Tally.Stats::requests).sum();
    assertThat(requests).isBetween(60L, 200L);
    assertThat(probe).containsKeys("REGION_VIEW", "KNOT_READ", "CONNECT", "PROFILE_UPDATE").doesNotContainKey("SEARCH");
    assertThat(probe.values()).allSatisfy(s -> {
      assertThat(s.ok()).isEqualTo(s.requests());
      assertThat(s.okLatency().getValueAtPercentile(95)).isPositive().isLessThan(5_000_000L);
    });
    assertThat(progress).isNotEmpty();
  }

  @Test
  void sessionsArriveFollowingTheirRateAndEachLogsInActsAndLogsOut() throws Exception {
    List<Double> perHour = Collections.nCopies(24, 1200.0);
    // 0.01 virtual hours at 12x: 3 s of wall time, about 12 sessions
    ShareCollector.Collected collected = collect(
        replyTo -> new LoadWorker.RunSessions(share("main"), perHour, 10, 0.01, 12, 0.6,
            Map.of("REGION_VIEW", 2.0, "CREATE_KNOT", 1.0, "PROFILE_READ", 1.0, "CHAT", 1.0), 2, 0.1, replyTo),
        new ArrayList<>());

    assertThat(collected.failure()).isNull();
    assertThat(collected.sessions()).isBetween(3L, 30L);
    Tally merged = new Tally(0);
    collected.entries().forEach(merged::add);
    Map<String, Tally.Stats> setup = byAction(merged, "main-setup");
    assertThat(setup.get("START_CONVERSATION").ok()).as("the setup's conversation, which chats post to").isEqualTo(1);
    Map<String, Tally.Stats> main = byAction(merged, "main");
    assertThat(main.get("LOGIN").ok()).as("every session logs in, a new user's after registering").isEqualTo(collected.sessions());
    assertThat(main.get("LOGOUT").ok()).isEqualTo(collected.sessions());
    assertThat(main.get("REGION_VIEW").requests()).isEqualTo(2 * collected.sessions());
    assertThat(main.get("CREATE_KNOT").ok()).isEqualTo(collected.sessions());
    // a chat is its messages, each a post to a conversation the setup started
    assertThat(main.get("CHAT").ok()).isEqualTo(2 * collected.sessions());
  }

  /** The self-governing steps, as the HTTP driver sends them: each reaches its entity and is answered. */
  @Test
  void proposalsVotesDelegationsDonationsAndLeavingAreSentAsEntityCommands() throws Exception {
    Map<String, Double> mix = new java.util.HashMap<>();
    for (String step : List.of("PROPOSE", "PROPOSE_PAYOUT", "PROPOSAL_READ", "OBJECT", "VOTE", "DELEGATE", "REVOKE_DELEGATION",
        "DELEGATIONS_READ", "DONATE", "DONATE_ANONYMOUS", "ACCOUNT_READ", "LEAVE")) {
      mix.put(step, 1.0);
    }
    ShareCollector.Collected collected = collect(
        replyTo -> new LoadWorker.RunRequests(share("probe"), 6, 30, 30, mix, replyTo), new ArrayList<>());

    assertThat(collected.failure()).isNull();
    Tally merged = new Tally(0);
    collected.entries().forEach(merged::add);
    Map<String, Tally.Stats> probe = byAction(merged, "probe");
    // a vote or objection may be refused (409) when another one moved its proposal on; none times out
    assertThat(probe).containsKeys("PROPOSE", "PROPOSAL_READ", "OBJECT", "VOTE", "DELEGATE", "REVOKE_DELEGATION",
        "DELEGATIONS_READ", "DONATE", "DONATE_ANONYMOUS", "ACCOUNT_READ", "LEAVE");
    assertThat(probe.values()).allSatisfy(s -> assertThat(s.timeouts()).as(s.action()).isZero());
    for (String step : List.of("PROPOSE", "VOTE", "DELEGATE", "REVOKE_DELEGATION", "DONATE", "DONATE_ANONYMOUS", "LEAVE")) {
      assertThat(probe.get(step).ok()).as(step).isPositive();
    }
  }

  @Test
  void theCeilingIsTheRateOfNoOpAsksOnTheWorkersOwnNode() throws Exception {
    CompletionStage<LoadWorker.CeilingMeasured> measured = AskPattern.ask(
        worker, reply -> new LoadWorker.MeasureCeiling(1.5, reply), Duration.ofSeconds(10), driver.scheduler());
    LoadWorker.CeilingMeasured ceiling = measured.toCompletableFuture().get(15, TimeUnit.SECONDS);
    assertThat(ceiling.worker()).isEqualTo(platform.system().address().toString());
    // how high is this machine's business (scenarios/bench/generator-ceiling.sh); that it measured
    // asks at all is the test's
    assertThat(ceiling.perSecond()).isPositive();
  }

  private static Map<String, Tally.Stats> byAction(Tally tally, String phase) {
    Map<String, List<Tally.Stats>> grouped = new java.util.TreeMap<>();
    for (Tally.Stats s : tally.stats()) {
      if (s.phase().equals(phase)) {
        grouped.computeIfAbsent(s.action(), a -> new ArrayList<>()).add(s);
      }
    }
    Map<String, Tally.Stats> sums = new java.util.TreeMap<>();
    grouped.forEach((action, stats) -> sums.put(action, Tally.Stats.sum(phase, -1, action, stats)));
    return sums;
  }
}
