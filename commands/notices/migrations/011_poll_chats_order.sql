-- The order a poll went out in, as a column: it was the table's rowid,
-- which only SQLite has. seq keeps each row's rowid (INTEGER PRIMARY KEY
-- is the rowid), so the order is unchanged; (notice_id, target) stays
-- unique.
CREATE TABLE notice_poll_chats_new (
    seq       INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    target    TEXT NOT NULL,              -- group chat id or person:ID
    chat      TEXT NOT NULL,
    poll_msg  TEXT NOT NULL DEFAULT '',
    area      TEXT NOT NULL DEFAULT '',
    UNIQUE (notice_id, target)
);
INSERT INTO notice_poll_chats_new (seq, notice_id, target, chat, poll_msg, area)
    SELECT rowid, notice_id, target, chat, poll_msg, area FROM notice_poll_chats;
DROP TABLE notice_poll_chats;
ALTER TABLE notice_poll_chats_new RENAME TO notice_poll_chats;
CREATE INDEX notice_poll_chats_msg ON notice_poll_chats (chat, poll_msg);
