package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The logging of {@code serve}: one JSON object per line, with the request's trace id from the MDC,
 * and never a role's name or home address, even where a message's text carries them.
 */
class JsonLogsTest {
  private final PrintStream stdout = System.out;

  @AfterEach
  void restore() throws Exception {
    System.setOut(stdout);
    System.clearProperty("WELTGEWEBE_LOG_FORMAT");
    System.clearProperty("WELTGEWEBE_LOG_LEVEL");
    MDC.clear();
    configure();
  }

  @Test
  void serveLogsOneJsonLinePerEventWithTheTraceIdAndNoPersonalData() throws Exception {
    System.setProperty("WELTGEWEBE_LOG_FORMAT", "JSON");
    System.setProperty("WELTGEWEBE_LOG_LEVEL", "INFO");
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    configure();

    Logger log = LoggerFactory.getLogger("org.weltgewebe.test");
    MDC.put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
    log.info("Message [Register[displayName=Erika Mustermann, homeAddress=Oranienstraße 1, 10999 Berlin, home=[redacted]]]"
        + " was not delivered.\nsecond line of the same event");
    MDC.clear();
    log.warn("region {} starts empty", "871f1d489ffffff", new IllegalStateException("read models unavailable"));

    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(2);
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertThat(first.get("level").asText()).isEqualTo("INFO");
    assertThat(first.get("logger_name").asText()).isEqualTo("org.weltgewebe.test");
    assertThat(first.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(first.get("service").asText()).isEqualTo("weltgewebe");
    assertThat(first.get("message").asText())
        .contains("displayName=[redacted]", "homeAddress=[redacted]", "second line")
        .doesNotContain("Erika", "Mustermann", "Oranienstraße");
    JsonNode second = json.readTree(lines.get(1));
    assertThat(second.get("level").asText()).isEqualTo("WARN");
    assertThat(second.get("message").asText()).isEqualTo("region 871f1d489ffffff starts empty");
    assertThat(second.get("stack_trace").asText()).contains("IllegalStateException: read models unavailable");
    assertThat(second.has("trace_id")).isFalse();
  }

  /** Configures logback from the CLI's logback.xml, as the process does when it starts. */
  private static void configure() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(JsonLogsTest.class.getResource("/logback.xml"));
  }
}
