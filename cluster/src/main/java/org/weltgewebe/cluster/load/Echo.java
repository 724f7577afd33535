package org.weltgewebe.cluster.load;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * An actor that answers at once and does nothing else: what a worker asks to measure its own
 * ceiling, the rate at which it can ask at all. Local only; its messages never leave the node.
 */
final class Echo {
  /** Asks being answered at once, as the virtual users' asks are in flight at once. */
  private static final int IN_FLIGHT = 256;

  record Ping(ActorRef<Pong> replyTo) {}

  record Pong() {}

  private Echo() {}

  static Behavior<Ping> create() {
    return Behaviors.receive(Ping.class)
        .onMessage(Ping.class, ping -> {
          ping.replyTo().tell(new Pong());
          return Behaviors.same();
        })
        .build();
  }

  /**
   * Asks {@code echo} in {@link #IN_FLIGHT} closed loops for {@code duration} and completes with
   * the best one-second count of answers.
   */
  static CompletionStage<Double> ceiling(ActorRef<Ping> echo, ActorSystem<?> system, Duration duration) {
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    ConcurrentHashMap<Long, AtomicLong> perSecond = new ConcurrentHashMap<>();
    CompletableFuture<?>[] lanes = new CompletableFuture<?>[IN_FLIGHT];
    for (int i = 0; i < IN_FLIGHT; i++) {
      CompletableFuture<Void> lane = new CompletableFuture<>();
      askUntil(echo, system, start, end, perSecond, lane);
      lanes[i] = lane;
    }
    return CompletableFuture.allOf(lanes)
        .thenApply(done -> (double) perSecond.values().stream().mapToLong(AtomicLong::get).max().orElse(0));
  }

  private static void askUntil(
      ActorRef<Ping> echo, ActorSystem<?> system, long start, long end, ConcurrentHashMap<Long, AtomicLong> perSecond,
      CompletableFuture<Void> lane) {
    if (System.nanoTime() >= end) {
      lane.complete(null);
      return;
    }
    AskPattern.<Ping, Pong>ask(echo, Ping::new, Duration.ofSeconds(5), system.scheduler())
        .whenComplete((pong, error) -> {
          if (error == null) {
            perSecond.computeIfAbsent((System.nanoTime() - start) / 1_000_000_000L, k -> new AtomicLong()).incrementAndGet();
          }
          askUntil(echo, system, start, end, perSecond, lane);
        });
  }
}
