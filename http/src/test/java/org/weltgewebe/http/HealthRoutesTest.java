package org.weltgewebe.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.TestDatabase;

/** Health over real HTTP against a node on a real PostgreSQL. */
class HealthRoutesTest {
  static TestDatabase db;
  static WeaveNode node;
  static String base;
  static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.create();
    node =
        WeaveNode.start(
            db.outboxConfig()
                .withFallback(
                    ConfigFactory.parseString(
                        "pekko.remote.artery.canonical.port = 0\nweltgewebe.http.port = 0")));
    ServerBinding binding = HttpApi.bind(node).toCompletableFuture().get();
    base = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
  }

  @Test
  void liveAnswersWhileTheProcessRuns() throws Exception {
    HttpResponse<String> response = get("/health/live");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
  }

  @Test
  void readyOnceTheClusterIsUpAndPostgresAnswers() throws Exception {
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(get("/health/ready").statusCode()).isEqualTo(200));
    assertThat(get("/health/ready").body()).contains("\"postgres\":true").contains("\"cluster\":true");
  }

  static HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
