-- A job handler may reschedule its own key (a reminder repeating every two
-- days), or cancel it and schedule afresh. Two guards keep the new run from
-- being deleted when the old one finishes: a generation bumped on every
-- replacement, and ids that are never reused (AUTOINCREMENT), so a
-- cancelled row's id cannot come back as the new job's.
CREATE TABLE jobs_v2 (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       TEXT NOT NULL,
	key        TEXT UNIQUE,
	run_at     INTEGER NOT NULL,
	payload    BLOB,
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	gen        INTEGER NOT NULL DEFAULT 0
);
INSERT INTO jobs_v2 (id, kind, key, run_at, payload, attempts, last_error)
	SELECT id, kind, key, run_at, payload, attempts, last_error FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v2 RENAME TO jobs;
CREATE INDEX jobs_run_at ON jobs(run_at);
