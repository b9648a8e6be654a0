-- 030_checks_enum_cast.sql - the CHECK constraints of the tables a mail
-- writes made small: each list of values is an enum type, and the
-- constraint is a cast of the column to it.
--
-- PostgreSQL reads a table's CHECK constraints back from their stored
-- text form (stringToNode), plans and compiles them at every statement
-- that writes the table: a new ticket does so eleven times for these
-- (its ticket, its two messages, its two outbox rows, its requester),
-- and reading the list of values, a constant array written out byte by
-- byte, was most of it. The cast is a node of a few fields; the labels
-- are found in the enum's catalog, which the session caches. Counted with
-- the intake benchmark's --callgrind: see the README.
--
-- The columns stay text, so every statement, this version's or an older
-- binary's, reads and writes them as before: domains would have made
-- the same saving with a type that older statements' parameters do not
-- expect ("inconsistent types deduced"), and a running daemon's prepared
-- statements would have failed ("cached plan must not change result
-- type"); older binaries must keep working on a migrated schema
-- (doc/operations.md).
--
-- The same values are accepted and refused, under the same constraint
-- names. A value outside the list is refused by the cast, whose error
-- names the list ('invalid input value for enum ticket_status: "x"').
CREATE TYPE ticket_status AS ENUM ('new', 'open', 'pending', 'resolved',
    'closed');
CREATE TYPE ticket_priority AS ENUM ('P1', 'P2', 'P3');
CREATE TYPE message_direction AS ENUM ('in', 'out');
CREATE TYPE message_author AS ENUM ('customer', 'agent', 'system');
CREATE TYPE outbox_kind AS ENUM ('mail', 'webhook');
CREATE TYPE outbox_status AS ENUM ('pending', 'sent', 'dead');
CREATE TYPE participant_role AS ENUM ('requester', 'cc');

ALTER TABLE tickets
    DROP CONSTRAINT tickets_status_check,
    DROP CONSTRAINT tickets_priority_check,
    ADD CONSTRAINT tickets_status_check
        CHECK (status::ticket_status IS NOT NULL),
    ADD CONSTRAINT tickets_priority_check
        CHECK (priority::ticket_priority IS NOT NULL);
ALTER TABLE messages
    DROP CONSTRAINT messages_direction_check,
    DROP CONSTRAINT messages_author_check,
    ADD CONSTRAINT messages_direction_check
        CHECK (direction::message_direction IS NOT NULL),
    ADD CONSTRAINT messages_author_check
        CHECK (author::message_author IS NOT NULL);
ALTER TABLE outbox
    DROP CONSTRAINT outbox_kind_check,
    DROP CONSTRAINT outbox_status_check,
    ADD CONSTRAINT outbox_kind_check
        CHECK (kind::outbox_kind IS NOT NULL),
    ADD CONSTRAINT outbox_status_check
        CHECK (status::outbox_status IS NOT NULL);
ALTER TABLE ticket_participants
    DROP CONSTRAINT ticket_participants_role_check,
    ADD CONSTRAINT ticket_participants_role_check
        CHECK (role::participant_role IS NOT NULL);
