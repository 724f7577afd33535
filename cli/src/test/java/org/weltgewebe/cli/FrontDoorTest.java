package org.weltgewebe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README as a front door: short, the main job and the tests on its first screen, CI running
 * exactly the test command it shows, and every link into the docs leading somewhere.
 */
class FrontDoorTest {
  static final Path ROOT = Path.of("..");
  static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)\\s]*)?\\)");

  @Test
  void theReadmeIsShortAndShowsBothCommandsOnItsFirstScreen() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    assertThat(readme.length()).as("README.md characters").isLessThanOrEqualTo(8_000);
    String firstScreen = String.join("\n", readme.lines().limit(30).toList());
    assertThat(firstScreen).contains("./weltgewebe scenario run S1").contains(testCommand(readme));
  }

  @Test
  void ciRunsExactlyTheReadmesTestCommand() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    List<String> commands = Files.readAllLines(ROOT.resolve(".ci/run"), StandardCharsets.UTF_8).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
    assertThat(commands.get(commands.size() - 1)).as("the last command of .ci/run").isEqualTo(testCommand(readme));
  }

  @Test
  void everyRelativeLinkOfTheReadmeAndTheDocsLeadsToAFile() throws Exception {
    List<Path> pages = new ArrayList<>();
    pages.add(ROOT.resolve("README.md"));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
    }
    List<String> broken = new ArrayList<>();
    for (Path page : pages) {
      Matcher m = LINK.matcher(Files.readString(page, StandardCharsets.UTF_8));
      while (m.find()) {
        String target = m.group(1);
        if (!target.contains("://") && !target.startsWith("mailto:") && !Files.exists(page.getParent().resolve(target))) {
          broken.add(page.getFileName() + " → " + target);
        }
      }
    }
    assertThat(broken).isEmpty();
    assertThat(pages).as("README.md and the pages of docs/").hasSizeGreaterThan(8);
  }

  /** The README's test command: the line of its first code block that starts with {@code mvn}, without its comment. */
  static String testCommand(String readme) {
    Matcher block = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(block.find()).as("a bash block in the README").isTrue();
    return block.group(1).lines()
        .filter(l -> l.startsWith("mvn "))
        .map(l -> l.replaceAll("\\s+#.*$", "").strip())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no mvn command in the README's first code block"));
  }
}
