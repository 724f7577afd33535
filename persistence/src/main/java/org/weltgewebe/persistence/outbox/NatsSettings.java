package org.weltgewebe.persistence.outbox;

import com.typesafe.config.Config;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the event stream lives: the {@code weltgewebe.nats} section of the configuration. The stream's
 * retention policies are not settings: the requirement fixes them (see {@link EventStream}).
 */
public record NatsSettings(String url, String stream, String subjectPrefix, Duration connectTimeout) {
  private static final Logger log = LoggerFactory.getLogger(NatsSettings.class);
  // jnats reports every socket error at SEVERE through java.util.logging; the relay already logs
  // the failure it leads to, once, with what it does about it.
  private static final ErrorListener QUIET =
      new ErrorListener() {
        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
          log.debug("NATS connection error: {}", exp.toString());
        }

        @Override
        public void errorOccurred(Connection conn, String error) {
          log.warn("NATS server reported: {}", error);
        }
      };
  private static final Pattern STREAM_NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern SUBJECT_PREFIX = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

  public NatsSettings {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("weltgewebe.nats.url is empty");
    }
    if (stream == null || !STREAM_NAME.matcher(stream).matches()) {
      throw new IllegalArgumentException(
          "weltgewebe.nats.stream '" + stream + "' is not a JetStream stream name (letters, digits, _ and -)");
    }
    if (subjectPrefix == null || !SUBJECT_PREFIX.matcher(subjectPrefix).matches()) {
      throw new IllegalArgumentException(
          "weltgewebe.nats.subject-prefix '" + subjectPrefix
              + "' is not a subject prefix (dot-separated tokens of letters, digits, _ and -)");
    }
    if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("weltgewebe.nats.connect-timeout must be positive");
    }
  }

  /** Reads {@code weltgewebe.nats}. */
  public static NatsSettings fromConfig(Config config) {
    Config nats = config.getConfig("weltgewebe.nats");
    return new NatsSettings(
        nats.getString("url"),
        nats.getString("stream"),
        nats.getString("subject-prefix"),
        nats.getDuration("connect-timeout"));
  }

  /** The same server with another stream and subject prefix (tests, side-by-side deployments). */
  public NatsSettings withStream(String otherStream, String otherPrefix) {
    return new NatsSettings(url, otherStream, otherPrefix, connectTimeout);
  }

  /** The subject filter that covers every event of the stream. */
  String allSubjects() {
    return subjectPrefix + ".>";
  }

  /**
   * A new connection that does not reconnect by itself: a reconnect buffer would send messages
   * queued after one that was lost with the old socket, and so break per-entity order. Whoever
   * holds the connection reconnects by opening a new one and replaying from its own position.
   */
  public Connection connect(String connectionName) throws IOException, InterruptedException {
    return connect(connectionName, (connection, event) -> {});
  }

  /** As {@link #connect(String)}, telling {@code listener} when the connection drops. */
  public Connection connect(String connectionName, ConnectionListener listener) throws IOException, InterruptedException {
    Options options =
        Options.builder()
            .server(url)
            .connectionName(connectionName)
            .connectionTimeout(connectTimeout)
            .noReconnect()
            .connectionListener(listener)
            .errorListener(QUIET)
            .build();
    return Nats.connect(options);
  }
}
