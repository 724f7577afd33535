package org.weltgewebe.persistence.search;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.WeaveClock;
import org.weltgewebe.persistence.DatabaseSettings;

/**
 * The embedded search: PostgreSQL full text and trigram similarity over the read models
 * ({@code rm_knot}, {@code rm_role}), indexed by migration V4. Nothing has to be fed: the read-model
 * consumer writes the rows, and the generated search columns follow them in the same transaction,
 * so a knot is findable as soon as it is in the knot view.
 *
 * <p>A row matches when its words start with every word of the query (full text, prefix), or when
 * the query is close to a run of its text (pg_trgm's word similarity, default threshold 0.6), which
 * is what finds "Fahradwerkstatt" for "Fahrradwerkstatt". Its score adds the full-text rank (a
 * title or display name counts 1.0, a description, goods or skills 0.4) to half the trigram
 * similarity to the title and half that to the whole text, so a match in the title outranks the
 * same match in a description, and an exact word outranks a near one. Without pg_trgm in the
 * database only the full-text part runs.
 *
 * <p>Only knots still standing on the domain clock are found. Queries run on {@code executor}
 * through a small pool of their own, with a statement timeout, so a slow search can neither hold
 * the journal's connections nor a dispatcher thread for long; a search that timed out, or found no
 * free connection within 3 s, fails with a {@link TimeoutException}, which the API answers with 503.
 */
public final class PostgresSearchIndex implements SearchIndex, AutoCloseable {
  /** ts_rank weights for D, C, B, A: names (A) count 1.0, descriptions and offers (B) 0.4. */
  private static final String WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'";
  /** A passage of the description around the matched words, without markup (clients render it). */
  private static final String HEADLINE = "'MaxWords=24, MinWords=12, ShortWord=2, StartSel=\"\", StopSel=\"\"'";
  private static final int SNIPPET_FALLBACK = 160;
  private static final String WORDS = "(SELECT words FROM input)";
  private static final String FOLDED = "(SELECT folded FROM input)";

  private final HikariDataSource pool;
  private final Executor executor;
  private final WeaveClock clock;
  private final Duration statementTimeout;
  private volatile Boolean trigrams;

  private PostgresSearchIndex(HikariDataSource pool, Executor executor, WeaveClock clock, Duration statementTimeout) {
    this.statementTimeout = statementTimeout;
    this.pool = pool;
    this.executor = executor;
    this.clock = clock;
  }

  /**
   * An index on {@code db} with a pool of at most {@code poolSize} connections (opened on demand,
   * closed when idle) whose statements time out after {@code statementTimeout}.
   */
  public static PostgresSearchIndex open(
      DatabaseSettings db, int poolSize, Duration statementTimeout, Executor executor, WeaveClock clock) {
    HikariConfig config = db.poolConfig("search", poolSize, Duration.ofSeconds(3));
    config.setReadOnly(true);
    // Each search is one transaction that sets its own limits (see limit): settings of the session
    // (the "options" startup parameter) would not survive PgBouncer in transaction mode, which
    // hands the server connection to other clients between transactions and refuses "options".
    config.setAutoCommit(false);
    return new PostgresSearchIndex(new HikariDataSource(config), executor, clock, statementTimeout);
  }

  @Override
  public CompletionStage<SearchResults> search(SearchQuery query) {
    return CompletableFuture.supplyAsync(() -> {
      try (Connection c = pool.getConnection()) {
        limit(c);
        SearchResults results = run(c, query);
        c.commit();
        return results;
      } catch (SQLTransientConnectionException e) {
        // Every pooled connection stayed busy (or PostgreSQL did not answer) for the pool's timeout.
        throw new CompletionException(new TimeoutException("no connection for the search: " + e.getMessage()));
      } catch (SQLException e) {
        // 57014: query_canceled, which is what statement_timeout raises.
        throw new CompletionException("57014".equals(e.getSQLState())
            ? new TimeoutException("search took longer than the statement timeout")
            : e);
      }
    }, executor);
  }

