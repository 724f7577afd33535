package org.weltgewebe.scenarios.run;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One scrape of a node's Prometheus endpoint, parsed: the server-side half of a run's figures
 * (egress and shed counts per route, heap, outbox lag) comes from two of these, before and after.
 *
 * <p>The parser is our own because the Prometheus Java client (1.x, prometheus-metrics-exposition-*)
 * only writes the text format and has no reader for it; it covers what Kamon's exporter writes.
 */
record MetricsScrape(List<Sample> samples) {

  /** One series' value: metric name, labels, value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Scrapes {@code endpoint}; empty when it does not answer (the run then says the figures are missing). */
  static Optional<MetricsScrape> of(URI endpoint) {
    try {
      HttpResponse<String> response =
          CLIENT.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(parse(response.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  static MetricsScrape parse(String exposition) {
    List<Sample> samples = new ArrayList<>();
    for (String line : exposition.split("\n", -1)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = brace >= 0 ? line.indexOf(' ', line.lastIndexOf('}')) : line.indexOf(' ');
      if (space < 0) {
        continue;
      }
      String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
      Map<String, String> labels = brace >= 0 ? labels(line.substring(brace + 1, line.lastIndexOf('}'))) : Map.of();
      String rest = line.substring(space + 1).trim();
      int timestamp = rest.indexOf(' ');
      try {
        samples.add(new Sample(name, labels, Double.parseDouble(timestamp < 0 ? rest : rest.substring(0, timestamp))));
      } catch (NumberFormatException e) {
        // NaN/Inf are spelled differently by some exporters; a series we cannot read is no figure
      }
    }
    return new MetricsScrape(List.copyOf(samples));
  }

  private static Map<String, String> labels(String text) {
    Map<String, String> labels = new LinkedHashMap<>();
    int i = 0;
    while (i < text.length()) {
      int eq = text.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String key = text.substring(i, eq).trim().replace(",", "");
      int start = text.indexOf('"', eq) + 1;
      StringBuilder value = new StringBuilder();
      int j = start;
      while (j < text.length() && text.charAt(j) != '"') {
        if (text.charAt(j) == '\\' && j + 1 < text.length()) {
          j++;
        }
        value.append(text.charAt(j));
        j++;
      }
      labels.put(key, value.toString());
      i = j + 1;
    }
    return labels;
  }

  /** The sum of every series of {@code name}. */
  double sum(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
  }

  /** The sum of every series of {@code name} whose label {@code label} equals {@code value}. */
  double sum(String name, String label, String value) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && value.equals(s.labels().get(label)))
        .mapToDouble(Sample::value)
        .sum();
  }

  /** The series of {@code name} summed by the value of {@code method} + " " + {@code route} labels. */
  Map<String, Double> byRoute(String name) {
    Map<String, Double> byRoute = new HashMap<>();
    for (Sample s : samples) {
      if (s.name().equals(name) && s.labels().containsKey("route")) {
        byRoute.merge(s.labels().getOrDefault("method", "") + " " + s.labels().get("route"), s.value(), Double::sum);
      }
    }
    return byRoute;
  }

  /** The largest value among the series of {@code name}, or NaN when there is none. */
  double max(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).max().orElse(Double.NaN);
  }

  boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }
}
