package org.weltgewebe.reports;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.weltgewebe.reports.SectionText.Block;
import org.weltgewebe.reports.SectionText.Paragraph;
import org.weltgewebe.reports.SectionText.Table;

/**
 * The report's "faults" section of a fault run ({@link FaultReport}): the faults against the
 * clients' goodput, latency and shedding second by second (an SVG drawn here, so the timeline needs
 * no script), the downing time and goodput dip per fault, and the verdict table read from the
 * journal, the stream and the read models. Built once as paragraphs and tables, written as Markdown
 * for report.md and as HTML for report.html, so both say the same.
 */
final class FaultSection {
  private FaultSection() {}

  static final String TITLE = "Faults";

  static String markdown(FaultReport f) {
    return SectionText.markdown(TITLE, blocks(f));
  }

  static String html(FaultReport f) {
    return SectionText.html("<section id=\"faults\">", TITLE, blocks(f), timeline(f));
  }

  private static List<Block> blocks(FaultReport f) {
    List<Block> blocks = new ArrayList<>();
    blocks.add(new Paragraph(String.format(Locale.ROOT,
        "%d platform nodes behind Caddy, fault plan %s (times after the main phase's start). Split-brain resolver: %s. Partitions: %s. "
            + "Verdict: %s.",
        f.nodes(), f.plan().isEmpty() ? "(none)" : f.plan(), f.splitBrainResolver(), f.partitionMethod(),
        f.passed() ? "every check passed" : "FAILED — " + String.join("; ", f.failures()))));
    List<List<String>> faults = new ArrayList<>();
    for (FaultReport.Injected i : f.faults()) {
      FaultReport.Dip d = i.dip();
      faults.add(List.of(i.kind(), i.node() > 0 ? String.valueOf(i.node()) : "–", ReportNumbers.num(i.atSeconds(), 1) + " s",
          ReportNumbers.num(i.endSeconds(), 1) + " s", i.downingSeconds() == null ? "no decision" : ReportNumbers.num(i.downingSeconds(), 1) + " s",
          ReportNumbers.num(d.preFaultPerSecond(), 1) + "/s", ReportNumbers.num(d.lowestPerSecond(), 1) + "/s", ReportNumbers.num(d.dipPercent(), 0) + " %",
          d.recoverySeconds() == null ? "not before the next fault" : ReportNumbers.num(d.recoverySeconds(), 0) + " s", i.detail()));
    }
    blocks.add(new Table(List.of("fault", "node", "began", "ended", "downing", "goodput before", "lowest (5-s mean)", "dip",
        "back to 90 %", "what was done"), faults));
    FaultReport.Verdicts v = f.verdicts();
    if (v == null) {
      blocks.add(new Paragraph("The verdicts could not be read (see the failures above)."));
    } else {
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("acknowledged writes lost (in the writers' ledger, not in the journal)",
          v.acknowledgedLost() + " of " + v.acknowledged() + examples(v.lostExamples()), "0", ReportNumbers.mark(v.acknowledgedLost() == 0)));
      rows.add(List.of("two writers for one persistence id", v.interleavedWriters() + examples(v.interleavedExamples()), "0",
          ReportNumbers.mark(v.interleavedWriters() == 0)));
      rows.add(List.of("gaps in sequence numbers", v.sequenceGaps() + examples(v.gapExamples()), "0", ReportNumbers.mark(v.sequenceGaps() == 0)));
      boolean streamOk = v.missingFromStream() == 0 && v.duplicatedInStream() == 0 && v.unexpectedInStream() == 0;
      rows.add(List.of("stream = journal (by event identity)",
          String.format(Locale.ROOT, "journal %,d, stream %,d: %d missing, %d duplicated, %d unexpected", v.journalEvents(), v.streamEvents(),
              v.missingFromStream(), v.duplicatedInStream(), v.unexpectedInStream()) + examples(v.streamExamples()),
          "0 / 0 / 0", ReportNumbers.mark(streamOk)));
      rows.add(List.of("read models = journal", String.format(Locale.ROOT, "%,d applied of %,d", v.readModelEvents(), v.journalEvents()),
          "equal", ReportNumbers.mark(v.readModelEvents() == v.journalEvents())));
      for (FaultReport.Watcher w : v.watchers()) {
        rows.add(List.of("SSE watcher " + w.feed(), String.format(Locale.ROOT, "%,d of %,d events, %d duplicates, %d reconnections (Last-Event-ID)",
            w.delivered(), w.expected(), w.duplicates(), w.reconnects()), "all, once", ReportNumbers.mark(w.gotEverything())));
      }
      blocks.add(new Table(List.of("verdict (journal, stream, read models — not the platform's counters)", "found", "must be", ""), rows));
    }
    f.notes().forEach(n -> blocks.add(new Paragraph(n)));
    return blocks;
  }

  private static String examples(List<String> examples) {
    return examples.isEmpty() ? "" : " (e.g. " + String.join(", ", examples.subList(0, Math.min(3, examples.size()))) + ")";
  }

  private static final int WIDTH = 900;
  private static final int PANEL = 110;
  private static final int GAP = 26;
  private static final int LEFT = 60;
  private static final int RIGHT = 10;

  /** Goodput, ok p95 and shed+failed per second in three panels, the faults as shaded spans across them. */
  private static String timeline(FaultReport f) {
    List<FaultReport.Point> points = f.timeline();
    if (points.isEmpty()) {
      return "<p>(no timeline: the load measured no second)</p>";
    }
    double end = points.stream().mapToDouble(FaultReport.Point::offsetSeconds).max().orElse(1) + 1;
    end = Math.max(end, f.faults().stream().mapToDouble(FaultReport.Injected::endSeconds).max().orElse(0));
    int height = 3 * PANEL + 3 * GAP + 20;
    StringBuilder s = new StringBuilder();
    s.append("<figure><figcaption>Faults against the clients' view, per second after the main phase's start</figcaption>")
        .append(String.format(Locale.ROOT, "<svg class=\"fault-timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"100%%\" "
            + "role=\"img\" aria-label=\"fault timeline\" style=\"max-width:%dpx;font:11px sans-serif\">", WIDTH, height, WIDTH));
    double plotWidth = WIDTH - LEFT - RIGHT;
    double scale = plotWidth / end;
    for (FaultReport.Injected i : f.faults()) {
      double x = LEFT + i.atSeconds() * scale;
      double w = Math.max(1.5, (i.endSeconds() - i.atSeconds()) * scale);
      s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"12\" width=\"%.1f\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.18\"><title>%s</title></rect>",
          x, w, height - 32, colour(i.kind()), HtmlReport.esc(i.spelled() + ": " + i.detail())));
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"10\" fill=\"%s\">%s</text>", x + 2, colour(i.kind()),
          HtmlReport.esc(i.kind() + (i.node() > 0 ? " n" + i.node() : ""))));
    }
    panel(s, points, 0, "goodput (ok/s)", p -> p.ok(), "#2b7a2b", scale);
    panel(s, points, 1, "ok p95 (ms)", FaultReport.Point::okP95Millis, "#1f5fa8", scale);
    panel(s, points, 2, "shed + failed (/s)", p -> p.shed() + p.failed(), "#b03030", scale);
    for (int t = 0; t <= end; t += tick(end)) {
      double x = LEFT + t * scale;
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d s</text>", x, height - 4, t));
    }
    return s.append("</svg></figure>").toString();
  }

  private static void panel(StringBuilder s, List<FaultReport.Point> points, int index, String label, ToDoubleFunction<FaultReport.Point> value,
      String colour, double scale) {
    int top = 16 + index * (PANEL + GAP);
    double max = Math.max(1, points.stream().mapToDouble(value).max().orElse(1));
    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>", LEFT, top,
        WIDTH - LEFT - RIGHT, PANEL));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>", LEFT + 4, top + 12, HtmlReport.esc(label)));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", LEFT - 4, top + 10, ReportNumbers.num(max, 0)));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>", LEFT - 4, top + PANEL));
    StringBuilder line = new StringBuilder();
    for (FaultReport.Point p : points) {
      double x = LEFT + p.offsetSeconds() * scale;
      double y = top + PANEL - value.applyAsDouble(p) / max * (PANEL - 4);
      line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
    s.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"1.2\" points=\"").append(line.toString().trim()).append("\"/>");
  }

  private static int tick(double end) {
    for (int t : new int[] {10, 20, 30, 60, 120, 300, 600}) {
      if (end / t <= 12) {
        return t;
      }
    }
    return 1200;
  }

  private static String colour(String kind) {
    return switch (kind) {
      case "kill" -> "#c0392b";
      case "pause" -> "#d68910";
      case "partition" -> "#7d3c98";
      default -> "#2e86c1";
    };
  }
}
