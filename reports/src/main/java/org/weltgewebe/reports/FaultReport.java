package org.weltgewebe.reports;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a fault run ({@code scenario run … --nodes N --fault …}) did to its cluster and what came of
 * it, as {@code reports/<run-id>/faults.json} holds it beside {@code report.json}: the faults as
 * injected, the downing time and goodput dip of each, the clients' goodput, latency and shedding
 * second by second, and the verdicts read from the journal, the stream and the read models after
 * the run — never from the platform's own counters.
 *
 * <p>A separate file like {@link TopologyReport}: only fault runs have it, and the renderers add its
 * section when it is there. Times are wall seconds after the main phase's start.
 */
public record FaultReport(
    int schemaVersion,
    String runId,
    int nodes,
    String plan,
    String partitionMethod,
    String splitBrainResolver,
    List<Injected> faults,
    List<Point> timeline,
    Verdicts verdicts,
    boolean passed,
    List<String> failures,
    List<String> notes) {

  public static final int SCHEMA_VERSION = 1;
  /** The file name beside report.json. */
  public static final String FILE = "faults.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public FaultReport {
    faults = List.copyOf(faults);
    timeline = List.copyOf(timeline);
    failures = List.copyOf(failures);
    notes = List.copyOf(notes);
  }

  /**
   * One injected fault: its kind and node (0: none), when it began and ended, what was done, the
   * downing time (seconds from the fault to the split-brain resolver's first decision, null when it
   * took none) and the goodput dip around it.
   */
  public record Injected(
      String kind, String spelled, int node, double atSeconds, double endSeconds, String detail, Double downingSeconds, Dip dip) {}

  /**
   * The clients' goodput (2xx/3xx answers per second, 5-s means) before and after a fault: the mean
   * of the 20 s before it, the lowest 5-s mean after it, the dip in percent of the former, and the
   * seconds from the fault until a 5-s mean is back at 90 % of the pre-fault goodput (null: not
   * before the next fault or the end of the load).
   */
  public record Dip(double preFaultPerSecond, double lowestPerSecond, double dipPercent, Double recoverySeconds) {}

  /** One second of the clients' view: requests started, answered ok, shed (503), otherwise failed, and the ok p95. */
  public record Point(double offsetSeconds, long requests, long ok, long shed, long failed, double okP95Millis) {}

  /**
   * The verdicts after the drain: acknowledged writes (the fault run's writers' ledger) absent from
   * the journal; persistence ids written by two incarnations at once; gaps in sequence numbers;
   * journal events missing from, duplicated in or unknown to the stream; events the read models
   * applied against the journal's count; and what each SSE watcher received.
   */
  public record Verdicts(
      long journalEvents,
      long acknowledged,
      long acknowledgedLost,
      List<String> lostExamples,
      long interleavedWriters,
      List<String> interleavedExamples,
      long sequenceGaps,
      List<String> gapExamples,
      long streamEvents,
      long missingFromStream,
      long duplicatedInStream,
      long unexpectedInStream,
      List<String> streamExamples,
      long readModelEvents,
      List<Watcher> watchers) {}

  /** One SSE watcher: events published to its feed during the run, delivered to it, duplicates, and how often it reconnected. */
  public record Watcher(String feed, long expected, long delivered, long duplicates, long reconnects) {
    public boolean gotEverything() {
      return delivered == expected && duplicates == 0;
    }
  }

  /** Writes {@code dir/faults.json}; returns the file. */
  public Path write(Path dir) {
    return SideReportFile.write(JSON, dir, FILE, this);
  }

  /** The fault report beside a run's report.json, when the run injected faults. */
  public static Optional<FaultReport> read(Path runDir) {
    return SideReportFile.read(JSON, runDir, FILE, FaultReport.class, FaultReport::schemaVersion, SCHEMA_VERSION);
  }
}
