-- Long listings the bot posted in a group lately (!help, !items, !power
-- history, …), by a hash of their text: a repeat within a few minutes is
-- answered with a pointer to the earlier message (quoting it) or privately,
-- not with the same wall of text again. Rows older than the window are
-- deleted as new ones are written.
CREATE TABLE recent_listings (
	chat    TEXT NOT NULL,
	hash    TEXT NOT NULL,
	msg_id  TEXT NOT NULL,
	first   TEXT NOT NULL,
	sent_at INTEGER NOT NULL,
	PRIMARY KEY (chat, hash)
);
