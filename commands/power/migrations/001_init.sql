-- Power checks: one row per "is it just me or the street?" check in a group.
-- state: open (collecting answers), ended (verdict given, waiting for
-- restoration), closed (restored, nothing off, or closed after close_after).
CREATE TABLE power_checks (
    id          INTEGER PRIMARY KEY,
    chat        TEXT    NOT NULL,
    starter_id  INTEGER REFERENCES people(id),
    started_at  INTEGER NOT NULL,
    window_ends INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'ended', 'closed')),
    verdict     TEXT    NOT NULL DEFAULT '' CHECK (verdict IN ('', 'none', 'single', 'several')),
    peak_off    INTEGER NOT NULL DEFAULT 0,
    status_msg  TEXT    NOT NULL DEFAULT '',
    incident    TEXT    NOT NULL DEFAULT '',
    restored_at INTEGER,
    closed_at   INTEGER
);

-- At most one unfinished check per group.
CREATE UNIQUE INDEX power_checks_one_active ON power_checks(chat) WHERE state <> 'closed';
CREATE INDEX power_checks_by_chat ON power_checks(chat, started_at DESC);

-- One answer per person per check; a later answer replaces the earlier one.
CREATE TABLE power_votes (
    check_id  INTEGER NOT NULL REFERENCES power_checks(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    off       INTEGER NOT NULL CHECK (off IN (0, 1)),
    source    TEXT    NOT NULL CHECK (source IN ('starter', 'typed', 'poll')),
    voted_at  INTEGER NOT NULL,
    PRIMARY KEY (check_id, person_id)
);
CREATE INDEX power_votes_by_person ON power_votes(person_id);

-- Per-group switch for the "Shall I start a power check?" hint.
CREATE TABLE power_groups (
    chat           TEXT    PRIMARY KEY,
    suggest        INTEGER NOT NULL DEFAULT 0,
    last_suggested INTEGER NOT NULL DEFAULT 0
);
