-- A group's own quiet hours, set by its admins with !quiet: NULL follows
-- the bot's [bot] quiet_start/quiet_end, 'off' has none, '22:00-07:00' is
-- the group's own window. Every non-urgent send to the group waits for its
-- end.
ALTER TABLE groups ADD COLUMN quiet TEXT;
