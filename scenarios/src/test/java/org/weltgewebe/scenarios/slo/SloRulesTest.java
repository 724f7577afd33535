package org.weltgewebe.scenarios.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed alert rules are what the SLO definitions give, Prometheus accepts them, and their
 * unit tests (observability/tests, one firing and one quiet case per alert) pass under
 * {@code promtool test rules}.
 */
class SloRulesTest {
  /** Tests run in the module's directory; the rules live beside it. */
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void theCommittedSloRulesAreWhatTheDefinitionsGenerate() throws IOException {
    String generated = SloRules.render(SloRules.read(ROOT.resolve(SloRules.DEFINITIONS)));
    String committed = Files.readString(ROOT.resolve(SloRules.RULES), StandardCharsets.UTF_8);
    assertThat(committed)
        .as("observability/rules/slo-rules.yml is stale: run org.weltgewebe.scenarios.slo.SloRules (docs/observability.md, Alerts)")
        .isEqualTo(generated);
  }

  @Test
  void everyRouteHasAnObjectiveOfEachKind() {
    List<SloRules.Objective> objectives = SloRules.read(ROOT.resolve(SloRules.DEFINITIONS));
    assertThat(objectives).isNotEmpty();
    assertThat(objectives).allSatisfy(o -> {
      assertThat(o.route()).startsWith("/");
      assertThat(o.availabilityPercent().doubleValue()).isBetween(99.0, 99.99);
      assertThat(o.p95Millis()).isPositive().isLessThanOrEqualTo(o.p99Millis());
    });
    // Critical write paths are stricter than the rest.
    assertThat(objectives.stream().filter(SloRules.Objective::critical))
        .isNotEmpty()
        .allSatisfy(o -> assertThat(o.availabilityPercent().doubleValue()).isGreaterThanOrEqualTo(99.95));
    assertThat(objectives.stream().map(o -> o.method() + " " + o.route()).distinct().count()).isEqualTo(objectives.size());
  }

  /**
   * An availability objective no run can judge (100 % or more, 0 or less, not a number) is refused
   * where the definitions are read, with the file, the route and the value: before, it was read and
   * only failed once a run was judged against it, after the run's main phase.
   */
  @Test
  void anAvailabilityObjectiveThatNoRunCanJudgeIsRefusedWhenRead(@TempDir Path dir) throws IOException {
    Map<String, String> refused = Map.of(
        "100", "availability 100 % cannot be judged",
        "100.0", "availability 100.0 % cannot be judged",
        "120", "availability 120 % cannot be judged",
        "0", "availability 0 % cannot be judged",
        "-0.5", "availability -0.5 % cannot be judged",
        "\"NaN\"", "availability \"NaN\" is not a number",
        "\"99,9\"", "availability \"99,9\" is not a number",
        "null", "availability null is not a number");
    for (Map.Entry<String, String> availability : refused.entrySet()) {
      Path file = definitions(dir, "\"availability\": " + availability.getKey() + ",");
      assertThatThrownBy(() -> SloRules.read(file))
          .as("availability %s", availability.getKey())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(file + ": POST /roles: " + availability.getValue());
    }
    assertThatThrownBy(() -> SloRules.read(definitions(dir, ""))).hasMessageStartingWith(
        dir.resolve("slos.json") + ": POST /roles: availability missing is not a number");
  }

  @Test
  void anObjectiveWithoutItsRouteOrWithALatencyNoRunCanMeetIsRefusedWhenRead(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("slos.json");
    Map<String, String> refused = Map.of(
        "{\"route\": \"/roles\", \"availability\": 99.9, \"p95_ms\": 250, \"p99_ms\": 750}", "has no method",
        "{\"method\": \"POST\", \"route\": \"\", \"availability\": 99.9, \"p95_ms\": 250, \"p99_ms\": 750}", "has no route",
        "{\"method\": \"POST\", \"route\": \"/roles\", \"availability\": 99.9, \"p99_ms\": 750}", "POST /roles: p95_ms missing is not",
        "{\"method\": \"POST\", \"route\": \"/roles\", \"availability\": 99.9, \"p95_ms\": 0, \"p99_ms\": 750}", "POST /roles: p95_ms 0 is not",
        "{\"method\": \"POST\", \"route\": \"/roles\", \"availability\": 99.9, \"p95_ms\": 250, \"p99_ms\": 2.5}", "POST /roles: p99_ms 2.5 is not",
        "{\"method\": \"POST\", \"route\": \"/roles\", \"availability\": 99.9, \"p95_ms\": 250, \"p99_ms\": 100}", "POST /roles: p99_ms 100 is below p95_ms 250");
    for (Map.Entry<String, String> objective : refused.entrySet()) {
      Files.writeString(file, "{\"period_days\": 30, \"slos\": [" + objective.getKey() + "]}", StandardCharsets.UTF_8);
      assertThatThrownBy(() -> SloRules.read(file)).as(objective.getKey())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(file + ": ")
          .hasMessageContaining(objective.getValue());
    }
  }

