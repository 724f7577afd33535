package org.weltgewebe.http;

import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.TestDatabase;

/**
 * A node of one test class's own, on a fresh database, for settings the shared {@link TestNode}
 * must not have (a compressed domain clock, second-by-second sweepers), with an API bound to it;
 * returned once a registration goes through.
 */
public record OwnNode(TestDatabase db, WeaveNode node, TestApi api) implements AutoCloseable {

  /** {@code settings}: HOCON lines over the database's outbox configuration. */
  public static OwnNode start(String settings) throws Exception {
    TestDatabase db = TestDatabase.create();
    WeaveNode node = WeaveNode.start(db.outboxConfig().withFallback(ConfigFactory.parseString(
        "pekko.remote.artery.canonical.port = 0\nweltgewebe.http.port = 0\n" + settings)));
    TestApi api = new TestApi(HttpApi.bind(node, ApiSettings.from(node.system().settings().config(), Clock.systemUTC()))
        .toCompletableFuture().get());
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(() -> api.register("Warm-up") != null);
    return new OwnNode(db, node, api);
  }

  @Override
  public void close() {
    api.close();
    node.close();
    db.close();
  }
}
