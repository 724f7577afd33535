package org.weltgewebe.persistence.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.api.Subject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.TestNats;
import org.weltgewebe.persistence.readmodel.LiveFeeds;

/**
 * The forget pipeline's feed scrub on a nats-server of the test's own (file storage, as in
 * production): every message on the role's subject in its region goes, newest and older alike, and
 * so do the role's messages on the region's former single subject; the region's other messages and
 * other roles' stay.
 */
class FeedScrubTest {
  static final String CELL = "871f1d4d6ffffff";

  @Test
  void everyMessageNamingTheRoleGoesAndNothingElse() throws Exception {
    try (TestNats server = TestNats.startPrivate(); Connection connection = server.connect()) {
      NatsSettings nats = server.settings();
      LiveFeeds.ensure(connection, nats);
      JetStream js = connection.jetStream();
      String role = LiveFeeds.roleInRegion(nats, CELL, "role-1");
      String other = LiveFeeds.roleInRegion(nats, CELL, "role-2");
      String legacy = LiveFeeds.legacyRegionSubject(nats, CELL);
      publish(js, role, "{\"type\":\"RoleSpinning\",\"roleId\":\"role-1\",\"displayName\":\"Ada\"}");
      publish(js, other, "{\"type\":\"RoleSpinning\",\"roleId\":\"role-2\",\"displayName\":\"Bea\"}");
      publish(js, legacy, "{\"type\":\"RoleSpinning\",\"roleId\":\"role-1\",\"displayName\":\"Ada\"}");
      publish(js, legacy, "{\"type\":\"KnotChanged\",\"knotId\":\"k-1\"}");
      publish(js, role, "{\"type\":\"RoleResting\",\"roleId\":\"role-1\"}");
      publish(js, role, "{\"type\":\"RoleSpinning\",\"roleId\":\"role-1\",\"displayName\":\"Ada\"}");
      publish(js, role, "{\"type\":\"RoleResting\",\"roleId\":\"role-1\"}");

      try (ForgetPipeline pipeline = new ForgetPipeline(null, null, nats, Runnable::run)) {
        pipeline.scrubFeed("role-1", CELL);
      }

      Map<String, Long> left = connection.jetStreamManagement()
          .getStreamInfo(LiveFeeds.stream(nats), StreamInfoOptions.filterSubjects(LiveFeeds.regionFeed(nats, CELL)))
          .getStreamState().getSubjects().stream().collect(Collectors.toMap(Subject::getName, Subject::getCount));
      Map<String, Long> legacyLeft = connection.jetStreamManagement()
          .getStreamInfo(LiveFeeds.stream(nats), StreamInfoOptions.filterSubjects(legacy))
          .getStreamState().getSubjects().stream().collect(Collectors.toMap(Subject::getName, Subject::getCount));
      assertThat(left).as("the region's messages after the scrub").isEqualTo(Map.of(other, 1L));
      assertThat(legacyLeft).as("on the former subject, the knot's message only").isEqualTo(Map.of(legacy, 1L));
    }
  }

  /**
   * Two leaves of one role scrub its subject at once; the one that deletes second finds the sequence
   * gone, which is what it wanted. A stream that does not exist is still an error.
   */
  @Test
  void aMessageAlreadyDeletedCountsAsDeleted() throws Exception {
    try (TestNats server = TestNats.startPrivate(); Connection connection = server.connect()) {
      NatsSettings nats = server.settings();
      LiveFeeds.ensure(connection, nats);
      String role = LiveFeeds.roleInRegion(nats, CELL, "role-1");
      long sequence = connection.jetStream()
          .publish(role, "{\"type\":\"RoleResting\",\"roleId\":\"role-1\"}".getBytes(StandardCharsets.UTF_8)).getSeqno();
      JetStreamManagement management = connection.jetStreamManagement();
      String stream = LiveFeeds.stream(nats);

      ForgetPipeline.delete(management, stream, sequence);
      ForgetPipeline.delete(management, stream, sequence); // the store: "no message found"
      long next = connection.jetStream()
          .publish(role, "{\"type\":\"RoleResting\",\"roleId\":\"role-1\"}".getBytes(StandardCharsets.UTF_8)).getSeqno();
      ForgetPipeline.delete(management, stream, next);
      ForgetPipeline.delete(management, stream, sequence); // below the stream's first sequence now

      assertThat(management.getStreamInfo(stream).getStreamState().getMsgCount()).as("messages left").isZero();
      assertThatThrownBy(() -> ForgetPipeline.delete(management, stream + "-missing", sequence))
          .isInstanceOf(JetStreamApiException.class);
    }
  }

  private static void publish(JetStream js, String subject, String json) throws Exception {
    js.publish(subject, json.getBytes(StandardCharsets.UTF_8));
  }
}
