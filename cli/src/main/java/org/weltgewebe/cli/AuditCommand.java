package org.weltgewebe.cli;

import java.time.Clock;
import java.util.concurrent.Callable;
import org.weltgewebe.persistence.privacy.AuditLog;
import org.weltgewebe.persistence.privacy.Vault;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code weltgewebe audit …}: the audit log of personal data. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "The audit log of every access to and deletion of personal data.",
    subcommands = {AuditCommand.Verify.class})
final class AuditCommand extends CommandGroup {
  /** {@code weltgewebe audit verify}. */
  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Recompute the audit log's hash chain from its first row: every row must follow the one",
        "before it and hash to what it stores. Exit code 0: intact; 1: a row was changed or removed (listed)."
      })
  static final class Verify implements Callable<Integer> {
    @Mixin NodeOptions node;

    @Override
    public Integer call() {
      try (ToolContext tool = new ToolContext(node.overrides());
          Vault vault = Vault.open(tool.db, 1, Clock.systemUTC())) {
        AuditLog.Verification verification = vault.audit().verify();
        System.out.printf("audit log: %d rows, %s%n", verification.rows(),
            verification.intact() ? "chain intact" : verification.problems().size() + " problems");
        verification.problems().forEach(problem -> System.out.println("  " + problem));
        return verification.intact() ? 0 : 1;
      }
    }
  }
}
