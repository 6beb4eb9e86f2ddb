-- When the bot was removed from a group (see ../005_group_removed.sql).
ALTER TABLE groups ADD COLUMN removed_at BIGINT;
