package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weltgewebe.cli.InProcessCli.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.cli.InProcessCli.Outcome;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.http.HttpApi;
import org.weltgewebe.persistence.TestDatabase;

/**
 * The operator's commands against a real node (PostgreSQL, NATS, HTTP API) in this JVM: {@code gdpr
 * scan} finds a role's strings while it exists, {@code gdpr forget} forgets it through the running
 * node (audited with the operator), after which the scan finds nothing; {@code audit verify} passes
 * on the untouched log and finds a row changed behind the append-only trigger's back.
 */
class GdprCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestDatabase db;
  static WeaveNode node;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.create();
    node = WeaveNode.start(db.outboxConfig().withFallback(ConfigFactory.parseString(
        "pekko.remote.artery.canonical.port = 0\nweltgewebe.http.port = 0\nweltgewebe.metrics.enabled = off")));
    node.awaitEntitiesAnswer(Duration.ofMinutes(2));
    int port = HttpApi.bind(node).toCompletableFuture().get(30, TimeUnit.SECONDS).localAddress().getPort();
    base = "http://127.0.0.1:" + port;
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    db.close();
  }

  @Test
  void scanFindsTheRoleForgetForgetsItThroughTheNodeAndTheScanComesBackEmpty() throws Exception {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    String name = "Gdprname" + tag;
    String good = "Gdprgood" + tag;
    JsonNode session = send("POST", "/roles", Map.of("displayName", name, "homeAddress", "Gdprweg " + tag,
        "home", Map.of("lat", 52.4986, "lon", 13.4033)), null, 201);
    String roleId = session.at("/profile/roleId").asText();
    String token = session.at("/token/accessToken").asText();
    send("PUT", "/roles/" + roleId + "/profile", Map.of("goods", List.of(good), "skills", List.of()), token, 200);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> cli(scan(name, good)).exitCode() == 1);

    Outcome found = cli(scan(name, good));
    assertThat(found.out()).contains("rm_role.display_name: " + name).contains("rm_role.goods: " + good);

    Outcome forgotten = cli(platform("gdpr", "forget", roleId, "--operator", "ops-anna", "--reason", "ticket 4711"));
    assertThat(forgotten.exitCode()).as(forgotten.toString()).isEqualTo(0);
    assertThat(forgotten.out()).startsWith("forgotten: role " + roleId);

    Outcome clean = cli(scan(name, good));
    assertThat(clean.exitCode()).as(clean.toString()).isEqualTo(0);
    assertThat(clean.out()).contains("0 readable traces");
    assertThat(send("GET", "/roles/" + roleId, null, null, 410).at("/status").asInt()).isEqualTo(410);
    assertThat(status("GET", "/roles/" + roleId + "/personal", token)).as("its tokens are revoked").isEqualTo(401);
    assertThat(auditRows(roleId)).contains("operator:ops-anna gdpr.forget ticket 4711", "operator:ops-anna key.shred ticket 4711");

    Outcome again = cli(platform("gdpr", "forget", roleId, "--operator", "ops-anna", "--reason", "ticket 4711"));
    assertThat(again.exitCode()).isEqualTo(0);
    assertThat(again.out()).startsWith("already-forgotten");
    Outcome unknown = cli(platform("gdpr", "forget", "no-such-role", "--operator", "ops-anna", "--reason", "typo"));
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.out()).startsWith("refused: ").contains("not registered");
  }

  @Test
  void auditVerifyFindsATamperedRow() throws Exception {
    send("POST", "/roles", Map.of("displayName", "Audited", "homeAddress", "Prüfweg 1",
        "home", Map.of("lat", 52.4986, "lon", 13.4033)), null, 201);
    Outcome intact = cli(platform("audit", "verify"));
    assertThat(intact.exitCode()).as(intact.toString()).isEqualTo(0);
    assertThat(intact.out()).contains("chain intact");

    long seq;
    try (Connection c = db.settings().connect(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT max(seq) FROM audit_log")) {
        rs.next();
        seq = rs.getLong(1);
      }
      // What only a superuser can do: switch the append-only trigger off and rewrite history.
      s.execute("ALTER TABLE audit_log DISABLE TRIGGER USER");
      s.execute("UPDATE audit_log SET actor = 'operator:nobody' WHERE seq = " + seq);
      s.execute("ALTER TABLE audit_log ENABLE TRIGGER USER");
    }
    Outcome tampered = cli(platform("audit", "verify"));
    assertThat(tampered.exitCode()).isEqualTo(1);
    assertThat(tampered.out()).contains("row " + seq + ": its content does not match its hash");
  }

  private static String[] scan(String... needles) {
    List<String> args = new ArrayList<>(List.of("gdpr", "scan"));
    args.addAll(List.of(needles));
    return platform(args.toArray(String[]::new));
  }

  /** {@code args} with the options that point the command at the test's database, NATS and stream. */
  private static String[] platform(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--db-url", db.settings().url(), "--nats-url",
        node.system().settings().config().getString("weltgewebe.nats.url")));
    if (args[0].equals("gdpr")) {
      all.addAll(List.of("--stream", db.streamName()));
    }
    return all.toArray(String[]::new);
  }

  private static List<String> auditRows(String subject) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = db.settings().connect();
        PreparedStatement s = c.prepareStatement("SELECT actor, action, reason FROM audit_log WHERE subject = ? ORDER BY seq")) {
      s.setString(1, subject);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
        }
      }
    }
    return rows;
  }

  private static JsonNode send(String method, String path, Object body, String token, int expected) throws Exception {
    HttpResponse<String> response = exchange(method, path, body, token);
    assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(expected);
    return JSON.readTree(response.body());
  }

  private static int status(String method, String path, String token) throws Exception {
    return exchange(method, path, null, token).statusCode();
  }

  private static HttpResponse<String> exchange(String method, String path, Object body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
