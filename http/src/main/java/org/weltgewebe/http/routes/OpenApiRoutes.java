package org.weltgewebe.http.routes;

import static org.apache.pekko.http.javadsl.server.Directives.complete;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.weltgewebe.http.shedding.Priority;

/**
 * The OpenAPI 3 document at {@code /openapi.json}. It is written by hand (resource {@value
 * #RESOURCE}, in the module's root package) so it can say what the code cannot — why a
 * status is answered, what a field means; {@code OpenApiDocumentTest} holds it to the route table.
 */
public final class OpenApiRoutes {
  static final String RESOURCE = "/org/weltgewebe/http/openapi.json";

  private final byte[] document;

  public OpenApiRoutes() {
    this.document = load();
  }

  public List<Operation> operations() {
    return List.of(Operation.get("/openapi.json", Priority.READ, p -> serve()));
  }

  private Route serve() {
    return complete(HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, document)));
  }

  static byte[] load() {
    try (InputStream in = OpenApiRoutes.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the OpenAPI document " + RESOURCE + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
