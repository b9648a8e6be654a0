-- 049_escalation_address_case.sql - an address told of escalations is
-- one address whatever its case.
--
-- A scheduler pass merges "Lead@Example.com" (one route) and
-- "lead@example.com" (another, or the same after an operator's edit) as
-- one address, but escalation_sends kept each spelling, and the hour's
-- count of escalation_burst read them apart: a storm's mails went on one
-- by one to the second spelling. Addresses are kept in lower case from
-- now on (desk/escalation.c), and those of before are made so.
UPDATE escalation_sends SET address = lower(address)
    WHERE address <> lower(address);
