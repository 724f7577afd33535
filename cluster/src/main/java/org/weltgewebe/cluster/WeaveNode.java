package org.weltgewebe.cluster;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariDataSource;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.weltgewebe.actors.CommunityAccount;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.Delegations;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Proposal;
import org.weltgewebe.actors.Region;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.SubjectCipher;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveClock;
import org.weltgewebe.actors.WeaveThread;
import org.weltgewebe.cluster.load.LoadWorker;
import org.weltgewebe.persistence.DatabaseBootstrap;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.privacy.ForgetPipeline;
import org.weltgewebe.persistence.privacy.RetentionSweeper;
import org.weltgewebe.persistence.privacy.SubjectRecords;
import org.weltgewebe.persistence.privacy.Vault;
import org.weltgewebe.persistence.readmodel.LeavingRoleDelegations;
import org.weltgewebe.persistence.readmodel.LeavingRoleYarns;
import org.weltgewebe.persistence.readmodel.ReadModels;

/**
 * One running node of the Weltgewebe cluster: its actor system, joined to the cluster, with every
 * entity type sharded, the database migrated and the outbox feeding read models and regions.
 *
 * <p>{@link #start} is what {@code weltgewebe serve} and the scenario runner call; {@link #init}
 * only wires sharding onto an existing system, so a test can build a three-node cluster from three
 * systems in one JVM.
 */
