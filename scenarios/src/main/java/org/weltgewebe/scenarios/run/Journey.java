package org.weltgewebe.scenarios.run;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.uber.h3core.util.LatLng;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.cluster.load.session.Answer;
import org.weltgewebe.cluster.load.session.Move;
import org.weltgewebe.cluster.load.session.MoveInterpreter;
import org.weltgewebe.cluster.load.session.Moves;
import org.weltgewebe.cluster.load.session.SessionStep;
import org.weltgewebe.cluster.load.session.UserSession;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;

/**
 * The HTTP driver's half of a user's session: the {@link UserSession} both drivers run decides
 * what the user does next; a journey sends each {@link Move} as the platform's API takes it (a
 * request, a feed, a chat, a viewport of tiles), hands Gatling one {@link Step} at a time through
 * {@link #advance()}, and turns the answer given to {@link #answered} into the session's terms. A
 * shed request of a user session is sent again after its Retry-After, as the app does.
 *
 * <p>A journey is used by one virtual user at a time and is not thread-safe; the {@link World} it
 * grows is shared.
 */
final class Journey implements MoveInterpreter<Journey.Step> {
  static final int TILES_PER_VIEW = SessionStep.TILES_PER_VIEW;
  /** Times a user's request is sent again after a 503 (honouring Retry-After), as the app does. */
  static final int RETRIES = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How a step reaches the platform. */
  enum Transport {
    HTTP,
    SSE,
    WEBSOCKET
  }

  /**
   * One request: sent after {@code pauseSeconds} of think time; {@code route} is the template it
   * is measured under; {@code holdSeconds} how long a feed or chat stays open; {@code messages}
   * the chat frames to send (one every {@code gapSeconds}); {@code move} the session's move it
   * sends (null for the further tiles of a viewport).
   */
  record Step(
      Action action,
      Transport transport,
      String method,
      String path,
      String route,
      String token,
      String body,
      double pauseSeconds,
      double holdSeconds,
      List<String> messages,
      double gapSeconds,
      int attempt,
      Move move) {

    /** The same request again after {@code seconds}, one attempt later. */
    Step retry(double seconds) {
      return new Step(action, transport, method, path, route, token, body, seconds, holdSeconds, messages, gapSeconds, attempt + 1, move);
    }

    /** How Gatling's statistics name it: method and route template. */
    String name() {
      return method + " " + route;
    }
  }

  private final World world;
  private final UserSession session;
  private final SplittableRandom random;
  private final boolean retries;
  private final Deque<Step> queued = new ArrayDeque<>();
  private Step current;

  private Journey(World world, java.util.function.Function<Journey, UserSession> session, SplittableRandom random, boolean retries) {
    this.world = world;
    this.random = random;
    this.retries = retries;
    this.session = session.apply(this);
  }

  /** A whole session of a random user, with the scenario's action mix and think time. */
  static Journey session(World world, SplittableRandom random) {
    ScenarioDefinition scenario = world.scenario();
    return new Journey(world, j -> {
      List<SessionStep> steps = UserSession.draw(steps(scenario.actionsPerSession()), j::sends, random);
      double think = UserSession.thinkSeconds(scenario.sessionMinutes(), world.compression(), steps);
      return UserSession.session(world.moves(), world.population().anyUser(random), steps, think, random);
    }, random, true);
  }

  /** One request drawn from {@code mix} (weights), by a registered user, sent raw (no retry after 503). */
  static Journey single(World world, Map<Action, Double> mix, SplittableRandom random) {
    return new Journey(world, j -> UserSession.single(world.moves(), UserSession.pick(steps(mix), random), random), random, false);
  }

  /** Sends {@code session}'s moves, each once (no retry after 503). */
  static Journey of(World world, UserSession session) {
    return new Journey(world, j -> session, new SplittableRandom(0), false);
  }

  /** Registers the first roles and gives the hottest cells a knot and the platform a conversation. */
  static Journey setup(World world, SplittableRandom random) {
    return new Journey(world, j -> UserSession.setup(world.moves(), world.cellsByHeat(), random), random, false);
  }

  /** The session's steps among {@code actions}, by name. */
  private static Map<SessionStep, Double> steps(Map<Action, Double> actions) {
    Map<SessionStep, Double> steps = new EnumMap<>(SessionStep.class);
    actions.forEach((a, value) -> SessionStep.named(a.name()).ifPresent(s -> steps.put(s, value)));
    return steps;
  }

  /** The step {@link #advance()} chose last. */
  Step current() {
    return current;
  }

  /** Chooses the next step; false when the journey is over. */
  boolean advance() {
    if (!queued.isEmpty()) {
      current = queued.poll();
      return true;
    }
    Move move = session.next();
    current = move == null ? null : send(move);
    return current != null;
  }

  /**
   * Takes the answer to {@code step}: {@code status} 0 when none came. A shed request of a user
   * session is sent again after its Retry-After (at most {@link #RETRIES} times).
   */
  void answered(Step step, int status, byte[] body, String retryAfter) {
    if (status == 503 && retries && step.attempt() < RETRIES && step.transport() == Transport.HTTP) {
      queued.addFirst(step.retry(retryAfterSeconds(retryAfter)));
      return;
    }
    if (step.move() != null) {
      session.answered(step.move(), answer(step.move(), status, body));
    }
  }

