-- One message of the bot's can be about several loans: key the rows by
-- loan too (see ../006_loan_messages_several.sql; SQLite rebuilt the
-- table, PostgreSQL changes its key in place).
ALTER TABLE lending_loan_msgs DROP CONSTRAINT lending_loan_msgs_pkey;
ALTER TABLE lending_loan_msgs ADD PRIMARY KEY (chat, msg_id, loan_id);
