-- Street-fault reports. The reference residents type (P12) is "P" and the
-- id: one numbering for the whole database, so a reference never means two
-- reports, and commands look it up within the group it was typed in.
CREATE TABLE pothole_reports (
	id                 INTEGER PRIMARY KEY,
	chat               TEXT NOT NULL,
	-- NULL once the reporter used !forgetme: the report stays for the street.
	reporter_id        INTEGER REFERENCES people(id) ON DELETE SET NULL,
	category           TEXT NOT NULL,
	description        TEXT NOT NULL,
	has_location       INTEGER NOT NULL DEFAULT 0,
	lat                REAL NOT NULL DEFAULT 0,
	long               REAL NOT NULL DEFAULT 0,
	status             TEXT NOT NULL,
	duplicate_of       INTEGER REFERENCES pothole_reports(id),
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL,
	-- A resident's "!fixed" waits for a second neighbour.
	fix_claim_at       INTEGER,
	fix_claim_by       INTEGER REFERENCES people(id) ON DELETE SET NULL,
	-- Sending to the council: '' (never asked), queued, retrying, sent, failed.
	send_state         TEXT NOT NULL DEFAULT '',
	send_attempts      INTEGER NOT NULL DEFAULT 0,
	last_send_error    TEXT NOT NULL DEFAULT '',
	next_send_at       INTEGER,
	service_request_id TEXT NOT NULL DEFAULT '',
	token              TEXT NOT NULL DEFAULT '',
	council_status     TEXT NOT NULL DEFAULT '',
	council_notes      TEXT NOT NULL DEFAULT '',
	council_expected   TEXT NOT NULL DEFAULT '',
	council_checked_at INTEGER
);
CREATE INDEX pothole_reports_chat_status ON pothole_reports(chat, status);
CREATE INDEX pothole_reports_reporter ON pothole_reports(reporter_id);

-- Photos live in <data_dir>/photos/ named by the SHA-256 of their bytes.
CREATE TABLE pothole_photos (
	report_id INTEGER NOT NULL REFERENCES pothole_reports(id) ON DELETE CASCADE,
	sha256    TEXT NOT NULL,
	file      TEXT NOT NULL,
	size      INTEGER NOT NULL,
	added_by  INTEGER REFERENCES people(id) ON DELETE SET NULL,
	added_at  INTEGER NOT NULL,
	PRIMARY KEY (report_id, sha256)
);
CREATE INDEX pothole_photos_added_by ON pothole_photos(added_by);

-- One confirmation per neighbour; person_id becomes NULL on !forgetme so
-- the count survives.
CREATE TABLE pothole_confirmations (
	id        INTEGER PRIMARY KEY,
	report_id INTEGER NOT NULL REFERENCES pothole_reports(id) ON DELETE CASCADE,
	person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
	at        INTEGER NOT NULL,
	UNIQUE (report_id, person_id)
);
CREATE INDEX pothole_confirmations_person ON pothole_confirmations(person_id);

-- A report's history, shown by !pothole P7.
CREATE TABLE pothole_events (
	id        INTEGER PRIMARY KEY,
	report_id INTEGER NOT NULL REFERENCES pothole_reports(id) ON DELETE CASCADE,
	at        INTEGER NOT NULL,
	actor_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
	kind      TEXT NOT NULL,
	detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pothole_events_report ON pothole_events(report_id, at);
CREATE INDEX pothole_events_actor ON pothole_events(actor_id);
