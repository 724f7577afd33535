package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractClientIP;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.typesafe.config.Config;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.http.json.Problem;
import org.weltgewebe.http.json.Responses;

/**
 * The rate limit on starting sessions — registration ({@code POST /roles}) and log-in ({@code POST
 * /roles/{id}/session}) — per client address: a token bucket (Bucket4j) of {@code per-second} with
 * bursts of {@code burst}, shared by both routes. A request over it is answered 429 with {@code
 * Retry-After} before its body or token is read, so it writes nothing (OWASP API4, unrestricted
 * resource consumption; API2, credential stuffing).
 *
 * <p>The client address is the one Pekko HTTP's {@code extractClientIP} gives: {@code
 * X-Forwarded-For}, else {@code X-Real-IP}, else the peer. A node must therefore be reachable only
 * through the front proxy, which sets these headers itself (Caddy does, deploy/caddy/Caddyfile).
 * Buckets of addresses unseen for ten minutes are dropped.
 */
public final class SessionRateLimit {
  private final boolean enabled;
  private final long perSecond;
  private final long burst;
  private final Clock clock;
  private final Responses responses;
  private final Cache<String, Bucket> buckets =
      Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).maximumSize(100_000).build();

  public SessionRateLimit(Config settings, Clock clock, Responses responses) {
    this.enabled = settings.getBoolean("enabled");
    this.perSecond = settings.getLong("per-second");
    this.burst = settings.getLong("burst");
    this.clock = clock;
    this.responses = responses;
  }

  /** Runs {@code inner} when the caller's address has a token left, else answers 429. */
  Route limited(Supplier<Route> inner) {
    if (!enabled) {
      return inner.get();
    }
    return extractClientIP(address -> {
      String key = address.getAddress().map(a -> a.getHostAddress()).orElse("unknown");
      Bucket bucket = buckets.get(key, k -> Bucket.builder()
          .addLimit(limit -> limit.capacity(burst).refillGreedy(perSecond, Duration.ofSeconds(1)))
          .withCustomTimePrecision(ChatRoutes.timeMeter(clock))
          .build());
      ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
      if (probe.isConsumed()) {
        return inner.get();
      }
      long retryAfter = Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds() + 1);
      return extractRequest(request -> complete(responses.problem(
          Problem.of("rate-limited", "Too many requests", 429,
              "at most " + perSecond + " registrations and log-ins a second (bursts of " + burst
                  + ") per client address; retry in " + retryAfter + " s",
              request.getUri().path()),
          RawHeader.create("Retry-After", Long.toString(retryAfter)))));
    });
  }
}
