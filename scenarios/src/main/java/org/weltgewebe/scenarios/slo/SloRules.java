package org.weltgewebe.scenarios.slo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes the Prometheus rules of the API's service level objectives from their definitions
 * ({@code scenarios/slo/slos.json}) — the way Pyrra does: one objective per route, the indicators
 * recorded once for all routes, and the SRE workbook's multi-window, multi-burn-rate alerts joined
 * to each route's objective.
 *
 * <p>Run from the repository root: {@code java -cp <scenarios classpath>
 * org.weltgewebe.scenarios.slo.SloRules [slos.json] [slo-rules.yml]}; SloRulesTest fails when the
 * committed rules differ from what this writes.
 */
public final class SloRules {
  /** Where the definitions are, from the repository root. */
  public static final Path DEFINITIONS = Path.of("scenarios", "slo", "slos.json");

  /** Where the rules go, from the repository root. */
  public static final Path RULES = Path.of("observability", "rules", "slo-rules.yml");

  /**
   * One route's objective. Its availability lies above 0 and below 100 %: the error budget is
   * 100 % minus it, and no run can show that a route meets 100 % (the binomial test that judges it
   * needs an allowed failure ratio above 0), so such an objective is refused here, where it is read,
   * rather than when the first run is judged against it.
   */
  public record Objective(String method, String route, BigDecimal availabilityPercent, int p95Millis, int p99Millis, boolean critical) {
    public Objective {
      if (availabilityPercent.signum() <= 0 || availabilityPercent.compareTo(HUNDRED) >= 0) {
        throw new IllegalArgumentException(method + " " + route + ": availability " + availabilityPercent.toPlainString()
            + " % cannot be judged: an availability objective lies above 0 and below 100 % (its error budget is 100 % minus it)");
      }
    }

    /** The objective as a ratio, e.g. 0.9995. */
    BigDecimal ratio() {
      return availabilityPercent.movePointLeft(2);
    }
  }

  /**
   * A burn-rate alert level: the share of the period's error budget that burning at {@code factor}
   * times the sustainable rate consumes within {@code longWindow}, confirmed by {@code shortWindow}.
   */
  record BurnRate(String severity, String factor, String longWindow, String shortWindow, String budgetConsumed, String forDuration) {}

  // The SRE workbook's levels (2 % of a 30-day budget in 1 h, 5 % in 6 h: page; 10 % in 3 d: ticket)
  // and the requirement's warning at 1 % (in 1 h); its escalation at 5 % is the 6-hour page.
  static final List<BurnRate> BURN_RATES =
      List.of(
          new BurnRate("page", "14.4", "1h", "5m", "2%", "2m"),
          new BurnRate("page", "6", "6h", "30m", "5%", "15m"),
          new BurnRate("ticket", "1", "3d", "6h", "10%", "1h"),
          new BurnRate("warning", "7.2", "1h", "5m", "1%", "2m"));

  static final List<String> WINDOWS = List.of("5m", "30m", "1h", "6h", "3d");

  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  private static final String SERVER_SPANS = "span_processing_time_seconds_count{component=\"pekko.http.server\",span_kind=\"server\"}";
  private static final String SERVER_ERRORS =
      "span_processing_time_seconds_count{component=\"pekko.http.server\",span_kind=\"server\",http_status_code=~\"5..\"}";
  private static final String SERVER_BUCKETS = "span_processing_time_seconds_bucket{component=\"pekko.http.server\",span_kind=\"server\"}";
  private static final String BY_ROUTE = "(operation, http_method)";

  private SloRules() {}

  public static void main(String[] args) throws IOException {
    Path definitions = args.length > 0 ? Path.of(args[0]) : DEFINITIONS;
    Path rules = args.length > 1 ? Path.of(args[1]) : RULES;
    String yaml = render(read(definitions));
    Files.createDirectories(rules.toAbsolutePath().getParent());
    Files.writeString(rules, yaml, StandardCharsets.UTF_8);
    System.out.println("wrote " + rules);
  }

