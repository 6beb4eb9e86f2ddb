-- What a verdict said, kept so a verdict that could not be sent is written
-- again from the check alone when it is retried (its job holds only the
-- check's id). verdict_off and verdict_on are the answers counted at the
-- verdict (-1 for checks finished before this column: the answers as they
-- stand are counted instead). incident_details is the network operator's
-- incidents it named, as JSON: [{"ref":"INCD-1","planned":true,"eta":
-- 1767700800000}], eta absent when none was given. Nothing about people.
ALTER TABLE power_checks ADD COLUMN verdict_off BIGINT NOT NULL DEFAULT -1;
ALTER TABLE power_checks ADD COLUMN verdict_on BIGINT NOT NULL DEFAULT -1;
ALTER TABLE power_checks ADD COLUMN incident_details TEXT NOT NULL DEFAULT '';