public final class WeaveNode implements AutoCloseable {
  /** How long the facade waits for an entity's answer. */
  public static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);
  /** Connections of the read side's pool per node. */
  private static final int READ_SIDE_POOL = 4;

  /** Every sharded entity type. */
  static final List<EntityTypeKey<?>> ENTITY_TYPES =
      List.of(Role.ENTITY_KEY, Knot.ENTITY_KEY, WeaveThread.ENTITY_KEY, Conversation.ENTITY_KEY, Region.ENTITY_KEY,
          Proposal.ENTITY_KEY, Delegations.ENTITY_KEY, CommunityAccount.ENTITY_KEY);

  private final ActorSystem<Void> system;
  private final Weave weave;
  private final DatabaseSettings database;
  private final WeaveClock clock;
  private final NodeMetrics metrics;

  private WeaveNode(
      ActorSystem<Void> system, Weave weave, DatabaseSettings database, WeaveClock clock, NodeMetrics metrics) {
    this.system = system;
    this.weave = weave;
    this.database = database;
    this.clock = clock;
    this.metrics = metrics;
  }

  /**
   * Boots a node from {@code overrides} on top of the node configuration: prepares and migrates
   * the database, starts the actor system, joins the seed nodes (or itself, when none are given)
   * and shards every entity type. With {@code weltgewebe.metrics.enabled}, Kamon starts first, so
   * that its agent instruments Pekko and JDBC as their classes load; with
   * {@code weltgewebe.load-worker.enabled}, the node's {@link LoadWorker} waits for a driver.
   */
  public static WeaveNode start(Config overrides) {
    Config base = NodeConfig.load(overrides);
    NodeMetrics metrics = NodeMetrics.start(base);
    DatabaseSettings db;
    ActorSystem<Void> system;
    try {
      db = DatabaseBootstrap.prepare(base);
      Config config = NodeConfig.load(db.asConfig().withFallback(overrides));
      system = ActorSystem.create(Behaviors.empty(), NodeConfig.SYSTEM_NAME, config);
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
    metrics.watch(system);
    Config config = system.settings().config();
    joinCluster(system);
    WeaveClock clock = NodeConfig.clock(config);
    Weave weave = init(system, clock, db);
    if (config.getBoolean("weltgewebe.load-worker.enabled")) {
      // idles until a scenario run with the in-cluster driver hands it a share of virtual users
      system.systemActorOf(LoadWorker.create(weave, clock), "load-worker", Props.empty());
    }
    return new WeaveNode(system, weave, db, clock, metrics);
  }

  /**
   * Shards every entity type on {@code system} and starts what feeds the read models and the
   * regions from the event stream: the outbox singleton relays the journal to JetStream and its
   * read-model consumer updates the read models and then the regions; a region that starts loads
   * its picture from the read models. Returns the facade that addresses the entities.
   */
  public static Weave init(ActorSystem<?> system, WeaveClock clock, DatabaseSettings db) {
    ClusterSharding sharding = ClusterSharding.get(system);
    // The read side's own pool (regions' recovery, leaving hooks, deadline sweeps): a new
    // connection per query cost PostgreSQL a backend start each time.
    HikariDataSource readSide = new HikariDataSource(db.poolConfig("read-side", READ_SIDE_POOL, Duration.ofSeconds(5)));
    system.getWhenTerminated().thenRun(readSide::close);
    ReadModels readModels = new ReadModels(readSide);
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    Region.Recovery recovery =
        cell -> CompletableFuture.supplyAsync(() -> readModels.region(cell, clock.now()), blocking);
    Vault vault = Vault.open(db, 2, java.time.Clock.systemUTC());
    system.getWhenTerminated().thenRun(vault::close);
    Weave weave = initEntities(system, clock, recovery, vault.cipher());
    weave.onLeaving(new LeavingRoleYarns(readSide, weave, blocking));
    weave.onLeaving(new LeavingRoleDelegations(readModels, weave, blocking));
    // Last: forget the role's personal data (shred its key, then read models and feeds).
    ForgetPipeline forget = new ForgetPipeline(weave, new SubjectRecords(readSide, vault.audit()),
        NatsSettings.fromConfig(system.settings().config()), blocking);
    system.getWhenTerminated().thenRun(forget::close);
    weave.onLeaving(forget);
    DeadlineSweeper.init(system, weave, readModels, clock);
    RetentionSchedule.init(system,
        new RetentionSweeper(db, vault.audit(), RetentionSweeper.Settings.fromConfig(system.settings().config())), clock);
    OutboxSingleton.init(system, db, new PekkoEventDecoder(system, vault.cipher()), new ShardedRegionFeed(sharding));
    return weave;
  }

  private static Weave initEntities(
      ActorSystem<?> system, WeaveClock clock, Region.Recovery recovery, SubjectCipher cipher) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(Role.ENTITY_KEY, ctx -> Role.create(ctx.getEntityId(), clock, cipher)));
    sharding.init(Entity.of(Knot.ENTITY_KEY, ctx -> Knot.create(ctx.getEntityId(), clock)));
    sharding.init(
        Entity.of(WeaveThread.ENTITY_KEY, ctx -> WeaveThread.create(ctx.getEntityId(), clock)));
    sharding.init(
        Entity.of(Conversation.ENTITY_KEY, ctx -> Conversation.create(ctx.getEntityId(), clock)));
    sharding.init(
        Entity.of(Region.ENTITY_KEY, ctx -> Region.create(ctx.getEntityId(), clock, recovery))
            .withSettings(RegionPassivation.settings(system, recovery)));
    Weave weave = new Weave(sharding, ASK_TIMEOUT);
    // A proposal settles on its own at its deadline, reading delegations and paying out through the facade.
    sharding.init(Entity.of(Proposal.ENTITY_KEY, ctx -> Proposal.create(ctx.getEntityId(), clock, weave)));
    sharding.init(Entity.of(Delegations.ENTITY_KEY, ctx -> Delegations.create(ctx.getEntityId(), clock)));
    sharding.init(
        Entity.of(CommunityAccount.ENTITY_KEY, ctx -> CommunityAccount.create(ctx.getEntityId(), clock)));
    return weave;
  }

  /** Joins the configured seed nodes, or forms a single-node cluster when there are none. */
  static void joinCluster(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    if (system.settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public Weave weave() {
    return weave;
  }

  public DatabaseSettings database() {
    return database;
  }

  public WeaveClock clock() {
    return clock;
  }

  /**
   * Waits until an entity of every type answers a read through this node, asking again while one
   * does not, for at most {@code within}. A node's first asks pay for shard allocation, the
   * journal's first queries and the loading of every class on the way; on a busy machine that can
   * outlast {@link #ASK_TIMEOUT}. Whoever counts timeouts afterwards (a test, a measured run) waits
   * for this first. The reads address entities that do not exist: nothing is persisted.
   *
   * @throws IllegalStateException naming the entity types that did not answer in time
   */
  public void awaitEntitiesAnswer(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    String probe = "warm-up-" + system.address().getPort().orElse(0);
    Map<String, Supplier<CompletionStage<?>>> reads = new LinkedHashMap<>();
    reads.put("role", () -> weave.profile(probe));
    reads.put("knot", () -> weave.getKnot(probe));
    reads.put("thread", () -> weave.getThread(probe));
    reads.put("conversation", () -> weave.readConversation(probe, 0, 1));
    reads.put("region", () -> weave.regionView(RegionCells.regionOf(new GeoPoint(0, 0))));
    List<String> silent = new ArrayList<>(reads.keySet());
    while (!silent.isEmpty()) {
      String type = silent.get(0);
      try {
        reads.get(type).get().toCompletableFuture().get(ASK_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        silent.remove(0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the entities to answer", e);
      } catch (ExecutionException | TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "entities of type " + silent + " did not answer within " + within.toSeconds() + " s: " + e, e);
        }
      }
    }
  }

  /**
   * Where Prometheus scrapes this node: {@code http://<address>/metrics}; empty when
   * {@code weltgewebe.metrics.enabled} is off.
   */
  public Optional<InetSocketAddress> metricsEndpoint() {
    return metrics.endpoint();
  }

  /** Leaves the cluster through CoordinatedShutdown and waits until the system has terminated. */
  @Override
  public void close() {
    CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node did not stop within 60 s", e);
    }
  }
}
