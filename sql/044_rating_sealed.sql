-- 044_rating_sealed.sql - a customer's comment with a rating is sealed
-- at rest as their mails are.
--
-- The comment that comes with a rating ("4 quick, but the first answer
-- missed the point"), by mail or from the rating page, is the
-- customer's own words: with [storage] key_file it is kept here, sealed
-- (AES-256-GCM, bound to the ticket's id, desk/vault.c), and comment is
-- NULL. A clear comment of before stays readable; `keys rotate` seals it.
ALTER TABLE ticket_ratings ADD COLUMN sealed_comment bytea;
