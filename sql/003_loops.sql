-- 003_loops.sql - loop protection: every automatic mail we send to an
-- address, so that a cap per address per hour holds even against an
-- auto-responder that marks nothing as automatic.

CREATE TABLE auto_reply_log (
    address         text NOT NULL,          -- lowercased
    at              timestamptz NOT NULL
);
CREATE INDEX auto_reply_log_address ON auto_reply_log (address, at);
