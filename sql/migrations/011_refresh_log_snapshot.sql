-- The whole snapshot a staging build read raw with, not only its xmin. The xmin is the oldest
-- transaction running anywhere on the server when the build started: a long write in another
-- database (another warehouse, a second pipeline) holds it back, and raw rows loaded before the
-- build but above that xmin looked new to the next run, which rebuilt staging for nothing.
-- pg_visible_in_snapshot() against the stored snapshot tells those rows apart.
ALTER TABLE analytics.refresh_log ADD COLUMN snapshot pg_snapshot;