  /** Retry-After in seconds (RFC 9110 also allows a date: then a second), at most 5. */
  static double retryAfterSeconds(String retryAfter) {
    if (retryAfter == null) {
      return 1;
    }
    try {
      return Math.min(5, Math.max(0, Double.parseDouble(retryAfter.trim())));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /** What an HTTP answer says in the session's terms: done (2xx), refused (4xx) or none; the ids its JSON names. */
  static Answer answer(Move move, int status, byte[] body) {
    if (status >= 400 && status < 500) {
      return Answer.refused();
    }
    if (status < 200 || status >= 300) {
      return Answer.none();
    }
    if (move.step() == SessionStep.REGION_VIEW || move.step() == SessionStep.KNOT_LIST) {
      return new Answer(Answer.Outcome.DONE, null, null, null, null, knotIds(body));
    }
    JsonNode json = null;
    if (body != null && body.length > 0) {
      try {
        json = JSON.readTree(body);
      } catch (IOException e) {
        // an answer that is not JSON teaches nothing; its status was measured
      }
    }
    if (json == null) {
      return Answer.done();
    }
    String id = text(json, switch (move.step()) {
      case REGISTER -> "roleId";
      case CREATE_KNOT -> "knotId";
      case START_CONVERSATION -> "conversationId";
      case CONNECT -> "threadId";
      default -> "proposalId";
    });
    return new Answer(Answer.Outcome.DONE, id, text(json, "accessToken"), text(json, "phase"), null, List.of());
  }

  /**
   * The knot ids of a region or knot list (every {@code knotId} field, at any depth), by a
   * streaming scan: a region's answer is some 200 KB of JSON, and reading it into a tree, every
   * coordinate parsed to a double, took half of the generator's CPU in an overload run.
   */
  private static List<String> knotIds(byte[] body) {
    List<String> knots = new ArrayList<>();
    if (body == null || body.length == 0) {
      return knots;
    }
    try (JsonParser parser = JSON.getFactory().createParser(body)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.FIELD_NAME && "knotId".equals(parser.currentName()) && parser.nextToken().isScalarValue()) {
          knots.add(parser.getText());
        }
      }
    } catch (IOException e) {
      // an answer that is not JSON teaches what was read before the fault; its status was measured
    }
    return knots;
  }

  private static String text(JsonNode json, String field) {
    JsonNode value = json.findValue(field);
    return value == null ? null : value.asText();
  }

  // ---------------------------------------------------------------- what each move sends

  @Override
  public boolean sends(SessionStep step) {
    return true;
  }

