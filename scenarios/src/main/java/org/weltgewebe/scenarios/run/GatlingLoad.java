package org.weltgewebe.scenarios.run;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyBytes;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.doIfOrElse;
import static io.gatling.javaapi.core.CoreDsl.doSwitch;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.foreach;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.onCase;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.stopLoadGeneratorIf;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.sse;
import static io.gatling.javaapi.http.HttpDsl.status;
import static io.gatling.javaapi.http.HttpDsl.ws;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import io.gatling.shared.cli.GatlingCliOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.weltgewebe.reports.RunReport;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;

/**
 * The run's load generator: the Gatling engine in the runner's JVM, one Gatling simulation per
 * phase (its HTML report lands in {@code reports/<run-id>/gatling/<phase>/index.html}). Users arrive open-model
 * ({@code constantUsersPerSec(...).randomized()}, i.e. Poisson arrivals) at the rate the scenario's
 * diurnal curve gives for each virtual hour, compressed; each virtual user then follows its
 * {@link Journey} — the same user model whatever the transport — over HTTP, SSE and WebSocket.
 *
 * <p>Measurement: besides Gatling's own statistics (for its report, in whole milliseconds), every
 * step is timed by the runner around Gatling's request action with {@link System#nanoTime()} into
 * HdrHistograms, so the verdicts get microseconds, outcome classes by status (503 shed, other 5xx,
 * no answer) and 10-second windows. Users arrive by the clock, not when an earlier one finished,
 * so a slow platform shows as latency and as users in flight, not as missing load (no coordinated
 * omission between users; within a session a user waits for each answer, as a person does).
 *
 * <p>Connections: the sessions' virtual users share one keep-alive pool ({@code shareConnections}), as a CDN
 * or reverse proxy in front of the platform holds them (request phases bound theirs: {@link #runRequests}). Gatling's default, a connection per virtual
 * user, measured the generator's TCP handshakes here: 2,000 new users/s against a bare Pekko HTTP
 * route collapsed into connect timeouts on 2 cores. A shared pool opens a new connection only when
 * none is idle, so connections follow the requests in flight ({@code maxConnectionsPerHost} does not
 * bound a shared pool: seen here, an overshooting ramp still opened 20,000). SSE streams and WebSockets have their own
 * connections, as they do behind a proxy.
 */
final class GatlingLoad implements Load {
  /** Gatling runs one simulation at a time per JVM: its engine and the hand-over are global. */
  private static final Object ENGINE = new Object();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Concurrent users of the ceiling measurement, as wrk's connections in the comparison script. */
  private static final int CEILING_USERS = 64;
  private static final String JOURNEY = "journey";
  private static final String T0 = "t0";
  private static final String STARTED = "startedMillis";
  private static final String NAME = "stepName";
  private static final String STATUS = "status";
  private static final String BODY = "body";
  private static final String RETRY_AFTER = "retryAfter";
  private static final String ARRIVAL = "arrivalNanos";
  private static final String QUEUED_SINCE = "queuedSinceNanos";
  private static final String GAVE_UP = "gaveUp";
  /**
   * Connections of the bounded pool that request phases (probe, coverage, overload) go through: 8×
   * the 8 of the peak run in http/bench/mixed.sh, as issue 14's shedding target has it.
   */
  static final int POOL = 64;

  /** The engine's version, as its jar's Maven metadata says. */
  static final String VERSION = gatlingVersion();

  private final LoadContext context;
  private final ScenarioDefinition scenario;
  private final World world;
  private final Measurements measurements = new Measurements();
  private final SplittableRandom seeds;
  private final AtomicLong sessions = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicReference<String> abort = new java.util.concurrent.atomic.AtomicReference<>();
  private final Map<String, PoolQueue> queues = new ConcurrentHashMap<>();

  GatlingLoad(LoadContext context) {
    this.context = context;
    this.scenario = context.scenario();
    this.world = new World(scenario, context.compression(), context.seed());
    this.seeds = new SplittableRandom(context.seed());
  }

  @Override
  public List<String> cellsByHeat() {
    return world.cellsByHeat();
  }

  @Override
  public String generator() {
    return "Gatling " + VERSION + " (Java DSL, in the runner's JVM)";
  }

