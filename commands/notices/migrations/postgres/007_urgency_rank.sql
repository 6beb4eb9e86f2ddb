-- Each delivery carries its notice's urgency rank (0 emergency, 1 urgent,
-- 2 normal), so the drain reads the most urgent due rows from an index
-- instead of sorting every waiting row.
ALTER TABLE notice_outbox ADD COLUMN urgency_rank BIGINT NOT NULL DEFAULT 2;
UPDATE notice_outbox SET urgency_rank = COALESCE((SELECT CASE n.urgency WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END
    FROM notices n WHERE n.id = notice_outbox.notice_id), 2);
CREATE INDEX notice_outbox_next ON notice_outbox (state, urgency_rank, due_at, id);
