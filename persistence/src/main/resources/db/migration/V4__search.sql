-- Search over the read models: knots by title and description, roles by their public profile
-- (display name, goods, skills). Only columns that are public already are indexed; a role's home
-- address never reaches rm_role, so it cannot be found.
--
-- Full text ('simple' configuration: no stemming, no stop words, so German and any other language
-- are treated alike) answers word and prefix queries; trigram similarity (pg_trgm) answers queries
-- with a typo. unaccent folds "Straße"/"Strasse", "Café"/"Cafe" alike. Both extensions ship with
-- PostgreSQL's contrib (the embedded binaries and the Debian and Docker images have them) and are
-- trusted, so a database owner may create them; where one is missing or not permitted, search still
-- works, with case folding only (no unaccent) or without typo tolerance (no pg_trgm).
DO $migration$
DECLARE
  unaccent_schema TEXT;
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'extension unaccent unavailable (%): search folds case, not accents', SQLERRM;
  END;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'extension pg_trgm unavailable (%): search has no typo tolerance', SQLERRM;
  END;

  -- Generated columns and index expressions may only call immutable functions. unaccent() is
  -- merely stable, because its dictionary could change; called with an explicit dictionary and
  -- schema it is safe to declare immutable (the dictionary is fixed for the life of this schema).
  -- The schema is spelled out so that the function works whatever the caller's search_path.
  SELECT n.nspname INTO unaccent_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent';
  IF unaccent_schema IS NOT NULL THEN
    EXECUTE format(
      'CREATE FUNCTION search_fold(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT'
      || ' AS $f$ SELECT lower(%1$I.unaccent(%2$L::regdictionary, t)) $f$',
      unaccent_schema, unaccent_schema || '.unaccent');
  ELSE
    CREATE FUNCTION search_fold(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      AS $f$ SELECT lower(t) $f$;
  END IF;
END
$migration$;

-- array_to_string is only stable (for arrays of any type); for text[] it is immutable.
CREATE FUNCTION search_words(words TEXT[]) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $f$ SELECT coalesce(array_to_string(words, ' '), '') $f$;

-- The prefix query for a user's text: every word it holds, each as a prefix, all required
-- ("fahrrad werk" -> 'fahrrad':* & 'werk':*). The words come from the full-text parser, never from
-- splicing the user's text into query syntax, and each is quoted with its quotes and backslashes
-- escaped, so no input can inject an operator or make to_tsquery fail. Text without a word (only
-- punctuation) gives NULL, which matches nothing (the empty tsquery would too, with a NOTICE).
CREATE FUNCTION search_prefix_query(input TEXT) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $f$
    SELECT to_tsquery('simple', string_agg(
      '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''':*', ' & ' ORDER BY lexeme))
    FROM unnest(to_tsvector('simple', coalesce(search_fold(input), '')))
  $f$;

-- Weights: A for what names the thing (a knot's title, a role's display name), B for what
-- describes it, so a title match ranks above a description match.
ALTER TABLE rm_knot
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', search_fold(title)), 'A')
      || setweight(to_tsvector('simple', search_fold(description)), 'B')) STORED,
  ADD COLUMN search_text TEXT GENERATED ALWAYS AS (search_fold(title || ' ' || description)) STORED;

ALTER TABLE rm_role
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', search_fold(display_name)), 'A')
      || setweight(to_tsvector('simple', search_fold(search_words(goods) || ' ' || search_words(skills))), 'B')) STORED,
  ADD COLUMN search_text TEXT GENERATED ALWAYS AS (
    search_fold(display_name || ' ' || search_words(goods) || ' ' || search_words(skills))) STORED;

CREATE INDEX rm_knot_search_vector_idx ON rm_knot USING gin (search_vector);
CREATE INDEX rm_role_search_vector_idx ON rm_role USING gin (search_vector);

DO $migration$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE 'CREATE INDEX rm_knot_search_text_trgm_idx ON rm_knot USING gin (search_text gin_trgm_ops)';
    EXECUTE 'CREATE INDEX rm_role_search_text_trgm_idx ON rm_role USING gin (search_text gin_trgm_ops)';
  END IF;
END
$migration$;
