package org.weltgewebe.scenarios.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.cluster.load.CommandMoves;
import org.weltgewebe.cluster.load.session.Answer;
import org.weltgewebe.cluster.load.session.Move;
import org.weltgewebe.cluster.load.session.SessionStep;
import org.weltgewebe.cluster.load.session.User;
import org.weltgewebe.cluster.load.session.UserSession;
import org.weltgewebe.http.HttpApi;
import org.weltgewebe.persistence.TestDatabase;
import org.weltgewebe.scenarios.definition.Scenarios;

/**
 * One session definition, two drivers: the same short session (same users, same seed) sent once as
 * HTTP requests through the HTTP driver's {@link Journey} and once as entity commands through the
 * in-cluster driver's {@link CommandMoves}, on one real node. Both must make the same moves with
 * the same outcomes, and leave the same events in the journal for the role and knots they made.
 */
class SessionDriversTest {
  /** Every step the in-cluster driver can send, but the region reads (they would see the other driver's knots). */
  private static final List<SessionStep> STEPS = List.of(
      SessionStep.CREATE_KNOT, SessionStep.KNOT_READ, SessionStep.CONNECT, SessionStep.TWIST, SessionStep.START_CONVERSATION,
      SessionStep.CONVERSATION_READ, SessionStep.POST, SessionStep.PROFILE_UPDATE, SessionStep.PROFILE_READ, SessionStep.PROPOSE,
      SessionStep.PROPOSAL_READ, SessionStep.OBJECT, SessionStep.VOTE, SessionStep.TALLY_READ, SessionStep.DONATE,
      SessionStep.ACCOUNT_READ, SessionStep.PROPOSE_PAYOUT, SessionStep.DELEGATIONS_READ, SessionStep.UNTWIST);

