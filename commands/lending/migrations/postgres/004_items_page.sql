-- !items reads a group's listings a page at a time in the order shown
-- (oldest first), so the page costs the same however long the list is.
CREATE INDEX lending_listings_chat_created ON lending_listings(chat, kind, created_at, id);
-- and the loans out, soonest due first, without passing the closed ones.
CREATE INDEX lending_loans_open_due ON lending_loans(chat, due_at, id) WHERE state <> 'closed';
