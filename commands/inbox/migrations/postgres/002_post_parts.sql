-- A post sent as several messages (a voice note's words then the
-- recording, a long text in parts) remembers how many went, so a retry
-- after a failure part-way never sends the first parts twice.
ALTER TABLE inbox_outbox ADD COLUMN parts_sent BIGINT NOT NULL DEFAULT 0;
