package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that stops while starting: the failure quotes what the node last wrote (its log may go
 * with a temporary directory), and a node that found a drawn port taken is started again on fresh
 * ports. The "node" here is a shell script that fails the way {@code weltgewebe serve} does.
 */
class PlatformProcessTest {

  @Test
  void aNodeThatStopsWhileStartingIsQuotedFromItsOwnStartOnly(@TempDir Path dir) throws IOException {
    Path log = dir.resolve("platform.log");
    Files.writeString(log, "an earlier start's last words\n");
    Path serve = script(dir, """
        for i in $(seq 1 30); do echo "starting step $i"; done
        echo 'serve: Bind failed because of java.net.BindException: Address already in use (BindException)'
        exit 2
        """);

    assertThatThrownBy(() -> PlatformProcess.start(launch(serve, log), PlatformProcess.Ports.free(), List.of(), List.of()))
        .isInstanceOfSatisfying(PlatformProcess.StartFailure.class, e -> {
          assertThat(e.portTaken()).isTrue();
          assertThat(e.getMessage())
              .contains("exit 2")
              .contains("Address already in use")
              .contains("starting step 30")
              .doesNotContain("starting step 1" + System.lineSeparator())
              .doesNotContain("an earlier start");
        });
    assertThat(Files.readString(log)).startsWith("an earlier start's last words").contains("starting step 1\n");
  }

  @Test
  void aTakenPortIsDrawnAgainAndAnyOtherFailureIsNot(@TempDir Path dir) throws IOException {
    Path attempts = dir.resolve("attempts");
    Path serve = script(dir, """
        echo x >> '%s'
        if [ "$(wc -l < '%s')" -lt 2 ]; then
          echo 'java.net.BindException: Address already in use'
        else
          echo 'serve: cannot reach PostgreSQL at 127.0.0.1:1'
        fi
        exit 2
        """.formatted(attempts, attempts));

    assertThatThrownBy(() -> start(serve, dir.resolve("platform.log")))
        .isInstanceOfSatisfying(PlatformProcess.StartFailure.class, e -> {
          assertThat(e.portTaken()).isFalse();
          assertThat(e.getMessage()).contains("cannot reach PostgreSQL");
        });
    // the first start found its port taken and was repeated; the second failed otherwise and was not
    assertThat(Files.readAllLines(attempts)).hasSize(2);
  }

  @Test
  void aPortTakenEveryTimeEndsAfterTheLastAttempt(@TempDir Path dir) throws IOException {
    Path attempts = dir.resolve("attempts");
    Path serve = script(dir, """
        echo x >> '%s'
        echo 'java.net.BindException: Address already in use'
        exit 2
        """.formatted(attempts));

    assertThatThrownBy(() -> start(serve, dir.resolve("platform.log")))
        .isInstanceOfSatisfying(PlatformProcess.StartFailure.class, e -> assertThat(e.portTaken()).isTrue());
    assertThat(Files.readAllLines(attempts)).hasSize(PlatformProcess.PORT_ATTEMPTS);
  }

  @Test
  void freePortsAreThreeDifferentOnes() {
    for (int i = 0; i < 200; i++) {
      PlatformProcess.Ports ports = PlatformProcess.Ports.free();
      assertThat(List.of(ports.http(), ports.metrics(), ports.cluster())).doesNotHaveDuplicates().allSatisfy(p -> assertThat(p).isPositive());
    }
  }

  private static PlatformProcess start(Path serve, Path log) {
    return PlatformProcess.start(List.of("bash", serve.toString()), Map.of(), "test-run", 1, Instant.now(), log, Duration.ofSeconds(30));
  }

  private static PlatformProcess.Launch launch(Path serve, Path log) {
    return new PlatformProcess.Launch(List.of("bash", serve.toString()), Map.of(), "test-run", 1, Instant.now(), log, Duration.ofSeconds(30));
  }

  private static Path script(Path dir, String body) throws IOException {
    return Files.writeString(dir.resolve("serve.sh"), body);
  }
}
