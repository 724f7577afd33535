package org.weltgewebe.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.RoleSealing;
import org.weltgewebe.actors.WeaveThread;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.TestDatabase;

/**
 * The smoke scenario end to end on a real PostgreSQL: the journal holds exactly the events its
 * operations make, the region shows them, and what it prints about the journal is what the
 * journal holds.
 */
class SmokeScenarioTest {

  @Test
  void persistsEveryEntityTypeAndReportsTheJournal() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (TestDatabase db = TestDatabase.create();
        WeaveNode node =
            WeaveNode.start(db.outboxConfig().withFallback(ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0")))) {
      node.awaitEntitiesAnswer(java.time.Duration.ofMinutes(2)); // reads only: the journal stays empty
      SmokeScenario.Result result =
          SmokeScenario.runOn(node, new PrintStream(printed, true, StandardCharsets.UTF_8));
      // Read with plain SQL from the journal: 5 roles registered (stored sealed: the registration's
      // personal fields are ciphertext under the role's key) and logged in; 3 knots created,
      // each led to by its design thread, 5 connection threads and 1 conversation thread, one
      // yarn attached; 9 threads spun, 1 twisted; 1 conversation started and 3 posts.
      assertThat(journalEventsByClass(db)).isEqualTo(Map.of(
          RoleSealing.SealedRegistered.class.getName(), 5L,
          Role.LoggedIn.class.getName(), 5L,
          Knot.Created.class.getName(), 3L,
          Knot.ThreadLed.class.getName(), 9L,
          Knot.YarnAttached.class.getName(), 1L,
          WeaveThread.Spun.class.getName(), 9L,
          WeaveThread.Twisted.class.getName(), 1L,
          Conversation.Started.class.getName(), 1L,
          Conversation.Posted.class.getName(), 3L));
      // and the region, fed through the outbox and the read models, shows them
      assertThat(result.region().knots()).hasSize(3);
      assertThat(result.region().threads()).hasSize(9);
      assertThat(result.region().threads()).filteredOn(t -> t.yarn()).hasSize(1);
    }
    String out = printed.toString(StandardCharsets.UTF_8);
    assertThat(out).containsPattern("role\\s+10 events\\s+5 entities");
    assertThat(out).containsPattern("knot\\s+13 events\\s+3 entities");
    assertThat(out).containsPattern("thread\\s+10 events\\s+9 entities");
    assertThat(out).containsPattern("conversation\\s+4 events\\s+1 entities");
  }

  /** Events in the journal per serializer manifest (the event's class). */
  private static Map<String, Long> journalEventsByClass(TestDatabase db) throws Exception {
    Map<String, Long> counts = new TreeMap<>();
    try (Connection c = db.settings().connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT event_ser_manifest, count(*) FROM event_journal WHERE NOT deleted GROUP BY 1")) {
      while (rs.next()) {
        counts.put(rs.getString(1), rs.getLong(2));
      }
    }
    return counts;
  }
}
