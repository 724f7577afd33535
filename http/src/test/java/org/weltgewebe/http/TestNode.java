package org.weltgewebe.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.weltgewebe.actors.Weave;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.TestDatabase;

/**
 * One node on a fresh database for every HTTP test class of the run: starting a node takes
 * seconds, binding an API to it milliseconds, so each test class binds its own API — with its own
 * clock and shedding settings — to this shared node ({@link TestApi#onSharedNode()}), or each test
 * does ({@code @ExtendWith(TestNode.class)} and {@link #bind}). The node and the
 * database are closed when JUnit closes its root context, after the last class.
 */
public final class TestNode implements BeforeAllCallback {
  private static Running shared;

  /** The node and its database, closed once at the end of the run (JUnit closes AutoCloseable store values). */
  private record Running(TestDatabase db, WeaveNode node) implements AutoCloseable {
    @Override
    public void close() {
      node.close();
      db.close();
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    startShared(context);
  }

  /** Starts the shared node and its database unless they run already. */
  static void startShared(ExtensionContext context) {
    synchronized (TestNode.class) {
      if (shared == null) {
        TestDatabase db = TestDatabase.create();
        WeaveNode node =
            WeaveNode.start(
                db.outboxConfig()
                    .withFallback(
                        ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0\nweltgewebe.http.port = 0")));
        // A cold node's first asks can outlast the ask timeout on a busy machine; the tests count timeouts.
        node.awaitEntitiesAnswer(java.time.Duration.ofMinutes(2));
        shared = new Running(db, node);
        awaitEntities(node);
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(TestNode.class, shared);
      }
    }
  }

  /**
   * Waits until an entity answers within the facade's ask timeout. The first ask on a fresh node
   * waits for the cluster to form, the shard coordinator to start and the journal's first
   * connection; on a busy machine that has taken longer than the 5-s ask timeout, and a test's first
   * registration failed with 503 (entity-timeout) for it.
   */
  private static void awaitEntities(WeaveNode node) {
    Awaitility.await("an entity answers")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> node.weave().profile(Weave.newId()).toCompletableFuture().get() != null);
  }

  public static WeaveNode node() {
    return shared.node();
  }

  /** An API bound to a free port of the shared node with {@code overrides} and {@code clock}. */
  public static TestApi bind(String overrides, Clock clock) throws Exception {
    return new TestApi(bindBound(overrides, clock));
  }

  static HttpApi.Bound bindBound(String overrides, Clock clock) throws Exception {
    Config config = ConfigFactory.parseString(overrides).withFallback(node().system().settings().config());
    return HttpApi.bind(node(), ApiSettings.from(config, clock)).toCompletableFuture().get();
  }
}
