package org.weltgewebe.reports;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What a disaster-recovery drill ({@code weltgewebe dr drill}) measured: {@code dr-report.json}
 * (this record, versioned) and {@code dr-report.html} beside it, in the style of the run reports.
 *
 * <p>RPO is counted from the writers' acknowledgements against the promoted journal; RTO runs from
 * the primary's death to the first write acknowledged by the platform on the promoted replica with
 * its readiness green; ghosts are events the stream held that the promoted journal does not.
 */
public record DrReport(
    int version,
    String drillId,
    Instant startedAt,
    Settings settings,
    Measures figures,
    List<Step> timeline,
    List<String> ghosts,
    List<String> lostWrites,
    Checks checks,
    boolean passed,
    List<String> notes) {

  public static final int VERSION = 1;

  /** How the drill ran. */
  public record Settings(int writers, double loadSecondsBeforeKill, double loadSecondsAfterRecovery, String replication, String host) {}

  /** The drill's numbers. */
  public record Measures(
      long acknowledgedWritesBeforeKill,
      long lostAcknowledgedWrites,
      double rpoSeconds,
      double rtoSeconds,
      long replicaLagBytesBeforeKill,
      long ghostEvents,
      long republishedAfterPromotion,
      long underRepairId,
      long journalEvents,
      long streamEvents,
      long readModelEvents,
      long writeFailuresDuringOutage) {}

  /** One step of the drill, at {@code atSeconds} from the primary's death (negative: before it). */
  public record Step(String name, double atSeconds, double tookSeconds, String detail) {}

  /** Verification after recovery. */
  public record Checks(boolean streamEqualsJournal, boolean readModelsEqualJournal, boolean ghostsReconciled, String detail) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  /** Writes {@code dr-report.json} and {@code dr-report.html} into {@code dir}; returns the HTML's path. */
  public Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    JSON.writeValue(dir.resolve("dr-report.json").toFile(), this);
    Path html = dir.resolve("dr-report.html");
    Files.writeString(html, html());
    return html;
  }

  public static DrReport read(Path json) throws IOException {
    return JSON.readValue(json.toFile(), DrReport.class);
  }

  /** One self-contained page: verdict, figures, the timeline, ghosts and lost writes. */
  public String html() {
    StringBuilder h = new StringBuilder(32_000);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(HtmlReport.esc(drillId)).append(" — Weltgewebe DR drill</title>\n")
        .append("<style>").append(HtmlReport.STYLE).append("</style>\n</head>\n<body>\n");
    h.append("<header><h1>").append(HtmlReport.esc(drillId)).append(" <span class=\"").append(passed ? "ok" : "bad").append("\">")
        .append(passed ? "PASSED" : "FAILED").append("</span></h1>\n<p>")
        .append(HtmlReport.esc(String.format(
            "Disaster-recovery drill started %s on %s: primary PostgreSQL with a streaming replica (%s), %d writers for %s s,"
                + " primary killed, replica promoted, platform repointed, outbox and stream reconciled, read models rebuilt.",
            startedAt, settings.host(), settings.replication(), settings.writers(), ReportNumbers.num(settings.loadSecondsBeforeKill(), 0))))
        .append("</p></header>\n");
    h.append("<h2>ReportNumbers</h2>\n<table>\n");
    row(h, "RPO: acknowledged writes lost", figures.lostAcknowledgedWrites() + " of " + figures.acknowledgedWritesBeforeKill()
        + (figures.lostAcknowledgedWrites() > 0 ? " (the oldest " + ReportNumbers.num(figures.rpoSeconds(), 2) + " s before the kill)" : ""));
    row(h, "RTO: kill → writes served, readiness green", ReportNumbers.num(figures.rtoSeconds(), 1) + " s");
    row(h, "replica lag just before the kill", figures.replicaLagBytesBeforeKill() + " bytes of WAL");
    row(h, "ghost events (in the stream, not in the promoted journal)", figures.ghostEvents() + (figures.ghostEvents() > 0 ? ", deleted from the stream and listed below" : ""));
    row(h, "events re-published after promotion", figures.republishedAfterPromotion() + " (" + figures.underRepairId() + " under a repair id)");
    row(h, "journal / stream / read models after recovery", figures.journalEvents() + " / " + figures.streamEvents() + " / " + figures.readModelEvents());
    row(h, "writes refused or unanswered during the outage", String.valueOf(figures.writeFailuresDuringOutage()));
    h.append("</table>\n<h2>Checks</h2>\n<table>\n");
    row(h, "stream = journal (every event once, by identity)", mark(checks.streamEqualsJournal()));
    row(h, "read models = journal", mark(checks.readModelsEqualJournal()));
    row(h, "ghosts reconciled", mark(checks.ghostsReconciled()));
    h.append("</table>\n<p>").append(HtmlReport.esc(checks.detail())).append("</p>\n");
    h.append("<h2>Timeline</h2>\n<table>\n<tr><th>step</th><th>at (s from kill)</th><th>took (s)</th><th>detail</th></tr>\n");
    for (Step s : timeline) {
      h.append("<tr><td>").append(HtmlReport.esc(s.name())).append("</td><td>").append(ReportNumbers.num(s.atSeconds(), 2))
          .append("</td><td>").append(ReportNumbers.num(s.tookSeconds(), 2)).append("</td><td>").append(HtmlReport.esc(s.detail())).append("</td></tr>\n");
    }
    h.append("</table>\n");
    list(h, "Ghost events", ghosts);
    list(h, "Acknowledged writes lost", lostWrites);
    list(h, "Notes", notes);
    h.append("<footer>dr-report.json holds the same data (schema org.weltgewebe.reports.DrReport, version ")
        .append(version).append(").</footer>\n</body>\n</html>\n");
    return h.toString();
  }

  private static void row(StringBuilder h, String a, String b) {
    h.append("<tr><td>").append(HtmlReport.esc(a)).append("</td><td>").append(b.startsWith("<span") ? b : HtmlReport.esc(b)).append("</td></tr>\n");
  }

  private static String mark(boolean ok) {
    return ok ? "<span class=\"ok\">✓</span>" : "<span class=\"bad\">✗</span>";
  }

  private static void list(StringBuilder h, String title, List<String> items) {
    h.append("<h2>").append(HtmlReport.esc(title)).append("</h2>\n");
    if (items.isEmpty()) {
      h.append("<p>none</p>\n");
      return;
    }
    h.append("<ul>\n");
    items.stream().limit(200).forEach(i -> h.append("<li>").append(HtmlReport.esc(i)).append("</li>\n"));
    if (items.size() > 200) {
      h.append("<li>… ").append(items.size() - 200).append(" more in dr-report.json</li>\n");
    }
    h.append("</ul>\n");
  }
}
