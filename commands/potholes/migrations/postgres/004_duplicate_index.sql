-- "Already reported?" looks through an index rather than every open report
-- of the group, so filing costs the same in a quiet street and after a busy
-- year.
--
-- A pin's grid cell: 0.001° of latitude (about 111 m) by 0.0015° of
-- longitude (about 100 m at British latitudes). A lookup reads the cells
-- that the duplicate radius can reach. The same expressions are computed in
-- Go (cellOf) for new reports and when a pin is added.
ALTER TABLE pothole_reports ADD COLUMN cell_y BIGINT;
ALTER TABLE pothole_reports ADD COLUMN cell_x BIGINT;
UPDATE pothole_reports SET cell_y = CAST(trunc((lat + 90) * 1000) AS BIGINT),
	cell_x = CAST(trunc((long + 180) / 0.0015) AS BIGINT) WHERE has_location = 1;
CREATE INDEX pothole_reports_cell ON pothole_reports(chat, category, cell_y, cell_x)
	WHERE cell_y IS NOT NULL;

-- A description's words of place, for reports matched on words: the street
-- ("s:elm road"), each word ("w:school"), two words run together
-- ("w:postbox" for "post box", so spacing variants meet) and, for words of
-- five letters or more, each form with one letter left out ("d:scool"), so
-- a slip of one letter still finds the report. Reports filed before this
-- table have words_indexed = 0 and are indexed by the first lookup in
-- their group and category.
CREATE TABLE pothole_words (
	chat      TEXT NOT NULL,
	category  TEXT NOT NULL,
	key       TEXT NOT NULL,
	report_id BIGINT NOT NULL REFERENCES pothole_reports(id) ON DELETE CASCADE,
	PRIMARY KEY (chat, category, key, report_id)
);
CREATE INDEX pothole_words_report ON pothole_words(report_id);
ALTER TABLE pothole_reports ADD COLUMN words_indexed BIGINT NOT NULL DEFAULT 0;
CREATE INDEX pothole_reports_unindexed ON pothole_reports(chat, category) WHERE words_indexed = 0;
