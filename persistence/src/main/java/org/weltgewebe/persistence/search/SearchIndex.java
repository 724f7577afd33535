package org.weltgewebe.persistence.search;

import java.util.concurrent.CompletionStage;

/**
 * Search over knots and roles' public profiles, as the API offers it.
 *
 * <p>The platform's own index is {@link PostgresSearchIndex}, over the read models the event stream
 * feeds. A search engine (Typesense, MeiliSearch) can take its place behind this interface: an
 * adapter fed from the same stream, answering the same {@link SearchQuery} with the same public
 * fields. The answer is asynchronous because every implementation waits on something, a database
 * or a remote engine, and the caller is an HTTP route that must not block its dispatcher.
 */
public interface SearchIndex {

  /**
   * The hits for {@code query}, best first. Fails (the stage completes exceptionally) only when the
   * index cannot be read; no text, however odd, is a failure.
   */
  CompletionStage<SearchResults> search(SearchQuery query);
}
