package org.weltgewebe.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PromQL expressions of the observability files (Grafana dashboards' targets, Prometheus rules'
 * {@code expr}) and the metric names they reference.
 */
final class MetricReferences {
  private static final Pattern YAML_EXPR = Pattern.compile("^(\\s*)(?:- )?expr: ?(.*)$");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_LIST =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Set<String> KEYWORDS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool",
          "inf", "nan", "sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
          "count_values", "group");

  /** An expression and where it was found. */
  record Expression(String source, String promql) {}

  private MetricReferences() {}

  /** Every dashboard target's expression under {@code directory}. */
  static List<Expression> dashboards(Path directory) throws IOException {
    List<Expression> found = new ArrayList<>();
    for (Path file : files(directory, ".json")) {
      collect(new ObjectMapper().readTree(file.toFile()), file.getFileName().toString(), found);
    }
    return found;
  }

  private static void collect(JsonNode node, String source, List<Expression> found) {
    if (node.isObject()) {
      JsonNode expr = node.get("expr");
      if (expr != null && expr.isTextual()) {
        found.add(new Expression(source, expr.asText()));
      }
      node.forEach(child -> collect(child, source, found));
    } else if (node.isArray()) {
      node.forEach(child -> collect(child, source, found));
    }
  }

  /** Every rule's {@code expr} (one line, or a block scalar) under {@code directory}. */
  static List<Expression> rules(Path directory) throws IOException {
    List<Expression> found = new ArrayList<>();
    for (Path file : files(directory, ".yml")) {
      List<String> lines = Files.readAllLines(file);
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = YAML_EXPR.matcher(lines.get(i));
        if (!m.matches()) {
          continue;
        }
        String value = m.group(2).strip();
        if (value.startsWith("|") || value.startsWith(">")) {
          StringBuilder block = new StringBuilder();
          int indent = m.group(1).length();
          while (i + 1 < lines.size()
              && (lines.get(i + 1).isBlank() || lines.get(i + 1).length() - lines.get(i + 1).stripLeading().length() > indent + 2)) {
            block.append(lines.get(++i).strip()).append('\n');
          }
          value = block.toString();
        }
        found.add(new Expression(file.getFileName().toString(), value));
      }
    }
    return found;
  }

  /**
   * The metric names {@code promql} selects: identifiers outside strings, label matchers, ranges and
   * label lists that are neither functions, keywords nor Grafana variables.
   */
  static Set<String> metricNames(String promql) {
    String s = promql.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
        .replaceAll("\\{[^}]*\\}", " ")
        .replaceAll("\\[[^]]*\\]", " ")
        .replaceAll("\\$\\{?\\w+\\}?", " ");
    s = LABEL_LIST.matcher(s).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      String name = m.group();
      int end = m.end();
      while (end < s.length() && s.charAt(end) == ' ') {
        end++;
      }
      boolean function = end < s.length() && s.charAt(end) == '(';
      boolean number = m.start() > 0 && (Character.isDigit(s.charAt(m.start() - 1)) || s.charAt(m.start() - 1) == '.');
      if (!function && !number && !KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        names.add(name);
      }
    }
    return names;
  }

  private static List<Path> files(Path directory, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.toString().endsWith(suffix)).sorted().toList();
    }
  }
}
