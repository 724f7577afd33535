package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.weltgewebe.reports.FaultReport;

/** What every fault run must show from the journal, the stream and the read models: nothing lost, nothing twice. */
final class CleanFaultVerdicts {
  private CleanFaultVerdicts() {}

  static void assertClean(FaultReport.Verdicts v) {
    assertThat(v.acknowledged()).isPositive();
    assertThat(v.acknowledgedLost()).isZero();
    assertThat(v.interleavedWriters()).isZero();
    assertThat(v.sequenceGaps()).isZero();
    assertThat(v.journalEvents()).isPositive();
    assertThat(v.missingFromStream()).isZero();
    assertThat(v.duplicatedInStream()).isZero();
    assertThat(v.unexpectedInStream()).isZero();
    assertThat(v.readModelEvents()).isEqualTo(v.journalEvents());
    assertThat(v.watchers()).isNotEmpty().allSatisfy(w -> assertThat(w.gotEverything()).as(w.toString()).isTrue());
    // 0 of 0 is "everything" too: the watched feeds must have carried events, or the SSE leg proved nothing
    assertThat(v.watchers()).as("watchers that received events").anySatisfy(w -> assertThat(w.delivered()).isPositive());
  }
}
