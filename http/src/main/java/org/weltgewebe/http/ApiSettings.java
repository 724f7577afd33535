package org.weltgewebe.http;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * What {@code weltgewebe.http}, {@code weltgewebe.auth} and {@code weltgewebe.search} configure, plus the clock that token
 * expiry and key rotation read. That clock is the wall clock, not the domain's (possibly
 * compressed) {@code WeaveClock}: a token's lifetime is a security property of real time.
 */
record ApiSettings(
    String host,
    int port,
    long maxBodyBytes,
    Config shedding,
    Duration tokenLifetime,
    Duration clockSkew,
    long verifiedTokenCacheSize,
    Optional<Path> keysFile,
    Clock clock,
    Duration sseKeepAlive,
    Duration chatIdleTimeout,
    int searchPoolSize,
    Duration searchTimeout,
    Config sessionLimit) {

  static ApiSettings from(Config config, Clock clock) {
    Config http = config.getConfig("weltgewebe.http");
    Config auth = config.getConfig("weltgewebe.auth");
    String keysFile = auth.getString("keys-file");
    return new ApiSettings(
        http.getString("host"),
        http.getInt("port"),
        http.getBytes("max-body-size"),
        http.getConfig("shedding"),
        auth.getDuration("token-lifetime"),
        auth.getDuration("clock-skew"),
        auth.getLong("verified-token-cache-size"),
        keysFile.isBlank() ? Optional.empty() : Optional.of(Path.of(keysFile)),
        clock,
        http.getDuration("sse-keep-alive"),
        http.getDuration("chat-idle-timeout"),
        config.getInt("weltgewebe.search.pool-size"),
        config.getDuration("weltgewebe.search.statement-timeout"),
        http.getConfig("session-limit"));
  }
}
