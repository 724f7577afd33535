package org.weltgewebe.reports;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * The real daily volume of a scenario, which a run's measurements per session and per event are
 * scaled to. {@code sessionsPerDay} includes the scenario's peaks; {@code peakHourFactor} is the
 * busiest hour's sessions over the day's mean hour, which sizes the nodes.
 */
public record ScenarioVolume(
    String id,
    String name,
    int monthlyActiveUsers,
    double sessionsPerDay,
    double peakHourFactor,
    double requestsPerDay,
    double eventsPerDay,
    double tileHitsPerDay,
    double volumeBytesPerDay,
    double persistedEventsPerSession,
    double pageBytesPerSession) {

  /**
   * The peak factor of the definitions' diurnal curve without extra peaks (20:00, 4.1 against a
   * mean of 1.946): used for a scenario that is not one of the references.
   */
  static final double DEFAULT_PEAK_HOUR_FACTOR = 2.1071;

  private record File(String note, List<ScenarioVolume> scenarios) {}

  private static final List<ScenarioVolume> REFERENCES = load();

  private static List<ScenarioVolume> load() {
    try (InputStream in = ScenarioVolume.class.getResourceAsStream("scenario-volumes.json")) {
      return List.copyOf(new ObjectMapper().readValue(in, File.class).scenarios());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read scenario-volumes.json from the class path", e);
    }
  }

  /** S1–S4 as their definitions model them. */
  public static List<ScenarioVolume> references() {
    return REFERENCES;
  }

  /** The reference scenario with this id, if it is one. */
  public static Optional<ScenarioVolume> reference(String id) {
    return REFERENCES.stream().filter(s -> s.id().equalsIgnoreCase(id)).findFirst();
  }

  /**
   * The volume of the scenario a run replayed, from the run's report. A reference scenario whose
   * modelled daily requests the report repeats (within 1 %) lends its peak factor and its
   * peak-inclusive session count; any other scenario is taken as the report states it.
   */
  public static ScenarioVolume of(RunReport.Scenario s) {
    Optional<ScenarioVolume> ref = reference(s.id())
        .filter(r -> Math.abs(r.requestsPerDay() - s.modelledRequestsPerDay()) <= 0.01 * Math.max(1, r.requestsPerDay()));
    double sessions = ref.map(ScenarioVolume::sessionsPerDay).orElse(s.sessionsPerDay());
    double peak = ref.map(ScenarioVolume::peakHourFactor).orElse(DEFAULT_PEAK_HOUR_FACTOR);
    return new ScenarioVolume(
        s.id(), s.name(), s.monthlyActiveUsers(), sessions, peak, s.modelledRequestsPerDay(), s.modelledEventsPerDay(),
        s.modelledTileHitsPerDay(), s.modelledVolumeBytesPerDay(), s.modelledPersistedEventsPerSession(), s.modelledPageBytesPerSession());
  }
}
