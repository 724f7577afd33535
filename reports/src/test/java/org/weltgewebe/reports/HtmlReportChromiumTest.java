package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens report.html in a real headless Chromium, offline, and reads back what the page says about
 * itself: every chart container marked rendered, no script error in {@code #errors}, no console
 * error in Chromium's log; and a screenshot that is not blank. Without Chromium at
 * /usr/bin/chromium the tests fail, so that CI cannot pass without having looked; a developer
 * without a browser skips them explicitly with {@code WELTGEWEBE_SKIP_BROWSER_TESTS=true}.
 */
class HtmlReportChromiumTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final long TIMEOUT_SECONDS = 120;

  @TempDir Path tmp;

  /** Passes when Chromium is installed; skips when the environment asks to; fails otherwise, saying how to get it. */
  static void requireChromium() {
    if (Files.isExecutable(CHROMIUM)) {
      return;
    }
    assumeFalse("true".equalsIgnoreCase(System.getenv("WELTGEWEBE_SKIP_BROWSER_TESTS")),
        "Chromium is not installed at " + CHROMIUM + "; skipped because WELTGEWEBE_SKIP_BROWSER_TESTS=true");
    fail("Chromium is not installed at " + CHROMIUM + ": install it (Debian package chromium; .ci/run does) "
        + "or set WELTGEWEBE_SKIP_BROWSER_TESTS=true to skip the browser tests");
  }

  @Test
  void theS1ReportRendersEveryChartWithoutErrors() throws Exception {
    requireChromium();
    Path run = tmp.resolve(Fixtures.S1_RUN);
    Files.createDirectories(run);
    Files.copy(Fixtures.runDir(Fixtures.S1_RUN).resolve(RunReports.FILE), run.resolve(RunReports.FILE));
    RunReports.writeCapacity(capacity(Fixtures.s1()), run);
    ReportRendering.Rendered out = ReportRendering.renderAll(run);

    String html = Files.readString(out.html());
    assertThat(html).doesNotContainPattern("(?i)<(script|link)[^>]+(src|href)=\"?(https?:)?//");
    assertThat(html).contains("S1-20261129-042630");

    Browser result = open(out.html(), "dump");
    for (String chart : HtmlReport.CHARTS) {
      assertThat(result.dom()).containsPattern(Pattern.compile("id=\"" + chart + "\"[^>]*data-rendered=\"true\""));
    }
    assertThat(result.dom()).contains("id=\"rendered-charts\">" + String.join(" ", HtmlReport.CHARTS) + "<");
    assertThat(result.dom()).contains("<pre id=\"errors\"></pre>");
    assertThat(result.consoleErrors()).isEmpty();

    Path png = tmp.resolve("report.png");
    open(out.html(), "screenshot=" + png);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(1280);
    assertThat(colours(image)).as("distinct colours in the screenshot").isGreaterThan(100);
    Path kept = Path.of("target", "report-screenshot.png");
    Files.createDirectories(kept.getParent());
    Files.copy(png, kept, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void hostileTextStaysText() throws Exception {
    requireChromium();
    String evil = "</script><script>document.title='pwned'</script><b id=\"injected\">&amp;\u2028";
    RunReport run = Fixtures.withRoutes(Fixtures.handMade(), "T1" + evil, r -> Fixtures.route(r.method(), r.route() + evil, r.requests(), r.bytesReceived(), 12));
    Path dir = tmp.resolve("evil");
    RunReports.write(run, dir);
    ReportRendering.Rendered out = ReportRendering.renderAll(dir);
    Browser result = open(out.html(), "dump");
    // had the text escaped into markup, the DOM would hold a <b> element and the title would be "pwned"
    assertThat(result.dom()).doesNotContain("<b id=\"injected\"").contains("<title>T1&lt;/script&gt;&lt;script&gt;document.title='pwned'");
    assertThat(result.dom()).contains("&lt;b id=\"injected\"&gt;");
    for (String chart : HtmlReport.CHARTS) {
      assertThat(result.dom()).containsPattern(Pattern.compile("id=\"" + chart + "\"[^>]*data-rendered=\"true\""));
    }
    assertThat(result.dom()).contains("<pre id=\"errors\"></pre>");
  }

  /** A capacity search around the S1 run's rates, so the what-if chart has measured points. */
  private static CapacityReport capacity(RunReport run) {
    RunReport.Latency low = new RunReport.Latency(4, 10, 14, 35, 80, 6);
    RunReport.Latency high = new RunReport.Latency(20, 60, 90, 200, 400, 30);
    return new CapacityReport(1, "capacity-test", run.startedAt(), run.finishedAt(), "S1", "http://127.0.0.1", 1, 2, "vm, 2 cores", "test", 2700, 10,
        List.of(new CapacityReport.Step(50, 50, 50, 500, 500, 0, 0, 0, low, 2, 0, 0, true, List.of(), List.of(), 10, false, List.of()),
            new CapacityReport.Step(300, 298, 296, 3000, 2960, 0, 0, 0, high, 9, 0, 0, true, List.of(), List.of(), 10, false, List.of())),
        300, 300, 280, "p99 latency", 0.6, List.of(), "test data", "test data", 3, 2, List.of());
  }

  private record Browser(String dom, List<String> consoleErrors) {}

  /** Runs Chromium headless on {@code page} with a fresh profile; {@code mode} is "dump" or "screenshot=FILE". */
  private Browser open(Path page, String mode) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(tmp, "chromium-profile");
    List<String> command = new ArrayList<>(List.of(
        CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
        "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--window-size=1280,4000"));
    command.add(mode.equals("dump") ? "--dump-dom" : "--" + mode);
    command.add(page.toUri().toString());
    Path stdout = tmp.resolve("chromium.out");
    Path stderr = tmp.resolve("chromium.err");
    Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("Chromium did not finish within " + TIMEOUT_SECONDS + " s: " + Files.readString(stderr));
    }
    assertThat(p.exitValue()).as("Chromium's exit code; its log: %s", Files.readString(stderr)).isZero();
    List<String> console = Files.readAllLines(stderr, StandardCharsets.UTF_8).stream()
        .filter(l -> l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains("Error")))
        .toList();
    return new Browser(Files.readString(stdout, StandardCharsets.UTF_8), console);
  }

  private static int colours(BufferedImage image) {
    Set<Integer> seen = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 3) {
      for (int x = 0; x < image.getWidth(); x += 3) {
        seen.add(image.getRGB(x, y));
      }
    }
    return seen.size();
  }
}
