package org.weltgewebe.scenarios.topology;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of the production configurations under {@code deploy/} (shipped on the class path) with its
 * {@code {$NAME}} and {@code {$NAME:default}} placeholders filled in, the syntax Caddy itself
 * substitutes from the environment. A run writes the result into its folder, so what it ran with
 * can be read there and is the deployed file with the run's values, not a look-alike.
 */
final class ConfigTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\$([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?}");

  private final String name;
  private final String text;

  private ConfigTemplate(String name, String text) {
    this.name = name;
    this.text = text;
  }

  /** {@code deploy/<path>} from the class path, e.g. {@code caddy/Caddyfile}. */
  static ConfigTemplate deployed(String path) {
    String resource = "/org/weltgewebe/deploy/" + path;
    try (InputStream in = ConfigTemplate.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("deploy/" + path + " is not on the class path (scenarios/pom.xml copies it)");
      }
      return new ConfigTemplate("deploy/" + path, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  /** A template from text, for tests. */
  static ConfigTemplate of(String name, String text) {
    return new ConfigTemplate(name, text);
  }

  /**
   * The text with every placeholder replaced by its value in {@code values}, else its default;
   * a placeholder with neither is an error (Caddy would silently substitute nothing). Comment
   * lines ({@code #} or {@code ;} first) are left as they are: they describe the placeholders.
   */
  String render(Map<String, String> values) {
    StringBuilder out = new StringBuilder();
    for (String line : text.split("(?<=\n)", -1)) {
      String trimmed = line.stripLeading();
      if (trimmed.startsWith("#") || trimmed.startsWith(";")) {
        out.append(line);
        continue;
      }
      Matcher m = PLACEHOLDER.matcher(line);
      while (m.find()) {
        String value = values.get(m.group(1));
        if (value == null) {
          value = m.group(2);
        }
        if (value == null) {
          throw new IllegalArgumentException(name + " needs a value for {$" + m.group(1) + "}");
        }
        m.appendReplacement(out, Matcher.quoteReplacement(value));
      }
      m.appendTail(out);
    }
    return out.toString();
  }
}
