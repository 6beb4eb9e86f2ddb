-- Who wrote each notice on the page, so they can be told on WhatsApp when
-- it is rejected.
CREATE TABLE web_composers (
    notice_id BIGINT PRIMARY KEY,
    person_id BIGINT NOT NULL
);
