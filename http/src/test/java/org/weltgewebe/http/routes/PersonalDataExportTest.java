package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.http.TestApi;
import org.weltgewebe.http.TestNode;
import org.weltgewebe.persistence.privacy.AuditLog;
import org.weltgewebe.persistence.privacy.Vault;

/**
 * The data subject access export, {@code GET /roles/{id}/personal-data}, and the auditing of every
 * read of personal data: the subject gets everything held about it (its personal data, the read-model
 * rows that name it, its key's state, the audit rows about it); another role gets 403, and each of
 * these — the read, the export, the refusal — is a row in the audit log before the answer goes out.
 */
class PersonalDataExportTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();
  static Vault vault;

  @BeforeAll
  static void openTheVault() throws Exception {
    vault = Vault.open(TestNode.node().database(), 1, Clock.systemUTC());
  }

  @AfterAll
  static void closeTheVault() {
    vault.close();
  }

  @Test
  void theSubjectExportsEverythingHeldAboutItAndTheExportIsAudited() throws Exception {
    TestApi.Role ada = api.register("Ada Export");
    assertThat(api.put("/roles/" + ada.id() + "/profile",
        TestApi.body(Map.of("goods", List.of("Lastenrad"), "skills", List.of("Löten"))), ada.token()).statusCode())
        .isEqualTo(200);
    String knotId = api.createKnot(ada, "Export knot").at("/knot/knotId").asText();
    // Each read model is fed by its own consumer: wait until all three have applied Ada's events.
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      JsonNode models = TestApi.json(api.get("/roles/" + ada.id() + "/personal-data", ada.token())).at("/readModels");
      return models.at("/rm_knot").size() == 1
          && models.at("/rm_thread").findValuesAsText("knot_id").contains(knotId)
          && models.at("/rm_role/0/goods").toString().contains("Lastenrad");
    });

    HttpResponse<String> response = api.get("/roles/" + ada.id() + "/personal-data", ada.token());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode export = TestApi.json(response);
    assertThat(export.at("/personal/homeAddress").asText()).isEqualTo("Oranienstraße 1, Berlin");
    assertThat(export.at("/personal/home/lat").asDouble()).isEqualTo(TestApi.KREUZBERG_LAT);
    assertThat(export.at("/profile/displayName").asText()).isEqualTo("Ada Export");
    assertThat(export.at("/readModels/rm_role/0/display_name").asText()).isEqualTo("Ada Export");
    assertThat(export.at("/readModels/rm_role/0/goods").toString()).contains("Lastenrad");
    assertThat(export.at("/readModels/rm_knot/0/knot_id").asText()).isEqualTo(knotId);
    assertThat(export.at("/readModels/rm_thread").findValuesAsText("knot_id")).contains(knotId);
    assertThat(export.at("/key/createdAt").isTextual()).as("the key's state is part of the export").isTrue();
    assertThat(export.at("/audit").findValuesAsText("action")).contains("key.create", "personal-data.export");

    List<AuditLog.Row> audited = vault.audit().about(ada.id());
    assertThat(audited).filteredOn(row -> row.action().equals("personal-data.export"))
        .allSatisfy(row -> assertThat(row.actor()).isEqualTo("role:" + ada.id()))
        .hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void anotherRoleIsRefused403AndTheAttemptIsAudited() throws Exception {
    TestApi.Role ada = api.register("Ada Refused");
    TestApi.Role bob = api.register("Bob Prying");

    HttpResponse<String> export = api.get("/roles/" + ada.id() + "/personal-data", bob.token());
    assertThat(export.statusCode()).as(export.body()).isEqualTo(403);
    assertThat(export.body()).doesNotContain("Oranienstraße");
    HttpResponse<String> read = api.get("/roles/" + ada.id() + "/personal", bob.token());
    assertThat(read.statusCode()).isEqualTo(403);
    assertThat(api.get("/roles/" + ada.id() + "/personal-data").statusCode()).as("no token").isEqualTo(401);

    List<AuditLog.Row> refusals = vault.audit().about(ada.id()).stream()
        .filter(row -> row.action().equals("personal-data.refused")).toList();
    assertThat(refusals).hasSize(2).allSatisfy(row -> assertThat(row.actor()).isEqualTo("role:" + bob.id()));
    assertThat(refusals).extracting(AuditLog.Row::reason)
        .containsExactly("GET /roles/{id}/personal-data by another role", "GET /roles/{id}/personal by another role");
    assertThat(vault.audit().about(ada.id())).as("nothing of Ada's was read or exported")
        .noneMatch(row -> row.action().equals("personal-data.export") || row.action().equals("personal-data.read"));
  }

  @Test
  void everyReadOfOnesOwnPersonalDataIsAudited() throws Exception {
    TestApi.Role ada = api.register("Ada Reads");
    assertThat(api.get("/roles/" + ada.id() + "/personal", ada.token()).statusCode()).isEqualTo(200);
    assertThat(api.get("/roles/" + ada.id() + "/personal", ada.token()).statusCode()).isEqualTo(200);
    assertThat(vault.audit().about(ada.id())).filteredOn(row -> row.action().equals("personal-data.read"))
        .hasSize(2).allSatisfy(row -> assertThat(row.actor()).isEqualTo("role:" + ada.id()));
    assertThat(vault.audit().verify().intact()).isTrue();
  }
}