  /** The objectives of a definitions file. */
  public static List<Objective> read(Path definitions) {
    try {
      return read(new ObjectMapper().readTree(definitions.toFile()), definitions.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read SLO definitions " + definitions, e);
    }
  }

  /** The objectives shipped with this build (scenarios/slo/slos.json, packaged on the class path). */
  public static List<Objective> readBuiltIn() {
    try (java.io.InputStream in = SloRules.class.getResourceAsStream("slos.json")) {
      if (in == null) {
        throw new IllegalStateException("slos.json is not on the class path beside " + SloRules.class.getName());
      }
      return read(new ObjectMapper().readTree(in), "built-in slos.json");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the built-in SLO definitions", e);
    }
  }

  private static List<Objective> read(JsonNode root, String definitions) {
    if (root.path("period_days").asInt() != 30) {
      throw new IllegalArgumentException("the burn rates assume a 30-day period, " + definitions + " says " + root.path("period_days"));
    }
    List<Objective> objectives = new ArrayList<>();
    int index = 0;
    for (JsonNode slo : root.withArray("slos")) {
      index++;
      String method = text(slo, "method", index, definitions);
      String route = text(slo, "route", index, definitions);
      try {
        int p95 = millis(slo.path("p95_ms"), "p95_ms", method, route);
        int p99 = millis(slo.path("p99_ms"), "p99_ms", method, route);
        if (p99 < p95) {
          throw new IllegalArgumentException(method + " " + route + ": p99_ms " + p99 + " is below p95_ms " + p95);
        }
        objectives.add(
            new Objective(
                method,
                route,
                availabilityPercent(slo.path("availability"), method, route),
                p95,
                p99,
                slo.path("critical").asBoolean(false)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(definitions + ": " + e.getMessage(), e);
      }
    }
    return objectives;
  }

  /** A field every objective names (method, route): a non-empty string. */
  private static String text(JsonNode slo, String field, int index, String definitions) {
    JsonNode value = slo.path(field);
    if (!value.isTextual() || value.asText().isBlank()) {
      throw new IllegalArgumentException(definitions + ": objective " + index + " (" + slo + ") has no " + field);
    }
    return value.asText();
  }

  /** A latency objective: a whole number of milliseconds above 0. */
  private static int millis(JsonNode value, String field, String method, String route) {
    if (!value.isIntegralNumber() || value.asLong() <= 0 || value.asLong() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(method + " " + route + ": " + field + " " + (value.isMissingNode() ? "missing" : value)
          + " is not a latency objective: a whole number of milliseconds above 0");
    }
    return value.asInt();
  }

  /** The availability in per cent as written: a JSON number, or a numeral in a string. */
  private static BigDecimal availabilityPercent(JsonNode availability, String method, String route) {
    try {
      // from the number's text, so that 99.95 stays 99.95 and not its binary neighbour
      return new BigDecimal(availability.asText());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(method + " " + route + ": availability " + (availability.isMissingNode() ? "missing" : availability)
          + " is not a number: an availability objective is a per cent above 0 and below 100", e);
    }
  }

  /** The rule file for {@code objectives}. */
  public static String render(List<Objective> objectives) {
    StringBuilder y = new StringBuilder();
    y.append("# GENERATED from scenarios/slo/slos.json by org.weltgewebe.scenarios.slo.SloRules: do not edit;\n")
        .append("# change the definitions and run the generator (docs/observability.md, Alerts). SloRulesTest checks it.\n")
        .append("#\n")
        .append("# Indicators: Kamon's Pekko HTTP server spans, span_processing_time_seconds{component=\"pekko.http.server\"},\n")
        .append("# per route template (operation) and method; an error is a 5xx answer (a shed 503 too).\n")
        .append("groups:\n");

    y.append("  - name: weltgewebe-slo-objectives\n").append("    rules:\n");
    for (Objective o : objectives) {
      String labels =
          "        labels:\n"
              + "          operation: \"" + o.route() + "\"\n"
              + "          http_method: \"" + o.method() + "\"\n";
      y.append("      - record: weltgewebe:slo_availability_objective:ratio\n")
          .append("        expr: vector(").append(o.ratio().toPlainString()).append(")\n")
          .append(labels)
          .append("          critical: \"").append(o.critical()).append("\"\n");
      for (String[] q : new String[][] {{"0.95", seconds(o.p95Millis())}, {"0.99", seconds(o.p99Millis())}}) {
        y.append("      - record: weltgewebe:slo_latency_objective_seconds\n")
            .append("        expr: vector(").append(q[1]).append(")\n")
            .append(labels)
            .append("          quantile: \"").append(q[0]).append("\"\n");
      }
    }

    y.append("  - name: weltgewebe-slo-indicators\n").append("    rules:\n");
    for (String w : WINDOWS) {
      y.append("      - record: weltgewebe:http_requests:rate").append(w).append("\n")
          .append("        expr: sum by ").append(BY_ROUTE).append(" (rate(").append(SERVER_SPANS).append("[").append(w).append("]))\n");
      y.append("      - record: weltgewebe:http_request_error_ratio:rate").append(w).append("\n")
          .append("        expr: |-\n")
          .append("          (\n")
          .append("            sum by ").append(BY_ROUTE).append(" (rate(").append(SERVER_ERRORS).append("[").append(w).append("]))\n")
          .append("            or 0 * weltgewebe:http_requests:rate").append(w).append("\n")
          .append("          )\n")
          .append("          / weltgewebe:http_requests:rate").append(w).append("\n");
    }
    for (String q : List.of("0.95", "0.99")) {
      y.append("      - record: weltgewebe:http_request_duration_seconds:p").append(q.substring(2)).append("_rate5m\n")
          .append("        expr: histogram_quantile(").append(q).append(", sum by (le, operation, http_method) (rate(")
          .append(SERVER_BUCKETS).append("[5m])))\n");
    }

    y.append("  - name: weltgewebe-slo-budget\n").append("    interval: 5m\n").append("    rules:\n");
    y.append("      - record: weltgewebe:http_request_error_ratio:rate30d\n")
        .append("        expr: |-\n")
        .append("          (\n")
        .append("            sum by ").append(BY_ROUTE).append(" (increase(").append(SERVER_ERRORS).append("[30d]))\n")
        .append("            or 0 * sum by ").append(BY_ROUTE).append(" (increase(").append(SERVER_SPANS).append("[30d]))\n")
        .append("          )\n")
        .append("          / sum by ").append(BY_ROUTE).append(" (increase(").append(SERVER_SPANS).append("[30d]))\n");
    y.append("      - record: weltgewebe:slo_error_budget_remaining:ratio30d\n")
        .append("        expr: |-\n")
        .append("          1 - weltgewebe:http_request_error_ratio:rate30d\n")
        .append("            / on ").append(BY_ROUTE).append(" group_left (critical) (1 - weltgewebe:slo_availability_objective:ratio)\n");

    y.append("  - name: weltgewebe-slo-alerts\n").append("    rules:\n");
    for (BurnRate b : BURN_RATES) {
      String threshold = "on " + BY_ROUTE + " group_left (critical) (" + b.factor() + " * (1 - weltgewebe:slo_availability_objective:ratio))";
      y.append("      - alert: ErrorBudgetBurn\n")
          .append("        expr: |-\n")
          .append("          weltgewebe:http_request_error_ratio:rate").append(b.longWindow()).append(" > ").append(threshold).append("\n")
          .append("          and\n")
          .append("          weltgewebe:http_request_error_ratio:rate").append(b.shortWindow()).append(" > ").append(threshold).append("\n")
          .append("        for: ").append(b.forDuration()).append("\n")
          .append("        labels:\n")
          .append("          severity: ").append(b.severity()).append("\n")
          .append("          burn_rate: \"").append(b.factor()).append("\"\n")
          .append("          long_window: ").append(b.longWindow()).append("\n")
          .append("          short_window: ").append(b.shortWindow()).append("\n")
          .append("          budget_consumed: \"").append(b.budgetConsumed()).append("\"\n")
          .append("        annotations:\n")
          .append("          summary: \"{{ $labels.http_method }} {{ $labels.operation }} burns its error budget ")
          .append(b.factor()).append("x too fast\"\n")
          .append("          description: \"At this rate ").append(b.budgetConsumed())
          .append(" of the 30-day error budget is gone within ").append(b.longWindow())
          .append(" (error ratio over ").append(b.longWindow()).append(" and ").append(b.shortWindow())
          .append(" above ").append(b.factor()).append(" x the budget).\"\n");
    }
    y.append("      - alert: ErrorBudgetExhausted\n")
        .append("        expr: weltgewebe:slo_error_budget_remaining:ratio30d <= 0\n")
        .append("        for: 10m\n")
        .append("        labels:\n")
        .append("          severity: ticket\n")
        .append("        annotations:\n")
        .append("          summary: \"{{ $labels.http_method }} {{ $labels.operation }} has used up its 30-day error budget\"\n")
        .append("          description: \"Release freeze for this route until the budget recovers (requirement: freeze when a budget is burnt).\"\n");
    for (String q : List.of("95", "99")) {
      y.append("      - alert: LatencyP").append(q).append("AboveSLO\n")
          .append("        expr: |-\n")
          .append("          weltgewebe:http_request_duration_seconds:p").append(q).append("_rate5m\n")
          .append("            > on ").append(BY_ROUTE).append(" group_left weltgewebe:slo_latency_objective_seconds{quantile=\"0.").append(q).append("\"}\n")
          .append("        for: 10m\n")
          .append("        labels:\n")
          .append("          severity: ").append(q.equals("95") ? "warning" : "ticket").append("\n")
          .append("        annotations:\n")
          .append("          summary: \"p").append(q).append(" latency of {{ $labels.http_method }} {{ $labels.operation }} is {{ $value | humanizeDuration }}, above its objective\"\n");
    }
    return y.toString();
  }

  private static String seconds(int millis) {
    return new BigDecimal(millis).movePointLeft(3).stripTrailingZeros().toPlainString().toLowerCase(Locale.ROOT);
  }
}
