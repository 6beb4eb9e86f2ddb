-- The staff web page lists every group's reports filtered by category and
-- state, newest first, and offers the categories in use. These indexes keep
-- its counts and the category list from reading every report.
CREATE INDEX pothole_reports_category_status ON pothole_reports(category, status);
CREATE INDEX pothole_reports_status ON pothole_reports(status);
