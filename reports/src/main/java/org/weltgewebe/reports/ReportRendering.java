package org.weltgewebe.reports;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Renders a run directory's {@code report.json} (and {@code capacity.json} when there is one) into
 * {@code report.html} and {@code report.md} beside it, and writes the cost KPIs for operators' own
 * tools as {@code cost.json} ({@link CostKpis}) with the same prices. A proxied run's {@code
 * topology.json} adds its section to both readable forms and its measured edge quota to cost.json, a fault run's {@code
 * faults.json} its faults section, a capacity.json what stops one node ({@link CapacityLimit}) and the stations' what-if model checked against it ({@link AdmissionQueueModel}). The scenario runner calls
 * {@link #renderAll(Path)} at the end of a run; {@code weltgewebe report render} does the same for
 * any run directory.
 */
public final class ReportRendering {
  public static final String HTML_FILE = "report.html";
  public static final String MARKDOWN_FILE = "report.md";

  private ReportRendering() {}

  /** The files written: the two readable forms and the cost KPIs. */
  public record Rendered(Path html, Path markdown, Path cost) {}

  /** Renders {@code runDir} with the current price list at the default utilisation. */
  public static Rendered renderAll(Path runDir) {
    return renderAll(runDir, Prices.current(), CostModel.DEFAULT_UTILISATION);
  }

  /** Renders {@code runDir} with {@code prices} at {@code utilisation}. */
  public static Rendered renderAll(Path runDir, Prices prices, double utilisation) {
    return renderAll(runDir, prices, utilisation, Optional.empty());
  }

  /**
   * Renders {@code runDir} with {@code prices} at {@code utilisation}, comparing the what-if model
   * with the capacity search in {@code capacityDir} (a {@code capacity.json} or its run directory)
   * when given, else with the run directory's own capacity.json if it has one.
   */
  public static Rendered renderAll(Path runDir, Prices prices, double utilisation, Optional<Path> capacityDir) {
    RunReport report = RunReports.read(runDir);
    Path dir = Files.isDirectory(runDir) ? runDir : runDir.toAbsolutePath().getParent();
    Optional<CapacityReport> capacity = capacityDir.isPresent()
        ? Optional.of(RunReports.readCapacity(capacityDir.get()))
        : Files.isRegularFile(dir.resolve(RunReports.CAPACITY_FILE))
            ? Optional.of(RunReports.readCapacity(dir))
            : Optional.empty();
    CostModel.Pricing pricing = CostModel.price(report, prices, utilisation);
    Optional<WhatIf> whatIf = WhatIf.of(report, capacity, prices);
    Optional<TopologyReport> topology = TopologyReport.read(dir);
    Optional<FaultReport> faults = FaultReport.read(dir);
    // the stations' model of the capacity search, right after the CPU-only what-if it corrects
    Optional<AdmissionQueueModel> stations = capacity.flatMap(AdmissionQueueModel::of);
    // what stops one node and what that means for a whole day replayed, before the model of it
    Optional<CapacityLimit> limit = capacity.flatMap(CapacityLimit::of);
    String limitHtml = limit.map(l -> l.htmlSection(capacity.get())).orElse("");
    String limitMarkdown = limit.map(l -> l.markdownSection(capacity.get())).orElse("");
    Path html = dir.resolve(HTML_FILE);
    Path md = dir.resolve(MARKDOWN_FILE);
    try {
      Files.writeString(html, HtmlReport.render(report, pricing, whatIf, limitHtml + stations.map(AdmissionQueueModel::htmlSection).orElse("")
          + faults.map(FaultSection::html).orElse("") + topology.map(TopologySection::html).orElse("")), StandardCharsets.UTF_8);
      Files.writeString(md, MarkdownReport.render(report, pricing, whatIf, limitMarkdown + stations.map(AdmissionQueueModel::markdownSection).orElse("")
          + faults.map(FaultSection::markdown).orElse("") + topology.map(TopologySection::markdown).orElse("")), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the reports into " + dir, e);
    }
    Path cost = costKpis(dir, pricing, prices).write(dir);
    return new Rendered(html, md, cost);
  }

  /**
   * The cost KPIs of the run in {@code runDir} (a run directory or its report.json) as {@code
   * pricing} has them.
   */
  public static CostKpis costKpis(Path runDir, CostModel.Pricing pricing, Prices prices) {
    return CostKpis.of(pricing, prices, TopologyReport.read(runDir).map(TopologyReport::edge));
  }
}
