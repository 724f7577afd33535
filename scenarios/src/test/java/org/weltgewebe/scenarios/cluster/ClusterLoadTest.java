package org.weltgewebe.scenarios.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.Scenarios;
import org.weltgewebe.scenarios.run.Load;
import org.weltgewebe.scenarios.run.LoadContext;
import org.weltgewebe.scenarios.run.RouteMeasure;

/**
 * The driver spreads a phase over the cluster: with two platform nodes it finds two workers, each
 * sets up its own roles and takes half of the rate, and their histograms come back as the API's
 * routes and 10-s windows.
 */
class ClusterLoadTest {

  @Test
  void aPhaseIsSplitBetweenTheWorkersOfEveryPlatformNode() throws IOException {
    try (TestDatabase db = TestDatabase.create()) {
      int seedPort = freePort();
      String seed = "127.0.0.1:" + seedPort;
      Config base = db.outboxConfig().withFallback(ConfigFactory.parseString(
          "weltgewebe.metrics.enabled = off\nweltgewebe.cluster.seed-nodes = \"" + seed + "\""));
      try (WeaveNode first = WeaveNode.start(ConfigFactory.parseString("pekko.remote.artery.canonical.port = " + seedPort).withFallback(base));
          WeaveNode second = WeaveNode.start(ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0").withFallback(base))) {
        await().atMost(Duration.ofSeconds(30)).until(() -> StreamSupport.stream(Cluster.get(first.system()).state().getMembers().spliterator(), false)
            .filter(m -> m.status() == MemberStatus.up()).count() == 2);
        // the workers count every timeout: both nodes' entities answer first
        first.awaitEntitiesAnswer(Duration.ofMinutes(2));
        second.awaitEntitiesAnswer(Duration.ofMinutes(2));
        LoadContext context = new LoadContext(
            URI.create("http://127.0.0.1:1"), Scenarios.load("S2"), 100, 5, Path.of("."), "split-" + System.nanoTime(), List.of(seed));

        try (ClusterLoad load = ClusterLoad.join(context, context.clusterSeedNodes())) {
          assertThat(load.nodes()).isEqualTo(2);
          assertThat(load.generator()).startsWith("in-cluster virtual users on 2 nodes (sharding, no HTTP)");
          load.run(new Load.Requests("probe", Duration.ofSeconds(4), 30, 30,
              Map.of(Action.REGION_VIEW, 1.0, Action.KNOT_READ, 1.0, Action.SEARCH, 1.0)));

          // each worker registered its own 20 roles before the load
          assertThat(measure(load.measures("probe-setup"), "POST /roles").ok()).isEqualTo(40);
          List<RouteMeasure> probe = load.measures("probe");
          // a knot read in a cell with no known knot ties one there, as the HTTP driver does; search is not an entity's
          assertThat(probe).extracting(m -> m.method() + " " + m.route())
              .contains("GET /regions/{cell}", "GET /knots/{id}")
              .doesNotContain("GET /search");
          long requests = probe.stream().mapToLong(RouteMeasure::requests).sum();
          assertThat(requests).isBetween(70L, 180L);
          assertThat(probe).allSatisfy(m -> {
            assertThat(m.ok()).isEqualTo(m.requests());
            assertThat(m.okLatency().p95Millis()).isPositive();
          });
          List<RunReport.Window> overall = load.windows().stream()
              .filter(w -> w.phase().equals("probe") && w.route().equals("*")).toList();
          assertThat(overall.stream().mapToLong(RunReport.Window::requests).sum()).isEqualTo(requests);
          assertThat(load.figures().requests()).isGreaterThanOrEqualTo(requests);
        }
      }
    }
  }

  private static RouteMeasure measure(List<RouteMeasure> measures, String key) {
    return measures.stream().filter(m -> (m.method() + " " + m.route()).equals(key)).findFirst().orElseThrow();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
