-- Whether a person has addressed the bot (see ../003_contactable.sql).
ALTER TABLE people ADD COLUMN contact_ok BIGINT NOT NULL DEFAULT 0;
