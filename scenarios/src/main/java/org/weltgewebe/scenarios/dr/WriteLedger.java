package org.weltgewebe.scenarios.dr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.weltgewebe.scenarios.local.LocalProcesses;

/**
 * Writers that act like users through the real HTTP API — register, tie knots, connect to them —
 * and keep a ledger of every write the platform acknowledged (2xx) with the persistence id of the
 * entity it created. The drill's RPO is measured against this ledger, the clients' view, not the
 * platform's counters. A writer whose token the platform no longer knows (a restarted node makes new
 * keys) registers again; a failed write is counted and tried again after a short pause.
 */
public final class WriteLedger implements AutoCloseable {
  /** One acknowledged write: the entity it created, and when the answer came (ms since the epoch). */
  public record Ack(String persistenceId, long at) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double LAT = 52.4986;
  private static final Duration FAILURE_PAUSE = Duration.ofMillis(250);
  private static final double LON = 13.4030;

  private final AtomicReference<URI> api;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
  private final AtomicLong failures = new AtomicLong();
  private final Map<String, AtomicLong> failureKinds = new ConcurrentHashMap<>();
  private final List<Thread> writers = new ArrayList<>();
  private final Duration pause;
  private volatile boolean running = true;

  private WriteLedger(URI api, int writers, Duration pause) {
    this.api = new AtomicReference<>(api);
    this.pause = pause;
    for (int i = 0; i < writers; i++) {
      int n = i;
      Thread t = new Thread(() -> write(n), "dr-writer-" + i);
      t.setDaemon(true);
      this.writers.add(t);
    }
  }

  /** Starts {@code writers} writers against {@code api}, each pausing {@code pause} between writes. */
  public static WriteLedger start(URI api, int writers, Duration pause) {
    WriteLedger ledger = new WriteLedger(api, writers, pause);
    ledger.writers.forEach(Thread::start);
    return ledger;
  }

  /** Points the writers at another platform (the one restarted on the promoted database). */
  void repoint(URI newApi) {
    api.set(newApi);
  }

  public List<Ack> acks() {
    return List.copyOf(acks);
  }

  public long failures() {
    return failures.get();
  }

  /** The first write acknowledged at or after {@code since} (ms), if any. */
  java.util.OptionalLong firstAckAfter(long since) {
    return acks.stream().mapToLong(Ack::at).filter(t -> t >= since).min();
  }

  private void write(int writer) {
    String token = null;
    String lastKnot = null;
    long round = 0;
    while (running) {
      try {
        if (token == null) {
          JsonNode session = post("/roles", null, Map.of(
              "displayName", "Drill " + writer, "homeAddress", "Drillweg " + writer,
              "home", Map.of("lat", LAT + writer * 0.001, "lon", LON)));
          if (session != null) {
            String roleId = session.path("profile").path("roleId").asText(null);
            token = session.path("token").path("accessToken").asText(null);
            if (roleId != null) {
              acks.add(new Ack("role|" + roleId, System.currentTimeMillis()));
            }
          }
        } else if (lastKnot == null || round % 3 == 0) {
          JsonNode created = post("/knots", token, Map.of(
              "type", "IDEA", "title", "Drill " + writer + "-" + round, "description", "",
              "location", Map.of("lat", LAT + writer * 0.001, "lon", LON + round % 50 * 0.0005)));
          if (created != null) {
            lastKnot = created.path("knot").path("knotId").asText(null);
            acks.add(new Ack("knot|" + lastKnot, System.currentTimeMillis()));
          } else if (UNAUTHORIZED.get()) {
            token = null;
          }
        } else {
          JsonNode thread = post("/knots/" + lastKnot + "/connections", token, Map.of("connection", "AGREE"));
          if (thread != null) {
            String threadId = thread.path("threadId").asText(null);
            if (threadId != null) {
              acks.add(new Ack("thread|" + threadId, System.currentTimeMillis()));
            }
          } else if (UNAUTHORIZED.get()) {
            token = null;
          }
        }
        round++;
        LocalProcesses.sleep(pause);
      } catch (Exception e) {
        failed(e.getClass().getSimpleName());
        LocalProcesses.sleep(FAILURE_PAUSE); // a platform that is down is not hammered
      }
    }
  }

  // Set by post() for the writer thread that called it: the token was refused.
  private static final ThreadLocal<Boolean> UNAUTHORIZED = ThreadLocal.withInitial(() -> false);

  private JsonNode post(String path, String token, Object body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(api.get().resolve(path))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    UNAUTHORIZED.set(response.statusCode() == 401);
    if (response.statusCode() / 100 == 2) {
      return JSON.readTree(response.body());
    }
    failed("HTTP " + response.statusCode() + " " + path.replaceAll("/knots/[^/]+/", "/knots/{id}/") + " "
        + response.body().substring(0, Math.min(120, response.body().length())));
    return null;
  }

  private void failed(String kind) {
    failures.incrementAndGet();
    failureKinds.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  /** How the failed writes failed (status and the start of the answer, or the exception), with counts. */
  public Map<String, Long> failureKinds() {
    Map<String, Long> kinds = new java.util.TreeMap<>();
    failureKinds.forEach((k, v) -> kinds.put(k, v.get()));
    return kinds;
  }

  @Override
  public void close() {
    running = false;
    for (Thread t : writers) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
