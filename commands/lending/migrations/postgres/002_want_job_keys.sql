-- Request expiry jobs are keyed "lending:want:ID:" so that cancelling
-- request 1 cannot also cancel requests 10-19; give jobs planned before
-- that change the trailing colon too, so cancelling them still works.
UPDATE jobs SET key = key || ':' WHERE kind = 'lending.want.expire' AND key NOT LIKE '%:';
