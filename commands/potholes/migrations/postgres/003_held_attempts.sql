-- The location pin and photo of a report held back by "Already reported?",
-- one per person per group, so that "!pothole new …" (or "!report CATEGORY
-- new …") typed straight after files with them. A row lives for 30 minutes:
-- a job deletes it then, filing or confirming a report uses it up, and
-- !forgetme deletes it. The photo file is stored as for reports and removed
-- with the row unless a report uses the same picture.
CREATE TABLE pothole_held_attempts (
	chat          TEXT NOT NULL,
	person_id     BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	category      TEXT NOT NULL,
	held_at       BIGINT NOT NULL,
	has_location  BIGINT NOT NULL DEFAULT 0,
	lat           DOUBLE PRECISION NOT NULL DEFAULT 0,
	long          DOUBLE PRECISION NOT NULL DEFAULT 0,
	-- A kept photo: its hash and file name under <data_dir>/photos.
	photo_sha256  TEXT NOT NULL DEFAULT '',
	photo_file    TEXT NOT NULL DEFAULT '',
	photo_size    BIGINT NOT NULL DEFAULT 0,
	-- Why a photo sent with the attempt was not kept: '', 'too large' (with
	-- photo_size) or 'failed' (WhatsApp would not give it).
	photo_problem TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (chat, person_id)
);
CREATE INDEX pothole_held_attempts_person ON pothole_held_attempts(person_id);
