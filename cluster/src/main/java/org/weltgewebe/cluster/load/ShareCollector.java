package org.weltgewebe.cluster.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The driver's end of one worker's share: gathers the worker's {@link LoadWorker.Measured} parts
 * until {@link LoadWorker.Finished} says how many there were, then completes with all of them and
 * stops. Progress reports are handed on as they come.
 */
public final class ShareCollector {
  /** Everything a worker reported about its share. */
  public record Collected(String worker, long sessions, List<Tally.Entry> entries, String failure) {}

  private final CompletableFuture<Collected> result;
  private final Consumer<LoadWorker.Running> progress;
  private final List<Tally.Entry> entries = new ArrayList<>();
  private int parts;
  private LoadWorker.Finished finished;

  private ShareCollector(CompletableFuture<Collected> result, Consumer<LoadWorker.Running> progress) {
    this.result = result;
    this.progress = progress;
  }

  /** A collector that completes {@code result} and calls {@code progress} with each progress report. */
  public static Behavior<LoadWorker.Report> create(CompletableFuture<Collected> result, Consumer<LoadWorker.Running> progress) {
    return Behaviors.setup(context -> new ShareCollector(result, progress).collecting());
  }

  private Behavior<LoadWorker.Report> collecting() {
    return Behaviors.receive(LoadWorker.Report.class)
        .onMessage(LoadWorker.Running.class, running -> {
          progress.accept(running);
          return Behaviors.same();
        })
        .onMessage(LoadWorker.Measured.class, measured -> {
          entries.addAll(measured.entries());
          parts++;
          return completeIfAll();
        })
        .onMessage(LoadWorker.Finished.class, done -> {
          finished = done;
          return completeIfAll();
        })
        .build();
  }

  /** Done once the end has come and every part it announced with it. */
  private Behavior<LoadWorker.Report> completeIfAll() {
    if (finished == null || parts < finished.parts()) {
      return Behaviors.same();
    }
    result.complete(new Collected(finished.worker(), finished.sessions(), List.copyOf(entries), finished.failure()));
    return Behaviors.stopped();
  }
}
