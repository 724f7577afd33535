package org.weltgewebe.http;

import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.TestDatabase;

/**
 * A node of one test class's own, on a fresh database, for settings the shared {@link TestNode}
 * must not have (a compressed domain clock, second-by-second sweepers), with an API bound to it.
 * Registered on the class ({@code @RegisterExtension static final OwnNode own = OwnNode.with(…)}),
 * it starts before the first test, once a registration goes through, and closes after the last.
 */
public final class OwnNode implements BeforeAllCallback, AfterAllCallback {
  private final String settings;
  private TestDatabase db;
  private WeaveNode node;
  private TestApi api;

  private OwnNode(String settings) {
    this.settings = settings;
  }

  /** {@code settings}: HOCON lines over the database's outbox configuration. */
  public static OwnNode with(String settings) {
    return new OwnNode(settings);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    db = TestDatabase.create();
    node = WeaveNode.start(db.outboxConfig().withFallback(ConfigFactory.parseString(
        "pekko.remote.artery.canonical.port = 0\nweltgewebe.http.port = 0\n" + settings)));
    api = new TestApi(HttpApi.bind(node, ApiSettings.from(node.system().settings().config(), Clock.systemUTC()))
        .toCompletableFuture().get());
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(() -> api.register("Warm-up") != null);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (api != null) {
      api.close();
    }
    if (node != null) {
      node.close();
    }
    if (db != null) {
      db.close();
    }
  }

  public TestDatabase db() {
    return db;
  }

  public WeaveNode node() {
    return node;
  }

  public TestApi api() {
    return api;
  }
}
