package org.weltgewebe.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;
import org.weltgewebe.scenarios.run.ScenarioRun;

/**
 * A short S1 run through a platform process of its own on a test database: {@code seconds} of
 * wall time at {@code compression}, an overload of 3× a given 40 req/s for 5 s (no probe), seed 7.
 */
final class ShortRuns {
  private ShortRuns() {}

  static ScenarioRun.Options s1(TestDatabase db, Path reports, String runId, double compression, int seconds) {
    var config = org.weltgewebe.cluster.NodeConfig.load(db.outboxConfig());
    DatabaseSettings database = DatabaseSettings.fromConfig(config);
    NatsSettings nats = NatsSettings.fromConfig(config);
    OutboxSettings outbox = OutboxSettings.fromConfig(config);
    return new ScenarioRun.Options(
        "S1",
        OptionalDouble.of(compression),
        Optional.of(Duration.ofSeconds(seconds)),
        Optional.empty(),
        Optional.empty(),
        OptionalDouble.of(3),
        Optional.of(Duration.ofSeconds(5)),
        OptionalDouble.of(40),
        runId,
        reports,
        7,
        ServeCommandLine.thisProgram(),
        ScenarioRun.platformEnvironment(database, nats, outbox),
        database,
        nats,
        outbox,
        Optional.empty(),
        false);
  }
}
