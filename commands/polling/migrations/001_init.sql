-- One row per polled source (a council feed, an operator's incidents, a
-- warnings feed): when it is next due and how its latest polls went, so a
-- restart resumes the schedule and a failure streak's back-off.
CREATE TABLE poll_state (
    name          TEXT    PRIMARY KEY,
    next_at       INTEGER NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    failing_since INTEGER,
    last_success  INTEGER,
    last_attempt  INTEGER,
    last_error    TEXT    NOT NULL DEFAULT ''
);
