package org.weltgewebe.reports;

import java.util.List;

/**
 * A report section built once as paragraphs and tables and written twice, as Markdown for
 * report.md and as HTML for report.html, so both say the same ({@link FaultSection},
 * {@link TopologySection}).
 */
final class SectionText {
  private SectionText() {}

  sealed interface Block permits Paragraph, Table {}

  record Paragraph(String text) implements Block {}

  record Table(List<String> header, List<List<String>> rows) implements Block {}

  static String markdown(String title, List<Block> blocks) {
    return "## " + title + "\n\n" + markdown(blocks);
  }

  /** The blocks without a heading, for text that has its own (the capacity search's console summary). */
  static String markdown(List<Block> blocks) {
    StringBuilder md = new StringBuilder();
    for (Block b : blocks) {
      if (b instanceof Paragraph p) {
        md.append(p.text()).append("\n\n");
      } else if (b instanceof Table table) {
        md.append("| ").append(String.join(" | ", table.header().stream().map(ReportNumbers::cell).toList())).append(" |\n|");
        table.header().forEach(h -> md.append("---|"));
        md.append('\n');
        for (List<String> row : table.rows()) {
          md.append("| ").append(String.join(" | ", row.stream().map(ReportNumbers::cell).toList())).append(" |\n");
        }
        md.append('\n');
      }
    }
    return md.toString();
  }

  /** {@code opening} is the section's start tag; {@code afterFirst} (HTML, may be empty) follows the first block. */
  static String html(String opening, String title, List<Block> blocks, String afterFirst) {
    StringBuilder h = new StringBuilder(opening).append("<h2>").append(HtmlReport.esc(title)).append("</h2>");
    for (int i = 0; i < blocks.size(); i++) {
      if (blocks.get(i) instanceof Paragraph p) {
        h.append("<p>").append(HtmlReport.esc(p.text())).append("</p>");
      } else if (blocks.get(i) instanceof Table table) {
        h.append("<table><tr>");
        table.header().forEach(c -> h.append("<th>").append(HtmlReport.esc(c)).append("</th>"));
        h.append("</tr>");
        for (List<String> row : table.rows()) {
          h.append("<tr>");
          row.forEach(c -> h.append("<td>").append(HtmlReport.esc(c)).append("</td>"));
          h.append("</tr>");
        }
        h.append("</table>");
      }
      if (i == 0) {
        h.append(afterFirst);
      }
    }
    return h.append("</section>\n").toString();
  }
}