  @Override
  public Step send(Move move) {
    String token = session.token(move);
    String roleId = move.user().id();
    String target = move.target();
    SessionStep step = move.step();
    switch (step) {
      case REGISTER: {
        int index = move.user().index();
        ObjectNode body = JSON.createObjectNode().put("displayName", "Rolle " + index).put("homeAddress", "Hof " + index);
        body.putObject("home").put("lat", move.location().lat()).put("lon", move.location().lon());
        return http(move, "POST", "/roles", null, body);
      }
      case LOGIN:
        return http(move, "POST", "/roles/" + roleId + "/session", token, null);
      case LOGOUT:
        return http(move, "DELETE", "/roles/" + roleId + "/session", token, null);
      case REGION_VIEW:
        return http(move, "GET", "/regions/" + move.cell(), null, null);
      case KNOT_LIST:
        return http(move, "GET", "/knots?cell=" + move.cell(), null, null);
      case KNOT_READ:
        return http(move, "GET", "/knots/" + target, null, null);
      case PROFILE_READ:
        return http(move, "GET", "/roles/" + target, null, null);
      case SEARCH:
        return http(move, "GET", "/search?q=" + move.detail(), null, null);
      case CONVERSATION_READ:
        return http(move, "GET", "/conversations/" + target + "?offset=0&limit=20", null, null);
      case CONNECT:
        return http(move, "POST", "/knots/" + target + "/connections", token, JSON.createObjectNode().put("connection", move.detail()));
      case POST:
        return http(move, "POST", "/conversations/" + target + "/messages", token,
            JSON.createObjectNode().put("messageId", UUID.randomUUID().toString()).put("text", Moves.MESSAGE));
      case CREATE_KNOT: {
        ObjectNode body = JSON.createObjectNode().put("type", move.detail())
            .put("title", Moves.KNOT_TITLE + move.amount()).put("description", Moves.KNOT_DESCRIPTION);
        body.putObject("location").put("lat", move.location().lat()).put("lon", move.location().lon());
        return http(move, "POST", "/knots", token, body);
      }
      case START_CONVERSATION:
        return http(move, "POST", "/knots/" + target + "/conversations", token,
            JSON.createObjectNode().put("title", Moves.CONVERSATION_TITLE).put("text", Moves.CONVERSATION_TEXT));
      case TWIST:
        return http(move, "PUT", "/threads/" + target + "/yarn", token, null);
      case UNTWIST:
        return http(move, "DELETE", "/threads/" + target + "/yarn", token, null);
      case PROFILE_UPDATE: {
        ObjectNode body = JSON.createObjectNode();
        Moves.GOODS.forEach(body.putArray("goods")::add);
        Moves.SKILLS.forEach(body.putArray("skills")::add);
        return http(move, "PUT", "/roles/" + roleId + "/profile", token, body);
      }
      case REGION_FEED:
        return feed(move, "/regions/" + move.cell() + "/feed");
      case CONVERSATION_FEED:
        return feed(move, "/conversations/" + target + "/feed");
      case CHAT:
        return chat(move, token);
      case TILE:
        return tiles(move);
      case PROPOSE:
      case PROPOSE_PAYOUT: {
        ObjectNode body = JSON.createObjectNode().put("title", Moves.PROPOSAL_TITLE).put("text", Moves.PROPOSAL_TEXT);
        if (step == SessionStep.PROPOSE_PAYOUT) {
          body.putObject("payout").put("amountCents", move.amount()).put("recipient", roleId);
        }
        return http(move, "POST", "/knots/" + target + "/proposals", token, body);
      }
      case PROPOSAL_READ:
        return http(move, "GET", "/proposals/" + target, null, null);
      case OBJECT:
        return http(move, "POST", "/proposals/" + target + "/objections", token, null);
      case VOTE:
        return http(move, "PUT", "/proposals/" + target + "/vote", token, JSON.createObjectNode().put("choice", move.detail()));
      case TALLY_READ:
        return http(move, "GET", "/proposals/" + target + "/tally", null, null);
      case DELEGATE:
        return http(move, "PUT", "/regions/" + move.cell() + "/delegation", token, JSON.createObjectNode().put("delegate", target));
      case REVOKE_DELEGATION:
        return http(move, "DELETE", "/regions/" + move.cell() + "/delegation", token, null);
      case DELEGATIONS_READ:
        return http(move, "GET", "/regions/" + move.cell() + "/delegations", null, null);
      case DONATE:
      case DONATE_ANONYMOUS:
        return http(move, "POST", "/knots/" + target + "/account/donations", token,
            JSON.createObjectNode().put("amountCents", move.amount()).put("anonymous", step == SessionStep.DONATE_ANONYMOUS));
      case ACCOUNT_READ:
        return http(move, "GET", "/knots/" + target + "/account", null, null);
      case LEAVE:
        return http(move, "DELETE", "/roles/" + roleId, token, null);
      default:
        throw new IllegalArgumentException("no request for " + step);
    }
  }

  /** A viewport of tiles around the cell: the first after the think time, the rest at once. */
  private Step tiles(Move move) {
    LatLng centre = RegionCells.h3().cellToLatLng(move.cell());
    int z = 12 + random.nextInt(5);
    long n = 1L << z;
    long x0 = (long) ((centre.lng + 180) / 360 * n);
    double latRad = Math.toRadians(centre.lat);
    long y0 = (long) ((1 - Math.log(Math.tan(latRad) + 1 / Math.cos(latRad)) / Math.PI) / 2 * n);
    for (int i = 1; i < TILES_PER_VIEW; i++) {
      queued.add(tile(z, x0 + (i % 5) - 2, y0 + (i / 5) - 2, 0, null));
    }
    return tile(z, x0 - 2, y0 - 2, move.pauseSeconds(), move);
  }

  private static Step tile(int z, long x, long y, double pause, Move move) {
    return new Step(Action.TILE, Transport.HTTP, "GET", "/tiles/" + z + "/" + x + "/" + y, Action.TILE.route(), null, null,
        pause, 0, List.of(), 0, 0, move);
  }

  private Step feed(Move move, String path) {
    Action a = action(move);
    double hold = world.scenario().live().feedMinutes() * 60 / world.compression();
    return new Step(a, Transport.SSE, "GET", path, a.route(), null, null, move.pauseSeconds(), hold, List.of(), 0, 0, move);
  }

  private Step chat(Move move, String token) {
    int count = (int) Math.round(world.scenario().live().chatMessagesPerChat());
    double gap = Math.min(2, world.scenario().live().feedMinutes() * 60 / world.compression() / Math.max(1, count));
    List<String> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      frames.add(JSON.createObjectNode().put("messageId", UUID.randomUUID().toString()).put("text", "Chat " + i).toString());
    }
    return new Step(Action.CHAT, Transport.WEBSOCKET, "GET", "/conversations/" + move.target() + "/chat?access_token=" + token,
        Action.CHAT.route(), null, null, move.pauseSeconds(), 0, frames, gap, 0, move);
  }

  private static Step http(Move move, String method, String path, String token, JsonNode body) {
    Action a = action(move);
    return new Step(a, Transport.HTTP, method, path, a.route(), token, body == null ? null : body.toString(), move.pauseSeconds(), 0,
        List.of(), 0, 0, move);
  }

  private static Action action(Move move) {
    return Action.valueOf(move.step().name());
  }
}
