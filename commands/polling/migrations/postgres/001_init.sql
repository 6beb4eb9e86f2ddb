-- Polling's schema on PostgreSQL, migration for migration as SQLite's
-- (../001_init.sql): times BIGINT Unix milliseconds.
-- One row per polled source (a council feed, an operator's incidents, a
-- warnings feed): when it is next due and how its latest polls went, so a
-- restart resumes the schedule and a failure streak's back-off.
CREATE TABLE poll_state (
    name          TEXT    PRIMARY KEY,
    next_at       BIGINT NOT NULL,
    failures      BIGINT NOT NULL DEFAULT 0,
    failing_since BIGINT,
    last_success  BIGINT,
    last_attempt  BIGINT,
    last_error    TEXT    NOT NULL DEFAULT ''
);
