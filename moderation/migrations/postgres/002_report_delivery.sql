-- Whether a report has reached an admin privately (NULL: it waits for an
-- admin to read it with !reports) and when the group was last told that a
-- report is waiting, so a private report never has to be posted in the
-- group and the "waiting" note is not repeated.
ALTER TABLE mod_reports ADD COLUMN delivered_at BIGINT;
ALTER TABLE mod_reports ADD COLUMN announced_at BIGINT;
CREATE INDEX mod_reports_waiting ON mod_reports(chat, delivered_at);
