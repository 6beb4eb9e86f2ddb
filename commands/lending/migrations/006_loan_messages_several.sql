-- One message of the bot's can be about several loans ("Noted: @Jo has
-- Alice's lawnmower and wheelbarrow …"): key the rows by loan too.
CREATE TABLE lending_loan_msgs_v2 (
	chat    TEXT NOT NULL,
	msg_id  TEXT NOT NULL,
	loan_id INTEGER NOT NULL REFERENCES lending_loans(id) ON DELETE CASCADE,
	PRIMARY KEY (chat, msg_id, loan_id)
) WITHOUT ROWID;
INSERT INTO lending_loan_msgs_v2 (chat, msg_id, loan_id) SELECT chat, msg_id, loan_id FROM lending_loan_msgs;
DROP TABLE lending_loan_msgs;
ALTER TABLE lending_loan_msgs_v2 RENAME TO lending_loan_msgs;
CREATE INDEX lending_loan_msgs_loan ON lending_loan_msgs(loan_id);