  @Test
  void anAvailabilityObjectiveBetweenZeroAndAHundredPerCentIsReadAsWritten(@TempDir Path dir) throws IOException {
    assertThat(SloRules.read(definitions(dir, "\"availability\": 99.999,")).get(1).availabilityPercent()).isEqualByComparingTo("99.999");
    assertThat(SloRules.read(definitions(dir, "\"availability\": \"99.95\",")).get(1).availabilityPercent()).isEqualByComparingTo("99.95");
    assertThat(SloRules.read(definitions(dir, "\"availability\": 0.5,")).get(1).availabilityPercent()).isEqualByComparingTo("0.5");
  }

  /** Definitions of two routes, GET /knots at 99.9 % and POST /roles with {@code availability} as written. */
  private static Path definitions(Path dir, String availability) throws IOException {
    Path file = dir.resolve("slos.json");
    Files.writeString(file, "{\"period_days\": 30, \"slos\": [\n"
        + "  {\"method\": \"GET\", \"route\": \"/knots\", \"availability\": 99.9, \"p95_ms\": 250, \"p99_ms\": 750},\n"
        + "  {\"method\": \"POST\", \"route\": \"/roles\", " + availability + " \"p95_ms\": 250, \"p99_ms\": 750, \"critical\": true}\n"
        + "]}\n", StandardCharsets.UTF_8);
    return file;
  }

  /**
   * An objective's indicator exists only if the node names the route's requests by its template: the
   * API names each request's span by the template of the endpoint it reaches
   * ({@code HttpServerTelemetry.nameOperation}), and its OpenAPI document lists exactly those
   * endpoints ({@code OpenApiDocumentTest}). So every objective must be an operation of the document.
   */
  @Test
  void everyRouteWithAnObjectiveIsAnOperationTheApiNamesByItsTemplate() throws IOException {
    JsonNode paths;
    try (InputStream document = SloRulesTest.class.getResourceAsStream("/org/weltgewebe/http/openapi.json")) {
      assertThat(document).as("the API's OpenAPI document on the classpath").isNotNull();
      paths = new ObjectMapper().readTree(document).get("paths");
    }
    for (SloRules.Objective o : SloRules.read(ROOT.resolve(SloRules.DEFINITIONS))) {
      assertThat(paths.has(o.route())).as("%s in the API's OpenAPI document", o.route()).isTrue();
      assertThat(paths.get(o.route()).has(o.method().toLowerCase(Locale.ROOT)))
          .as("%s %s in the API's OpenAPI document", o.method(), o.route())
          .isTrue();
    }
  }

  @Test
  void prometheusAcceptsTheRuleFiles() throws Exception {
    List<String> command = new ArrayList<>(List.of("promtool", "check", "rules"));
    command.addAll(files("observability/rules"));
    Result result = run(command);
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  @Test
  void everyAlertFiresOnItsSeriesAndStaysQuietOnTheOthers() throws Exception {
    List<String> command = new ArrayList<>(List.of("promtool", "test", "rules"));
    command.addAll(files("observability/tests"));
    Result result = run(command);
    System.out.println(result.output());
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).doesNotContain("FAILED");
  }

  private static List<String> files(String directory) throws IOException {
    try (Stream<Path> files = Files.list(ROOT.resolve(directory))) {
      return files.filter(f -> f.toString().endsWith(".yml")).map(Path::toString).sorted().toList();
    }
  }

  record Result(int exitCode, String output) {}

  private static Result run(List<String> command) throws Exception {
    Process process;
    try {
      process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("promtool is missing: apt-get install prometheus (as .ci/run does)", e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not finish within 120 s");
    }
    return new Result(process.exitValue(), output);
  }
}
