package org.weltgewebe.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.TestDatabase;

/**
 * A dissolved knot's routes answer 410 Gone, on a node of its own whose domain clock runs 200,000
 * times faster (a knot that no thread leads to dissolves after seven virtual days, about 3 s here).
 * Tokens keep the wall clock, so they stay valid throughout.
 */
class DissolvedKnotTest {
  private static final double COMPRESSION = 200_000;

  static TestDatabase db;
  static WeaveNode node;
  static TestApi api;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.create();
    node = WeaveNode.start(db.outboxConfig().withFallback(ConfigFactory.parseString(
        "pekko.remote.artery.canonical.port = 0\nweltgewebe.http.port = 0\nweltgewebe.metrics.enabled = off\n"
            + "weltgewebe.clock.compression = " + COMPRESSION + "\n")));
    api = new TestApi(HttpApi.bind(node, ApiSettings.from(node.system().settings().config(), Clock.systemUTC()))
        .toCompletableFuture().get());
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(() -> api.register("Warm-up") != null);
  }

  @AfterAll
  static void stop() {
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

  @Test
  void everyRouteOfADissolvedKnotAnswers410() throws Exception {
    TestApi.Role ada = api.register("Ada");
    String knotId = api.createKnot(ada, "Short-lived").at("/knot/knotId").asText();
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> api.get("/knots/" + knotId).statusCode() == 410);

    HttpResponse<String> read = api.get("/knots/" + knotId);
    assertThat(read.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(TestApi.json(read).at("/detail").asText()).contains("dissolved");
    assertThat(api.post("/knots/" + knotId + "/connections",
        TestApi.body(Map.of("connection", "AGREE")), ada.token()).statusCode()).isEqualTo(410);
    assertThat(api.post("/knots/" + knotId + "/conversations",
        TestApi.body(Map.of("title", "Late", "text", "Anyone?")), ada.token()).statusCode()).isEqualTo(410);
    assertThat(api.post("/knots/" + knotId + "/proposals",
        TestApi.body(Map.of("title", "Late", "text", "Revive it")), ada.token()).statusCode()).isEqualTo(410);
    assertThat(api.get("/knots/" + knotId).statusCode()).as("and it stays gone").isEqualTo(410);
  }
}
