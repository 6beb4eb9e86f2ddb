-- Power alerts (!power alerts on): a group's switch, and what was posted
-- about each operator incident, so each is posted once and updated only
-- when its estimate moves by more than an hour.
ALTER TABLE power_groups ADD COLUMN alerts BIGINT NOT NULL DEFAULT 0;

CREATE TABLE power_posted (
    chat      TEXT    NOT NULL,
    ref       TEXT    NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('fault', 'planned')),
    eta       BIGINT NOT NULL DEFAULT 0, -- estimated restoration last posted, 0 = none
    posted_at BIGINT NOT NULL,
    PRIMARY KEY (chat, ref, kind)
);