  @Test
  void theSameSessionThroughBothDriversMakesTheSameMovesAndJournal() throws Exception {
    try (TestDatabase db = TestDatabase.create();
        WeaveNode node = node(db)) {
      URI api = api(node);

      World overHttp = new World(Scenarios.load("S1"), 1, 7);
      List<String> httpMoves = overHttp(api, overHttp, session(overHttp));
      World inCluster = new World(Scenarios.load("S1"), 1, 7);
      List<String> commandMoves = inCluster(new CommandMoves(node.weave(), node.clock()), session(inCluster));

      assertThat(commandMoves).as("the in-cluster driver makes the HTTP driver's moves with its outcomes").isEqualTo(httpMoves);
      assertThat(httpMoves).first().isEqualTo("REGISTER DONE");
      assertThat(httpMoves).last().isEqualTo("LOGOUT DONE");
      assertThat(httpMoves).contains("VOTE DONE", "DONATE DONE", "PROPOSE_PAYOUT DONE", "TWIST DONE");
      assertThat(httpMoves.stream().filter(m -> m.endsWith(" DONE")).count())
          .as("nearly every move is done: %s", httpMoves).isGreaterThanOrEqualTo(httpMoves.size() - 1);

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        List<String> viaHttp = events(db, overHttp);
        assertThat(viaHttp).contains("knot " + org.weltgewebe.actors.Knot.Created.class.getName(), "knot " + org.weltgewebe.actors.Knot.YarnAttached.class.getName());
        assertThat(events(db, inCluster)).as("the journal of the in-cluster session's role and knots").isEqualTo(viaHttp);
      });
    }
  }

  /**
   * A user's second session over HTTP, after a first that ended with its log-out: it logs in with
   * its registration's token (the first session's own was revoked by that log-out), and its chat's
   * handshake is accepted. Before, it logged in with the revoked token and was refused (401) from
   * its log-in to its log-out, chat included: 6 of 25 chats in each main job.
   */
  @Test
  void aReturningUsersSessionLogsInAndItsChatOpens() throws Exception {
    try (TestDatabase db = TestDatabase.create();
        WeaveNode node = node(db)) {
      URI api = api(node);
      World world = new World(Scenarios.load("S1"), 1, 7);
      overHttp(api, world, UserSession.setup(world.moves(), world.cellsByHeat(), new SplittableRandom(5)));
      assertThat(world.population().conversations()).as("the setup's conversation, which the chats are on").hasSize(1);
      User newcomer = world.population().user(world.population().owned() - 1);
      List<SessionStep> steps = List.of(SessionStep.CHAT, SessionStep.POST);

      List<String> first = overHttp(api, world, UserSession.session(world.moves(), newcomer, steps, 0, new SplittableRandom(1)));
      List<String> second = overHttp(api, world, UserSession.session(world.moves(), newcomer, steps, 0, new SplittableRandom(2)));

      assertThat(second).as("the returning user's session").containsExactly("LOGIN DONE", "CHAT 101", "POST DONE", "LOGOUT DONE");
      assertThat(first).containsExactly("REGISTER DONE", "LOGIN DONE", "CHAT 101", "POST DONE", "LOGOUT DONE");
    }
  }

  /** The session both drivers run: the first user of the world, every step once, no think time. */
  private static UserSession session(World world) {
    return UserSession.session(world.moves(), world.population().user(0), STEPS, 0, new SplittableRandom(42));
  }

  private static List<String> overHttp(URI api, World world, UserSession session) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    Journey journey = Journey.of(world, session);
    List<String> moves = new ArrayList<>();
    while (journey.advance()) {
      Journey.Step step = journey.current();
      if (step.transport() == Journey.Transport.WEBSOCKET) {
        // as the Gatling driver does, the chat's outcome is its handshake's status; the session learns nothing from it
        moves.add(step.move().step() + " " + handshake(client, api, step.path()));
        continue;
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(step.path())).timeout(Duration.ofSeconds(20))
          .method(step.method(), step.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(step.body()))
          .header("Content-Type", "application/json");
      if (step.token() != null) {
        request.header("Authorization", "Bearer " + step.token());
      }
      HttpResponse<byte[]> answer = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      moves.add(step.move().step() + " " + Journey.answer(step.move(), answer.statusCode(), answer.body()).outcome());
      journey.answered(step, answer.statusCode(), answer.body(), null);
    }
    return moves;
  }

  /** Opens a WebSocket on {@code path} and closes it: 101 when the upgrade was accepted, else the refusal's status. */
  private static int handshake(HttpClient client, URI api, String path) throws Exception {
    try {
      WebSocket socket = client.newWebSocketBuilder()
          .buildAsync(URI.create("ws://" + api.getAuthority() + path), new WebSocket.Listener() {})
          .get(20, TimeUnit.SECONDS);
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(20, TimeUnit.SECONDS);
      return 101;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        return refused.getResponse().statusCode();
      }
      throw e;
    }
  }

  private static List<String> inCluster(CommandMoves commands, UserSession session) throws Exception {
    List<String> moves = new ArrayList<>();
    for (Move move = session.next(); move != null; move = session.next()) {
      Answer answer = commands.send(move).toCompletableFuture().get(20, TimeUnit.SECONDS);
      moves.add(move.step() + " " + answer.outcome());
      session.answered(move, answer);
    }
    return moves;
  }

  /** The events of the world's first role and of the knots its users know, by class, in the order each entity wrote them. */
  private static List<String> events(TestDatabase db, World world) throws Exception {
    List<String> ids = new ArrayList<>();
    ids.add("role|" + registeredRole(world));
    world.cellsByHeat().forEach(cell -> world.population().knots(cell).forEach(k -> ids.add("knot|" + k)));
    List<String> events = new ArrayList<>();
    try (Connection c = db.settings().connect()) {
      for (String id : ids) {
        try (PreparedStatement s = c.prepareStatement(
            "SELECT event_ser_manifest FROM event_journal WHERE persistence_id = ? AND NOT deleted ORDER BY sequence_number")) {
          s.setString(1, id);
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              events.add(id.substring(0, id.indexOf('|')) + " " + rs.getString(1));
            }
          }
        }
      }
    }
    return events;
  }

  private static String registeredRole(World world) {
    return world.population().user(0).id();
  }

  private static WeaveNode node(TestDatabase db) {
    return WeaveNode.start(db.outboxConfig().withFallback(
        ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0\nweltgewebe.http.port = 0")));
  }

  /** The node's API, bound on a free port once its entities answer. */
  private static URI api(WeaveNode node) throws Exception {
    node.awaitEntitiesAnswer(Duration.ofMinutes(2));
    int port = HttpApi.bind(node).toCompletableFuture().get(1, TimeUnit.MINUTES).localAddress().getPort();
    return URI.create("http://127.0.0.1:" + port);
  }
}
