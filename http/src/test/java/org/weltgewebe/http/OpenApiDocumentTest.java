package org.weltgewebe.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The OpenAPI document and the server agree: the document lists exactly the route table, every
 * documented operation answers (never "no such route" or 405), and operations outside the
 * document are not answered.
 */
class OpenApiDocumentTest {
  static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();
  static JsonNode document;

  @BeforeAll
  static void fetchTheDocument() throws Exception {
    HttpResponse<String> served = api.get("/openapi.json");
    assertThat(served.statusCode()).isEqualTo(200);
    document = TestApi.json(served);
  }

  static Set<String> documented() {
    Set<String> operations = new TreeSet<>();
    for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
      path.getValue().fieldNames().forEachRemaining(method -> {
        if (METHODS.contains(method)) {
          operations.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey());
        }
      });
    }
    return operations;
  }

  @Test
  void theDocumentListsExactlyTheRouteTable() {
    Set<String> table = new TreeSet<>();
    api.bound.routes().table().forEach(endpoint -> table.add(endpoint.toString()));
    assertThat(documented()).isEqualTo(table);
    assertThat(document.get("openapi").asText()).startsWith("3.");
  }

  @Test
  void everyDocumentedOperationAnswers() throws Exception {
    for (String operation : documented()) {
      String method = operation.substring(0, operation.indexOf(' '));
      String path = operation.substring(operation.indexOf(' ') + 1)
          .replace("{z}", "3").replace("{x}", "1").replace("{y}", "2").replaceAll("\\{[a-z]+}", "x1");
      HttpRequest request = api.request(path).method(method, HttpRequest.BodyPublishers.noBody()).build();
      // A live feed answers with a stream that never ends: read the status, then only a finite body.
      HttpResponse<java.io.InputStream> response =
          TestApi.CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.statusCode()).as(operation).isNotEqualTo(405);
      try (java.io.InputStream body = response.body()) {
        if (!response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
          assertThat(new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
              .as(operation).doesNotContain("/problems/no-such-route");
        }
      }
    }
  }

  @Test
  void operationsOutsideTheDocumentAreNotAnswered() throws Exception {
    assertThat(api.send(api.request("/knots/x1").DELETE().build()).statusCode()).isEqualTo(405);
    assertThat(api.send(api.request("/threads/x1/yarn").GET().build()).statusCode()).isEqualTo(405);
    assertThat(api.get("/searches?q=x").statusCode()).isEqualTo(404);
    assertThat(documented()).noneMatch(op -> op.contains("/searches"));
  }
}
