-- People are keyed on an internal id; addresses (LID, phone-number JID,
-- console name) point at them, so one person stays one identity whichever
-- form WhatsApp uses, and nothing is keyed on a phone number alone.
CREATE TABLE people (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL DEFAULT '',
	preferred    TEXT NOT NULL DEFAULT '',
	forgotten    INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL
);

CREATE TABLE person_addresses (
	addr      TEXT PRIMARY KEY,
	person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE
);
CREATE INDEX person_addresses_person ON person_addresses(person_id);

CREATE TABLE seen_messages (
	chat    TEXT NOT NULL,
	msg_id  TEXT NOT NULL,
	seen_at INTEGER NOT NULL,
	PRIMARY KEY (chat, msg_id)
) WITHOUT ROWID;
CREATE INDEX seen_messages_seen_at ON seen_messages(seen_at);

CREATE TABLE groups (
	chat         TEXT PRIMARY KEY,
	name         TEXT NOT NULL DEFAULT '',
	enabled      INTEGER NOT NULL DEFAULT 0,
	features_off TEXT NOT NULL DEFAULT '',
	areas        TEXT NOT NULL DEFAULT '',
	updated_at   INTEGER NOT NULL
);

CREATE TABLE memberships (
	chat      TEXT NOT NULL,
	person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	present   INTEGER NOT NULL,
	since     INTEGER NOT NULL,
	PRIMARY KEY (chat, person_id)
) WITHOUT ROWID;
CREATE INDEX memberships_person ON memberships(person_id);

CREATE TABLE polls (
	chat       TEXT NOT NULL,
	msg_id     TEXT NOT NULL,
	kind       TEXT NOT NULL,
	ref        TEXT NOT NULL,
	question   TEXT NOT NULL,
	options    TEXT NOT NULL, -- JSON array
	created_at INTEGER NOT NULL,
	PRIMARY KEY (chat, msg_id)
) WITHOUT ROWID;

CREATE TABLE jobs (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL,
	key        TEXT UNIQUE,
	run_at     INTEGER NOT NULL,
	payload    BLOB,
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX jobs_run_at ON jobs(run_at);

CREATE TABLE audit_log (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	chat        TEXT NOT NULL,
	actor_id    INTEGER NOT NULL DEFAULT 0,
	actor_name  TEXT NOT NULL DEFAULT '',
	action      TEXT NOT NULL,
	target_id   INTEGER NOT NULL DEFAULT 0,
	target_name TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_chat_at ON audit_log(chat, at);
