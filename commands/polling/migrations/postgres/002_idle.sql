-- A source whose latest poll had nothing to ask (no group it serves, quiet
-- hours): neither a success nor a failure.
ALTER TABLE poll_state ADD COLUMN idle BIGINT NOT NULL DEFAULT 0;
