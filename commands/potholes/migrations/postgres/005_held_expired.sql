-- A held attempt whose 30 minutes ran out is kept for a day as a marker,
-- without its photo, so a later "!pothole new …" can say that the photo was
-- not kept rather than file without it in silence.
ALTER TABLE pothole_held_attempts ADD COLUMN expired BIGINT NOT NULL DEFAULT 0;
