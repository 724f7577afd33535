package org.weltgewebe.scenarios.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.uber.h3core.util.LatLng;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;

/**
 * A load generator on the JDK's own HTTP client: open-model session arrivals (Poisson, following
 * the scenario's diurnal curve, compressed), each session a chain of asynchronous requests with
 * think time, live feeds held open over SSE and chats over WebSocket. Latency is measured from the
 * moment a request was due, so a generator that falls behind shows as latency, not as missing load
 * (no coordinated omission).
 *
 * <p>Connections: one client with a shared pool of keep-alive connections, as a CDN or a reverse
 * proxy in front of the platform would hold them; opening one connection per virtual user would
 * measure the generator's TCP handshakes on a 2-core machine rather than the platform.
 */
final class HttpLoad implements Load {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /**
   * Requests in flight at once, as a proxy in front of the platform bounds its upstream connections;
   * beyond it requests wait in the generator, and their latency counts from when they were due.
   */
  private static final int MAX_IN_FLIGHT = 256;
  private static final int TILES_PER_VIEW = 25;
  private static final int BROWSER_CONNECTIONS = 6;
  /** Times a user's request is sent again after a 503 (honouring Retry-After). */
  private static final int RETRIES = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ScenarioRun.LoadContext context;
  private final ScenarioDefinition scenario;
  private final ExecutorService io = Executors.newFixedThreadPool(4, daemon("load-io"));
  /** Reads held-open SSE streams; blocking readers on the client's executor would stall every other answer. */
  private final ExecutorService feedReaders = Executors.newCachedThreadPool(daemon("load-feed"));
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, daemon("load-timer"));
  private final HttpClient client;
  private final Measurements measurements = new Measurements();
  private final List<String> cells;
  private final double[] cellWeights;
  private final Role[] roles;
  private final Map<String, List<String>> knotsByCell = new ConcurrentHashMap<>();
  private final List<String> conversations = new CopyOnWriteArrayList<>();
  private final AtomicLong sessions = new AtomicLong();
  private final java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(MAX_IN_FLIGHT);
  private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final SplittableRandom seeds;
  /** Phases that replay users (who retry after Retry-After); probe and overload offer raw load. */
  private final java.util.Set<String> sessionPhases = ConcurrentHashMap.newKeySet();

  /** A user: where they live and, once registered, their id and token. */
  private static final class Role {
    final int index;
    final String cell;
    volatile String id;
    volatile String token;
    final List<String> threads = new CopyOnWriteArrayList<>();

    Role(int index, String cell) {
      this.index = index;
      this.cell = cell;
    }
  }

  HttpLoad(ScenarioRun.LoadContext context) {
    this.context = context;
    this.scenario = context.scenario();
    this.client = HttpClient.newBuilder().executor(io).connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    this.seeds = new SplittableRandom(context.seed());
    ScenarioDefinition.Geography g = scenario.geography();
    String centre = RegionCells.h3().latLngToCellAddress(g.centreLat(), g.centreLng(), RegionCells.REGION_RESOLUTION);
    List<String> disk = new ArrayList<>(RegionCells.h3().gridDisk(centre, g.ringSize()));
    Collections.sort(disk);
    Collections.shuffle(disk, new java.util.Random(context.seed()));
    this.cells = List.copyOf(disk);
    this.cellWeights = new double[cells.size()];
    double sum = 0;
    for (int i = 0; i < cells.size(); i++) {
      sum += 1 / Math.pow(i + 1, g.zipfExponent());
      cellWeights[i] = sum;
    }
    for (int i = 0; i < cellWeights.length; i++) {
      cellWeights[i] /= sum;
    }
    SplittableRandom placing = new SplittableRandom(context.seed() ^ 0x5DEECE66DL);
    this.roles = new Role[scenario.monthlyActiveUsers()];
    for (int i = 0; i < roles.length; i++) {
      roles[i] = new Role(i, cellByHeat(placing.nextDouble()));
    }
  }

  private String cellByHeat(double u) {
    for (int i = 0; i < cellWeights.length; i++) {
      if (u <= cellWeights[i]) {
        return cells.get(i);
      }
    }
    return cells.get(cells.size() - 1);
  }

  @Override
  public List<String> cellsByHeat() {
    return cells;
  }

  @Override
  public String generator() {
    return "java.net.http.HttpClient (JDK " + Runtime.version().feature() + ", in the runner's JVM, 4 I/O threads)";
  }

  @Override
  public String connectionPolicy() {
    return "one shared keep-alive pool (HTTP/1.1), as a CDN or reverse proxy holds them; SSE and WebSocket on connections of their own";
  }

  @Override
  public long sessions() {
    return sessions.get();
  }

  @Override
  public Progress.Figures figures() {
    return new Progress.Figures(measurements.requests.get(), measurements.ok.get(), measurements.shed.get(), measurements.errors.get(), sessions.get());
  }

  @Override
  public List<RouteMeasure> measures(String phase) {
    return measurements.measures(phase);
  }

  @Override
  public List<RunReport.Window> windows() {
    return measurements.windows();
  }

  @Override
  public void run(Phase phase) {
    if (phase instanceof Sessions s) {
      runSessions(s);
    } else if (phase instanceof Requests r) {
      runRequests(r);
    }
  }

  // ---------------------------------------------------------------- sessions

  private void runSessions(Sessions phase) {
    double[] perHour = scenario.sessionsPerHour();
    double compression = context.compression();
    double virtualEnd = (phase.virtualStartHour() + phase.virtualHours()) * 3600;
    double virtual = phase.virtualStartHour() * 3600;
    SplittableRandom random = seeds.split();
    sessionPhases.add(phase.name());
    sessionPhases.add(phase.name() + "-setup");
    // a platform in service is warm: the first registrations and reads (JIT, pools) are made in a
    // setup phase of their own that no verdict reads
    prepare(phase.name() + "-setup", random);
    long startNanos = System.nanoTime();
    List<CompletableFuture<Void>> running = new CopyOnWriteArrayList<>();
    while (true) {
      int hour = Math.min(23, (int) (virtual / 3600));
      double ratePerVirtualSecond = perHour[hour] / 3600;
      virtual += -Math.log(1 - random.nextDouble()) / Math.max(1e-9, ratePerVirtualSecond);
      if (virtual >= virtualEnd) {
        break;
      }
      long dueNanos = startNanos + (long) ((virtual - phase.virtualStartHour() * 3600) / compression * 1e9);
      sleepUntil(dueNanos);
      Role role = roles[random.nextInt(roles.length)];
      sessions.incrementAndGet();
      CompletableFuture<Void> session = session(phase.name(), role, random.split());
      running.add(session);
      session.whenComplete((v, e) -> running.remove(session));
    }
    // sessions started near the end finish their actions before the next phase begins (a phase
    // that overlapped the next would be judged on the next one's load); a generous deadline keeps
    // a stuck session from holding the run
    try {
      CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
          .get(Math.round(3 * scenario.sessionMinutes() * 60 / compression) + 120, TimeUnit.SECONDS);
    } catch (Exception e) {
      // whatever has not finished is reported as it stands
    }
  }

  private CompletableFuture<Void> session(String phase, Role role, SplittableRandom random) {
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
    double thinkSeconds = scenario.sessionMinutes() * 60 / context.compression() / Math.max(1, actions.size() + 2);
    CompletableFuture<Void> chain = (role.token == null ? register(phase, role) : login(phase, role));
    for (Action a : actions) {
      chain = chain.thenCompose(v -> delay(thinkSeconds * (0.5 + random.nextDouble())))
          .thenCompose(v -> role.token == null ? CompletableFuture.completedFuture(null) : act(phase, a, role, random));
    }
    return chain.thenCompose(v -> role.token == null ? CompletableFuture.completedFuture(null) : logout(phase, role))
        .exceptionally(e -> null);
  }

  private CompletableFuture<Void> act(String phase, Action a, Role role, SplittableRandom random) {
    String cell = random.nextDouble() < 0.7 ? role.cell : cellByHeat(random.nextDouble());
    List<String> knots = knotsByCell.getOrDefault(cell, List.of());
    String knot = knots.isEmpty() ? null : knots.get(random.nextInt(knots.size()));
    String conversation = conversations.isEmpty() ? null : conversations.get(random.nextInt(conversations.size()));
    switch (a) {
      case REGION_VIEW:
        return get(phase, a, "/regions/" + cell, null).thenAccept(body -> learnKnots(cell, body));
      case KNOT_LIST:
        return get(phase, a, "/knots?cell=" + cell, null).thenAccept(body -> learnKnots(cell, body));
      case KNOT_READ:
        return knot == null ? createKnot(phase, role, cell, random) : get(phase, a, "/knots/" + knot, null).thenApply(b -> null);
      case PROFILE_READ: {
        Role other = roles[random.nextInt(roles.length)];
        return get(phase, a, "/roles/" + (other.id != null ? other.id : role.id), null).thenApply(b -> null);
      }
      case SEARCH:
        return get(phase, a, "/search?q=" + WORDS[random.nextInt(WORDS.length)], null).thenApply(b -> null);
      case CONVERSATION_READ:
        return conversation == null ? CompletableFuture.completedFuture(null)
            : get(phase, a, "/conversations/" + conversation + "?offset=0&limit=20", null).thenApply(b -> null);
      case CONNECT:
        if (knot == null) {
          return createKnot(phase, role, cell, random);
        }
        return send(phase, a, "POST", "/knots/" + knot + "/connections", role.token,
            JSON.createObjectNode().put("connection", random.nextBoolean() ? "INTEREST" : "AGREE"))
            .thenAccept(body -> remember(role.threads, body, "threadId"));
      case POST:
        return conversation == null ? CompletableFuture.completedFuture(null)
            : send(phase, a, "POST", "/conversations/" + conversation + "/messages", role.token,
                JSON.createObjectNode().put("messageId", UUID.randomUUID().toString()).put("text", "Bin dabei, bringe Werkzeug mit."))
                .thenApply(b -> null);
      case CREATE_KNOT:
        return createKnot(phase, role, cell, random);
      case START_CONVERSATION:
        if (knot == null) {
          return CompletableFuture.completedFuture(null);
        }
        return send(phase, a, "POST", "/knots/" + knot + "/conversations", role.token,
            JSON.createObjectNode().put("title", "Wer hilft mit?").put("text", "Samstag ab zehn im Hof."))
            .thenAccept(body -> remember(conversations, body, "conversationId"));
      case TWIST:
      case UNTWIST: {
        if (role.threads.isEmpty()) {
          return CompletableFuture.completedFuture(null);
        }
        String thread = role.threads.get(random.nextInt(role.threads.size()));
        return send(phase, a, a == Action.TWIST ? "PUT" : "DELETE", "/threads/" + thread + "/yarn", role.token, null).thenApply(b -> null);
      }
      case PROFILE_UPDATE: {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("goods").add("Lastenrad");
        body.putArray("skills").add("Fahrradreparatur");
        return send(phase, a, "PUT", "/roles/" + role.id + "/profile", role.token, body).thenApply(b -> null);
      }
      case REGION_FEED:
        return feed(phase, a, "/regions/" + cell + "/feed");
      case CONVERSATION_FEED:
        return conversation == null ? CompletableFuture.completedFuture(null) : feed(phase, a, "/conversations/" + conversation + "/feed");
      case CHAT:
        return conversation == null ? CompletableFuture.completedFuture(null) : chat(phase, role, conversation);
      case TILE:
        return tiles(phase, cell, random);
      default:
        return CompletableFuture.completedFuture(null);
    }
  }

  private static final String[] WORDS = {"fahrrad", "werkstatt", "garten", "repair", "werkzeug", "nachbar", "fest", "kreuzberg"};

  private CompletableFuture<Void> register(String phase, Role role) {
    LatLng centre = RegionCells.h3().cellToLatLng(role.cell);
    ObjectNode body = JSON.createObjectNode().put("displayName", "Rolle " + role.index).put("homeAddress", "Hof " + role.index);
    body.putObject("home").put("lat", centre.lat).put("lon", centre.lng);
    return send(phase, Action.LOGIN, "POST", "/roles", null, body, "/roles").thenAccept(json -> {
      if (json != null) {
        role.id = json.findValue("roleId") == null ? null : json.findValue("roleId").asText();
        role.token = json.findValue("accessToken") == null ? null : json.findValue("accessToken").asText();
      }
    });
  }

  private CompletableFuture<Void> login(String phase, Role role) {
    return send(phase, Action.LOGIN, "POST", "/roles/" + role.id + "/session", role.token, null).thenAccept(json -> {
      if (json != null && json.findValue("accessToken") != null) {
        role.token = json.findValue("accessToken").asText();
      }
    });
  }

  private CompletableFuture<Void> logout(String phase, Role role) {
    return send(phase, Action.LOGOUT, "DELETE", "/roles/" + role.id + "/session", role.token, null).thenApply(b -> null);
  }

  private CompletableFuture<Void> createKnot(String phase, Role role, String cell, SplittableRandom random) {
    LatLng centre = RegionCells.h3().cellToLatLng(cell);
    ObjectNode body = JSON.createObjectNode().put("type", random.nextBoolean() ? "IDEA" : "TOOL")
        .put("title", "Reparaturcafé " + random.nextInt(1000)).put("description", "Fahrradwerkstatt im Hinterhof");
    body.putObject("location").put("lat", centre.lat + (random.nextDouble() - 0.5) * 0.01).put("lon", centre.lng + (random.nextDouble() - 0.5) * 0.01);
    return send(phase, Action.CREATE_KNOT, "POST", "/knots", role.token, body).thenAccept(json -> {
      if (json != null && json.findValue("knotId") != null) {
        knotsByCell.computeIfAbsent(cell, c -> new CopyOnWriteArrayList<>()).add(json.findValue("knotId").asText());
      }
    });
  }

  private void learnKnots(String cell, JsonNode body) {
    if (body == null) {
      return;
    }
    List<String> known = knotsByCell.computeIfAbsent(cell, c -> new CopyOnWriteArrayList<>());
    for (JsonNode id : body.findValues("knotId")) {
      if (known.size() < 200 && !known.contains(id.asText())) {
        known.add(id.asText());
      }
    }
  }

  private static void remember(List<String> into, JsonNode body, String field) {
    if (body != null && body.findValue(field) != null && into.size() < 1000) {
      into.add(body.findValue(field).asText());
    }
  }

  // ---------------------------------------------------------------- single requests (probe, overload)

  private void runRequests(Requests phase) {
    SplittableRandom random = seeds.split();
    prepare(phase.name(), random);
    List<Action> pool = new ArrayList<>();
    phase.mix().forEach((a, weight) -> {
      for (int i = 0; i < Math.max(1, Math.round(weight * 10)); i++) {
        pool.add(a);
      }
    });
    double seconds = phase.duration().toMillis() / 1000.0;
    long startNanos = System.nanoTime();
    double t = 0;
    List<CompletableFuture<Void>> running = new CopyOnWriteArrayList<>();
    while (true) {
      double rate = phase.fromPerSecond() + (phase.toPerSecond() - phase.fromPerSecond()) * (t / seconds);
      t += -Math.log(1 - random.nextDouble()) / Math.max(1e-9, rate);
      if (t >= seconds) {
        break;
      }
      sleepUntil(startNanos + (long) (t * 1e9));
      Role role = registered(random);
      if (role == null) {
        continue;
      }
      CompletableFuture<Void> request = act(phase.name(), pool.get(random.nextInt(pool.size())), role, random).exceptionally(e -> null);
      running.add(request);
      request.whenComplete((v, e) -> running.remove(request));
    }
    try {
      CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // reported as it stands
    }
  }

  /** Registers a few roles and gives the hottest cells a knot and a conversation, unmeasured. */
  private void prepare(String phase, SplittableRandom random) {
    String setup = phase + "-setup";
    List<CompletableFuture<Void>> steps = new ArrayList<>();
    for (int i = 0; i < Math.min(20, roles.length); i++) {
      Role role = roles[i];
      if (role.token == null) {
        steps.add(register(setup, role));
      }
    }
    CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
    Role someone = registered(random);
    if (someone == null) {
      return;
    }
    for (String cell : cells.subList(0, Math.min(3, cells.size()))) {
      if (knotsByCell.getOrDefault(cell, List.of()).isEmpty()) {
        createKnot(setup, someone, cell, random).exceptionally(e -> null).join();
      }
    }
    if (conversations.isEmpty()) {
      String knot = knotsByCell.values().stream().flatMap(List::stream).findFirst().orElse(null);
      if (knot != null) {
        send(setup, Action.START_CONVERSATION, "POST", "/knots/" + knot + "/conversations", someone.token,
            JSON.createObjectNode().put("title", "Vorbereitung").put("text", "Los geht's."))
            .thenAccept(body -> remember(conversations, body, "conversationId")).exceptionally(e -> null).join();
      }
    }
  }

  private Role registered(SplittableRandom random) {
    for (int tries = 0; tries < 20; tries++) {
      Role r = roles[random.nextInt(Math.min(roles.length, 20))];
      if (r.token != null) {
        return r;
      }
    }
    for (Role r : roles) {
      if (r.token != null) {
        return r;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- the generator's own ceiling

  /**
   * The highest rate this generator completes against {@code GET /health/live} (a route that does
   * no work) on this machine: requests offered open-model at a rate ramping from 100 to 8,000 per
   * second for {@code duration}, through the same pool and in-flight bound as the load; the answer
   * is the best one-second count of answers. A run's figures near it are the generator's limit,
   * not the platform's.
   */
  @Override
  public double ceiling(Duration duration) {
    long startNanos = System.nanoTime();
    double seconds = duration.toMillis() / 1000.0;
    java.util.concurrent.ConcurrentHashMap<Long, AtomicLong> perSecond = new java.util.concurrent.ConcurrentHashMap<>();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    double t = 0;
    while (true) {
      double rate = 100 + (8000 - 100) * (t / seconds);
      t += 1 / rate;
      if (t >= seconds) {
        break;
      }
      sleepUntil(startNanos + (long) (t * 1e9));
      HttpRequest request = HttpRequest.newBuilder(context.api().resolve("/health/live")).timeout(REQUEST_TIMEOUT).GET().build();
      all.add(bounded(() -> client.sendAsync(request, HttpResponse.BodyHandlers.discarding())).handle((r, e) -> {
        if (e == null && r.statusCode() == 200) {
          perSecond.computeIfAbsent((System.nanoTime() - startNanos) / 1_000_000_000L, k -> new AtomicLong()).incrementAndGet();
        }
        return null;
      }));
    }
    try {
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // what completed is counted
    }
    return perSecond.values().stream().mapToLong(AtomicLong::get).max().orElse(0);
  }

  // ---------------------------------------------------------------- transport

  private CompletableFuture<JsonNode> get(String phase, Action a, String path, String token) {
    return send(phase, a, "GET", path, token, null);
  }

  private CompletableFuture<JsonNode> send(String phase, Action a, String method, String path, String token, JsonNode body) {
    return send(phase, a, method, path, token, body, a.route());
  }

  private CompletableFuture<JsonNode> send(String phase, Action a, String method, String path, String token, JsonNode body, String route) {
    return send(phase, a, method, path, token, body, route, 0);
  }

  /**
   * One request; in session phases a shed request (503) is sent again after its Retry-After (at
   * most {@link #RETRIES} times), as the app does for its users. Every attempt is measured: the
   * 503 counts against availability, the retry is a request of its own.
   */
  private CompletableFuture<JsonNode> send(
      String phase, Action a, String method, String path, String token, JsonNode body, String route, int attempt) {
    HttpRequest.Builder request = HttpRequest.newBuilder(context.api().resolve(path)).timeout(REQUEST_TIMEOUT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    long due = System.nanoTime();
    long startMillis = System.currentTimeMillis();
    String recordedMethod = route.equals("/roles") ? "POST" : a.method();
    return bounded(() -> client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())).handle((response, error) -> {
      long micros = (System.nanoTime() - due) / 1000;
      if (error != null) {
        // no answer at all, whether the deadline passed (HttpTimeoutException) or the connection failed
        measurements.record(phase, recordedMethod, route, startMillis, micros, 0, 0, true);
        return CompletableFuture.<JsonNode>completedFuture(null);
      }
      measurements.record(phase, recordedMethod, route, startMillis, micros, response.statusCode(), response.body().length, false);
      if (response.statusCode() == 503 && attempt < RETRIES && sessionPhases.contains(phase)) {
        double wait = response.headers().firstValue("Retry-After").map(HttpLoad::seconds).orElse(1.0);
        return delay(wait).thenCompose(v -> send(phase, a, method, path, token, body, route, attempt + 1));
      }
      if (response.statusCode() >= 300 || response.body().length == 0) {
        return CompletableFuture.<JsonNode>completedFuture(null);
      }
      try {
        return CompletableFuture.completedFuture(JSON.readTree(response.body()));
      } catch (java.io.IOException e) {
        return CompletableFuture.<JsonNode>completedFuture(null);
      }
    }).thenCompose(f -> f);
  }

  /** Retry-After in seconds (RFC 9110 also allows a date: then a second), at most 5. */
  private static double seconds(String retryAfter) {
    try {
      return Math.min(5, Math.max(0, Double.parseDouble(retryAfter.trim())));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private CompletableFuture<Void> tiles(String phase, String cell, SplittableRandom random) {
    LatLng centre = RegionCells.h3().cellToLatLng(cell);
    int z = 12 + random.nextInt(5);
    long n = 1L << z;
    long x0 = (long) ((centre.lng + 180) / 360 * n);
    double latRad = Math.toRadians(centre.lat);
    long y0 = (long) ((1 - Math.log(Math.tan(latRad) + 1 / Math.cos(latRad)) / Math.PI) / 2 * n);
    // a browser fetches a viewport's tiles over at most 6 connections per host (HTTP/1.1)
    CompletableFuture<?>[] lanes = new CompletableFuture<?>[BROWSER_CONNECTIONS];
    for (int lane = 0; lane < BROWSER_CONNECTIONS; lane++) {
      CompletableFuture<JsonNode> chain = CompletableFuture.completedFuture(null);
      for (int i = lane; i < TILES_PER_VIEW; i += BROWSER_CONNECTIONS) {
        long x = x0 + (i % 5) - 2;
        long y = y0 + (i / 5) - 2;
        chain = chain.thenCompose(v -> sendRaw(phase, Action.TILE, "/tiles/" + z + "/" + x + "/" + y));
      }
      lanes[lane] = chain;
    }
    return CompletableFuture.allOf(lanes);
  }

  /** A tile: its bytes are counted, not parsed. */
  private CompletableFuture<JsonNode> sendRaw(String phase, Action a, String path) {
    long due = System.nanoTime();
    long startMillis = System.currentTimeMillis();
    HttpRequest request = HttpRequest.newBuilder(context.api().resolve(path)).timeout(REQUEST_TIMEOUT).GET().build();
    return bounded(() -> client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())).handle((response, error) -> {
      long micros = (System.nanoTime() - due) / 1000;
      if (error != null) {
        measurements.record(phase, a.method(), a.route(), startMillis, micros, 0, 0, true);
      } else {
        measurements.record(phase, a.method(), a.route(), startMillis, micros, response.statusCode(), response.body().length, false);
      }
      return null;
    });
  }

  /** Subscribes to a feed, counts the time to its headers as the request's latency, holds it open, closes it. */
  private CompletableFuture<Void> feed(String phase, Action a, String path) {
    long due = System.nanoTime();
    long startMillis = System.currentTimeMillis();
    double holdSeconds = scenario.live().feedMinutes() * 60 / context.compression();
    HttpRequest request = HttpRequest.newBuilder(context.api().resolve(path)).header("Accept", "text/event-stream").GET().build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).handle((response, error) -> {
      long micros = (System.nanoTime() - due) / 1000;
      if (error != null) {
        measurements.record(phase, a.method(), a.route(), startMillis, micros, 0, 0, true);
        return CompletableFuture.<Void>completedFuture(null);
      }
      measurements.record(phase, a.method(), a.route(), startMillis, micros, response.statusCode(), 0, false);
      Stream<String> lines = response.body();
      CompletableFuture.runAsync(() -> lines.forEach(l -> { }), feedReaders).exceptionally(e -> null);
      return delay(holdSeconds).thenRun(lines::close);
    }).thenCompose(f -> f);
  }

  private CompletableFuture<Void> chat(String phase, Role role, String conversation) {
    long due = System.nanoTime();
    long startMillis = System.currentTimeMillis();
    URI ws = URI.create(context.api().toString().replaceFirst("^http", "ws") + "/conversations/" + conversation + "/chat?access_token=" + role.token);
    int messages = (int) Math.round(scenario.live().chatMessagesPerChat());
    double gap = Math.min(2, scenario.live().feedMinutes() * 60 / context.compression() / Math.max(1, messages));
    return client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(ws, new WebSocket.Listener() {})
        .handle((socket, error) -> {
          long micros = (System.nanoTime() - due) / 1000;
          measurements.record(phase, Action.CHAT.method(), Action.CHAT.route(), startMillis, micros, error == null ? 101 : 0, 0, error != null);
          if (error != null) {
            return CompletableFuture.<Void>completedFuture(null);
          }
          CompletableFuture<Void> sending = CompletableFuture.completedFuture(null);
          for (int i = 0; i < messages; i++) {
            String frame = JSON.createObjectNode().put("messageId", UUID.randomUUID().toString()).put("text", "Chat " + i).toString();
            sending = sending.thenCompose(v -> delay(gap)).thenCompose(v -> socket.sendText(frame, true)).thenApply(s -> null);
          }
          return sending.thenCompose(v -> socket.sendClose(WebSocket.NORMAL_CLOSURE, "done")).<Void>thenApply(s -> null)
              .exceptionally(e -> null);
        }).thenCompose(f -> f);
  }

  /** Sends when a slot is free: at once, or when an earlier request completes (first come, first sent). */
  private <T> CompletableFuture<T> bounded(java.util.function.Supplier<CompletableFuture<T>> send) {
    CompletableFuture<T> result = new CompletableFuture<>();
    waiting.add(() -> {
      CompletableFuture<T> sent;
      try {
        sent = send.get();
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      sent.whenComplete((value, error) -> {
        inFlight.release();
        drain();
        if (error != null) {
          result.completeExceptionally(error);
        } else {
          result.complete(value);
        }
      });
    });
    drain();
    return result;
  }

  /** Starts waiting requests while slots are free; every enqueue and every completion calls it. */
  private void drain() {
    while (!waiting.isEmpty() && inFlight.tryAcquire()) {
      Runnable next = waiting.poll();
      if (next == null) {
        inFlight.release();
      } else {
        next.run();
      }
    }
  }

  private CompletableFuture<Void> delay(double seconds) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    timer.schedule(() -> done.complete(null), Math.max(0, Math.round(seconds * 1000)), TimeUnit.MILLISECONDS);
    return done;
  }

  private static void sleepUntil(long nanos) {
    long wait = nanos - System.nanoTime();
    if (wait > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    timer.shutdownNow();
    feedReaders.shutdownNow();
    io.shutdownNow();
  }
}
