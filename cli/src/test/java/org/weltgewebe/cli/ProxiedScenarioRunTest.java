package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.reports.TopologyReport;
import org.weltgewebe.scenarios.run.RunOptions;
import org.weltgewebe.scenarios.run.Platform;
import org.weltgewebe.scenarios.run.ScenarioLoads;
import org.weltgewebe.scenarios.run.ScenarioRun;
import org.weltgewebe.scenarios.run.Topology;
import org.weltgewebe.scenarios.topology.ProxiedTopology;
import org.weltgewebe.scenarios.topology.ProxyOverhead;

/**
 * A short S1 through the production topology: Caddy in front and PgBouncer in transaction mode
 * behind, both from deploy/ and started by the run. The run must lose nothing (the journal and read
 * models through PgBouncer, the outbox relay directly), report the proxy's overhead against the
 * direct path measured in the same run, and the edge quota from the headers Caddy sent; and through
 * Caddy an SSE feed must resume after a cut with Last-Event-ID, and a chat must work over
 * WebSocket. (The same short S1 without the proxies is {@link ScenarioRunTest}.)
 */
class ProxiedScenarioRunTest {

  @Test
  void aShortS1ThroughCaddyAndPgBouncerLosesNothingAndReportsWhatTheProxyCosts(@TempDir Path reports) throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    AtomicReference<LiveThroughProxy.Resumed> sse = new AtomicReference<>();
    AtomicReference<LiveThroughProxy.Chat> chat = new AtomicReference<>();
    try (TestDatabase db = TestDatabase.create()) {
      RunOptions options = ShortRuns.s1(db, reports, "S1-proxied", 720, 10);
      ProxiedTopology proxied = new ProxiedTopology(db.settings(), 4, new ProxyOverhead.Plan(1, Duration.ofSeconds(4), OptionalDouble.of(20)));
      Topology checked = new Topology() {
        Platform platform;

        @Override
        public String name() {
          return proxied.name();
        }

        @Override
        public Platform start(Map<String, String> env, Function<Map<String, String>, Platform> startNode, Path dir, PrintStream out) {
          platform = proxied.start(env, startNode, dir, out);
          return platform;
        }

        @Override
        public boolean measures() {
          return proxied.measures();
        }

        @Override
        public void measure(Measure measure) {
          proxied.measure(measure);
        }

        @Override
        public void finish(RunReport report, Path dir, PrintStream out) {
          // the platform is idle and still behind Caddy here
          try {
            LiveThroughProxy live = new LiveThroughProxy(platform.api());
            sse.set(live.sseResume());
            chat.set(live.chat());
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          proxied.finish(report, dir, out);
        }
      };

      ScenarioRun.Outcome outcome =
          ScenarioRun.run(options, checked, ScenarioLoads::gatling, new PrintStream(printed, true, StandardCharsets.UTF_8));

      RunReport report = outcome.report();
      Path dir = outcome.directory();
      // nothing lost with the pools behind PgBouncer and the relay's replication connection direct
      assertThat(report.oracle().persisted()).isPositive();
      assertThat(report.oracle().discrepancies()).isEmpty();
      assertThat(report.oracle().watchers()).hasSize(3).allSatisfy(w -> assertThat(w.delivered()).isEqualTo(w.expected()));
      // no request failed inside the platform: a named prepared statement on the wrong server
      // connection would show as 5xx on the writes
      assertThat(report.routes()).allSatisfy(r -> assertThat(r.serverErrors()).as(r.method() + " " + r.route()).isZero());

      TopologyReport topology = TopologyReport.read(dir).orElseThrow();
      assertThat(topology.topology()).isEqualTo("proxied");
      assertThat(topology.proxy().url()).isEqualTo(report.settings().target());
      assertThat(topology.proxy().upstreams()).hasSize(1).doesNotContain(topology.proxy().url());
      assertThat(topology.proxy().http3Offered()).as("Caddy offers HTTP/3 on its HTTPS listener").isTrue();
      assertThat(topology.proxy().loggedRequests()).isGreaterThan(report.totals().tileHits());
      assertThat(topology.pooler().poolMode()).isEqualTo("transaction");
      assertThat(topology.pooler().transactions()).isPositive();
      assertThat(topology.pooler().maxServerConnections()).isBetween(1, 4 + 5); // the pool and its reserve
      assertThat(topology.pooler().directUrl()).isEqualTo(db.settings().url());
      assertThat(topology.pooler().probe().pooled().p50Millis()).isPositive();
      // the overhead: both sides offered the same mix at the same rate in the same run
      assertThat(topology.overhead().direct().requests()).isGreaterThan(30);
      assertThat(topology.overhead().proxied().requests()).isGreaterThan(30);
      assertThat(topology.overhead().direct().goodputPerSecond()).isPositive();
      assertThat(topology.overhead().proxied().goodputPerSecond()).isPositive();
      assertThat(topology.overhead().routes()).isNotEmpty();
      // the edge quota from the headers Caddy sent: every tile is immutable, so all but first fetches would hit.
      // Caddy logged the tiles the clients measured (a few more: its log also has the ones a client gave up on)
      long measuredTiles = report.routes().stream().filter(r -> r.route().startsWith("/tiles/")).mapToLong(RunReport.RouteResult::requests).sum();
      assertThat(topology.edge().tileRequests()).isPositive().isCloseTo(measuredTiles, org.assertj.core.data.Percentage.withPercentage(2));
      assertThat(topology.edge().tileCacheable()).isPositive();
      assertThat(topology.edge().tileHits() + topology.edge().tileCacheable()).isLessThanOrEqualTo(topology.edge().tileRequests());
      assertThat(topology.edge().tileHitPercent()).isGreaterThan(0.0);

      // the rendered reports and cost.json carry it
      assertThat(Files.readString(dir.resolve("report.md"))).contains("## Topology: Caddy and PgBouncer").contains("Proxy overhead, measured in this run");
      assertThat(Files.readString(dir.resolve("report.html"))).contains("Topology: Caddy and PgBouncer");
      JsonNode cost = new ObjectMapper().readTree(dir.resolve("cost.json").toFile());
      assertThat(cost.at("/edgeQuota/measured/tileHitPercent").asDouble()).isEqualTo(topology.edge().tileHitPercent());

      // SSE through Caddy: the event missed while cut came after the resume, nothing from before it
      LiveThroughProxy.Resumed resumed = sse.get();
      assertThat(resumed.data()).anySatisfy(d -> assertThat(d).contains(resumed.resumedKnot()));
      assertThat(resumed.ids()).allSatisfy(id -> assertThat(id).isGreaterThan(resumed.lastSeenId()));
      // chat over WebSocket through Caddy
      assertThat(chat.get().ack().at("/messageId").asText()).isEqualTo("through-caddy-1");
      assertThat(chat.get().posted().at("/text").asText()).isEqualTo("Grüße durch den Proxy");
      // the chat's token travelled in the URI; Caddy's access log must not keep it
      assertThat(Files.readString(dir.resolve("proxy").resolve("caddy-access.log"))).contains("/chat").doesNotContain(chat.get().token());
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("PgBouncer 1.").contains("Caddy 2.").contains("proxy overhead: goodput");
  }
}
