-- Whether a person has addressed the bot (a direct message or a command):
-- only they may receive direct messages, since messaging people who never
-- wrote to the account is what gets WhatsApp accounts banned.
ALTER TABLE people ADD COLUMN contact_ok INTEGER NOT NULL DEFAULT 0;
