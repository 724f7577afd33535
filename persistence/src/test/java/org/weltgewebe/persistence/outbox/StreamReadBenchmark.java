package org.weltgewebe.persistence.outbox;

import io.nats.client.impl.NatsMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a reader of identities (the reconciler's scan, the oracle's count, the fault verdicts) pays
 * per stream message, printing its figures (not a timed test): {@code bench.messages} messages of
 * the S4 mix (default 20,000) in stream format 1, each read {@code bench.passes} times (default 20)
 * through {@link OutboxMessage#read} (the baseline: the whole row, its event turned back into JSON)
 * and through {@link OutboxMessage#identity}, alternating, for {@code bench.rounds} rounds (default
 * 7). Prints ns per message of each per round, the paired ratio per round and their medians.
 *
 * <p>Run: {@code persistence/bench/stream-read-bench.sh}.
 */
public final class StreamReadBenchmark {
  private StreamReadBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.getInteger("bench.messages", 20_000);
    int passes = Integer.getInteger("bench.passes", 20);
    int rounds = Integer.getInteger("bench.rounds", 7);
    List<NatsMessage> messages = new ArrayList<>(count);
    try (S4EventMix mix = new S4EventMix(S4EventMix.s4(), 14)) {
      for (S4EventMix.Row row : mix.rows(count)) {
        messages.add(OutboxMessage.toMessage("weltgewebe.events", row.event()));
      }
    }
    double bytes = messages.stream().mapToInt(m -> m.getData().length).average().orElse(0);
    System.out.printf("stream read benchmark: %,d messages of the S4 mix in format %d (%.1f B of payload each), %d passes per round%n",
        messages.size(), OutboxMessage.FORMAT, bytes, passes);
    // warm-up: both paths compiled before the first measured round
    long sink = 0;
    for (int i = 0; i < 3; i++) {
      sink += whole(messages, passes) + identities(messages, passes);
    }
    double[] ratios = new double[rounds];
    double[] wholeNs = new double[rounds];
    double[] identityNs = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      sink += whole(messages, passes);
      long t1 = System.nanoTime();
      sink += identities(messages, passes);
      long t2 = System.nanoTime();
      wholeNs[r] = (t1 - t0) / (double) (messages.size() * (long) passes);
      identityNs[r] = (t2 - t1) / (double) (messages.size() * (long) passes);
      ratios[r] = identityNs[r] / wholeNs[r];
      System.out.printf("round %d: whole row %.0f ns/message, identity %.0f ns/message, ratio %.3f%n",
          r + 1, wholeNs[r], identityNs[r], ratios[r]);
    }
    System.out.printf("median: whole row %.0f ns/message (baseline), identity %.0f ns/message; median paired ratio %.3f%n",
        median(wholeNs), median(identityNs), median(ratios));
    System.out.println("(checksum " + sink + ")");
  }

  private interface Reader {
    long read(NatsMessage message) throws OutboxMessage.Unreadable;
  }

  private static long whole(List<NatsMessage> messages, int passes) throws OutboxMessage.Unreadable {
    return passes(messages, passes, m -> {
      OutboxMessage.Event e = OutboxMessage.read(m);
      return e.ordering() + e.dedupeId().length();
    });
  }

  private static long identities(List<NatsMessage> messages, int passes) throws OutboxMessage.Unreadable {
    return passes(messages, passes, m -> {
      OutboxMessage.Identity i = OutboxMessage.identity(m);
      return i.ordering() + i.dedupeId().length();
    });
  }

  // What is read goes into a sum that is printed, so the JIT cannot drop the reading.
  private static long passes(List<NatsMessage> messages, int passes, Reader reader) throws OutboxMessage.Unreadable {
    long sum = 0;
    for (int p = 0; p < passes; p++) {
      for (NatsMessage m : messages) {
        sum += reader.read(m);
      }
    }
    return sum;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
