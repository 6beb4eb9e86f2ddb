-- The send queue: every outward action (a reply, a direct message, a poll,
-- an edit, a reaction, a deletion, a removal) is a row written in the same
-- transaction as the state change that causes it, with the WhatsApp message
-- id fixed when the row is written. A row goes once the server accepted the
-- action, so a crash or a retry resends under the same id and never posts
-- twice. Rows go out by priority (replies first, then emergency, urgent,
-- normal, bulk), and in id order within one chat and priority.
CREATE TABLE outbox (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	chat       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	msg_id     TEXT NOT NULL DEFAULT '',
	priority   INTEGER NOT NULL,
	payload    BLOB NOT NULL,
	person_id  INTEGER,        -- the recipient of a direct message, so !forgetme can cancel it
	created_at INTEGER NOT NULL,
	not_before INTEGER NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_order ON outbox(priority, id);
CREATE INDEX outbox_chat ON outbox(chat, priority, id);
CREATE INDEX outbox_person ON outbox(person_id) WHERE person_id IS NOT NULL;
