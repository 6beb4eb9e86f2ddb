-- When the bot was removed from a group (NULL while it is in it): sends to
-- the group wait or are dropped, and fan-outs skip it, until it is added back.
ALTER TABLE groups ADD COLUMN removed_at INTEGER;
