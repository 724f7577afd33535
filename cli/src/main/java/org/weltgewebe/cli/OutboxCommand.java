package org.weltgewebe.cli;

import java.util.concurrent.Callable;
import org.weltgewebe.persistence.outbox.Reconciler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code weltgewebe outbox …}: checks and repairs the journal → JetStream outbox. */
@Command(
    name = "outbox",
    mixinStandardHelpOptions = true,
    description = "Compare the event stream with the journal, and re-publish what is missing.",
    subcommands = {OutboxCommand.Verify.class, OutboxCommand.Repair.class, DeadLettersCommand.class})
final class OutboxCommand extends CommandGroup {
  /** {@code weltgewebe outbox verify}. */
  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Compare the JetStream stream with the journal by dedupe id, range by range, from the",
        "reconciler's checkpoint on (only what is new since the last comparison; --full: everything).",
        "Exit code 0: every settled journal event is in the stream exactly once; 1: gaps (listed)."
      })
  static final class Verify implements Callable<Integer> {
    @Mixin NodeOptions node;

    @picocli.CommandLine.Option(
        names = "--full",
        description = "Compare the whole stream and journal, ignoring the reconciler's checkpoint (which then starts anew).")
    boolean full;

    @Override
    public Integer call() {
      try (ToolContext tool = new ToolContext(node.overrides())) {
        Reconciler reconciler = new Reconciler(tool.db, tool.nats, tool.outbox);
        Reconciler.Report report = full ? reconciler.verifyFull() : reconciler.verify();
        print(report);
        return report.consistent() ? 0 : 1;
      }
    }
  }

  /** {@code weltgewebe outbox repair}. */
  @Command(
      name = "repair",
      mixinStandardHelpOptions = true,
      description = {
        "Re-publish every journal event missing from the stream (JetStream drops any that are there).",
        "Exit code 0 when the stream is whole afterwards."
      })
  static final class Repair implements Callable<Integer> {
    @Mixin NodeOptions node;

    @Override
    public Integer call() {
      try (ToolContext tool = new ToolContext(node.overrides())) {
        Reconciler reconciler = new Reconciler(tool.db, tool.nats, tool.outbox);
        Reconciler.Repair repair = reconciler.repair();
        print(repair.before());
        System.out.printf(
            "repair: %d re-published (%d under a repair id), %d found present after all%n",
            repair.republished(), repair.underRepairId(), repair.alreadyPresent());
        Reconciler.Report after = reconciler.verify();
        System.out.println("after repair: " + (after.consistent() ? "consistent" : after.gaps().size() + " gaps remain"));
        return after.consistent() ? 0 : 1;
      }
    }
  }

  static void print(Reconciler.Report report) {
    System.out.printf(
        "journal events %d, stream messages %d, %d ranges compared from ordering %d: %s%n",
        report.journalEvents(), report.streamMessages(), report.rangesCompared(), report.fromOrdering(),
        report.consistent() ? "consistent" : report.gaps().size() + " gaps, " + report.missing().size() + " events missing");
    for (Reconciler.Gap gap : report.gaps()) {
      System.out.printf(
          "  gap in orderings %d..%d: journal %d, stream %d; missing %s%s%s%n",
          gap.fromOrdering(), gap.toOrdering(), gap.journalEvents(), gap.streamMessages(),
          gap.missing().stream().limit(10).toList(), gap.missing().size() > 10 ? " …" : "",
          gap.duplicated().isEmpty() ? "" : "; duplicated " + gap.duplicated().stream().limit(10).toList());
    }
  }
}
