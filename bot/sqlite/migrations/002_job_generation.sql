-- A job handler may reschedule its own key (a reminder repeating every two
-- days). The generation tells the scheduler that the row it just ran has
-- been replaced, so finishing the old run must not delete the new one.
ALTER TABLE jobs ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
