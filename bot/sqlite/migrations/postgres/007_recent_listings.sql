-- Long listings posted lately (see ../007_recent_listings.sql).
CREATE TABLE recent_listings (
	chat    TEXT NOT NULL,
	hash    TEXT NOT NULL,
	msg_id  TEXT NOT NULL,
	first   TEXT NOT NULL,
	sent_at BIGINT NOT NULL,
	PRIMARY KEY (chat, hash)
);
