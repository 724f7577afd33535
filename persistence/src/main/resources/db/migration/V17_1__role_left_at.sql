-- Leaving (issue 17): a role that dissolved its account stays in the role view with the moment it
-- left, so that its public traces (threads, votes counted through it) still resolve; it is no longer
-- spinning, found by search or shown on the map.
ALTER TABLE rm_role ADD COLUMN left_at TIMESTAMPTZ;
