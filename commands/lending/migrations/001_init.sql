-- Things and favours people offer to lend in one group. A listing belongs to
-- the group it was made in and is shown only there, and only while its owner
-- is still a member. Unlisting deletes the row; loans keep the item's name.
CREATE TABLE lending_listings (
	id         INTEGER PRIMARY KEY,
	chat       TEXT NOT NULL,
	owner_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL CHECK (kind IN ('item', 'favour')),
	name       TEXT NOT NULL,
	match_key  TEXT NOT NULL, -- the matcher's stems, for spotting duplicates
	note       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX lending_listings_chat ON lending_listings(chat, kind);
CREATE INDEX lending_listings_owner ON lending_listings(owner_id);

-- The loan ledger. owner_id and borrower_id become NULL when that person
-- asks to be forgotten: the group's history stays, without them.
-- state: out (with the borrower), returning (borrower says it is back, owner
-- to confirm), closed. close_reason: returned or forgotten.
CREATE TABLE lending_loans (
	id           INTEGER PRIMARY KEY,
	chat         TEXT NOT NULL,
	listing_id   INTEGER REFERENCES lending_listings(id) ON DELETE SET NULL,
	item         TEXT NOT NULL,
	owner_id     INTEGER REFERENCES people(id) ON DELETE SET NULL,
	borrower_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
	lent_at      INTEGER NOT NULL,
	due_at       INTEGER NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('out', 'returning', 'closed')),
	claimed_at   INTEGER NOT NULL DEFAULT 0,
	confirm_msg  TEXT NOT NULL DEFAULT '', -- the bot's "please confirm" message, for reactions
	closed_at    INTEGER NOT NULL DEFAULT 0,
	close_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX lending_loans_chat_state ON lending_loans(chat, state);
CREATE INDEX lending_loans_owner ON lending_loans(owner_id);
CREATE INDEX lending_loans_borrower ON lending_loans(borrower_id);
CREATE INDEX lending_loans_listing ON lending_loans(listing_id);

-- Requests nobody could answer yet; deleted when answered or expired.
CREATE TABLE lending_wants (
	id         INTEGER PRIMARY KEY,
	chat       TEXT NOT NULL,
	person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	text       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX lending_wants_chat ON lending_wants(chat, expires_at);
CREATE INDEX lending_wants_person ON lending_wants(person_id);

-- Runs a neighbour offers to make (the tip, the shops); deleted once they
-- have started, with their signups.
CREATE TABLE lending_errands (
	id         INTEGER PRIMARY KEY,
	chat       TEXT NOT NULL,
	runner_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	place      TEXT NOT NULL,
	note       TEXT NOT NULL DEFAULT '',
	starts_at  INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX lending_errands_chat ON lending_errands(chat, starts_at);
CREATE INDEX lending_errands_runner ON lending_errands(runner_id);

CREATE TABLE lending_errand_signups (
	errand_id INTEGER NOT NULL REFERENCES lending_errands(id) ON DELETE CASCADE,
	person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	note      TEXT NOT NULL DEFAULT '',
	joined_at INTEGER NOT NULL,
	PRIMARY KEY (errand_id, person_id)
);
CREATE INDEX lending_errand_signups_person ON lending_errand_signups(person_id);
