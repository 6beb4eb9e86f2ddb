-- When the latest send attempt started. A report is marked 'sending' with
-- this time just before it is posted to the council, so an attempt cut
-- short (the bot stopped, or could not record the council's answer) is
-- recognised afterwards and not posted a second time; the report becomes
-- 'unsure' and an admin decides. Send states are now: '' (never asked),
-- queued, sending, retrying, sent, failed, unsure.
ALTER TABLE pothole_reports ADD COLUMN send_started_at BIGINT;
