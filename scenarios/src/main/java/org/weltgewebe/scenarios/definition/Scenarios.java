package org.weltgewebe.scenarios.definition;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The scenario files: S1–S4 from {@code scenarios/definitions} (packaged on the class path), or any
 * file a capacity planner writes in the same schema.
 */
public final class Scenarios {
  /** The scenarios shipped with the platform, in order of load. */
  public static final List<String> BUILT_IN = List.of("S1", "S2", "S3", "S4");

  private static final String RESOURCE_DIR = "org/weltgewebe/scenarios/definitions/";
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);

  private Scenarios() {}

  /** A built-in scenario by id (S1–S4, any case) or a definition file by path. */
  public static ScenarioDefinition load(String idOrPath) {
    String id = idOrPath.toUpperCase(Locale.ROOT);
    if (BUILT_IN.contains(id)) {
      try (InputStream in = Scenarios.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + id + ".json")) {
        if (in == null) {
          throw new IllegalStateException("scenario " + id + " is not on the class path (" + RESOURCE_DIR + ")");
        }
        return checked(JSON.readValue(in, ScenarioDefinition.class), id);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read scenario " + id, e);
      }
    }
    Path file = Path.of(idOrPath);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "unknown scenario '" + idOrPath + "': neither one of " + BUILT_IN + " nor a definition file");
    }
    try {
      return checked(JSON.readValue(file.toFile(), ScenarioDefinition.class), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read scenario file " + file + ": " + e.getMessage(), e);
    }
  }

  private static ScenarioDefinition checked(ScenarioDefinition s, String source) {
    if (s.schemaVersion() != ScenarioDefinition.SCHEMA_VERSION) {
      throw new IllegalArgumentException(
          source + " has schemaVersion " + s.schemaVersion() + ", this build reads " + ScenarioDefinition.SCHEMA_VERSION);
    }
    if (s.diurnal().size() != 24 || s.diurnal().stream().anyMatch(w -> !(w >= 0))) {
      throw new IllegalArgumentException(source + ": diurnal needs 24 non-negative hourly weights");
    }
    if (!(s.sessionsPerDay() > 0) || !(s.sessionMinutes() > 0)) {
      throw new IllegalArgumentException(source + ": sessionsPerDay and sessionMinutes must be positive");
    }
    s.actionsPerSession().forEach((a, n) -> {
      if (!(n >= 0)) {
        throw new IllegalArgumentException(source + ": actionsPerSession." + a + " must not be negative");
      }
    });
    return s;
  }
}
