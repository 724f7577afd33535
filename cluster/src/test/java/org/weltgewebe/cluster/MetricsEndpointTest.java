package org.weltgewebe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveThread;
import org.weltgewebe.persistence.TestDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node with metrics on, on real PostgreSQL and NATS: after domain writes and a few HTTP requests
 * its scrape endpoint serves an exposition that {@code promtool check metrics} accepts, with the
 * platform's, Kamon's and JetStream's families, every series labelled with the run id.
 */
class MetricsEndpointTest {
  static final GeoPoint PLACE = new GeoPoint(52.52, 13.405);
  static final String RUN_ID = "metrics-test-run";
  static final String TRACE_LOGGER = "org.weltgewebe.test.trace";
  static final Config METRICS_ON =
      ConfigFactory.parseString(
          "weltgewebe.metrics { enabled = on, port = 0, interval = 1s, run-id = \"" + RUN_ID + "\" }\n"
              + "pekko.remote.artery.canonical.port = 0");

  // Kamon first, before TestDatabase loads the JDBC driver (see NodeMetrics); the node shares it.
  static NodeMetrics kamon;

  @BeforeAll
  static void startKamon() {
    kamon = NodeMetrics.start(NodeConfig.load(METRICS_ON));
  }

  @AfterAll
  static void stopKamon() {
    kamon.close();
  }

