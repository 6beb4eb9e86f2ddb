-- The language of notices. Welsh councils publish in English and Welsh
-- (the Welsh Language Standards): a notice may carry Welsh text besides
-- its English ('' when it has none); each group chooses what it receives
-- (en, cy or both; English unless an admin chooses otherwise); each
-- delivery records the language it was sent in ('' before it is sent).
ALTER TABLE notices ADD COLUMN title_cy TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN body_cy TEXT NOT NULL DEFAULT '';
ALTER TABLE notice_groups ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE notice_outbox ADD COLUMN language TEXT NOT NULL DEFAULT '';
