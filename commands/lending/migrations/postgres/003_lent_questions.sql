-- A !lent whose period could not be read: the bot asked "until when?" and
-- records the loan only when the lender answers. One question per lender
-- per group; a newer !lent replaces it, and it lapses unanswered.
CREATE TABLE lending_lent_questions (
	chat        TEXT NOT NULL,
	owner_id    BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	listing_id  BIGINT NOT NULL REFERENCES lending_listings(id) ON DELETE CASCADE,
	borrower_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	asked_at    BIGINT NOT NULL,
	PRIMARY KEY (chat, owner_id)
);
CREATE INDEX lending_lent_questions_borrower ON lending_lent_questions(borrower_id);