  /**
   * The transaction's limits, local to it: the statement timeout, and sequential scans off. These
   * connections run only searches: each has a condition its GIN indexes serve, but PostgreSQL
   * prices the trigram operator far below its cost and reads small tables (thousands of rows)
   * whole instead, which took 45 ms where the indexes take 16 ms (5,000 knots, a query matching 667
   * of them).
   */
  private void limit(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT set_config('statement_timeout', ?, true), set_config('enable_seqscan', 'off', true)")) {
      s.setString(1, statementTimeout.toMillis() + "ms");
      s.executeQuery().close();
    }
  }

  private SearchResults run(Connection c, SearchQuery query) throws SQLException {
    boolean fuzzy = hasTrigrams(c);
    Sql sql = new Sql();
    // Each branch ranks its own best offset + limit + 1; the page is cut from their union.
    int branch = query.offset() + query.limit() + 1;
    // The query's words and folded text, computed once: as parameters of a cached (generic) plan,
    // search_prefix_query(?) would otherwise run again for every row it is compared with.
    sql.add("WITH input AS MATERIALIZED (SELECT search_prefix_query(?) AS words, search_fold(?) AS folded)",
        query.text(), query.text());
    sql.add(" SELECT kind, id, title, knot_type, goods, skills, lat, lon, score,"
        + " CASE WHEN body <> '' THEN coalesce(ts_headline('simple', body, " + WORDS + ", " + HEADLINE + "),"
        + " left(body, " + SNIPPET_FALLBACK + ")) END AS snippet FROM (SELECT * FROM (");
    if (query.wants(SearchQuery.Kind.KNOT)) {
      sql.add("(SELECT 'KNOT' AS kind, knot_id AS id, title, type AS knot_type, description AS body,"
          + " NULL::text[] AS goods, NULL::text[] AS skills, lat, lon, ");
      score(sql, "title", fuzzy);
      sql.add(" AS score FROM rm_knot WHERE ");
      matches(sql, fuzzy);
      sql.add(" AND dissolved_at IS NULL AND (dissolves_at IS NULL OR dissolves_at > ?)", Timestamp.from(clock.now()));
      query.knotType().ifPresent(type -> sql.add(" AND type = ?", type.name()));
      within(sql, query);
      sql.add(" ORDER BY score DESC, id LIMIT ?)", branch);
    }
    if (query.wants(SearchQuery.Kind.ROLE)) {
      if (query.wants(SearchQuery.Kind.KNOT)) {
        sql.add(" UNION ALL ");
      }
      sql.add("(SELECT 'ROLE' AS kind, role_id AS id, display_name AS title, NULL AS knot_type, NULL AS body,"
          + " goods, skills, lat, lon, ");
      score(sql, "display_name", fuzzy);
      sql.add(" AS score FROM rm_role WHERE left_at IS NULL AND ");
      matches(sql, fuzzy);
      within(sql, query);
      sql.add(" ORDER BY score DESC, id LIMIT ?)", branch);
    }
    sql.add(") hits ORDER BY score DESC, kind, id LIMIT ? OFFSET ?) page ORDER BY score DESC, kind, id",
        query.limit() + 1, query.offset());

    List<SearchResults.Hit> hits = new ArrayList<>();
    try (PreparedStatement s = sql.prepare(c); ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        SearchQuery.Kind kind = SearchQuery.Kind.valueOf(rs.getString("kind"));
        String snippet = kind == SearchQuery.Kind.KNOT
            ? rs.getString("snippet")
            : offers(rs.getArray("goods"), rs.getArray("skills"));
        hits.add(new SearchResults.Hit(
            kind, rs.getString("id"), rs.getString("title"), rs.getString("knot_type"), snippet,
            new GeoPoint(rs.getDouble("lat"), rs.getDouble("lon")),
            Math.round(rs.getDouble("score") * 10_000) / 10_000.0));
      }
    }
    boolean more = hits.size() > query.limit();
    return new SearchResults(
        more ? hits.subList(0, query.limit()) : hits, query.offset(), more ? query.offset() + query.limit() : null);
  }

  /** The row matches the words as prefixes, or (with pg_trgm) is near the text as a whole. */
  private static void matches(Sql sql, boolean fuzzy) {
    sql.add("(search_vector @@ " + WORDS + (fuzzy ? " OR " + FOLDED + " <% search_text" : "") + ")");
  }

  private static void score(Sql sql, String nameColumn, boolean fuzzy) {
    sql.add("coalesce(ts_rank(" + WEIGHTS + ", search_vector, " + WORDS + "), 0)");
    if (fuzzy) {
      sql.add(" + 0.5 * word_similarity(" + FOLDED + ", search_fold(" + nameColumn + "))"
          + " + 0.5 * word_similarity(" + FOLDED + ", search_text)");
    }
  }

  private static void within(Sql sql, SearchQuery query) {
    query.area().ifPresent(a -> sql.add(" AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?",
        a.minLat(), a.maxLat(), a.minLon(), a.maxLon()));
  }

  /** A role's goods and skills as one line, or null when it offers nothing. */
  private static String offers(Array goods, Array skills) throws SQLException {
    List<String> parts = new ArrayList<>();
    String[] g = goods == null ? new String[0] : (String[]) goods.getArray();
    String[] s = skills == null ? new String[0] : (String[]) skills.getArray();
    if (g.length > 0) {
      parts.add("goods: " + String.join(", ", g));
    }
    if (s.length > 0) {
      parts.add("skills: " + String.join(", ", s));
    }
    return parts.isEmpty() ? null : String.join("; ", parts);
  }

  /** Whether pg_trgm is installed here; asked once, since only a migration could change it. */
  private boolean hasTrigrams(Connection c) throws SQLException {
    Boolean known = trigrams;
    if (known == null) {
      try (PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')");
          ResultSet rs = s.executeQuery()) {
        rs.next();
        known = rs.getBoolean(1);
      }
      trigrams = known;
    }
    return known;
  }

  @Override
  public void close() {
    pool.close();
  }

  /**
   * SQL text and its parameters, appended together so that every {@code ?} stays next to its
   * value. Only fixed fragments of this class become SQL; the user's text is always a parameter.
   */
  private static final class Sql {
    private final StringBuilder text = new StringBuilder();
    private final List<Object> parameters = new ArrayList<>();

    void add(String fragment, Object... values) {
      text.append(fragment);
      parameters.addAll(List.of(values));
    }

    PreparedStatement prepare(Connection c) throws SQLException {
      PreparedStatement s = c.prepareStatement(text.toString());
      for (int i = 0; i < parameters.size(); i++) {
        s.setObject(i + 1, parameters.get(i));
      }
      return s;
    }
  }
}
