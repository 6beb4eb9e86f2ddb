-- Multiple-answer snap polls: a poll may let each voter tick several
-- options, so a voter's current choice becomes a set (one row per ticked
-- option), and the counts kept at close carry the number of voters per
-- group and area as choice -1.
ALTER TABLE notice_polls ADD COLUMN multiple INTEGER NOT NULL DEFAULT 0;

CREATE TABLE notice_poll_votes_new (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    target    TEXT NOT NULL,
    choice    INTEGER NOT NULL,           -- option index from 0
    voted_at  INTEGER NOT NULL,
    PRIMARY KEY (notice_id, person_id, choice)
);
INSERT INTO notice_poll_votes_new (notice_id, person_id, target, choice, voted_at)
    SELECT notice_id, person_id, target, choice, voted_at FROM notice_poll_votes;
DROP TABLE notice_poll_votes;
ALTER TABLE notice_poll_votes_new RENAME TO notice_poll_votes;

-- Voters of polls closed before this change: one choice each.
INSERT OR IGNORE INTO notice_poll_counts (notice_id, scope, area, choice, votes)
    SELECT notice_id, scope, area, -1, SUM(votes) FROM notice_poll_counts GROUP BY notice_id, scope, area;
