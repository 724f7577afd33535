package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.http.TestApi;

/** Health over real HTTP against a node on a real PostgreSQL. */
class HealthRoutesTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();

  @Test
  void liveAnswersWhileTheProcessRuns() throws Exception {
    HttpResponse<String> response = api.get("/health/live");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
  }

  @Test
  void readyOnceTheClusterIsUpAndPostgresAnswers() throws Exception {
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(api.get("/health/ready").statusCode()).isEqualTo(200));
    assertThat(api.get("/health/ready").body()).contains("\"postgres\":true").contains("\"cluster\":true");
  }
}
