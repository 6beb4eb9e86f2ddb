-- The language a resident gets council notices in by direct message
-- (!subscriptions language …); no row is English. Deleted by !forgetme.
CREATE TABLE notice_subscriber_language (
    person_id  BIGINT PRIMARY KEY REFERENCES people(id),
    language   TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
