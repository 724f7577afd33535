package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import kamon.Kamon;
import kamon.metric.Counter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.weltgewebe.http.TestApi;

/** Egress per route template counts the bytes that really left. */
class HttpFiguresTest {
  @RegisterExtension static final TestApi api = TestApi.onSharedNode();

  @Test
  void responseBytesAreCountedPerRouteTemplate() throws Exception {
    long before = egress("/tiles/{z}/{x}/{y}");
    HttpResponse<byte[]> first = api.sendForBytes(api.request("/tiles/14/8800/5370").GET().build());
    HttpResponse<byte[]> second = api.sendForBytes(api.request("/tiles/14/8801/5370").GET().build());
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(egress("/tiles/{z}/{x}/{y}") - before).isEqualTo(first.body().length + second.body().length);
  }

  private static long egress(String route) {
    Counter counter = Kamon.counter("weltgewebe_http_response_bytes").withTag("route", route).withTag("method", "GET");
    // Kamon's Java-visible counter keeps its total in a LongAdder; read it without resetting.
    return ((Counter.LongAdder) counter).snapshot(false);
  }
}
