-- The bot's messages in a group about an open loan ("Noted: …", "… says
-- your ladder is back", "Already noted — waiting for …", "Extended: …"):
-- the owner's 👍 on any of them confirms a return the borrower reported.
-- Rows go when the loan closes.
CREATE TABLE lending_loan_msgs (
	chat    TEXT NOT NULL,
	msg_id  TEXT NOT NULL,
	loan_id BIGINT NOT NULL REFERENCES lending_loans(id) ON DELETE CASCADE,
	PRIMARY KEY (chat, msg_id)
);
CREATE INDEX lending_loan_msgs_loan ON lending_loan_msgs(loan_id);
