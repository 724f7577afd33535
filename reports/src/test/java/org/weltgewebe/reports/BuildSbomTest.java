package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A report names the SBOM of the build that ran it: path, serial number, hash; and says when there is none. */
class BuildSbomTest {
  static final String BOM = """
      {"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:735f6b62-ea4e-30e0-84dd-0ed657292e45","version":1,
       "components":[{"type":"library","name":"a"},{"type":"library","name":"b"}]}
      """;

  @TempDir Path dir;

  @Test
  void aCycloneDxDocumentIsReferencedByPathSerialAndHash() throws Exception {
    Path file = Files.writeString(dir.resolve("bom.json"), BOM);
    RunReport.Sbom sbom = BuildSbom.read(file).orElseThrow();
    assertThat(sbom.path()).isEqualTo(file.toAbsolutePath().toString());
    assertThat(sbom.serialNumber()).isEqualTo("urn:uuid:735f6b62-ea4e-30e0-84dd-0ed657292e45");
    assertThat(sbom.sha256())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(BOM.getBytes(StandardCharsets.UTF_8))));
    assertThat(sbom.components()).isEqualTo(2);
  }

  @Test
  void aMissingFileOrAnotherDocumentIsNoSbom() throws Exception {
    assertThat(BuildSbom.read(dir.resolve("absent.json"))).isEmpty();
    assertThat(BuildSbom.read(Files.writeString(dir.resolve("other.json"), "{\"bomFormat\":\"SPDX\"}"))).isEmpty();
    assertThat(BuildSbom.read(Files.writeString(dir.resolve("broken.json"), "{"))).isEmpty();
  }

  @Test
  void reportJsonMdAndHtmlCarryTheSbom() throws Exception {
    RunReport.Sbom sbom = BuildSbom.read(Files.writeString(dir.resolve("bom.json"), BOM)).orElseThrow();
    RunReport h = Fixtures.handMade();
    RunReport run = new RunReport(h.schemaVersion(), h.runId(), h.startedAt(), h.finishedAt(), h.scenario(), h.settings(), h.totals(),
        h.routes(), h.timeline(), h.overload(), h.oracle(), h.server(), h.verdict(), sbom);

    assertThat(RunReports.read(RunReports.write(run, dir.resolve("run"))).sbom()).isEqualTo(sbom);
    CostModel.Pricing pricing = CostModel.price(run, Fixtures.testPrices(), 0.6);
    assertThat(MarkdownReport.render(run, pricing, Optional.empty()))
        .contains("Build: SBOM `" + sbom.path() + "` (urn:uuid:735f6b62-ea4e-30e0-84dd-0ed657292e45, SHA-256 " + sbom.sha256()
            + ", 2 components).");
    assertThat(HtmlReport.render(run, pricing, Optional.empty()))
        .contains("<a href=\"" + Path.of(sbom.path()).toUri() + "\">" + sbom.path() + "</a>")
        .contains(sbom.sha256());
    assertThat(MarkdownReport.render(h, CostModel.price(h, Fixtures.testPrices(), 0.6), Optional.empty()))
        .contains("Build: no SBOM was found for the build that ran this scenario.");
  }
}
