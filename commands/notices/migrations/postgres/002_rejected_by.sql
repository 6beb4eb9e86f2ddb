-- Who rejected a notice, keyed like notice_approvals.approver (person:ID or
-- cli:USER), so !mydata can count a resident's rejections by id rather than
-- by the display name the append-only audit keeps. Rejections made before
-- this column existed stay named in the audit only.
ALTER TABLE notices ADD COLUMN rejected_by TEXT NOT NULL DEFAULT '';
