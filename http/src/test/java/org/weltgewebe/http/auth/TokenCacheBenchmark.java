package org.weltgewebe.http.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the cache of verified tokens saves per request, with its baseline in the same run: rounds
 * that alternate a first use of fresh tokens (a full Ed25519 verification each) with repeated use
 * of one token (a cache hit: SHA-256, lookup, expiry, key and revocation checks). Prints the median
 * of the rounds for each and their ratio. Run by {@code http/bench/token-cache.sh}; a benchmark, not
 * a test.
 */
final class TokenCacheBenchmark {
  private TokenCacheBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 9);
    int perRound = Integer.getInteger("bench.tokens", 2_000);
    Clock clock = Clock.systemUTC();
    AccessTokens tokens =
        new AccessTokens(KeyRing.generated(clock), clock, Duration.ofHours(1), Duration.ofSeconds(30),
            (long) (rounds + 2) * perRound + 10,
            new LocalTokenRevocations(clock, Duration.ofHours(1), Duration.ofSeconds(30)));
    String cached = tokens.issue("role-hit").accessToken();
    tokens.verify(cached);

    // Warm-up: the JIT compiles both paths before anything is timed.
    for (int i = 0; i < 2; i++) {
      firstUse(tokens, fresh(tokens, perRound));
      repeatedUse(tokens, cached, perRound * 50);
    }
    double[] miss = new double[rounds];
    double[] hit = new double[rounds];
    long sink = 0;
    for (int r = 0; r < rounds; r++) {
      List<String> batch = fresh(tokens, perRound);
      long start = System.nanoTime();
      sink += firstUse(tokens, batch);
      miss[r] = (System.nanoTime() - start) / 1e3 / perRound;
      int hits = perRound * 50;
      start = System.nanoTime();
      sink += repeatedUse(tokens, cached, hits);
      hit[r] = (System.nanoTime() - start) / 1e3 / hits;
    }
    double missMedian = median(miss);
    double hitMedian = median(hit);
    System.out.printf(Locale.ROOT, "token verification, %d rounds (medians; same run, alternating):%n", rounds);
    System.out.printf(Locale.ROOT, "  first use (Ed25519 verify, cache miss): %9.2f us per token (rounds %s)%n",
        missMedian, spread(miss));
    System.out.printf(Locale.ROOT, "  cached (hash + lookup + checks):        %9.2f us per token (rounds %s)%n",
        hitMedian, spread(hit));
    System.out.printf(Locale.ROOT, "  ratio first use / cached: %.0f x   (checksum %d)%n", missMedian / hitMedian, sink);
  }

  private static List<String> fresh(AccessTokens tokens, int count) {
    List<String> batch = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      batch.add(tokens.issue("role-" + i).accessToken());
    }
    return batch;
  }

  private static long firstUse(AccessTokens tokens, List<String> batch) throws AccessTokens.Refused {
    long sink = 0;
    for (String token : batch) {
      sink += tokens.verify(token).length();
    }
    return sink;
  }

  private static long repeatedUse(AccessTokens tokens, String token, int times) throws AccessTokens.Refused {
    long sink = 0;
    for (int i = 0; i < times; i++) {
      sink += tokens.verify(token).length();
    }
    return sink;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static String spread(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return String.format(Locale.ROOT, "%.2f-%.2f", sorted[0], sorted[sorted.length - 1]);
  }
}