  @Test
  void aNodeServesAValidPrometheusExpositionWithThePlatformFamilies() throws Exception {
    try (TestDatabase db = TestDatabase.create();
        WeaveNode node = WeaveNode.start(METRICS_ON.withFallback(db.outboxConfig()))) {
      InetSocketAddress endpoint = node.metricsEndpoint().orElseThrow();
      ServerBinding http = bindRoutes(node);
      Weave weave = node.weave();
      // The agent rewrites classes as they first load: on two cores the very first write may outlast
      // the facade's ask timeout, so the node is warmed up before the writes that count.
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
          weave.createKnot(Weave.newId(), Weave.newId(), "role-warm", Knot.Type.IDEA, "Aufwärmen", "", PLACE, null, null)
              .toCompletableFuture().get(10, TimeUnit.SECONDS) != null);
      List<CompletableFuture<?>> writes = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String knotId = Weave.newId();
        writes.add(
            weave.createKnot(knotId, Weave.newId(), "role-" + i, Knot.Type.IDEA, "Knoten " + i, "", PLACE, null, null)
                .thenCompose(k -> weave.connect(Weave.newId(), knotId, "role-x", WeaveThread.Kind.VOTE, Knot.Connection.AGREE))
                .toCompletableFuture());
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      ListAppender<ILoggingEvent> logs = new ListAppender<>();
      logs.start();
      ch.qos.logback.classic.Logger traceLogger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(TRACE_LOGGER);
      traceLogger.setLevel(ch.qos.logback.classic.Level.INFO);
      traceLogger.addAppender(logs);
      HttpClient client = HttpClient.newHttpClient();
      String api = "http://127.0.0.1:" + http.localAddress().getPort();
      // The first request continues a caller's trace (B3 headers, Kamon's default propagation).
      HttpResponse<String> continued = client.send(
          HttpRequest.newBuilder(URI.create(api + "/knots/k0"))
              .header("X-B3-TraceId", CALLER_TRACE).header("X-B3-SpanId", "e457b5a2e4d86bd1").header("X-B3-Sampled", "1")
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(continued.headers().firstValue("trace-id")).hasValue(CALLER_TRACE);
      for (int i = 0; i < 5; i++) {
        if (i > 0) {
          client.send(HttpRequest.newBuilder(URI.create(api + "/knots/k" + i)).build(), HttpResponse.BodyHandlers.ofString());
        }
        client.send(
            HttpRequest.newBuilder(URI.create(api + "/knots/k" + i + "/connections")).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
      }
      client.send(HttpRequest.newBuilder(URI.create(api + "/missing")).build(), HttpResponse.BodyHandlers.ofString());

      // A family's TYPE line comes with its first registration, its samples only with its first
      // recording (Kamon writes a histogram's _count and _sum once it holds a value): the scrape is
      // waited for until it serves every series the dashboards and rules name, not only the families.
      Set<String> used = seriesTheDashboardsAndRulesUse();
      String[] scrape = new String[1];
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        scrape[0] = scrape(client, endpoint);
        assertThat(families(scrape[0])).containsAll(EXPECTED_FAMILIES);
        assertThat(servedSeries(scrape[0])).containsAll(used);
        assertThat(scrape[0])
            .contains("jetstream_consumer_num_pending{")
            .contains("stream_name=\"" + db.streamName() + "\"")
            .contains("consumer_name=\"read-models\"")
            .contains("operation=\"/knots/{id}\"")
            .contains("operation=\"/knots/{id}/connections\"")
            .contains("operation=\"unhandled\"");
        // Each of the 11 requests counted once: Kamon's own Pekko HTTP instrumentation, if its Kanela
        // module were not switched off, would wrap the same server and count them again (or not at all).
        assertThat(total(scrape[0], "http_server_requests_total", "component=\"pekko.http.server\""))
            .as(scrape[0].lines().filter(l -> l.startsWith("http_server_requests_total{")).toList().toString())
            .isEqualTo(11);
        assertThat(sample(scrape[0], "weltgewebe_outbox_published_events_total")).isGreaterThanOrEqualTo(50);
        assertThat(sample(scrape[0], "weltgewebe_read_model_events_applied_total")).isGreaterThanOrEqualTo(50);
      });
      http.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      eachRequestsLogsCarryItsTraceIdIntoTheActor(logs.list);
      assertThat(logs.list)
          .filteredOn(e -> e.getFormattedMessage().equals("GET knot k0"))
          .singleElement()
          .satisfies(e -> assertThat(e.getMDCPropertyMap().get("trace_id")).isEqualTo(CALLER_TRACE));

      String exposition = scrape[0];
      // Every series of the node carries the run id.
      assertThat(exposition.lines().filter(l -> !l.startsWith("#") && !l.isBlank()))
          .allSatisfy(line -> assertThat(line).contains("run_id=\"" + RUN_ID + "\""));
      assertThat(exposition).doesNotContain("operation=\"/knots/k1\"");

      Path file = Path.of("target", "metrics-scrape.prom");
      Files.writeString(file, exposition);
      Promtool.Result check = Promtool.checkMetrics(exposition);
      System.out.println("promtool check metrics (exit " + check.exitCode() + "):\n" + check.output());
      // The parse must succeed; the only lint findings allowed are the exporter's own names, kept so
      // that dashboards made for the prometheus-nats-exporter work unchanged.
      assertThat(check.findings()).isSubsetOf(Promtool.EXPORTER_NAME_FINDINGS);
      assertThat(check.exitCode()).isIn(0, 3); // 3: lint findings only

      everyMetricTheDashboardsAndRulesUseIsInTheScrape(exposition);
    }
  }

  /**
   * Every metric name in the dashboards' and the rules' expressions is served by a real node. Only
   * the recording rules' own outputs (names with a colon, e.g. weltgewebe:slo_error_budget_remaining:ratio30d)
   * are not: Prometheus makes them from served series.
   */
  static void everyMetricTheDashboardsAndRulesUseIsInTheScrape(String exposition) throws Exception {
    Set<String> served = servedSeries(exposition);
    List<MetricReferences.Expression> expressions = dashboardAndRuleExpressions();
    Set<String> referenced = new TreeSet<>();
    for (MetricReferences.Expression e : expressions) {
      for (String name : MetricReferences.metricNames(e.promql())) {
        referenced.add(name);
        if (!name.contains(":")) {
          assertThat(served).as("%s uses %s in %s", e.source(), name, e.promql()).contains(name);
        }
      }
    }
    System.out.println("metric names used by dashboards and rules: " + referenced);

    // Grafana's variables given sample values, every dashboard expression must parse as PromQL.
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-expressions\n    rules:\n");
    int n = 0;
    for (MetricReferences.Expression e : MetricReferences.dashboards(OBSERVABILITY.resolve("dashboards"))) {
      String promql =
          e.promql().replace("$__rate_interval", "5m").replace("$__range", "1h").replace("$run_id", ".*")
              .replace("$monthly_cost_eur", "15");
      rules.append("      - record: dashboard:expression_").append(n++).append(":check\n")
          .append("        expr: '").append(promql.replace("'", "''")).append("'\n");
    }
    Promtool.Result parsed = Promtool.checkRules(rules.toString());
    assertThat(parsed.exitCode()).as(parsed.output()).isZero();
  }

  static List<MetricReferences.Expression> dashboardAndRuleExpressions() throws Exception {
    List<MetricReferences.Expression> expressions = new ArrayList<>();
    expressions.addAll(MetricReferences.dashboards(OBSERVABILITY.resolve("dashboards")));
    expressions.addAll(MetricReferences.rules(OBSERVABILITY.resolve("rules")));
    assertThat(expressions).hasSizeGreaterThan(50);
    return expressions;
  }

  /** The series names the dashboards and rules read from a node (recording rules' outputs excluded). */
  static Set<String> seriesTheDashboardsAndRulesUse() throws Exception {
    Set<String> names = new TreeSet<>();
    for (MetricReferences.Expression e : dashboardAndRuleExpressions()) {
      MetricReferences.metricNames(e.promql()).stream().filter(n -> !n.contains(":")).forEach(names::add);
    }
    return names;
  }

  /** The names of the series an exposition carries samples for. */
  static Set<String> servedSeries(String exposition) {
    return exposition.lines()
        .filter(l -> !l.startsWith("#") && !l.isBlank())
        .map(l -> l.substring(0, l.indexOf(l.contains("{") ? '{' : ' ')))
        .collect(Collectors.toSet());
  }

  /**
   * Kamon's context follows a request from the route into the actor it asks, and its trace id is in
   * the MDC of both log events (trace_id, see metrics.conf): one id per request, the same on both sides.
   */
  static void eachRequestsLogsCarryItsTraceIdIntoTheActor(List<ILoggingEvent> events) {
    List<ILoggingEvent> route = events.stream().filter(e -> e.getFormattedMessage().startsWith("GET knot ")).toList();
    List<ILoggingEvent> actor = events.stream().filter(e -> e.getFormattedMessage().startsWith("looking up ")).toList();
    assertThat(route).hasSize(5);
    assertThat(actor).hasSize(5);
    Set<String> traceIds = new TreeSet<>();
    for (ILoggingEvent r : route) {
      String id = r.getFormattedMessage().substring("GET knot ".length());
      String traceId = r.getMDCPropertyMap().get("trace_id");
      assertThat(traceId).as("trace_id of %s", r.getFormattedMessage()).isNotBlank();
      traceIds.add(traceId);
      assertThat(actor)
          .filteredOn(a -> a.getFormattedMessage().equals("looking up " + id))
          .singleElement()
          .satisfies(a -> assertThat(a.getMDCPropertyMap().get("trace_id")).isEqualTo(traceId));
    }
    assertThat(traceIds).hasSize(5);
  }

  /** A caller's trace id, as a B3 header carries it. */
  static final String CALLER_TRACE = "80f198ee56343ba8";

  static final Path OBSERVABILITY = Path.of("..", "observability");

  /** The families the platform promises (docs/observability.md, "Metrics"). */
  static final List<String> EXPECTED_FAMILIES =
      List.of(
          // platform
          "weltgewebe_outbox_lag_events",
          "weltgewebe_outbox_lag_seconds",
          "weltgewebe_outbox_published_events_total",
          "weltgewebe_outbox_throughput_events_per_second",
          "weltgewebe_outbox_reconciler_gaps_found_total",
          "weltgewebe_outbox_reconciler_events_repaired_total",
          "weltgewebe_read_model_events_applied_total",
          "weltgewebe_read_model_duplicates_total",
          "weltgewebe_sharding_entities",
          // JetStream, as the prometheus-nats-exporter names it
          "jetstream_server_total_streams",
          "jetstream_server_total_consumers",
          "jetstream_stream_total_messages",
          "jetstream_stream_total_bytes",
          "jetstream_stream_subject_count",
          "jetstream_stream_consumer_count",
          "jetstream_consumer_num_pending",
          "jetstream_consumer_num_ack_pending",
          "jetstream_consumer_num_redelivered",
          "weltgewebe_jetstream_stream_memory_bytes",
          "weltgewebe_jetstream_consumer_ack_wait_expired_total",
          // Kamon: HTTP, Pekko, JDBC, JVM, process, host
          "http_server_requests_total",
          "span_processing_time_seconds",
          "pekko_cluster_sharding_region_hosted_entities",
          "jdbc_pool_borrow_time_seconds",
          "jvm_memory_used_bytes",
          "process_cpu_usage",
          "host_cpu_usage");

  /** The value of the first sample of {@code family} (0 when it has none). */
  static double sample(String exposition, String family) {
    return exposition.lines()
        .filter(l -> l.startsWith(family + "{") || l.startsWith(family + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElse(0);
  }

  /** The sum of a family's samples whose labels contain {@code label}. */
  static double total(String exposition, String family, String label) {
    return exposition.lines()
        .filter(l -> l.startsWith(family + "{") && l.contains(label))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  static String scrape(HttpClient client, InetSocketAddress endpoint) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.getPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The metric family names of an exposition (from its TYPE lines). */
  static List<String> families(String exposition) {
    return exposition.lines()
        .filter(l -> l.startsWith("# TYPE "))
        .map(l -> l.split(" ", -1)[2])
        .toList();
  }

  record Lookup(String id, ActorRef<String> replyTo) {}

  /** An actor that logs what it is asked, as entities do. */
  static Behavior<Lookup> lookups() {
    return Behaviors.receive((context, lookup) -> {
      context.setLoggerName(TRACE_LOGGER + ".actor");
      context.getLog().info("looking up {}", lookup.id());
      lookup.replyTo().tell("knot " + lookup.id());
      return Behaviors.same();
    });
  }

  /**
   * A small API with a path template, so that Kamon's Pekko HTTP series appear in the scrape; its
   * knot route logs, and asks an actor that logs too.
   */
  static ServerBinding bindRoutes(WeaveNode node) throws Exception {
    ActorRef<Lookup> actor = node.system().systemActorOf(lookups(), "metrics-test-lookups", Props.empty());
    Logger routeLog = LoggerFactory.getLogger(TRACE_LOGGER + ".route");
    class Routes extends AllDirectives {
      Route route() {
        return concat(
            path(PathMatchers.segment("knots").slash(PathMatchers.segment()), id -> get(() -> {
              HttpServerTelemetry.nameOperation("/knots/{id}");
              routeLog.info("GET knot {}", id);
              return onSuccess(
                  AskPattern.<Lookup, String>ask(actor, replyTo -> new Lookup(id, replyTo), Duration.ofSeconds(5), node.system().scheduler()),
                  this::complete);
            })),
            path(
                PathMatchers.segment("knots").slash(PathMatchers.segment()).slash("connections"),
                id -> post(() -> {
                  HttpServerTelemetry.nameOperation("/knots/{id}/connections");
                  return complete("connected " + id);
                })),
            path("health", () -> complete("ok")));
      }
    }
    org.apache.pekko.japi.function.Function<
            org.apache.pekko.http.javadsl.model.HttpRequest,
            java.util.concurrent.CompletionStage<org.apache.pekko.http.javadsl.model.HttpResponse>>
        handler =
        new Routes().route().handler(node.system());
    return Http.get(node.system())
        .newServerAt("127.0.0.1", 0)
        .bindFlow(HttpServerTelemetry.of(node, "127.0.0.1", 0).serve((request, path) -> handler.apply(request), 1))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }
}
