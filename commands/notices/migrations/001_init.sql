-- Council notices: the notices themselves (CAP-shaped, with their source),
-- approvals, group settings, private subscriptions, the delivery outbox,
-- feed polling state and an append-only audit.

CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,              -- webhook, console, feed:NAME
    source_name TEXT NOT NULL,
    identifier  TEXT NOT NULL,              -- the source's own id
    msg_type    TEXT NOT NULL,              -- alert, update, cancel
    refs        TEXT NOT NULL DEFAULT '',   -- identifier an update/cancel refers to
    urgency     TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT NOT NULL DEFAULT '',
    topics      TEXT NOT NULL DEFAULT '',   -- comma list
    areas       TEXT NOT NULL DEFAULT '',   -- comma list, canonical; '' = council-wide
    sent_at     INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL DEFAULT 0, -- 0 = never
    received_at INTEGER NOT NULL,
    state       TEXT NOT NULL,
    reject_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (source, identifier)
);
CREATE INDEX notices_state ON notices (state);

CREATE TABLE notice_approvals (
    notice_id   INTEGER NOT NULL REFERENCES notices(id),
    approver    TEXT NOT NULL,              -- person:ID or cli:USER
    approver_name TEXT NOT NULL,
    approved_at INTEGER NOT NULL,
    UNIQUE (notice_id, approver)
);

-- Per-group notice settings. Areas are the core's GroupSettings.Areas.
CREATE TABLE notice_groups (
    chat        TEXT PRIMARY KEY,
    enabled     INTEGER NOT NULL DEFAULT 0,
    topics      TEXT NOT NULL DEFAULT 'all', -- comma list or 'all'
    digest_at   INTEGER NOT NULL DEFAULT -1, -- minutes after local midnight, -1 = off
    disabled_reason TEXT NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
);

CREATE TABLE notice_subscriptions (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    topic       TEXT NOT NULL,              -- a topic or 'all'
    area        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (person_id, topic, area)
);

-- One row per (notice, recipient): the UNIQUE constraint is what makes a
-- fan-out safe to replan after a crash. target is the group chat id, or
-- person:ID for a subscriber.
CREATE TABLE notice_outbox (
    id          INTEGER PRIMARY KEY,
    notice_id   INTEGER NOT NULL REFERENCES notices(id),
    target      TEXT NOT NULL,
    person_id   INTEGER,                    -- set for subscribers
    state       TEXT NOT NULL,              -- pending, digest, sending, sent, failed, expired, dropped, superseded, unconfirmed
    due_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    reply_to    TEXT NOT NULL DEFAULT '',   -- message id of the notice this one corrects
    msg_id      TEXT NOT NULL DEFAULT '',
    sent_at     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (notice_id, target)
);
CREATE INDEX notice_outbox_due ON notice_outbox (state, due_at);
CREATE INDEX notice_outbox_target ON notice_outbox (target, state);

CREATE TABLE notice_feeds (
    name          TEXT PRIMARY KEY,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    last_fetch_at INTEGER NOT NULL DEFAULT 0,
    last_status   TEXT NOT NULL DEFAULT '',
    failures      INTEGER NOT NULL DEFAULT 0
);

-- Append-only: received from where, approved by whom, delivered where,
-- failures. Triggers refuse changes so the record stays trustworthy.
CREATE TABLE notice_audit (
    id        INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    event     TEXT NOT NULL,
    actor     TEXT NOT NULL DEFAULT '',
    target    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notice_audit_at ON notice_audit (at);
CREATE TRIGGER notice_audit_no_update BEFORE UPDATE ON notice_audit
BEGIN SELECT RAISE(ABORT, 'notice_audit is append-only'); END;
CREATE TRIGGER notice_audit_no_delete BEFORE DELETE ON notice_audit
BEGIN SELECT RAISE(ABORT, 'notice_audit is append-only'); END;
