package org.weltgewebe.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.privacy.PrivacyScan;
import org.weltgewebe.persistence.readmodel.LiveFeeds;

/**
 * The canary: a role registered with unique strings in every personal field, seen on the map,
 * searched for, and then gone through {@code DELETE /roles/{id}} (leaving runs the forget pipeline).
 * Before, the strings are readable only where they are meant to be shown (the read model, the search
 * columns, the live feed) and never in the journal, snapshots or the events stream, which hold them
 * sealed; after, {@link PrivacyScan} finds them nowhere — journal, snapshots, every read-model table
 * (the search index is columns of them), the audit log, the events, live-feed and dead-letter streams,
 * and the node's log (captured to a file, the platform's own classes at DEBUG).
 */
class ForgetCanaryTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();

  @Test
  void aForgottenCanaryLeavesNoReadableTraceAnywhere(@TempDir Path dir) throws Exception {
    // The node's log, as a file: everything the platform logs at INFO and up, and its own classes at
    // DEBUG, while the canary lives and is forgotten.
    Path log = dir.resolve("node.log");
    LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(logging);
    encoder.setPattern("%d %level %logger - %msg%n%ex");
    encoder.start();
    FileAppender<ILoggingEvent> file = new FileAppender<>();
    file.setContext(logging);
    file.setFile(log.toString());
    file.setEncoder(encoder);
    file.start();
    Logger root = logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger ours = logging.getLogger("org.weltgewebe");
    Level before = ours.getLevel();
    root.addAppender(file);
    ours.setLevel(Level.DEBUG);
    try {
      plantAndForget(log);
    } finally {
      ours.setLevel(before);
      root.detachAppender(file);
      file.stop();
    }
  }

  private void plantAndForget(Path log) throws Exception {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    String name = "Canaryname" + tag;
    String address = "Canarystrasse " + tag;
    String good = "Canarygood" + tag;
    List<String> needles = List.of(name, address, good);
    HttpResponse<String> registered = api.post("/roles", TestApi.body(Map.of("displayName", name, "homeAddress", address,
        "home", Map.of("lat", TestApi.KREUZBERG_LAT, "lon", TestApi.KREUZBERG_LON))), null);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    String roleId = TestApi.json(registered).at("/profile/roleId").asText();
    String token = TestApi.json(registered).at("/token/accessToken").asText();
    assertThat(api.put("/roles/" + roleId + "/profile",
        TestApi.body(Map.of("goods", List.of(good), "skills", List.of())), token).statusCode()).isEqualTo(200);
    HttpResponse<String> login = api.post("/roles/" + roleId + "/session", null, token);
    assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
    String fresh = TestApi.json(login).at("/token/accessToken").asText();
    String knotId = api.createKnot(new TestApi.Role(roleId, fresh), "Canary knot " + tag).at("/knot/knotId").asText();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> readModelShows(roleId, good));
    assertThat(api.get("/search?q=" + name + "&kind=role").body()).contains(roleId);

    NatsSettings nats = NatsSettings.fromConfig(TestNode.node().system().settings().config());
    String feed = "stream " + LiveFeeds.stream(nats) + " ";
    Awaitility.await("the map's live feed shows the canary spinning").atMost(Duration.ofSeconds(30)).until(() ->
        PrivacyScan.scan(TestNode.node().database(), nats, List.of(name), List.of()).stream()
            .anyMatch(hit -> hit.where().startsWith(feed)));
    List<PrivacyScan.Hit> before = PrivacyScan.scan(TestNode.node().database(), nats, needles, List.of());
    assertThat(before).as("the canary is shown where it is public: read model and search columns")
        .anySatisfy(hit -> assertThat(hit.where()).startsWith("rm_role."));
    assertThat(before).as("but the journal, snapshots and the events stream hold it sealed")
        .noneSatisfy(hit -> assertThat(hit.where()).matches("(journal|snapshot|stream " + nats.stream() + " ).*"));

    HttpResponse<String> left = api.delete("/roles/" + roleId, fresh);
    assertThat(left.statusCode()).as(left.body()).isEqualTo(204);

    LoggerFactory.getLogger(ForgetCanaryTest.class).info("canary {} forgotten; scanning", roleId);
    List<PrivacyScan.Hit> after = PrivacyScan.scan(TestNode.node().database(), nats, needles, List.of(log));
    assertThat(after).as("readable traces of the forgotten canary").isEmpty();
    assertThat(Files.readString(log)).as("the scanned log is the node's").contains("canary " + roleId + " forgotten");
    HttpResponse<String> knot = api.get("/knots/" + knotId);
    assertThat(knot.statusCode()).as("its knot stays, an anonymous trace").isEqualTo(200);
    assertThat(knot.body()).as("under the pseudonymous id").contains(roleId);
  }

  private static boolean readModelShows(String roleId, String good) throws Exception {
    try (Connection c = TestNode.node().database().connect();
        PreparedStatement s = c.prepareStatement("SELECT ? = ANY(goods) FROM rm_role WHERE role_id = ?")) {
      s.setString(1, good);
      s.setString(2, roleId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
