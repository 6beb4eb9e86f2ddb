-- The council side: named senders and scheduled sends, snap polls and
-- consultations carried by notices (and local consultations started by a
-- group's admins), and the signed results callback.

-- Who sent a notice ([[notices.senders]] name; '' is the default sender)
-- and when it may first go out ("effective"; 0 = at once).
CREATE TABLE notice_council (
    notice_id    INTEGER PRIMARY KEY REFERENCES notices(id),
    sender       TEXT NOT NULL DEFAULT '',
    effective_at INTEGER NOT NULL DEFAULT 0
);

-- A snap poll carried by a notice.
CREATE TABLE notice_polls (
    notice_id INTEGER PRIMARY KEY REFERENCES notices(id),
    question  TEXT NOT NULL,
    options   TEXT NOT NULL,              -- JSON array of option texts
    closes_at INTEGER NOT NULL,
    state     TEXT NOT NULL,              -- open, closed
    closed_at INTEGER NOT NULL DEFAULT 0
);

-- Where the poll went: one row per outbox target, with the chat the poll
-- message is in, its message id, and the postcode areas it counts under
-- (a group's areas, a subscriber's subscription area).
CREATE TABLE notice_poll_chats (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    target    TEXT NOT NULL,              -- group chat id or person:ID
    chat      TEXT NOT NULL,
    poll_msg  TEXT NOT NULL DEFAULT '',
    area      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (notice_id, target)
);
CREATE INDEX notice_poll_chats_msg ON notice_poll_chats (chat, poll_msg);

-- Each voter's current choice, kept only while the poll is open.
CREATE TABLE notice_poll_votes (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    target    TEXT NOT NULL,
    choice    INTEGER NOT NULL,           -- option index from 0
    voted_at  INTEGER NOT NULL,
    PRIMARY KEY (notice_id, person_id)
);

-- What remains at close: counts per group (subscribers together as
-- 'subscribers', so no one's private vote shows) and area.
CREATE TABLE notice_poll_counts (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    scope     TEXT NOT NULL,              -- group chat id or 'subscribers'
    area      TEXT NOT NULL,
    choice    INTEGER NOT NULL,
    votes     INTEGER NOT NULL,
    PRIMARY KEY (notice_id, scope, area, choice)
);

-- The signed POST of a closed poll's results to results_url.
CREATE TABLE notice_results_posts (
    notice_id  INTEGER PRIMARY KEY REFERENCES notices(id),
    state      TEXT NOT NULL,             -- pending, sent, failed
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    sent_at    INTEGER NOT NULL DEFAULT 0
);

-- Consultations: carried by a notice (notice_id) or started in a group by
-- its admins (chat, notice_id NULL).
CREATE TABLE notice_consultations (
    id         INTEGER PRIMARY KEY,
    notice_id  INTEGER UNIQUE REFERENCES notices(id),
    chat       TEXT NOT NULL DEFAULT '',
    question   TEXT NOT NULL,
    link       TEXT NOT NULL DEFAULT '',
    closes_at  INTEGER NOT NULL,
    state      TEXT NOT NULL,             -- open, closed
    created_at INTEGER NOT NULL
);

-- Comments without names: person_id is kept only while the consultation
-- is open, so its author can see and delete it; phone numbers in the text
-- are redacted before it is stored.
CREATE TABLE notice_comments (
    id              INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES notice_consultations(id),
    scope           TEXT NOT NULL,        -- group chat id or 'subscribers'
    area            TEXT NOT NULL DEFAULT '',
    person_id       INTEGER REFERENCES people(id),
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX notice_comments_consultation ON notice_comments (consultation_id);
CREATE INDEX notice_comments_person ON notice_comments (person_id);
