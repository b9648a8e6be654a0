-- 048_rating_told.sql - a rating given on the rating page reaches the
-- ticket's agents.
--
-- A rating by mail is a mail: the agents get it as any customer's mail,
-- and its words close or reopen the ticket. The rating page (GET and
-- POST /rate/TOKEN) stored its rating and, now, its comment, in the
-- listener's thread, which composes no mail: "1 - still broken" written
-- there reached nobody. told_at is when the agents were told; NULL
-- while a scheduler pass has to tell them (a comment, or a score of 1
-- or 2, given on the page). The ratings of before were all told.
ALTER TABLE ticket_ratings ADD COLUMN told_at timestamptz;
UPDATE ticket_ratings SET told_at = rated_at;

-- The few that wait, read at every pass.
CREATE INDEX ticket_ratings_untold ON ticket_ratings (rated_at)
    WHERE told_at IS NULL;
