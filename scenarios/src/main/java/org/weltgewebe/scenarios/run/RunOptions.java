package org.weltgewebe.scenarios.run;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;

/**
 * What a {@link ScenarioRun} runs. {@code compression} and {@code duration} are optional: given one,
 * the other follows for a whole day; given both, the slice is duration × compression of virtual
 * time, centred on the scenario's peak hour; given neither, the main job's default day.
 * {@code sustainablePerSecond} skips the probe; {@code serveCommand} starts the platform when no
 * {@code target} is given. Built with {@link #builder}, every optional setting by its name.
 */
public record RunOptions(
    String scenario,
    OptionalDouble compression,
    Optional<Duration> duration,
    Optional<URI> target,
    Optional<URI> targetMetrics,
    OptionalDouble overloadFactor,
    Optional<Duration> overloadDuration,
    OptionalDouble sustainablePerSecond,
    String runId,
    Path reportsDir,
    long seed,
    List<String> serveCommand,
    Map<String, String> serveEnvironment,
    DatabaseSettings db,
    NatsSettings nats,
    OutboxSettings outbox,
    Optional<Path> sloDefinitions,
    boolean abortOnBurn,
    Duration coverageMax,
    long coverageRequests) {
  /**
   * The coverage phase's default bound (--coverage). Its traffic is nearly all writes, and S1's day
   * peaks at 13 writes/s: within 60 s it ran 220 writes/s (17 times that peak, half of what one node
   * writes at all) and its shed writes failed the routes' SLOs; within 120 s it runs half as many.
   */
  public static final Duration COVERAGE_MAX = Duration.ofSeconds(120);

  /**
   * Requests the coverage phase brings every API route of the mix to by default
   * (--coverage-requests): a p99 verdict needs 500 answered ones (see Judge), with room for shed and
   * failed ones. An availability verdict needs more: 2,995 without a failure at 99.9 %, 5,990 at
   * 99.95 % (AvailabilityEvidence).
   */
  public static final long COVERAGE_REQUESTS = 600;

  public RunOptions {
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(runId, "runId");
    serveCommand = List.copyOf(serveCommand);
    serveEnvironment = Map.copyOf(serveEnvironment);
    if (coverageRequests < 1) {
      throw new IllegalArgumentException("the coverage phase's requests per route must be at least 1, not " + coverageRequests);
    }
  }

  /**
   * Options for a run of {@code scenario} named {@code runId}, reported below {@code reportsDir},
   * whose oracle reads {@code db}, {@code nats} and {@code outbox}; a platform the run starts is
   * pointed at the same (see {@link PlatformProcess#environment}). Everything else has its default
   * until set: seed 0, no target, no serve command, the scenario's overload, the probe, built-in SLOs.
   */
  public static Builder builder(String scenario, String runId, Path reportsDir, DatabaseSettings db, NatsSettings nats, OutboxSettings outbox) {
    return new Builder(scenario, runId, reportsDir, db, nats, outbox);
  }

  /** A builder holding these options, to change some of them. */
  public Builder toBuilder() {
    Builder b = builder(scenario, runId, reportsDir, db, nats, outbox);
    b.compression = compression;
    b.duration = duration;
    b.target = target;
    b.targetMetrics = targetMetrics;
    b.overloadFactor = overloadFactor;
    b.overloadDuration = overloadDuration;
    b.sustainablePerSecond = sustainablePerSecond;
    b.seed = seed;
    b.serveCommand = serveCommand;
    b.serveEnvironment = serveEnvironment;
    b.sloDefinitions = sloDefinitions;
    b.abortOnBurn = abortOnBurn;
    b.coverageMax = coverageMax;
    b.coverageRequests = coverageRequests;
    return b;
  }

  /** A run id for {@code scenario} started now, e.g. {@code S1-20261128-184502}. */
  public static String newRunId(String scenario) {
    return scenario.toUpperCase(Locale.ROOT) + "-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
  }

  /**
   * Builds {@link RunOptions} by name. A setter given {@code null} leaves its option unset, so a
   * command line's absent option passes straight through.
   */
  public static final class Builder {
    private final String scenario;
    private final String runId;
    private final Path reportsDir;
    private final DatabaseSettings db;
    private final NatsSettings nats;
    private final OutboxSettings outbox;
    private OptionalDouble compression = OptionalDouble.empty();
    private Optional<Duration> duration = Optional.empty();
    private Optional<URI> target = Optional.empty();
    private Optional<URI> targetMetrics = Optional.empty();
    private OptionalDouble overloadFactor = OptionalDouble.empty();
    private Optional<Duration> overloadDuration = Optional.empty();
    private OptionalDouble sustainablePerSecond = OptionalDouble.empty();
    private long seed;
    private List<String> serveCommand = List.of();
    private Map<String, String> serveEnvironment;
    private Optional<Path> sloDefinitions = Optional.empty();
    private boolean abortOnBurn;
    private Duration coverageMax = COVERAGE_MAX;
    private long coverageRequests = COVERAGE_REQUESTS;

    private Builder(String scenario, String runId, Path reportsDir, DatabaseSettings db, NatsSettings nats, OutboxSettings outbox) {
      this.scenario = scenario;
      this.runId = runId;
      this.reportsDir = reportsDir;
      this.db = db;
      this.nats = nats;
      this.outbox = outbox;
      this.serveEnvironment = PlatformProcess.environment(db, nats, outbox);
    }

    /** Virtual time per wall time (--compress). */
    public Builder compression(Double factor) {
      this.compression = factor == null ? OptionalDouble.empty() : OptionalDouble.of(factor);
      return this;
    }

    /** The main phase's wall time (--duration). */
    public Builder duration(Duration wall) {
      this.duration = Optional.ofNullable(wall);
      return this;
    }

    /** A platform already running at this API (--target): the run starts none. */
    public Builder target(URI api) {
      this.target = Optional.ofNullable(api);
      return this;
    }

    /** Where the given platform's metrics are scraped (--target-metrics). */
    public Builder targetMetrics(URI metrics) {
      this.targetMetrics = Optional.ofNullable(metrics);
      return this;
    }

    /** The overload phase's multiple of the sustainable rate (--overload). */
    public Builder overloadFactor(Double factor) {
      this.overloadFactor = factor == null ? OptionalDouble.empty() : OptionalDouble.of(factor);
      return this;
    }

    /** How long the overload phase lasts (--overload-duration). */
    public Builder overloadDuration(Duration wall) {
      this.overloadDuration = Optional.ofNullable(wall);
      return this;
    }

    /** The sustainable rate, given: the probe is skipped (--sustainable). */
    public Builder sustainablePerSecond(Double perSecond) {
      this.sustainablePerSecond = perSecond == null ? OptionalDouble.empty() : OptionalDouble.of(perSecond);
      return this;
    }

    /** The seed of every random choice of the load. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The command line that runs {@code weltgewebe serve}, for a platform the run starts. */
    public Builder serveCommand(List<String> command) {
      this.serveCommand = command;
      return this;
    }

    /** The environment a started platform gets (by default the one that points it at the run's database and streams). */
    public Builder serveEnvironment(Map<String, String> environment) {
      this.serveEnvironment = environment;
      return this;
    }

    /** SLO definitions read from this file instead of the built-in ones (--slos). */
    public Builder sloDefinitions(Path file) {
      this.sloDefinitions = Optional.ofNullable(file);
      return this;
    }

    /** Whether the main phase stops when the error budget burns too fast (--abort-on-burn). */
    public Builder abortOnBurn(boolean abort) {
      this.abortOnBurn = abort;
      return this;
    }

    /** The coverage phase's bound (--coverage); {@code null} keeps {@link #COVERAGE_MAX}. */
    public Builder coverageMax(Duration max) {
      this.coverageMax = max == null ? COVERAGE_MAX : max;
      return this;
    }

    /** Requests the coverage phase brings each API route to (--coverage-requests); {@code null} keeps {@link #COVERAGE_REQUESTS}. */
    public Builder coverageRequests(Long requests) {
      this.coverageRequests = requests == null ? COVERAGE_REQUESTS : requests;
      return this;
    }

    public RunOptions build() {
      return new RunOptions(scenario, compression, duration, target, targetMetrics, overloadFactor, overloadDuration,
          sustainablePerSecond, runId, reportsDir, seed, serveCommand, serveEnvironment, db, nats, outbox, sloDefinitions,
          abortOnBurn, coverageMax, coverageRequests);
    }
  }
}
