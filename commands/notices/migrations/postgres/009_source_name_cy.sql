-- The Welsh name of a notice's source ("Cyngor Sir Ceredigion"), from
-- [notices] source_name_cy, a sender's name_cy or a feed's
-- display_name_cy; '' when none is configured (the Welsh text then reads
-- "Oddi wrth" and the English name).
ALTER TABLE notices ADD COLUMN source_name_cy TEXT NOT NULL DEFAULT '';
