package org.weltgewebe.http.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.TestNats;

/**
 * Two nodes' revocation watches on a nats-server of the test's own that stops and starts again (same
 * port and store), as a NATS restart does: while it is down a logout is refused on the revoking node
 * and the caller is told the others do not know; once it is back both nodes reconnect by themselves,
 * and a revocation on one reaches the other again. (Before, the dead connection was kept: every later
 * logout failed with "Connection is Closed".)
 */
class RevocationsAfterNatsRestartTest {
  private static final Duration LIFETIME = Duration.ofMinutes(15);
  private static final Duration SKEW = Duration.ofSeconds(30);

  @Test
  void bothNodesReconnectAndShareRevocationsAgain() throws Exception {
    try (TestNats nats = TestNats.startPrivate("1GB")) {
      NatsSettings settings = nats.settings();
      Clock clock = Clock.systemUTC();
      Instant issued = clock.instant();
      Instant expires = issued.plus(LIFETIME);
      try (JetStreamTokenRevocations a = JetStreamTokenRevocations.open(settings, clock, LIFETIME, SKEW);
          JetStreamTokenRevocations b = JetStreamTokenRevocations.open(settings, clock, LIFETIME, SKEW)) {
        a.revoke("before-restart", expires);
        await("b learns of a's revocation").atMost(Duration.ofSeconds(5))
            .until(() -> b.isRevoked("before-restart", "role-1", issued));

        nats.stop();
        await("a sees its connection lost").atMost(Duration.ofSeconds(10)).until(() -> !a.connected());
        assertThatThrownBy(() -> a.revoke("while-down", expires))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("could not be shared with the other nodes");
        assertThat(a.isRevoked("while-down", "role-1", issued)).as("the revoking node refuses the token all the same").isTrue();

        nats.start();
        await("both reconnect").atMost(Duration.ofSeconds(20)).until(() -> a.connected() && b.connected());
        a.revoke("after-restart", expires);
        await("b learns of a's revocation after the restart").atMost(Duration.ofSeconds(5))
            .until(() -> b.isRevoked("after-restart", "role-2", issued));
        assertThat(b.isRevoked("before-restart", "role-1", issued)).as("the replayed bucket keeps the old revocation").isTrue();
      }
    }
  }
}
