package org.weltgewebe.http.auth;

import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a token costs the node, with the baselines in the same run: rounds that alternate, for the
 * JDK's own Ed25519 and Bouncy Castle's, issuing fresh tokens (a signature each) and a first use of
 * tokens another node issued (a full verification each), and repeated use of one token (a cache
 * hit: SHA-256, lookup, expiry, key and revocation checks). Prints the median of the rounds for
 * each and the ratios. Run by {@code http/bench/token-cache.sh}; a benchmark, not a test.
 */
final class TokenCacheBenchmark {
  private TokenCacheBenchmark() {}

  /** One Ed25519 implementation's node, and another node that issues the tokens it first sees. */
  private record Node(String name, AccessTokens tokens, AccessTokens otherNode) {
    static Node of(String name, KeyRing keys, Clock clock, long cacheSize, Provider ed25519) {
      return new Node(name, node(keys, clock, cacheSize, ed25519), node(keys, clock, cacheSize, ed25519));
    }
  }

  public static void main(String[] args) throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 9);
    int perRound = Integer.getInteger("bench.tokens", 2_000);
    Clock clock = Clock.systemUTC();
    KeyRing keys = KeyRing.generated(clock);
    long cacheSize = (long) (rounds + 2) * perRound * 2 + 10;
    List<Node> nodes = List.of(
        Node.of("JDK 17 Ed25519", keys, clock, cacheSize, null),
        Node.of("Bouncy Castle Ed25519", keys, clock, cacheSize, AccessTokens.FAST_ED25519));
    String cached = nodes.get(1).tokens().issue("role-hit").accessToken();

    // Warm-up: the JIT compiles every path before anything is timed.
    long sink = 0;
    for (int i = 0; i < 2; i++) {
      for (Node node : nodes) {
        sink += firstUse(node.tokens(), issue(node.otherNode(), perRound));
      }
      sink += repeatedUse(nodes.get(1).tokens(), cached, perRound * 50);
    }
    double[][] issue = new double[nodes.size()][rounds];
    double[][] verify = new double[nodes.size()][rounds];
    double[] hit = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      for (int n = 0; n < nodes.size(); n++) {
        Node node = nodes.get(n);
        long start = System.nanoTime();
        List<String> batch = issue(node.otherNode(), perRound);
        issue[n][r] = (System.nanoTime() - start) / 1e3 / perRound;
        start = System.nanoTime();
        sink += firstUse(node.tokens(), batch);
        verify[n][r] = (System.nanoTime() - start) / 1e3 / perRound;
      }
      int hits = perRound * 50;
      long start = System.nanoTime();
      sink += repeatedUse(nodes.get(1).tokens(), cached, hits);
      hit[r] = (System.nanoTime() - start) / 1e3 / hits;
    }
    System.out.printf(Locale.ROOT, "tokens, %d rounds of %d (medians, us per token; same run, alternating):%n",
        rounds, perRound);
    for (int n = 0; n < nodes.size(); n++) {
      System.out.printf(Locale.ROOT, "  %-22s issue (sign) %8.2f (rounds %s)   first use (verify) %8.2f (rounds %s)%n",
          nodes.get(n).name(), median(issue[n]), spread(issue[n]), median(verify[n]), spread(verify[n]));
    }
    System.out.printf(Locale.ROOT, "  cached use (hash + lookup + checks)  %8.2f (rounds %s)%n", median(hit), spread(hit));
    System.out.printf(Locale.ROOT, "  JDK / Bouncy Castle: issue %.1f x, first use %.1f x%n",
        median(issue[0]) / median(issue[1]), median(verify[0]) / median(verify[1]));
    System.out.printf(Locale.ROOT, "  first use / cached use: JDK %.0f x, Bouncy Castle %.0f x   (checksum %d)%n",
        median(verify[0]) / median(hit), median(verify[1]) / median(hit), sink);
  }

  private static AccessTokens node(KeyRing keys, Clock clock, long cacheSize, Provider ed25519) {
    return new AccessTokens(keys, clock, Duration.ofHours(1), Duration.ofSeconds(30), cacheSize,
        new LocalTokenRevocations(clock, Duration.ofHours(1), Duration.ofSeconds(30)), ed25519);
  }

  private static List<String> issue(AccessTokens tokens, int count) {
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
