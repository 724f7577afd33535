package org.weltgewebe.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;

import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.persistence.DatabaseSettings;

/**
 * Liveness and readiness: {@code /health/live} answers while the process runs;
 * {@code /health/ready} only while PostgreSQL answers and this node is an Up cluster member.
 * Never shed: an orchestrator that cannot see a busy node would restart it.
 */
final class HealthRoutes {
  private final ActorSystem<?> system;
  private final DatabaseSettings database;

  HealthRoutes(ActorSystem<?> system, DatabaseSettings database) {
    this.system = system;
    this.database = database;
  }

  List<Operation> operations() {
    return List.of(
        Operation.get("/health/live", Priority.HEALTH, p -> json(StatusCodes.OK, "{\"status\":\"live\"}")),
        Operation.get("/health/ready", Priority.HEALTH, p -> ready()));
  }

  private Route ready() {
    boolean clusterUp = Cluster.get(system).selfMember().status() == MemberStatus.up();
    boolean databaseUp = database.isReachable();
    String body =
        "{\"status\":\"" + (clusterUp && databaseUp ? "ready" : "not-ready")
            + "\",\"cluster\":" + clusterUp + ",\"postgres\":" + databaseUp + "}";
    return json(clusterUp && databaseUp ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body);
  }

  private static Route json(StatusCode status, String body) {
    return complete(status, HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
  }
}
