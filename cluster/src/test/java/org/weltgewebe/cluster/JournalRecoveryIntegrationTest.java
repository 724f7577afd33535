package org.weltgewebe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.persistence.TestDatabase;

/**
 * Entities on a real PostgreSQL: their events land in the journal, they recover their state on a
 * node that starts after the first one stopped, and long-lived entities snapshot.
 */
class JournalRecoveryIntegrationTest {
  static TestDatabase db;

  @BeforeAll
  static void database() {
    db = TestDatabase.create();
  }

  @AfterAll
  static void dropDatabase() {
    db.close();
  }

  static WeaveNode startNode() {
    Config overrides =
        db.outboxConfig().withFallback(ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0"));
    WeaveNode node = WeaveNode.start(overrides);
    node.awaitEntitiesAnswer(java.time.Duration.ofMinutes(2)); // a cold node's first asks can outlast the ask timeout
    return node;
  }

  @Test
  void eventsAreInTheJournalAndEntitiesRecoverOnANewNode() throws Exception {
    String roleId = Weave.newId();
    String knotId = Weave.newId();
    String conversationId = Weave.newId();
    GeoPoint home = new GeoPoint(52.5, 13.4);

    try (WeaveNode node = startNode()) {
      Weave weave = node.weave();
      assertThat(await(weave.register(roleId, "Ada", "Am Kanal 1, Berlin", home))).isInstanceOf(Role.Profile.class);
      assertThat(await(weave.login(roleId))).isInstanceOf(Role.Profile.class);
      assertThat(
              await(weave.createKnot(knotId, Weave.newId(), roleId, Knot.Type.IDEA, "Garten", "", home, null, null)))
          .isInstanceOf(Knot.KnotView.class);
      assertThat(
              await(weave.startConversation(conversationId, Weave.newId(), knotId, roleId, "Gießplan", "Montags?")))
          .isInstanceOf(Conversation.ConversationView.class);
      for (int i = 0; i < 120; i++) {
        await(weave.post(conversationId, "m" + i, roleId, "Nachricht " + i));
      }
    }

    assertThat(journalEvents("role|" + roleId)).isEqualTo(2);
    // created, design thread led, conversation thread led
    assertThat(journalEvents("knot|" + knotId)).isEqualTo(3);
    assertThat(journalEvents("conversation|" + conversationId)).isEqualTo(121);
    assertThat(snapshots("conversation|" + conversationId)).isGreaterThanOrEqualTo(1);

    try (WeaveNode node = startNode()) {
      Weave weave = node.weave();
      Role.Profile profile = (Role.Profile) await(weave.profile(roleId));
      assertThat(profile.displayName()).isEqualTo("Ada");
      assertThat(profile.spinning()).isTrue();
      Knot.KnotView knot = (Knot.KnotView) await(weave.getKnot(knotId));
      assertThat(knot.threadCount()).isEqualTo(2);
      Conversation.ConversationView conversation =
          (Conversation.ConversationView) await(weave.readConversation(conversationId, 100, 50));
      assertThat(conversation.commentCount()).isEqualTo(120);
      assertThat(conversation.totalMessages()).isEqualTo(121);
      assertThat(conversation.messages()).hasSize(21);
      assertThat(conversation.messages().get(20).text()).isEqualTo("Nachricht 119");
    }
  }

  @Test
  void aRefusedCommandLeavesNoRowBehind() throws Exception {
    String roleId = Weave.newId();
    try (WeaveNode node = startNode()) {
      Object reply = await(node.weave().register(roleId, " ", "Am Kanal 1", new GeoPoint(95, 13)));
      assertThat(reply).isInstanceOf(Role.Rejected.class);
    }
    assertThat(journalEvents("role|" + roleId)).isZero();
  }

  static long journalEvents(String persistenceId) throws Exception {
    return count("SELECT count(*) FROM event_journal WHERE persistence_id = ?", persistenceId);
  }

  static long snapshots(String persistenceId) throws Exception {
    return count("SELECT count(*) FROM snapshot WHERE persistence_id = ?", persistenceId);
  }

  static long count(String sql, String persistenceId) throws Exception {
    try (Connection c = db.settings().connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, persistenceId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