  @Override
  public String connectionPolicy() {
    return "sessions: one shared keep-alive pool for all virtual users (Gatling shareConnections), as a CDN or reverse proxy holds them; "
        + "probe, coverage and overload: a bounded pool of " + POOL + " keep-alive connections; an arrival that finds all busy "
        + "waits for one in the generator (reported apart; latency counts from sending); SSE and WebSocket on connections of their own";
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
  public java.util.OptionalDouble activeSeconds(String phase) {
    return measurements.activeSeconds(phase);
  }

  @Override
  public List<RouteMeasure> measures(String phase) {
    return measurements.measures(phase);
  }

  @Override
  public List<RouteMeasure> measures(List<String> phases) {
    return measurements.measures(phases);
  }

  @Override
  public boolean mergesPhases() {
    return true;
  }

  @Override
  public List<RunReport.Window> windows() {
    return measurements.windows();
  }

  @Override
  public List<Second> seconds() {
    return measurements.seconds();
  }

  @Override
  public List<RunReport.Window> slidingWindows(String phase, int seconds) {
    return measurements.slidingWindows(phase, seconds);
  }

  @Override
  public void abort(String reason) {
    abort.compareAndSet(null, reason);
  }

  @Override
  public void run(Phase phase) {
    if (abort.get() != null) {
      return;
    }
    if (phase instanceof Sessions s) {
      runSessions(s);
    } else if (phase instanceof Requests r) {
      runRequests(r);
    }
  }

  // ---------------------------------------------------------------- phases

  private void runSessions(Sessions phase) {
    double compression = context.compression();
    // sessions started near the end finish before the next phase (a phase that overlapped the next
    // would be judged on the next one's load); the deadline keeps a stuck session from holding the run
    Duration deadline = Duration.ofSeconds(Math.round(phase.virtualHours() * 3600 / compression
        + 3 * scenario.sessionMinutes() * 60 / compression + 120));
    // Gatling's DSL works only while Gatling constructs the simulation: everything is built in there
    start(phase.name(), simulation -> {
      PopulationBuilder users = scenario(phase.name())
          .exec(session -> {
            sessions.incrementAndGet();
            return session.set(JOURNEY, Journey.session(world, split()));
          })
          .exec(drive(phase.name()))
          .injectOpen(arrivals(phase));
      simulation.setUp(setup(phase.name()).andThen(users)).protocols(protocol()).maxDuration(deadline);
    });
  }

  /** Poisson arrivals at each virtual hour's rate of the scenario's diurnal curve, compressed. */
  private List<OpenInjectionStep> arrivals(Sessions phase) {
    double[] perHour = scenario.sessionsPerHour();
    double compression = context.compression();
    List<OpenInjectionStep> arrivals = new ArrayList<>();
    double from = phase.virtualStartHour();
    double end = phase.virtualStartHour() + phase.virtualHours();
    while (from < end - 1e-9) {
      int hour = (int) Math.floor(from + 1e-9);
      double to = Math.min(end, hour + 1);
      long wallMillis = Math.round((to - from) * 3600 / compression * 1000);
      double usersPerWallSecond = perHour[Math.floorMod(hour, 24)] / 3600 * compression;
      if (wallMillis > 0) {
        arrivals.add(usersPerWallSecond > 0
            ? constantUsersPerSec(usersPerWallSecond).during(Duration.ofMillis(wallMillis)).randomized()
            : nothingFor(Duration.ofMillis(wallMillis)));
      }
      from = to;
    }
    return arrivals;
  }

  /**
   * Single requests at the phase's (ramping) rate through a bounded pool of {@value #POOL}
   * keep-alive connections, as a reverse proxy or API gateway holds them: {@value #POOL} clients,
   * each with at most one request in flight, take the phase's Poisson arrivals ({@link Arrivals}) in
   * order. An arrival that finds every connection busy waits for one in the generator (its wait is
   * reported apart, {@link #queueing}); one that waited {@link #REQUEST_TIMEOUT} is given up unsent.
   * Latency counts from sending, as wrk's does: what the platform answers on a connection it was
   * given. When the pool cannot carry the planned rate, fewer requests are sent than planned, and the
   * overload check sees the shortfall.
   *
   * <p>Before, every request was a new virtual user on the shared, unbounded pool: a latency rise of
   * a few hundred ms turned into thousands of new connections, the node's accept queue overflowed
   * (50,207 SYNs dropped in one run here, {@code nstat TcpExtListenOverflows}), and the dropped SYNs'
   * retransmits after 1 s and 3 s made every answer, the 503s too, take seconds (docs/performance.md).
   */
  private void runRequests(Requests phase) {
    Map<Action, Double> mix = phase.mix();
    Duration deadline = phase.duration().plus(REQUEST_TIMEOUT).plusSeconds(60);
    Arrivals arrivals = new Arrivals(phase.fromPerSecond(), phase.toPerSecond(), phase.duration(), split());
    PoolQueue queue = queues.computeIfAbsent(phase.name(), k -> new PoolQueue());
    start(phase.name(), simulation -> {
      PopulationBuilder requests = scenario(phase.name())
          .exec(session -> claim(arrivals, session))
          .asLongAs(session -> session.contains(ARRIVAL)).on(
              pause(session -> Duration.ofNanos(Math.max(0, session.getLong(ARRIVAL) - System.nanoTime()))),
              exec(session -> arrive(queue, mix, session)),
              doIf(session -> !session.contains(GAVE_UP)).then(drive(phase.name())),
              exec(session -> claim(arrivals, session.remove(GAVE_UP).remove(QUEUED_SINCE))))
          .injectOpen(atOnceUsers(POOL));
      simulation.setUp(setup(phase.name()).andThen(requests)).protocols(protocol()).maxDuration(deadline);
    });
  }

  /** Takes the next arrival; one already due waited for a free connection since then. */
  private static Session claim(Arrivals arrivals, Session session) {
    java.util.OptionalLong due = arrivals.claim();
    if (due.isEmpty()) {
      return session.remove(ARRIVAL);
    }
    Session claimed = session.set(ARRIVAL, due.getAsLong());
    return due.getAsLong() < System.nanoTime() ? claimed.set(QUEUED_SINCE, due.getAsLong()) : claimed;
  }

  /** A new single-request journey for the arrival, or given up when it waited too long for a connection. */
  private Session arrive(PoolQueue queue, Map<Action, Double> mix, Session session) {
    long waitedNanos = session.contains(QUEUED_SINCE) ? System.nanoTime() - session.getLong(QUEUED_SINCE) : 0;
    if (!queue.arrived(waitedNanos, REQUEST_TIMEOUT.toNanos())) {
      return session.set(GAVE_UP, true);
    }
    return session.set(JOURNEY, Journey.single(world, mix, split()));
  }

  @Override
  public String queueing(String phase) {
    PoolQueue queue = queues.get(phase);
    return queue == null ? "" : queue.describe(POOL, REQUEST_TIMEOUT);
  }

  /** What the arrivals of one request phase waited for a free connection of the bounded pool. */
  private static final class PoolQueue {
    private final org.HdrHistogram.Histogram waits = new org.HdrHistogram.Histogram(3);
    private long arrivals;
    private long gaveUp;

    /** Counts an arrival that waited {@code waitedNanos}; false when it waited {@code limitNanos} or more (given up). */
    synchronized boolean arrived(long waitedNanos, long limitNanos) {
      arrivals++;
      if (waitedNanos >= limitNanos) {
        gaveUp++;
        return false;
      }
      if (waitedNanos > 0) {
        waits.recordValue(Math.max(1, waitedNanos / 1000));
      }
      return true;
    }

    synchronized String describe(int pool, Duration limit) {
      if (waits.getTotalCount() == 0 && gaveUp == 0) {
        return String.format("all %,d arrivals found a free connection of the generator's %d", arrivals, pool);
      }
      return String.format("%,d of %,d arrivals waited for a free connection of the generator's %d (p50 %.1f ms, p99 %.1f ms), "
              + "%,d gave up after %d s unsent",
          waits.getTotalCount(), arrivals, pool, waits.getValueAtPercentile(50) / 1000.0, waits.getValueAtPercentile(99) / 1000.0,
          gaveUp, limit.toSeconds());
    }
  }

  /** One user that registers the first roles and seeds knots and a conversation, measured apart ("…-setup"). */
  private PopulationBuilder setup(String phase) {
    return scenario(phase + "-setup")
        .exec(session -> session.set(JOURNEY, Journey.setup(world, split())))
        .exec(drive(phase + "-setup"))
        .injectOpen(atOnceUsers(1));
  }

  /**
   * The highest rate Gatling completes against {@code GET /health/live} (a route that does no
   * work) on this machine: {@value #CEILING_USERS} virtual users each sending one request after the
   * other for {@code duration}, through the same shared pool as the load — the shape of {@code wrk
   * -c64}, so the two compare; the answer is the best one-second count of 200s. (An open-model ramp
   * to thousands of new users per second overshot here: requests piled up in new connections until
   * the process ran out of file descriptors, which measures the pile, not the generator.)
   */
  @Override
  public double ceiling(Duration duration) {
    Map<Long, AtomicLong> perSecond = new ConcurrentHashMap<>();
    long origin = System.nanoTime();
    start("ceiling", simulation -> {
      PopulationBuilder probe = scenario("ceiling")
          .during(duration).on(
              exec(http("GET /health/live").get("/health/live").check(status().saveAs(STATUS)))
                  .exec(session -> {
                    if (session.contains(STATUS) && session.getInt(STATUS) == 200) {
                      perSecond.computeIfAbsent((System.nanoTime() - origin) / 1_000_000_000L, k -> new AtomicLong()).incrementAndGet();
                    }
                    return session.remove(STATUS);
                  }))
          .injectOpen(atOnceUsers(CEILING_USERS));
      simulation.setUp(probe).protocols(protocol()).maxDuration(duration.plus(REQUEST_TIMEOUT).plusSeconds(5));
    });
    return perSecond.values().stream().mapToLong(AtomicLong::get).max().orElse(0);
  }

  // ---------------------------------------------------------------- a virtual user's loop

  /** Asks the user's journey for its next step, sends it by its transport, measures it, tells the journey. */
  private ChainBuilder drive(String phase) {
    return asLongAs(session -> journey(session).advance()).on(
        stopLoadGeneratorIf(session -> "aborted: " + abort.get(), session -> abort.get() != null),
        pause(session -> Duration.ofMillis(Math.round(journey(session).current().pauseSeconds() * 1000))),
        exec(session -> session.markAsSucceeded()
            .remove(STATUS).remove(BODY).remove(RETRY_AFTER)
            .set(NAME, journey(session).current().name())
            .set(STARTED, System.currentTimeMillis())
            .set(T0, System.nanoTime())),
        doSwitch(session -> journey(session).current().transport().name()).on(
            onCase(Journey.Transport.HTTP.name()).then(httpStep(phase)),
            onCase(Journey.Transport.SSE.name()).then(sseStep(phase)),
            onCase(Journey.Transport.WEBSOCKET.name()).then(webSocketStep(phase))));
  }

  private ChainBuilder httpStep(String phase) {
    ChainBuilder measured = exec(session -> answered(phase, session));
    return doIfOrElse(session -> journey(session).current().token() != null).then(
        doIfOrElse(session -> journey(session).current().body() != null).then(exec(request(true, true)).exec(measured))
            .orElse(exec(request(true, false)).exec(measured)))
        .orElse(
            doIfOrElse(session -> journey(session).current().body() != null).then(exec(request(false, true)).exec(measured))
                .orElse(exec(request(false, false)).exec(measured)));
  }

  /**
   * The step's request; Gatling counts 5xx and no answer as KO in its report (4xx are the
   * platform's precise refusals, not failures of the generator's traffic). The status is saved
   * before the KO check so the runner sees every outcome.
   */
  private static HttpRequestActionBuilder request(boolean authorised, boolean withBody) {
    HttpRequestActionBuilder request = http(session -> journey(session).current().name())
        .httpRequest(session -> journey(session).current().method(), session -> journey(session).current().path())
        .check(
            status().saveAs(STATUS),
            bodyBytes().saveAs(BODY),
            header("Retry-After").optional().saveAs(RETRY_AFTER),
            status().lt(500));
    if (authorised) {
      request = request.header("Authorization", session -> "Bearer " + journey(session).current().token());
    }
    if (withBody) {
      request = request.header("Content-Type", "application/json").body(StringBody(session -> journey(session).current().body()));
    }
    return request;
  }

  /** Subscribes, measures the time until the stream is open, holds it for the step's time, closes it. */
  private ChainBuilder sseStep(String phase) {
    return exec(sse("#{" + NAME + "}", "feed").get(session -> journey(session).current().path()))
        .exec(session -> opened(phase, session, 200))
        .pause(session -> Duration.ofMillis(Math.round(journey(session).current().holdSeconds() * 1000)))
        .exec(sse("close feed", "feed").close());
  }

  /** Opens the chat, measures the time until the upgrade, sends the step's frames, closes it. */
  private ChainBuilder webSocketStep(String phase) {
    return exec(ws("#{" + NAME + "}", "chat").connect(session -> journey(session).current().path()))
        .exec(session -> opened(phase, session, 101))
        .exec(foreach(session -> journey(session).current().messages(), "frame").on(
            pause(session -> Duration.ofMillis(Math.round(journey(session).current().gapSeconds() * 1000))),
            exec(ws("chat message", "chat").sendText("#{frame}"))))
        .exec(ws("close chat", "chat").close());
  }

  /** Records an HTTP step from what the checks saved (no status: no answer in time, or no connection). */
  private Session answered(String phase, Session session) {
    Journey journey = journey(session);
    Journey.Step step = journey.current();
    long micros = (System.nanoTime() - session.getLong(T0)) / 1000;
    int status = session.contains(STATUS) ? session.getInt(STATUS) : 0;
    byte[] body = session.contains(BODY) ? session.get(BODY) : null;
    measurements.record(phase, step.method(), step.route(), session.getLong(STARTED), micros, status, body == null ? 0 : body.length, status == 0);
    journey.answered(step, status, body, session.contains(RETRY_AFTER) ? session.getString(RETRY_AFTER) : null);
    return session.remove(BODY).markAsSucceeded();
  }

  /**
   * Records the opening of a feed or chat: Gatling marks the user failed when the stream did not
   * open, without the status it got, so a refused stream counts as no answer.
   */
  private Session opened(String phase, Session session, int openStatus) {
    Journey.Step step = journey(session).current();
    long micros = (System.nanoTime() - session.getLong(T0)) / 1000;
    boolean failed = session.isFailed();
    measurements.record(phase, step.method(), step.route(), session.getLong(STARTED), micros, failed ? 0 : openStatus, 0, failed);
    return session;
  }

  private static String gatlingVersion() {
    String version = Simulation.class.getPackage().getImplementationVersion();
    return version == null ? "(version unknown)" : version;
  }

  private static Journey journey(Session session) {
    return session.get(JOURNEY);
  }

  private SplittableRandom split() {
    synchronized (seeds) {
      return seeds.split();
    }
  }

  private HttpProtocolBuilder protocol() {
    String api = context.api().toString().replaceAll("/$", "");
    return http.baseUrl(api)
        .wsBaseUrl(api.replaceFirst("^http", "ws"))
        .shareConnections()
        // Gatling answers repeated GETs of immutable tiles from a per-user cache without a request
        // (and without a status: seen as 63 % "unanswered" tiles); the scenario's tile hits are hits
        // on the platform, so every one is sent
        .disableCaching()
        .acceptHeader("application/json")
        .userAgentHeader("weltgewebe-scenario-runner (Gatling)");
  }

  // ---------------------------------------------------------------- the engine

  /**
   * Runs one Gatling simulation with {@code setUp} to its end. Its report lands in the run's
   * gatling folder under the phase's name ({@code gatling/main/index.html}); what Gatling prints
   * (its summary table, its report path) goes to {@code gatling/console.log}, so the runner's own
   * progress line stays readable.
   */
  private void start(String phase, Consumer<Simulation> setUp) {
    Path results = context.gatlingResultsDir();
    synchronized (ENGINE) {
      java.io.PrintStream console = System.out;
      int code;
      try {
        Files.createDirectories(results);
        java.util.Set<Path> before = reportDirs(results);
        try (java.io.PrintStream log = new java.io.PrintStream(
            Files.newOutputStream(results.resolve("console.log"), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND),
            true, java.nio.charset.StandardCharsets.UTF_8)) {
          System.setOut(log);
          GatlingSimulation.next = setUp;
          code = io.gatling.app.Gatling$.MODULE$.fromArgs(new String[] {
              GatlingCliOptions.Simulation.shortOption(), GatlingSimulation.class.getName(),
              GatlingCliOptions.ResultsFolder.shortOption(), results.toAbsolutePath().toString(),
              GatlingCliOptions.RunDescription.shortOption(), context.runId() + " " + phase,
              GatlingCliOptions.Launcher.shortOption(), "weltgewebe"});
        } finally {
          System.setOut(console);
          GatlingSimulation.next = null;
        }
        java.util.Set<Path> made = reportDirs(results);
        made.removeAll(before);
        if (made.size() == 1 && !Files.exists(results.resolve(phase))) {
          Files.move(made.iterator().next(), results.resolve(phase));
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot keep Gatling's report in " + results, e);
      }
      // Gatling's own verdict (assertions) is not ours: the runner judges by its SLOs; a crash is reported
      if (code != 0 && code != 2) {
        throw new IllegalStateException("Gatling ended the " + phase + " phase with status " + code + " (see " + results.resolve("console.log") + ")");
      }
    }
  }

  private static java.util.Set<Path> reportDirs(Path results) throws java.io.IOException {
    try (java.util.stream.Stream<Path> list = Files.list(results)) {
      return list.filter(Files::isDirectory).collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
    }
  }

  @Override
  public void close() {
    // Gatling's engine stops at the end of each simulation; nothing stays open between phases
  }
}
