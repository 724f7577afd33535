package org.weltgewebe.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.TestDatabase;

/** The README's main job, end to end on a real PostgreSQL: what it claims to persist is in the journal. */
class SmokeScenarioTest {

  @Test
  void persistsEveryEntityTypeAndReportsTheJournal() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (TestDatabase db = TestDatabase.create();
        WeaveNode node =
            WeaveNode.start(db.outboxConfig().withFallback(ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0")))) {
      SmokeScenario.Result result =
          SmokeScenario.runOn(node, new PrintStream(printed, true, StandardCharsets.UTF_8));
      assertThat(result.roles()).isEqualTo(5);
      assertThat(result.knots()).isEqualTo(3);
      assertThat(result.region().knots()).hasSize(3);
      assertThat(result.region().threads()).hasSize(9);
      assertThat(result.region().threads()).filteredOn(t -> t.yarn()).hasSize(1);
    }
    String out = printed.toString(StandardCharsets.UTF_8);
    // 5 roles registered and logged in; 3 knots created + 3 design, 5 connection and 1 conversation
    // threads led + 1 yarn attached; 9 threads spun, 1 twisted; 1 conversation started + 3 posts.
    assertThat(out).containsPattern("role\\s+10 events\\s+5 entities");
    assertThat(out).containsPattern("knot\\s+13 events\\s+3 entities");
    assertThat(out).containsPattern("thread\\s+10 events\\s+9 entities");
    assertThat(out).containsPattern("conversation\\s+4 events\\s+1 entities");
  }
}
