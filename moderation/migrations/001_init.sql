-- Per-group moderation settings. A group without a row uses the defaults
-- from the [moderation] config section; empty/zero columns mean "default".
CREATE TABLE mod_groups (
	chat             TEXT PRIMARY KEY,
	rules            TEXT NOT NULL DEFAULT '',
	welcome          TEXT NOT NULL DEFAULT '',
	welcome_rules    INTEGER NOT NULL DEFAULT 0,
	report_delivery  TEXT NOT NULL DEFAULT '',
	warn_limit       INTEGER NOT NULL DEFAULT 0,
	limit_action     TEXT NOT NULL DEFAULT '',
	block_action     TEXT NOT NULL DEFAULT 'warn',
	links_locked     INTEGER NOT NULL DEFAULT 0,
	links_action     TEXT NOT NULL DEFAULT 'warn',
	flood_on         INTEGER NOT NULL DEFAULT 0,
	flood_messages   INTEGER NOT NULL DEFAULT 0,
	flood_window_ms  INTEGER NOT NULL DEFAULT 0,
	flood_action     TEXT NOT NULL DEFAULT 'warn',
	-- set once the admins were told the bot needs admin rights, cleared when
	-- an admin-only action next succeeds, so they are told once per loss
	told_need_admin  INTEGER NOT NULL DEFAULT 0,
	updated_at       INTEGER NOT NULL
);

-- Blocked words, phrases and /regular expressions/, per group.
CREATE TABLE mod_blocklist (
	id       INTEGER PRIMARY KEY,
	chat     TEXT NOT NULL,
	pattern  TEXT NOT NULL,          -- as the admin typed it (regex without slashes)
	is_regex INTEGER NOT NULL DEFAULT 0,
	added_at INTEGER NOT NULL,
	UNIQUE (chat, pattern, is_regex)
);

-- Domains allowed while links are locked, per group.
CREATE TABLE mod_link_allow (
	chat     TEXT NOT NULL,
	domain   TEXT NOT NULL,
	added_at INTEGER NOT NULL,
	PRIMARY KEY (chat, domain)
) WITHOUT ROWID;

-- Warnings. Active = not removed, not closed, not expired. Closed when the
-- limit action removed the member, so a returning member starts afresh.
CREATE TABLE mod_warnings (
	id         INTEGER PRIMARY KEY,
	chat       TEXT NOT NULL,
	person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	rule       TEXT NOT NULL,        -- manual, blocklist, links, antiflood
	reason     TEXT NOT NULL DEFAULT '',
	by_id      INTEGER REFERENCES people(id) ON DELETE SET NULL, -- NULL: the bot
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	removed_at INTEGER,
	closed_at  INTEGER
);
CREATE INDEX mod_warnings_member ON mod_warnings(chat, person_id, expires_at);
CREATE INDEX mod_warnings_person ON mod_warnings(person_id);
CREATE INDEX mod_warnings_by ON mod_warnings(by_id);

-- Reports members made to the admins.
CREATE TABLE mod_reports (
	id          INTEGER PRIMARY KEY,
	chat        TEXT NOT NULL,
	reporter_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
	subject_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
	msg_id      TEXT NOT NULL DEFAULT '',
	quote       TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL DEFAULT '',
	private     INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE INDEX mod_reports_chat_msg ON mod_reports(chat, msg_id);
CREATE INDEX mod_reports_reporter ON mod_reports(reporter_id);
CREATE INDEX mod_reports_subject ON mod_reports(subject_id);
CREATE INDEX mod_reports_created ON mod_reports(created_at);

-- A pending "!forgetme" waiting for "!forgetme yes".
CREATE TABLE mod_forget_requests (
	person_id  INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
	expires_at INTEGER NOT NULL
);

-- Small bookkeeping values (the live audit log's watermark).
CREATE TABLE mod_state (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
