package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.complete;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.http.json.JsonMapping;
import org.weltgewebe.http.shedding.Priority;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.outbox.OutboxReadiness;
import org.weltgewebe.persistence.outbox.OutboxSettings;

/**
 * Liveness and readiness: {@code /health/live} answers while the process runs;
 * {@code /health/ready} only while PostgreSQL answers, this node is an Up cluster member and the
 * outbox can publish: a platform whose events do not reach JetStream is not
 * ready, and its body says why. Never shed: an orchestrator that cannot see a busy node would
 * restart it.
 */
public final class HealthRoutes {
  private static final ObjectMapper MAPPER = JsonMapping.create();

  private final ActorSystem<?> system;
  private final DatabaseSettings database;
  private final OutboxReadiness outbox;

  public HealthRoutes(ActorSystem<?> system, DatabaseSettings database) {
    this.system = system;
    this.database = database;
    Config config = system.settings().config();
    this.outbox = new OutboxReadiness(database, OutboxSettings.fromConfig(config),
        config.getDuration("weltgewebe.outbox.readiness.max-lag"), Clock.systemUTC());
  }

  public List<Operation> operations() {
    return List.of(
        Operation.get("/health/live", Priority.HEALTH, p -> json(StatusCodes.OK, "{\"status\":\"live\"}")),
        Operation.get("/health/ready", Priority.HEALTH, p -> ready()));
  }

  private Route ready() {
    List<String> reasons = new ArrayList<>();
    boolean clusterUp = Cluster.get(system).selfMember().status() == MemberStatus.up();
    if (!clusterUp) {
      reasons.add("this node is not an Up member of the cluster");
    }
    boolean databaseUp = database.isReachable();
    if (!databaseUp) {
      reasons.add("PostgreSQL does not answer");
    }
    Optional<String> outboxProblem = databaseUp ? outbox.problem() : Optional.empty();
    outboxProblem.ifPresent(reasons::add);
    boolean outboxUp = databaseUp && outboxProblem.isEmpty();
    boolean ready = reasons.isEmpty();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", ready ? "ready" : "not-ready");
    body.put("cluster", clusterUp);
    body.put("postgres", databaseUp);
    body.put("outbox", outboxUp);
    body.put("reasons", reasons);
    String text;
    try {
      text = MAPPER.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the readiness body", e);
    }
    return json(ready ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, text);
  }

  private static Route json(StatusCode status, String body) {
    return complete(status, HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
  }
}
