package org.weltgewebe.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cost.json}: written beside every rendered report, valid against the documented schema
 * (reports/schema/cost.schema.json, on the class path as the build ships it), and its figures are
 * the cost model's — for a real run, a hand-made one, and a run that measured nothing on the server.
 */
class CostKpisTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private static JsonSchema schema() throws Exception {
    try (InputStream in = CostKpis.class.getResourceAsStream("schema/cost.schema.json")) {
      assertThat(in).as("cost.schema.json on the class path").isNotNull();
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
    }
  }

  private static Set<ValidationMessage> validate(JsonNode doc) throws Exception {
    return schema().validate(doc);
  }

  @Test
  void renderingWritesCostJsonThatTheSchemaAccepts() throws Exception {
    Path dir = tmp.resolve(Fixtures.S1_RUN);
    Files.createDirectories(dir);
    Files.copy(Fixtures.runDir(Fixtures.S1_RUN).resolve("report.json"), dir.resolve("report.json"));

    ReportRendering.Rendered out = ReportRendering.renderAll(dir);

    assertThat(out.cost()).isEqualTo(dir.resolve("cost.json")).isRegularFile();
    JsonNode doc = JSON.readTree(out.cost().toFile());
    assertThat(validate(doc)).isEmpty();
    assertThat(doc.get("schemaVersion").asInt()).isEqualTo(CostKpis.SCHEMA_VERSION);
    assertThat(doc.get("runId").asText()).isEqualTo(Fixtures.S1_RUN);
    assertThat(doc.at("/prices/date").asText()).isEqualTo(Prices.current().date());
    // the run's own scenario first, then S1-S4, each with every provider of the price list
    assertThat(doc.get("scenarios")).hasSize(5);
    assertThat(doc.at("/scenarios/0/ownRun").asBoolean()).isTrue();
    assertThat(doc.get("scenarios").findValuesAsText("id")).contains("S1", "S2", "S3", "S4", "hetzner", "do-hybrid");
    assertThat(doc.get("assumptions").size()).isGreaterThan(3);
  }

  @Test
  void theFiguresAreTheCostModels() {
    RunReport report = Fixtures.handMade();
    Prices prices = Fixtures.testPrices();
    CostModel.Pricing pricing = CostModel.price(report, prices, 0.6);

    CostKpis kpis = CostKpis.of(pricing, prices, Optional.empty());

    CostModel.ProviderCost expected = pricing.own().providers().get(0);
    CostKpis.ProviderKpis actual = kpis.scenarios().get(0).providers().get(0);
    assertThat(actual.id()).isEqualTo(expected.providerId());
    assertThat(actual.eurPerMonth()).isEqualTo(expected.totalEur());
    assertThat(actual.eurPer1000Sessions()).isCloseTo(expected.eurPer1000Sessions(), within(1e-9));
    assertThat(actual.eurPerGBEgress()).isCloseTo(expected.eurPerGBEgress(), within(1e-9));
    assertThat(actual.eurPerMillionEvents()).isCloseTo(expected.eurPerMillionEvents(), within(1e-9));
    assertThat(actual.band().verdict()).isEqualTo(expected.band().position());
    assertThat(actual.lines()).extracting(CostKpis.Line::item).containsExactly("nodes", "database", "storage", "egress", "edge");
    assertThat(kpis.edgeQuota().modelledPercent()).isEqualTo(pricing.own().need().edgeQuotaPercent());
    assertThat(kpis.edgeQuota().measured()).isNull();
    assertThat(kpis.prices().date()).isEqualTo(prices.date());
    assertThat(kpis.utilisation()).isEqualTo(0.6);
  }

  @Test
  void whatWasNotMeasuredIsNullNotNaN() throws Exception {
    RunReport h = Fixtures.handMade();
    RunReport.ServerUsage none = new RunReport.ServerUsage(Double.NaN, Double.NaN, Double.NaN, Map.of(), Map.of(), 0, 0, Double.NaN, 0, 0, 0,
        "remote platform (no CPU seconds)", Map.of());
    RunReport remote = new RunReport(h.schemaVersion(), "remote", h.startedAt(), h.finishedAt(), h.scenario(), h.settings(),
        new RunReport.Totals(0, 0, 0, 0, 0, 0, 0), List.of(), List.of(), h.overload(), h.oracle(), none, h.verdict());
    CostKpis kpis = CostKpis.of(CostModel.price(remote, Prices.current(), 0.6), Prices.current(), Optional.empty());

    String text = kpis.toJson();

    assertThat(text).doesNotContain("NaN").doesNotContain("Infinity");
    JsonNode doc = JSON.readTree(text);
    assertThat(doc.at("/measured/cpuSecondsPerSession").isNull()).isTrue();
    assertThat(validate(doc)).isEmpty();
  }

  @Test
  void aMeasuredEdgeQuotaIsCarried() throws Exception {
    CostKpis.MeasuredEdge edge = new CostKpis.MeasuredEdge(100, 100, 80, 80.0, 0, 0, 0, null, 80.0, "test");
    CostKpis kpis = CostKpis.of(CostModel.price(Fixtures.handMade(), Fixtures.testPrices(), 0.6), Fixtures.testPrices(), Optional.of(edge));
    JsonNode doc = JSON.readTree(kpis.toJson());
    assertThat(validate(doc)).isEmpty();
    assertThat(doc.at("/edgeQuota/measured/tileHitPercent").asDouble()).isEqualTo(80.0);
    assertThat(doc.at("/edgeQuota/measured/htmlHitPercent").isNull()).isTrue();
  }

  @Test
  void theSchemaRejectsWhatItDoesNotDescribe() throws Exception {
    ObjectNode doc = (ObjectNode) JSON.readTree(
        CostKpis.of(CostModel.price(Fixtures.handMade(), Fixtures.testPrices(), 0.6), Fixtures.testPrices(), Optional.empty()).toJson());
    assertThat(validate(doc)).isEmpty();

    ObjectNode undocumented = doc.deepCopy();
    undocumented.put("surprise", 1);
    assertThat(validate(undocumented)).isNotEmpty();

    ObjectNode missing = doc.deepCopy();
    missing.remove("prices");
    assertThat(validate(missing)).isNotEmpty();

    ObjectNode wrongVerdict = doc.deepCopy();
    ((ObjectNode) wrongVerdict.at("/scenarios/0/providers/0/band")).put("verdict", "cheap");
    assertThat(validate(wrongVerdict)).isNotEmpty();
  }
}
