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
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;

/**
 * What one virtual user does next, independent of the transport that sends it: a user session
 * (register or log in, the scenario's per-session actions in random order with think time between
 * them, log out), a single request of a mix (probe and overload), or the setup that gives a fresh
 * platform its first roles, knots and a conversation. The driver asks {@link #advance()} for the
 * next {@link Step}, sends it, and hands the answer to {@link #answered}; the journey learns ids
 * from answers (tokens, knots, threads, conversations) and decides what follows.
 *
 * <p>A journey is used by one virtual user at a time and is not thread-safe; the {@link World} it
 * grows is shared.
 */
final class Journey {
  static final int TILES_PER_VIEW = 25;
  /** Times a user's request is sent again after a 503 (honouring Retry-After), as the app does. */
  static final int RETRIES = 2;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] WORDS = {"fahrrad", "werkstatt", "garten", "repair", "werkzeug", "nachbar", "fest", "kreuzberg"};

  /** How a step reaches the platform. */
  enum Transport {
    HTTP,
    SSE,
    WEBSOCKET
  }

  /**
   * One request: sent after {@code pauseSeconds} of think time; {@code route} is the template it
   * is measured under; {@code holdSeconds} how long a feed or chat stays open; {@code messages}
   * the chat frames to send (one every {@code gapSeconds}); {@code learn} what the answer teaches.
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
      BiConsumer<Journey, JsonNode> learn) {

    /** The same request again after {@code seconds}, one attempt later. */
    Step retry(double seconds) {
      return new Step(action, transport, method, path, route, token, body, seconds, holdSeconds, messages, gapSeconds, attempt + 1, learn);
    }

    /** How Gatling's statistics name it: method and route template. */
    String name() {
      return method + " " + route;
    }
  }

  private enum Kind {
    SESSION,
    SINGLE,
    SETUP
  }

  private final World world;
  private final Kind kind;
  private final World.Role role;
  private final SplittableRandom random;
  private final Deque<Action> actions = new ArrayDeque<>();
  private final Deque<Step> queued = new ArrayDeque<>();
  private final double thinkSeconds;
  private final boolean retries;
  private boolean started;
  private boolean ended;
  private int setupStage;
  private Step current;

  private Journey(World world, Kind kind, World.Role role, SplittableRandom random, List<Action> actions, double thinkSeconds, boolean retries) {
    this.world = world;
    this.kind = kind;
    this.role = role;
    this.random = random;
    this.actions.addAll(actions);
    this.thinkSeconds = thinkSeconds;
    this.retries = retries;
  }

  /** A whole session of a random user, with the scenario's action mix and think time. */
  static Journey session(World world, SplittableRandom random) {
    ScenarioDefinition scenario = world.scenario();
    List<Action> actions = new ArrayList<>();
    for (Action a : Action.values()) {
      if (!a.driven() || a == Action.LOGIN || a == Action.LOGOUT) {
        continue;
      }
      double mean = scenario.perSession(a);
      if (a == Action.TILE) {
        mean = mean / TILES_PER_VIEW;
      }
      long n = (long) Math.floor(mean) + (random.nextDouble() < mean - Math.floor(mean) ? 1 : 0);
      for (int i = 0; i < n; i++) {
        actions.add(a);
      }
    }
    Collections.shuffle(actions, new java.util.Random(random.nextLong()));
    // leaving ends the session: whatever else the user does comes first
    if (actions.remove(Action.LEAVE)) {
      actions.add(Action.LEAVE);
    }
    double think = scenario.sessionMinutes() * 60 / world.compression() / Math.max(1, actions.size() + 2);
    return new Journey(world, Kind.SESSION, world.anyRole(random), random, actions, think, true);
  }

  /** One request drawn from {@code mix} (weights), by a registered user, sent raw (no retry after 503). */
  static Journey single(World world, Map<Action, Double> mix, SplittableRandom random) {
    double total = mix.values().stream().mapToDouble(Double::doubleValue).sum();
    double u = random.nextDouble() * total;
    Action chosen = null;
    for (Map.Entry<Action, Double> e : mix.entrySet()) {
      chosen = e.getKey();
      u -= e.getValue();
      if (u < 0) {
        break;
      }
    }
    // a prepared role never leaves: another user does (registering first when it has not yet)
    World.Role role = chosen == Action.LEAVE ? world.leaver(random) : world.registered(random);
    return new Journey(world, Kind.SINGLE, role, random, chosen == null ? List.of() : List.of(chosen), 0, false);
  }

  /** Registers the first roles and gives the hottest cells a knot and the platform a conversation. */
  static Journey setup(World world, SplittableRandom random) {
    return new Journey(world, Kind.SETUP, null, random, List.of(), 0, false);
  }

  /** The step {@link #advance()} chose last. */
  Step current() {
    return current;
  }

  /** Chooses the next step; false when the journey is over. */
  boolean advance() {
    current = next();
    return current != null;
  }

  private Step next() {
    if (!queued.isEmpty()) {
      return queued.poll();
    }
    return switch (kind) {
      case SESSION -> nextInSession();
      case SINGLE -> nextSingle();
      case SETUP -> nextInSetup();
    };
  }

  private Step nextInSession() {
    if (!started) {
      started = true;
      return role.token == null ? register(role) : login(role);
    }
    if (role.token == null) {
      return null;
    }
    while (!actions.isEmpty()) {
      Action next = actions.poll();
      if (next == Action.LEAVE) {
        ended = true; // a role that left does not log out
      }
      Step step = act(next, role, thinkSeconds * (0.5 + random.nextDouble()));
      if (step != null) {
        return step;
      }
    }
    if (!ended) {
      ended = true;
      return http(Action.LOGOUT, "DELETE", "/roles/" + role.id + "/session", role.token, null, thinkSeconds, null);
    }
    return null;
  }

  private Step nextSingle() {
    if (role == null || actions.isEmpty()) {
      return null;
    }
    if (role.token == null) {
      // only a leaver can be unregistered here: it registers once, then leaves
      if (started) {
        return null;
      }
      started = true;
      return register(role);
    }
    return act(actions.poll(), role, 0);
  }

  private Step nextInSetup() {
    while (setupStage < Math.min(20, world.roleCount())) {
      World.Role r = world.role(setupStage++);
      if (r.token == null) {
        return register(r);
      }
    }
    World.Role someone = world.registered(random);
    if (someone == null) {
      return null;
    }
    List<String> hot = world.cellsByHeat().subList(0, Math.min(3, world.cellsByHeat().size()));
    while (setupStage < 20 + hot.size()) {
      String cell = hot.get(setupStage++ - 20);
      if (world.knots(cell).isEmpty()) {
        return createKnot(someone, cell, 0);
      }
    }
    if (setupStage == 20 + hot.size()) {
      setupStage++;
      String knot = world.firstKnot();
      if (world.conversations().isEmpty() && knot != null) {
        ObjectNode body = JSON.createObjectNode().put("title", "Vorbereitung").put("text", "Los geht's.");
        return http(Action.START_CONVERSATION, "POST", "/knots/" + knot + "/conversations", someone.token, body, 0,
            (j, json) -> j.remember(json, "conversationId"));
      }
    }
    return null;
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
    learnFromStatus(step, status);
    if (step.learn() == null || status < 200 || status >= 300 || body == null || body.length == 0) {
      return;
    }
    try {
      if (step.learn() instanceof KnotIds knots) {
        knots.scan(this, body);
      } else {
        step.learn().accept(this, JSON.readTree(body));
      }
    } catch (IOException e) {
      // an answer that is not JSON teaches nothing; its status was measured
    }
  }

  /** What an answer's status alone teaches: a departure, a revocation, a proposal that moved on. */
  private void learnFromStatus(Step step, int status) {
    boolean ok = status >= 200 && status < 300;
    if (ok && step.action() == Action.LEAVE && role != null) {
      world.departed(role);
    } else if (ok && step.action() == Action.REVOKE_DELEGATION && role != null) {
      role.delegating = false;
    } else if (status == 409 && (step.action() == Action.OBJECT || step.action() == Action.VOTE)) {
      // "/proposals/{id}/…": refused because its phase changed (objected, voting, closed)
      String rest = step.path().substring("/proposals/".length());
      world.learnProposal(rest.substring(0, rest.indexOf('/')), World.STALE);
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

  // ---------------------------------------------------------------- what each action sends

  private Step act(Action a, World.Role role, double pause) {
    String cell = random.nextDouble() < 0.7 ? role.cell : world.cellByHeat(random.nextDouble());
    List<String> knots = world.knots(cell);
    String knot = knots.isEmpty() ? null : knots.get(random.nextInt(knots.size()));
    List<String> conversations = world.conversations();
    String conversation = conversations.isEmpty() ? null : conversations.get(random.nextInt(conversations.size()));
    switch (a) {
      case REGION_VIEW:
        return http(a, "GET", "/regions/" + cell, null, null, pause, new KnotIds(cell));
      case KNOT_LIST:
        return http(a, "GET", "/knots?cell=" + cell, null, null, pause, new KnotIds(cell));
      case KNOT_READ:
        return knot == null ? createKnot(role, cell, pause) : http(a, "GET", "/knots/" + knot, null, null, pause, null);
      case PROFILE_READ: {
        World.Role other = world.anyRole(random);
        return http(a, "GET", "/roles/" + (other.id != null ? other.id : role.id), null, null, pause, null);
      }
      case SEARCH:
        return http(a, "GET", "/search?q=" + WORDS[random.nextInt(WORDS.length)], null, null, pause, null);
      case CONVERSATION_READ:
        return conversation == null ? null : http(a, "GET", "/conversations/" + conversation + "?offset=0&limit=20", null, null, pause, null);
      case CONNECT:
        if (knot == null) {
          return createKnot(role, cell, pause);
        }
        return http(a, "POST", "/knots/" + knot + "/connections", role.token,
            JSON.createObjectNode().put("connection", random.nextBoolean() ? "INTEREST" : "AGREE"), pause,
            (j, json) -> {
              if (json.findValue("threadId") != null && role.threads.size() < 100) {
                role.threads.add(json.findValue("threadId").asText());
              }
            });
      case POST:
        return conversation == null ? null
            : http(a, "POST", "/conversations/" + conversation + "/messages", role.token,
                JSON.createObjectNode().put("messageId", UUID.randomUUID().toString()).put("text", "Bin dabei, bringe Werkzeug mit."), pause, null);
      case LOGIN:
        // a single login (the coverage phase's): the role logs in again and keeps its new token
        return login(role);
      case REGISTER:
        // a single registration (the coverage phase's): one of the world's roles registers anew,
        // and the world goes on with the new role
        return register(world.anyRole(random));
      case CREATE_KNOT:
        return createKnot(role, cell, pause);
      case START_CONVERSATION:
        return knot == null ? null
            : http(a, "POST", "/knots/" + knot + "/conversations", role.token,
                JSON.createObjectNode().put("title", "Wer hilft mit?").put("text", "Samstag ab zehn im Hof."), pause,
                (j, json) -> j.remember(json, "conversationId"));
      case TWIST:
      case UNTWIST: {
        if (role.threads.isEmpty()) {
          return null;
        }
        String thread = role.threads.get(random.nextInt(role.threads.size()));
        return http(a, a == Action.TWIST ? "PUT" : "DELETE", "/threads/" + thread + "/yarn", role.token, null, pause, null);
      }
      case PROFILE_UPDATE: {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("goods").add("Lastenrad");
        body.putArray("skills").add("Fahrradreparatur");
        return http(a, "PUT", "/roles/" + role.id + "/profile", role.token, body, pause, null);
      }
      case REGION_FEED:
        return feed(a, "/regions/" + cell + "/feed", pause);
      case CONVERSATION_FEED:
        return conversation == null ? null : feed(a, "/conversations/" + conversation + "/feed", pause);
      case CHAT:
        return conversation == null ? null : chat(role, conversation, pause);
      case TILE:
        return tiles(cell, pause);
      case PROPOSE:
      case PROPOSE_PAYOUT:
      case PROPOSAL_READ:
      case OBJECT:
      case VOTE:
      case TALLY_READ:
        return proposalStep(a, role, cell, knot, pause);
      case DELEGATE:
      case REVOKE_DELEGATION:
      case DELEGATIONS_READ:
        return delegationStep(a, role, pause);
      case DONATE:
      case DONATE_ANONYMOUS:
      case ACCOUNT_READ:
        return accountStep(a, role, cell, knot, pause);
      case LEAVE:
        return http(a, "DELETE", "/roles/" + role.id, role.token, null, pause, null);
      default:
        return null;
    }
  }

  // ---------------------------------------------------------------- proposals, delegations, accounts

  /**
   * A step on a proposal. What a step needs and does not find it makes: a vote with no proposal
   * put to the vote objects to an open one (which puts it to the vote), an objection with no open
   * proposal proposes one, a tally read with no closed proposal reads any, a read with none proposes.
   */
  private Step proposalStep(Action a, World.Role role, String cell, String knot, double pause) {
    switch (a) {
      case PROPOSE:
      case PROPOSE_PAYOUT: {
        String funded = a == Action.PROPOSE_PAYOUT ? world.fundedKnot(random) : null;
        String on = funded != null ? funded : knot;
        if (on == null) {
          return createKnot(role, cell, pause);
        }
        ObjectNode body = JSON.createObjectNode().put("title", "Neues Schloss für den Werkzeugschuppen")
            .put("text", "Das alte klemmt; ich besorge ein neues.");
        if (a == Action.PROPOSE_PAYOUT) {
          body.putObject("payout").put("amountCents", 300 + random.nextInt(1200)).put("recipient", role.id);
        }
        return http(a, "POST", "/knots/" + on + "/proposals", role.token, body, pause, Journey::learnProposal);
      }
      case OBJECT: {
        String open = world.proposalIn("OBJECTABLE", random);
        return open == null ? proposalStep(Action.PROPOSE, role, cell, knot, pause)
            : http(a, "POST", "/proposals/" + open + "/objections", role.token, null, pause, Journey::learnProposal);
      }
      case VOTE: {
        String voting = world.proposalIn("VOTING", random);
        if (voting == null) {
          return proposalStep(Action.OBJECT, role, cell, knot, pause);
        }
        double u = random.nextDouble();
        String choice = u < 0.6 ? "YES" : u < 0.9 ? "NO" : "ABSTAIN";
        return http(a, "PUT", "/proposals/" + voting + "/vote", role.token, JSON.createObjectNode().put("choice", choice), pause,
            Journey::learnProposal);
      }
      case TALLY_READ: {
        String closed = world.proposalIn("CLOSED", random);
        return closed == null ? proposalStep(Action.PROPOSAL_READ, role, cell, knot, pause)
            : http(a, "GET", "/proposals/" + closed + "/tally", null, null, pause, null);
      }
      default: {
        String any = world.anyProposal(random);
        return any == null ? proposalStep(Action.PROPOSE, role, cell, knot, pause)
            : http(Action.PROPOSAL_READ, "GET", "/proposals/" + any, null, null, pause, Journey::learnProposal);
      }
    }
  }

  /** Delegating in one's home district to another registered role; a revocation by a role that does not delegate delegates first. */
  private Step delegationStep(Action a, World.Role role, double pause) {
    String path = "/regions/" + role.cell + "/delegation";
    if (a == Action.DELEGATIONS_READ) {
      return http(a, "GET", "/regions/" + role.cell + "/delegations", null, null, pause, null);
    }
    if (a == Action.REVOKE_DELEGATION && role.delegating) {
      return http(a, "DELETE", path, role.token, null, pause, null);
    }
    World.Role delegate = world.anyRole(random);
    if (delegate == role || delegate.id == null) {
      delegate = world.registered(random);
    }
    if (delegate == null || delegate == role) {
      return http(Action.DELEGATIONS_READ, "GET", "/regions/" + role.cell + "/delegations", null, null, pause, null);
    }
    boolean thenRevoke = a == Action.REVOKE_DELEGATION;
    return http(Action.DELEGATE, "PUT", path, role.token, JSON.createObjectNode().put("delegate", delegate.id), pause,
        (j, json) -> {
          role.delegating = true;
          if (thenRevoke) {
            j.queued.add(j.http(Action.REVOKE_DELEGATION, "DELETE", path, role.token, null, 0, null));
          }
        });
  }

  /** A donation (EUR 2–50) to a knot of the cell, or a look at a funded knot's account. */
  private Step accountStep(Action a, World.Role role, String cell, String knot, double pause) {
    if (a == Action.ACCOUNT_READ) {
      String funded = world.fundedKnot(random);
      String on = funded != null && random.nextBoolean() ? funded : knot != null ? knot : funded;
      return on == null ? createKnot(role, cell, pause) : http(a, "GET", "/knots/" + on + "/account", null, null, pause, null);
    }
    if (knot == null) {
      return createKnot(role, cell, pause);
    }
    ObjectNode body = JSON.createObjectNode().put("amountCents", 200 + random.nextInt(4800)).put("anonymous", a == Action.DONATE_ANONYMOUS);
    return http(a, "POST", "/knots/" + knot + "/account/donations", role.token, body, pause, (j, json) -> j.world.learnFundedKnot(knot));
  }

  private void learnProposal(JsonNode body) {
    JsonNode id = body.get("proposalId");
    JsonNode phase = body.get("phase");
    if (id != null && phase != null) {
      world.learnProposal(id.asText(), phase.asText());
    }
  }

  private Step register(World.Role role) {
    LatLng centre = RegionCells.h3().cellToLatLng(role.cell);
    ObjectNode body = JSON.createObjectNode().put("displayName", "Rolle " + role.index).put("homeAddress", "Hof " + role.index);
    body.putObject("home").put("lat", centre.lat).put("lon", centre.lng);
    return new Step(Action.REGISTER, Transport.HTTP, "POST", "/roles", "/roles", null, body.toString(), 0, 0, List.of(), 0, 0,
        (j, json) -> {
          if (json.findValue("roleId") != null && json.findValue("accessToken") != null) {
            role.id = json.findValue("roleId").asText();
            role.token = json.findValue("accessToken").asText();
            role.threads.clear(); // a role registered anew (coverage) has none of the old one's threads
          }
        });
  }

  private Step login(World.Role role) {
    return http(Action.LOGIN, "POST", "/roles/" + role.id + "/session", role.token, null, 0, (j, json) -> {
      if (json.findValue("accessToken") != null) {
        role.token = json.findValue("accessToken").asText();
      }
    });
  }

  private Step createKnot(World.Role role, String cell, double pause) {
    LatLng centre = RegionCells.h3().cellToLatLng(cell);
    ObjectNode body = JSON.createObjectNode().put("type", random.nextBoolean() ? "IDEA" : "TOOL")
        .put("title", "Reparaturcafé " + random.nextInt(1000)).put("description", "Fahrradwerkstatt im Hinterhof");
    body.putObject("location").put("lat", centre.lat + (random.nextDouble() - 0.5) * 0.01).put("lon", centre.lng + (random.nextDouble() - 0.5) * 0.01);
    return http(Action.CREATE_KNOT, "POST", "/knots", role.token, body, pause, (j, json) -> {
      if (json.findValue("knotId") != null) {
        j.world.learnKnot(cell, json.findValue("knotId").asText());
      }
    });
  }

  /** A viewport of tiles around the cell: the first after the think time, the rest at once. */
  private Step tiles(String cell, double pause) {
    LatLng centre = RegionCells.h3().cellToLatLng(cell);
    int z = 12 + random.nextInt(5);
    long n = 1L << z;
    long x0 = (long) ((centre.lng + 180) / 360 * n);
    double latRad = Math.toRadians(centre.lat);
    long y0 = (long) ((1 - Math.log(Math.tan(latRad) + 1 / Math.cos(latRad)) / Math.PI) / 2 * n);
    for (int i = 1; i < TILES_PER_VIEW; i++) {
      queued.add(tile(z, x0 + (i % 5) - 2, y0 + (i / 5) - 2, 0));
    }
    return tile(z, x0 - 2, y0 - 2, pause);
  }

  private static Step tile(int z, long x, long y, double pause) {
    return new Step(Action.TILE, Transport.HTTP, "GET", "/tiles/" + z + "/" + x + "/" + y, Action.TILE.route(), null, null,
        pause, 0, List.of(), 0, 0, null);
  }

  private Step feed(Action a, String path, double pause) {
    double hold = world.scenario().live().feedMinutes() * 60 / world.compression();
    return new Step(a, Transport.SSE, "GET", path, a.route(), null, null, pause, hold, List.of(), 0, 0, null);
  }

  private Step chat(World.Role role, String conversation, double pause) {
    int count = (int) Math.round(world.scenario().live().chatMessagesPerChat());
    double gap = Math.min(2, world.scenario().live().feedMinutes() * 60 / world.compression() / Math.max(1, count));
    List<String> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      frames.add(JSON.createObjectNode().put("messageId", UUID.randomUUID().toString()).put("text", "Chat " + i).toString());
    }
    return new Step(Action.CHAT, Transport.WEBSOCKET, "GET", "/conversations/" + conversation + "/chat?access_token=" + role.token,
        Action.CHAT.route(), null, null, pause, 0, frames, gap, 0, null);
  }

  private Step http(Action a, String method, String path, String token, JsonNode body, double pause, BiConsumer<Journey, JsonNode> learn) {
    return new Step(a, Transport.HTTP, method, path, a.route(), token, body == null ? null : body.toString(), pause, 0, List.of(), 0, 0, learn);
  }

  /**
   * Learns the knot ids of a region or knot list (every {@code knotId} field, at any depth) with a
   * streaming scan: a region's answer is some 200 KB of JSON, and reading it into a tree, every
   * coordinate parsed to a double, took half of the generator's CPU in an overload run.
   */
  private record KnotIds(String cell) implements BiConsumer<Journey, JsonNode> {
    void scan(Journey journey, byte[] body) throws IOException {
      try (JsonParser parser = JSON.getFactory().createParser(body)) {
        for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
          if (token == JsonToken.FIELD_NAME && "knotId".equals(parser.currentName()) && parser.nextToken().isScalarValue()) {
            journey.world.learnKnot(cell, parser.getText());
          }
        }
      }
    }

    @Override
    public void accept(Journey journey, JsonNode body) {
      for (JsonNode id : body.findValues("knotId")) {
        journey.world.learnKnot(cell, id.asText());
      }
    }
  }

  private void remember(JsonNode body, String field) {
    if (body.findValue(field) != null) {
      world.learnConversation(body.findValue(field).asText());
    }
  }
}
