-- Retention: notices that ended more than [notices] retention_days ago are
-- deleted with every row that depends on them. What stays of each is its
-- (source, identifier), so a feed that still lists the item, or a source
-- that sends the same id again, is recognised as a duplicate and never
-- relayed a second time; and notice_audit, which is append-only and names
-- notices by id only, so the audit outlives the notice.
CREATE TABLE notice_purged (
    source     TEXT NOT NULL,
    identifier TEXT NOT NULL,
    purged_at  BIGINT NOT NULL,
    PRIMARY KEY (source, identifier)
);

-- The purge asks whether anything happened to a notice recently.
CREATE INDEX notice_audit_notice ON notice_audit (notice_id, at);
