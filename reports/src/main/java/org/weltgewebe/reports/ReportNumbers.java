package org.weltgewebe.reports;

import java.util.Locale;

/** How the reports print numbers: one place, so Markdown, HTML and the CLI agree. */
final class ReportNumbers {
  private ReportNumbers() {}

  static String eur(double v) {
    if (!Double.isFinite(v)) {
      return "–";
    }
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "€%,.0f", v) : Math.abs(v) >= 1
        ? String.format(Locale.ROOT, "€%,.2f", v) : String.format(Locale.ROOT, "€%.4f", v);
  }

  static String ms(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f ms", v) : "–";
  }

  static String pct(double share) {
    return Double.isFinite(share) ? String.format(Locale.ROOT, "%.1f %%", share * 100) : "–";
  }

  static String num(double v, int decimals) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%,." + decimals + "f", v) : "–";
  }

  static String bytes(double v) {
    if (!Double.isFinite(v)) {
      return "–";
    }
    String[] units = {"B", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (Math.abs(v) >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  }

  static String mark(boolean ok) {
    return ok ? "✓" : "✗";
  }

  /** Text safe inside a Markdown table cell. */
  static String cell(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ");
  }
}
