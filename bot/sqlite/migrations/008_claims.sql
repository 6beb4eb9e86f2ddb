-- Claims: with several processes on one database (a PostgreSQL hub), a
-- process claims the jobs and sends it runs, naming itself in claimed_by,
-- until lease_until (Unix ms); others skip the row until then and take it
-- over once the lease lapses. '' and NULL: unclaimed. SQLite has one
-- process and the same columns, so the two schemas stay alike.
ALTER TABLE jobs ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
