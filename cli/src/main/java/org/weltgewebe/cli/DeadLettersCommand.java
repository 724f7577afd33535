package org.weltgewebe.cli;

import io.nats.client.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.weltgewebe.persistence.readmodel.DeadLetterRetry;
import org.weltgewebe.persistence.readmodel.DeadLetters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code weltgewebe outbox dead-letters}: lists the events a consumer parked, and retries them. */
@Command(
    name = "dead-letters",
    mixinStandardHelpOptions = true,
    description = {
      "List the events a consumer could not apply (poison messages) with the reason, or retry them.",
      "Exit code 0: none left (list: none parked); 1: dead letters remain."
    })
final class DeadLettersCommand implements Callable<Integer> {
  @Mixin NodeOptions node;

  @Option(names = "--consumer", description = "Consumer whose dead letters to show (default: ${DEFAULT-VALUE}).", defaultValue = "read-models")
  String consumer;

  @Option(names = "--retry", description = "Apply the dead letters again; each that applies is removed.")
  boolean retry;

  @Option(names = "--seq", split = ",", paramLabel = "N", description = "Only these dead letters (their sequence in the list); with --retry.")
  List<Long> sequences = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    try (ToolContext tool = new ToolContext(node.overrides())) {
      if (retry) {
        List<DeadLetterRetry.Outcome> outcomes = new DeadLetterRetry(tool.db, tool.nats, tool.decoder()).retry(consumer, sequences);
        long failed = 0;
        for (DeadLetterRetry.Outcome o : outcomes) {
          String result = o.failure() != null ? "still fails: " + o.failure() : o.wasApplied() ? "had been applied; removed" : "applied; removed";
          if (o.failure() != null) {
            failed++;
          }
          System.out.printf("%6d  %-50s  %s%n", o.letter().sequence(), o.letter().event(), result);
        }
        System.out.printf("retried %d dead letters of %s: %d applied, %d still fail%n", outcomes.size(), consumer, outcomes.size() - failed, failed);
        return failed == 0 ? 0 : 1;
      }
      List<DeadLetters.Letter> letters;
      try (Connection connection = tool.nats.connect("weltgewebe-dead-letters")) {
        letters = DeadLetters.list(connection, tool.nats, consumer);
      }
      for (DeadLetters.Letter l : letters) {
        System.out.printf(
            "%6d  %s  %-50s  stream seq %d  %s%n    reason: %s%n",
            l.sequence(), l.parkedAt(), l.event(), l.streamSequence(), l.subject(), l.reason());
      }
      System.out.printf("%d dead letters of consumer %s in %s%n", letters.size(), consumer, DeadLetters.stream(tool.nats));
      return letters.isEmpty() ? 0 : 1;
    }
  }
}
