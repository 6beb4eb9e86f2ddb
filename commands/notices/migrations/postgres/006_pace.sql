-- The notice pace is counted from what the outbox sent lately: every
-- drain asks how many messages went in the last send_gap.
CREATE INDEX notice_outbox_sent ON notice_outbox (sent_at);
