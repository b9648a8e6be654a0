"""test_sla_timers.py - the SLA timer rule stored as C decides it.

next_at and the fired marks come from sla/timer.c; SQL only stores
them. A database made by the migrations before 011 (its timers written
by the old functions, a warning already fired) goes on after `guichet
migrate`: the warning does not come again, the breach comes once. A
refresh (a customer's follow-up) keeps the marks of instants that did
not move. Hostile rows an operator could leave in sla_timers (a kind
with commas and spaces, a far too long kind, an instant in year 9999, a
closed ticket whose next_at is still due) neither stop a mail nor a
pass, and a pass with the database gone fails cleanly and loses nothing.
"""

import json
import os
import re
import unittest

import guichet_harness as gh
from test_sla import T0, at, mail


def old_function(path, name):
    """The CREATE FUNCTION of name in an earlier migration file."""
    with open(os.path.join(os.environ["GUICHET_SOURCE_DIR"], path)) as f:
        sql = f.read()
    return re.search(r"CREATE FUNCTION %s\(.*?\n\$\$;" % name, sql,
                     re.S).group(0)


class SlaTimers(gh.ServersTestCase):

    def setUp(self):
        s = self.servers
        self.db = "slat_" + self._testMethodName[5:][:40].lower()
        self.user = ("t" + self._testMethodName[5:])[:30].lower()
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "queue support": {
                "escalation_to": "oncall@example.com"},
            "organisation acme": {"domains": "acme.example",
                                  "plan": "Enterprise"},
        })
        s.guichet("migrate")
        s.smtp.clear()

    def sql(self, q):
        return self.servers.pg.psql(q, db=self.db)

    def scalar(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    def deliver(self, raw, now):
        self.servers.imap.append(self.user, "INBOX", raw)
        r = self.servers.guichet("serve", "--once", now=now)
        m = re.search(r"new ticket (\S+)", r.stderr)
        return m.group(1) if m else r

    def tick(self, now, expect=0):
        r = self.servers.guichet("sla", "tick", "--now", now, expect=expect)
        if expect != 0:
            return r
        return dict(l.split() for l in r.stdout.splitlines())

    def events(self, number):
        show = json.loads(self.servers.guichet("ticket", "show", number,
                                               "--json").stdout)
        return [e["kind"] for e in show["events"]]

    def p1(self):
        return self.deliver(mail("Production down", "Ops <ops@acme.example>",
                                 "p1@acme.example"), T0)

    def timer(self, number, kind="acknowledge"):
        row = self.scalar(
            "SELECT concat_ws('|', coalesce(s.next_at::text, ''), "
            "s.warned_at IS NOT NULL, s.breached_at IS NOT NULL, "
            "coalesce(s.due_at::text, ''), s.warn_at) FROM sla_timers s JOIN "
            "tickets t ON t.id = s.ticket_id WHERE t.number = '%s' AND "
            "s.kind = '%s'" % (number, kind))
        return row.split("|") if row else None

    def followup(self, number, mid, now):
        self.servers.imap.append(self.user, "INBOX", mail(
            "Re: [%s] Production down" % number, "Ops <ops@acme.example>",
            mid, "Still down.\n"))
        return self.servers.guichet("serve", "--once", now=now)

    def test_upgrade_from_010_keeps_fired_marks(self):
        s = self.servers
        number = self.p1()
        self.assertEqual(self.tick(at(13))["warnings"], "1")
        # back to the schema before 011: the old functions, the old rows
        self.sql("DROP FUNCTION timers_set(bigint, text[], timestamptz[], "
                 "timestamptz[], timestamptz[], timestamptz[], bigint[], "
                 "text[], boolean[], boolean[], timestamptz[]); "
                 "DROP FUNCTION sla_fire(timestamptz, bigint[], text[], "
                 "boolean[], boolean[], timestamptz[], text[], jsonb[], "
                 "int[], text[], text[], text[], text[], text[], jsonb[], "
                 "int[], text[], text[], text[]); "
                 "DELETE FROM schema_migrations WHERE version = 11")
        self.sql(old_function("sql/006_fast_paths.sql", "timers_set"))
        self.sql(old_function("sql/005_sla_batch.sql", "sla_fire"))
        r = s.guichet("sla", "tick", "--now", at(14), expect=78)
        self.assertIn("guichet migrate", r.stderr)
        r = s.guichet("migrate")
        self.assertIn("migration 011_timer_rule_in_c applied", r.stderr)
        # a refresh through the new timers_set()
        self.followup(number, "f1@acme.example", at(14))
        warned = self.timer(number)
        self.assertEqual(warned[1:3], ["t", "f"])
        self.assertEqual(warned[0], warned[3])          # next: the breach
        s.smtp.clear()
        r = self.tick(at(14, base=T0))
        self.assertEqual((r["warnings"], r["breaches"]), ("0", "0"))
        r = self.tick(at(16))
        self.assertEqual((r["warnings"], r["breaches"]), ("0", "1"))
        self.assertEqual(self.events(number).count("sla_warning"), 1)
        self.assertEqual(self.events(number).count("sla_breach"), 1)
        self.assertEqual(self.timer(number)[:3], ["", "t", "t"])

    def test_a_binary_of_before_051_still_fires(self):
        # sla_fire(), which binaries before 051 call with the mails in
        # hex, hands them decoded to sla_fire_bytes(): the same rows
        number = self.p1()
        tid = self.scalar("SELECT id FROM tickets WHERE number = '%s'"
                          % number)
        raw = "Subject: Alerte\r\n\r\nd\u00e9pass\u00e9\r\n".encode()
        self.sql(
            "SELECT sla_fire(timestamptz '%s', ARRAY[%s::bigint], "
            "ARRAY['acknowledge'], ARRAY[true], ARRAY[false], "
            "ARRAY[NULL::timestamptz], ARRAY['sla_warning'], "
            "ARRAY['{\"old\": 1}'::jsonb], ARRAY[1, 1], "
            "ARRAY['escalation_warning', 'escalation_warning'], "
            "ARRAY['a.old@example.com', 'b.old@example.com'], "
            "ARRAY['support@example.com', 'support@example.com'], "
            "ARRAY['{x@example.com}', '{y@example.com,z@example.com}'], "
            "ARRAY['%s', ''], ARRAY['{}'::jsonb, '{}'::jsonb], "
            "'{}'::int[], '{}'::text[], '{}'::text[], '{}'::text[])"
            % (at(13), tid, raw.hex()))
        rows = self.sql(
            "SELECT message_id, encode(data, 'hex'), rcpts::text "
            "FROM outbox WHERE message_id LIKE '%.old@example.com' "
            "ORDER BY id")
        self.assertEqual(rows, [
            ("a.old@example.com", raw.hex(), "{x@example.com}"),
            ("b.old@example.com", "", "{y@example.com,z@example.com}")])
        self.assertEqual(self.scalar(
            "SELECT count(*) FROM events WHERE data = '{\"old\": 1}'"), "1")
        self.assertEqual(self.timer(number)[1:3], ["t", "f"])

    def test_refresh_keeps_marks_of_unmoved_instants(self):
        number = self.p1()
        first = self.timer(number)
        self.assertEqual(first[0], first[4])            # next: the warning
        self.assertEqual(self.tick(at(13))["warnings"], "1")
        # serve's pass refreshes the timers, then ticks: nothing again
        r = self.followup(number, "f2@acme.example", at(13))
        self.assertNotIn("SLA acknowledge", r.stderr)
        self.assertEqual(self.timer(number)[:3], [first[3], "t", "f"])
        # an instant that moved (an operator's edit): the refresh puts
        # the computed one back, so the warning is new and goes again
        self.sql("UPDATE sla_timers SET warn_at = warn_at - interval '1 "
                 "minute', next_at = NULL WHERE kind = 'acknowledge'")
        r = self.followup(number, "f3@acme.example", at(14))
        self.assertIn("SLA acknowledge warning", r.stderr)
        self.assertEqual(self.timer(number), first[3:4] + ["t", "f"] +
                         first[3:])
        self.assertEqual(self.events(number).count("sla_warning"), 2)

    def test_hostile_timer_rows(self):
        number = self.p1()
        tid = self.scalar("SELECT id FROM tickets WHERE number = '%s'"
                          % number)
        self.assertEqual(self.tick(at(13))["warnings"], "1")
        self.sql("INSERT INTO sla_timers (ticket_id, kind, start_at, due_at, "
                 "warn_at, warned_at, target_seconds, calendar, next_at) "
                 "VALUES (%s, 'x, 1 2 3 4', now(), now(), now(), now(), 1, "
                 "'c', NULL), (%s, repeat('k', 300), now(), now(), NULL, "
                 "NULL, 1, 'c', NULL), (%s, 'acknowledge ', now(), "
                 "'9999-12-31', NULL, NULL, 1, 'c', NULL)"
                 % (tid, tid, tid))
        self.sql("UPDATE sla_timers SET due_at = '9999-12-31', next_at = "
                 "'9999-12-31' WHERE kind = 'resolve'")
        r = self.followup(number, "f4@acme.example", at(13))
        self.assertIn("follow-up", r.stderr + r.stdout)
        # the look-alike "acknowledge " is not taken for the real one
        self.assertNotIn("SLA acknowledge", r.stderr)
        self.assertEqual(self.timer(number)[1:3], ["t", "f"])
        kinds = self.scalar("SELECT string_agg(kind, ',' ORDER BY kind) "
                            "FROM sla_timers WHERE ticket_id = %s" % tid)
        self.assertNotIn("x, 1", kinds)
        self.assertNotIn("kkkk", kinds)
        self.assertNotIn("acknowledge ,", kinds + ",")
        self.assertNotEqual(self.timer(number, "resolve")[3][:4], "9999")
        # a closed ticket whose next_at is still due fires nothing
        self.sql("UPDATE tickets SET status = 'closed' WHERE id = %s; "
                 "UPDATE sla_timers SET next_at = '2000-01-01' WHERE "
                 "ticket_id = %s" % (tid, tid))
        r = self.tick(at(60 * 24 * 30))
        self.assertEqual((r["warnings"], r["breaches"]), ("0", "0"))
        self.assertEqual(self.scalar("SELECT count(*) FROM sla_timers WHERE "
                                     "next_at IS NOT NULL"), "0")

    def test_tick_with_the_database_gone_loses_nothing(self):
        s = self.servers
        number = self.p1()
        s.pg.stop()
        try:
            r = self.tick(at(16), expect=(69, 75, 1))
            self.assertIn("sla tick", r.stderr)
        finally:
            s.pg.start()
        r = self.tick(at(16))
        self.assertEqual((r["warnings"], r["breaches"]), ("0", "1"))
        self.assertEqual(self.events(number).count("sla_breach"), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
