-- The deadline sweeper asks for standing knots past their dissolution time on every sweep; this
-- index holds only knots that can still dissolve, ordered by when.
CREATE INDEX rm_knot_open_dissolution_idx ON rm_knot (dissolves_at) WHERE dissolved_at IS NULL AND dissolves_at IS NOT NULL;
