package org.weltgewebe.http.routes;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.weltgewebe.actors.Region;

/**
 * The last answer rendered from each region cell's picture, sent again while the region answers
 * with the same picture object ({@link Region} reuses its picture until something in it changes).
 * A busy cell's picture is hundreds of kilobytes of JSON, read far more often than it changes.
 * Identity, not equality: a copy from a region on another node is rendered anew, because a copy's
 * fields cannot tell it from a later picture of a region that restarted on a frozen clock. At most
 * {@code maxBytes} of answers are kept over all cells.
 */
final class RenderedViews {
  private final Cache<String, Rendered> rendered;

  /** A picture and its answer. */
  private record Rendered(Region.View view, HttpResponse response, int bytes) {
    @SuppressWarnings("ReferenceEquality") // identity is the point (class comment)
    boolean answers(Region.View other) {
      return view == other;
    }
  }

  RenderedViews(long maxBytes) {
    this.rendered = Caffeine.newBuilder().maximumWeight(maxBytes).weigher((String cell, Rendered r) -> r.bytes()).build();
  }

  /** The answer for {@code view} of {@code cell}: the kept one when it was rendered from this very picture, else {@code render}'s. */
  HttpResponse answer(String cell, Region.View view, Function<Region.View, HttpResponse> render) {
    Rendered last = rendered.getIfPresent(cell);
    if (last != null && last.answers(view)) {
      return last.response();
    }
    HttpResponse response = render.apply(view);
    long bytes = response.entity().getContentLengthOption().orElse(0L);
    rendered.put(cell, new Rendered(view, response, (int) Math.min(Integer.MAX_VALUE, bytes)));
    return response;
  }
}
