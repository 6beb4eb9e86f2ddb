-- Polls where a voter may choose several options (see
-- ../004_poll_multiple.sql): a vote is keyed by its choice too, and each
-- group's count gets a -1 row, the number of voters. SQLite rebuilt the
-- votes table; PostgreSQL changes its key in place.
ALTER TABLE notice_polls ADD COLUMN multiple BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notice_poll_votes DROP CONSTRAINT notice_poll_votes_pkey;
ALTER TABLE notice_poll_votes ADD PRIMARY KEY (notice_id, person_id, choice);
INSERT INTO notice_poll_counts (notice_id, scope, area, choice, votes)
    SELECT notice_id, scope, area, -1, SUM(votes) FROM notice_poll_counts GROUP BY notice_id, scope, area
    ON CONFLICT DO NOTHING;
