-- A group's own quiet hours (see ../006_group_quiet.sql).
ALTER TABLE groups ADD COLUMN quiet TEXT;
