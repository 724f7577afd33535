package org.weltgewebe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.weltgewebe.persistence.privacy.PrivacyScan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weltgewebe gdpr …}: an operator's tools for personal data (docs/privacy.md). */
@Command(
    name = "gdpr",
    mixinStandardHelpOptions = true,
    description = "Forget a role's personal data, or scan every store for readable traces of a subject.",
    subcommands = {GdprCommand.Forget.class, GdprCommand.Scan.class})
final class GdprCommand extends CommandGroup {
  /** The options that say which platform: database, NATS, and the events stream's name. */
  static final class Platform {
    @Mixin NodeOptions node;

    @Option(names = "--stream", description = "The platform's JetStream events stream (default WELTGEWEBE_EVENTS).")
    String stream;

    Config overrides() {
      Config overrides = node.overrides();
      return stream == null ? overrides : ConfigFactory.parseMap(Map.of("weltgewebe.nats.stream", stream)).withFallback(overrides);
    }
  }

  /** {@code weltgewebe gdpr forget ROLE}. */
  @Command(
      name = "forget",
      mixinStandardHelpOptions = true,
      description = {
        "Forget a role for good (GDPR art. 17), as its own leaving does: a running platform node records the",
        "role's Forgotten event and shreds its key (every sealed copy becomes unreadable), clears the read",
        "models, region and live feed, and revokes the role's tokens on every node. Audited with the operator",
        "and the reason. Exit code 0: forgotten (or already); 1: refused (no such role) or failed; 2: no node answered."
      })
  static final class Forget implements Callable<Integer> {
    @Mixin Platform platform;

    @Parameters(paramLabel = "ROLE", description = "The role id.")
    String roleId;

    @Option(names = "--operator", required = true, description = "Who asks (written to the audit log).")
    String operator;

    @Option(names = "--reason", required = true, description = "Why, e.g. the ticket of the erasure request (audited).")
    String reason;

    @Option(names = "--timeout", defaultValue = "PT2M", description = "How long to wait for a node's answer (ISO-8601, default PT2M).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
      ObjectMapper mapper = new ObjectMapper();
      try (ToolContext tool = new ToolContext(platform.overrides());
          Connection connection = tool.nats.connect("weltgewebe-gdpr-forget")) {
        String subject = "weltgewebe.gdpr." + tool.nats.stream() + ".forget";
        byte[] request = mapper.writeValueAsBytes(Map.of("roleId", roleId, "operator", operator, "reason", reason));
        Message answer = connection.request(subject, request, timeout);
        if (answer == null) {
          System.err.println("gdpr forget: no platform node answered on " + subject + " within " + timeout.toSeconds()
              + " s; start one (weltgewebe serve) against this NATS and stream, then run this again");
          return 2;
        }
        JsonNode reply = mapper.readTree(new String(answer.getData(), StandardCharsets.UTF_8));
        String outcome = reply.path("outcome").asText();
        System.out.println(outcome + ": " + reply.path("detail").asText());
        return outcome.equals("forgotten") || outcome.equals("already-forgotten") ? 0 : 1;
      }
    }
  }

  /** {@code weltgewebe gdpr scan SUBJECT…}. */
  @Command(
      name = "scan",
      mixinStandardHelpOptions = true,
      description = {
        "Look for readable traces of a subject everywhere the platform stores data: the journal, the snapshots,",
        "every read-model table (the search index is columns of them) and the audit log, the events, live-feed",
        "and dead-letter streams in JetStream, and the node logs given with --log. SUBJECT is a string the",
        "subject's data held (its name, address, an offer). Exit code 0: no hit; 1: hits (listed)."
      })
  static final class Scan implements Callable<Integer> {
    @Mixin Platform platform;

    @Parameters(paramLabel = "SUBJECT", arity = "1..*", description = "Strings the subject's data held.")
    List<String> needles;

    @Option(names = "--log", description = "A node's log file to scan as well (repeatable).")
    List<Path> logs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      try (ToolContext tool = new ToolContext(platform.overrides())) {
        List<PrivacyScan.Hit> hits = PrivacyScan.scan(tool.db, tool.nats, needles, logs);
        System.out.printf("gdpr scan: %d readable trace%s of %s%n", hits.size(), hits.size() == 1 ? "" : "s", needles);
        hits.forEach(hit -> System.out.println("  " + hit.where() + ": " + hit.needle()));
        return hits.isEmpty() ? 0 : 1;
      }
    }
  }
}
