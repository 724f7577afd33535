package org.weltgewebe.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.actors.Role;
import org.weltgewebe.http.auth.AccessTokens;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.privacy.AuditLog;
import org.weltgewebe.persistence.privacy.ForgetPipeline;

/**
 * Where an operator's {@code weltgewebe gdpr forget ROLE} reaches the cluster: a NATS request on
 * {@link #subject} (queue group {@code weltgewebe-gdpr}, so one node answers), carrying
 * {@code {"roleId", "operator", "reason"}}. The node audits the request, runs the same {@link
 * ForgetPipeline} as a role's own leaving (the role records Forgotten and shreds its key, the read
 * models, region and live feed drop it), withdraws every token of the role on every node, and
 * replies {@code {"outcome": "forgotten" | "already-forgotten" | "refused" | "failed", "detail"}}.
 *
 * <p>Why a request over NATS rather than an HTTP route: the forget must go through the role entity
 * (which holds the plain data in memory and persists the event), and an operator's command line is
 * no cluster member; NATS already connects every node, and an HTTP route would need an operator
 * credential the API does not have.
 */
final class OperatorForgets implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OperatorForgets.class);
  static final String QUEUE = "weltgewebe-gdpr";

  private final Connection connection;

  private OperatorForgets(Connection connection) {
    this.connection = connection;
  }

  /** The request subject of the platform whose events stream {@code nats} names. */
  static String subject(NatsSettings nats) {
    return "weltgewebe.gdpr." + nats.stream() + ".forget";
  }

  /** Starts answering forget requests. */
  static OperatorForgets listen(
      NatsSettings nats, ForgetPipeline pipeline, AccessTokens tokens, AuditLog audit, ObjectMapper mapper,
      Executor blocking) throws IOException, InterruptedException {
    Connection connection = nats.connect("weltgewebe-gdpr");
    Dispatcher dispatcher = connection.createDispatcher();
    dispatcher.subscribe(subject(nats), QUEUE, message -> blocking.execute(() -> {
      Map<String, String> reply = handle(message, pipeline, tokens, audit, mapper);
      try {
        connection.publish(message.getReplyTo(), mapper.writeValueAsBytes(reply));
      } catch (IOException e) {
        log.warn("could not answer a gdpr forget request: {}", e.toString());
      }
    }));
    return new OperatorForgets(connection);
  }

  private static Map<String, String> handle(
      Message message, ForgetPipeline pipeline, AccessTokens tokens, AuditLog audit, ObjectMapper mapper) {
    String roleId;
    String operator;
    String reason;
    try {
      JsonNode request = mapper.readTree(new String(message.getData(), StandardCharsets.UTF_8));
      roleId = request.path("roleId").asText("");
      operator = request.path("operator").asText("");
      reason = request.path("reason").asText("");
    } catch (IOException e) {
      return Map.of("outcome", "refused", "detail", "the request is not JSON: " + e.getMessage());
    }
    if (roleId.isBlank() || operator.isBlank() || reason.isBlank()) {
      return Map.of("outcome", "refused", "detail", "roleId, operator and reason are all required");
    }
    String actor = "operator:" + operator;
    try {
      audit.append(new AuditLog.Entry(actor, "gdpr.forget", roleId, reason));
      Role.Reply reply = pipeline.forget(roleId, actor, reason).toCompletableFuture().get();
      if (reply instanceof Role.Rejected rejected) {
        return Map.of("outcome", "refused", "detail", rejected.refusal().reason());
      }
      tokens.revokeRole(roleId);
      Role.Erased erased = (Role.Erased) reply;
      return Map.of(
          "outcome", erased.alreadyForgotten() ? "already-forgotten" : "forgotten",
          "detail", "role " + roleId + " forgotten at " + erased.forgottenAt()
              + ": key shredded, read models, region and live feed cleared, its tokens revoked on every node");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of("outcome", "failed", "detail", "interrupted");
    } catch (Exception e) {
      log.warn("gdpr forget of role {} failed", roleId, e);
      return Map.of("outcome", "failed", "detail", "forgetting role " + roleId + " failed: " + e.getMessage()
          + "; run the command again to complete it");
    }
  }

  @Override
  public void close() throws InterruptedException {
    connection.close();
  }
}
