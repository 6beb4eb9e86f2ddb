-- Staff web page: one-time sign-in links and browser sessions. Only the
-- SHA-256 of each secret is kept, so a copy of the database signs nobody in.
CREATE TABLE web_links (
    hash       TEXT PRIMARY KEY,
    person_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX web_links_person ON web_links (person_id, created_at);

CREATE TABLE web_sessions (
    id         INTEGER PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    person_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,           -- absolute expiry
    device     TEXT NOT NULL DEFAULT '',   -- "Firefox on Windows", from the user agent
    ended_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX web_sessions_person ON web_sessions (person_id, ended_at);
