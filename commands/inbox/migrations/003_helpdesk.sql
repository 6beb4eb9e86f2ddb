-- The staff web page's helpdesk state.
--
-- waiting_since: staff marked the ticket as waiting on the resident (NULL:
-- not waiting); the resident's next message clears it. last_in_id is the
-- resident's latest message on the ticket, for "unread" on the page, and
-- last_at the time of the latest message either way.
ALTER TABLE inbox_tickets ADD COLUMN waiting_since INTEGER;
ALTER TABLE inbox_tickets ADD COLUMN last_in_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox_tickets ADD COLUMN last_at INTEGER;
UPDATE inbox_tickets SET
    last_in_id = COALESCE((SELECT MAX(m.id) FROM inbox_messages m WHERE m.ticket_id = inbox_tickets.id AND m.direction = 'in'), 0),
    last_at = (SELECT MAX(m.at) FROM inbox_messages m WHERE m.ticket_id = inbox_tickets.id);
CREATE INDEX inbox_tickets_by_number ON inbox_tickets(state, number);
CREATE INDEX inbox_tickets_by_desk ON inbox_tickets(desk, state, number);

-- media_failed says why a resident's attachment is not kept ("" when it
-- is, or there was none): it could not be fetched from WhatsApp, or it was
-- over the size limit. web_key is the staff page's one-time key of the
-- form a reply was sent from, so a form sent twice sends once.
ALTER TABLE inbox_messages ADD COLUMN media_failed TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox_messages ADD COLUMN web_key TEXT;
CREATE UNIQUE INDEX inbox_messages_by_web_key ON inbox_messages(web_key) WHERE web_key IS NOT NULL;

-- Internal notes staff write on a ticket: never sent to the resident.
CREATE TABLE inbox_notes (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES inbox_tickets(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    author_id   INTEGER REFERENCES people(id),
    author_name TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    web_key     TEXT UNIQUE
);
CREATE INDEX inbox_notes_by_ticket ON inbox_notes(ticket_id, id);

-- Saved replies staff wrote on the page, for one desk ('' : every desk).
CREATE TABLE inbox_saved_replies (
    id          INTEGER PRIMARY KEY,
    desk        TEXT    NOT NULL DEFAULT '',
    title       TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    author_name TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- What each member of staff has read: the resident's latest message they
-- had seen when they last opened the ticket.
CREATE TABLE inbox_reads (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    ticket_id INTEGER NOT NULL REFERENCES inbox_tickets(id) ON DELETE CASCADE,
    seen_in_id INTEGER NOT NULL,
    PRIMARY KEY (person_id, ticket_id)
) WITHOUT ROWID;

-- A counter bumped by every change to tickets, messages and notes, which
-- the staff page watches to update open pages (server-sent events).
CREATE TABLE inbox_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO inbox_version (id, n) VALUES (1, 0);
CREATE TRIGGER inbox_version_ticket_insert AFTER INSERT ON inbox_tickets BEGIN
    UPDATE inbox_version SET n = n + 1;
END;
CREATE TRIGGER inbox_version_ticket_update AFTER UPDATE ON inbox_tickets BEGIN
    UPDATE inbox_version SET n = n + 1;
END;
CREATE TRIGGER inbox_version_message AFTER INSERT ON inbox_messages BEGIN
    UPDATE inbox_version SET n = n + 1;
END;
CREATE TRIGGER inbox_version_message_update AFTER UPDATE ON inbox_messages BEGIN
    UPDATE inbox_version SET n = n + 1;
END;
CREATE TRIGGER inbox_version_note AFTER INSERT ON inbox_notes BEGIN
    UPDATE inbox_version SET n = n + 1;
END;
