-- The council inbox. A ticket is one conversation between a resident and
-- the council's staff. Before it has a number it may wait in one of two
-- states: 'choosing' (the resident was shown the desks menu) or 'selfhelp'
-- (a self-help answer was offered); the messages held meanwhile are its
-- messages. number is given when the ticket opens (C12); it is never
-- reused because next numbers come from inbox_state.
CREATE TABLE inbox_tickets (
    id             INTEGER PRIMARY KEY,
    number         INTEGER UNIQUE,
    person_id      INTEGER REFERENCES people(id),   -- NULL once the resident is forgotten
    desk           TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL CHECK (state IN ('choosing', 'selfhelp', 'open', 'closed')),
    answer         INTEGER NOT NULL DEFAULT -1,     -- the self-help answer offered (index)
    created_at     INTEGER NOT NULL,
    opened_at      INTEGER,
    first_reply_at INTEGER,
    closed_at      INTEGER,
    closed_by      TEXT    NOT NULL DEFAULT '' CHECK (closed_by IN ('', 'resident', 'staff')),
    close_note     TEXT    NOT NULL DEFAULT '',
    assignee_id    INTEGER REFERENCES people(id),
    assignee_name  TEXT    NOT NULL DEFAULT '',
    ooh_told       INTEGER NOT NULL DEFAULT 0,      -- the out-of-hours text was sent
    flood_told_at  INTEGER,                         -- the flood line was last sent
    forgotten      INTEGER NOT NULL DEFAULT 0
);
-- A resident has at most one unfinished ticket (or pending menu or
-- self-help answer); the code keeps to that rather than a unique index, so
-- merging two records of one person never drops a ticket on a conflict.
CREATE INDEX inbox_tickets_by_person ON inbox_tickets(person_id, created_at);
CREATE INDEX inbox_tickets_by_state ON inbox_tickets(state, opened_at);

-- Every message on a ticket: in (from the resident), out (a staff reply).
-- A message's media file lives in the inbox's own media directory, named
-- by its SHA-256; forwarded says it went to the staff chat.
CREATE TABLE inbox_messages (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL REFERENCES inbox_tickets(id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    direction     TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    author_id     INTEGER REFERENCES people(id),
    author_name   TEXT    NOT NULL DEFAULT '',
    text          TEXT    NOT NULL DEFAULT '',
    media_kind    TEXT    NOT NULL DEFAULT '',
    media_file    TEXT    NOT NULL DEFAULT '',
    media_mime    TEXT    NOT NULL DEFAULT '',
    media_name    TEXT    NOT NULL DEFAULT '',
    media_size    INTEGER NOT NULL DEFAULT 0,
    media_seconds INTEGER NOT NULL DEFAULT 0,
    media_voice   INTEGER NOT NULL DEFAULT 0,
    lat           REAL,
    long          REAL,
    forwarded     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_messages_by_ticket ON inbox_messages(ticket_id, id);
CREATE INDEX inbox_messages_by_file ON inbox_messages(media_file) WHERE media_file <> '';

-- Posts waiting to go to a staff chat, oldest first: kind 'message' (a
-- resident's message, written from inbox_messages when it goes), 'note'
-- (a line about the ticket). Nothing personal is stored here beyond ids.
CREATE TABLE inbox_outbox (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES inbox_tickets(id) ON DELETE CASCADE,
    message_id INTEGER REFERENCES inbox_messages(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('message', 'note')),
    note       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

-- What the bot posted in staff chats, so a staff member's reply quoting a
-- post finds its ticket (ticket_id NULL: a post about no ticket).
CREATE TABLE inbox_posts (
    chat      TEXT    NOT NULL,
    msg_id    TEXT    NOT NULL,
    ticket_id INTEGER REFERENCES inbox_tickets(id) ON DELETE CASCADE,
    posted_at INTEGER NOT NULL,
    PRIMARY KEY (chat, msg_id)
);

-- When a resident over the daily ticket limit was last told so.
CREATE TABLE inbox_limits (
    person_id INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    told_at   INTEGER NOT NULL
);

-- Small key/value state: the next ticket number, the cached bank holidays.
CREATE TABLE inbox_state (
    key        TEXT PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
