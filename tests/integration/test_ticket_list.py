"""test_ticket_list.py - `guichet ticket list`: filters and urgency.

Tickets come in by `ingest` at chosen times from customers of three
plans. The list puts the soonest SLA deadline first and, at equal
deadline, the plan's rank of the policy (Enterprise, Pro, Basic), not the
order of arrival; each filter (--queue, --status, --priority, --assignee,
--org, --breached) narrows it, --limit keeps the most urgent, and a bad
value is refused with 64 without touching the database. Values reach PostgreSQL as parameters: SQL in a
filter is only a string that matches nothing.
"""

import json
import unittest

import guichet_harness as gh

NOW = "2026-11-26T10:00:00Z"          # a Thursday, 11:00 in Paris
YESTERDAY = "2026-11-25T10:00:00Z"
LATER = "2026-11-26T11:00:00Z"

ORGS = """
[organisation acme]
domains = acme.example
plan = Enterprise

[organisation prolific]
domains = pro.example
plan = Pro
"""


def mail(n, sender, subject):
    return ("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n"
            "Message-ID: <list-%d@customer.example.org>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
            "Hello,\r\n\r\nmail %d.\r\n" % (sender, subject, n, n)).encode()


class TicketList(gh.ServersTestCase):
    servers_options = dict(http=False, imap=False)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.servers
        s.write_config(dbname="ticket_list", raw=ORGS)
        s.guichet("migrate")
        arrivals = [
            # (when, sender, subject) in the order they come in
            (YESTERDAY, "old@basic.example", "Question about invoices"),
            (NOW, "ops@basic.example", "Our production is down"),
            (NOW, "a@acme.example", "Question about the export"),
            (NOW, "b@basic.example", "Question about the import"),
            (NOW, "c@pro.example", "Question about the API"),
            (LATER, "d@pro.example", "Question about the login form"),
        ]
        cls.number = {}
        for n, (when, sender, subject) in enumerate(arrivals, 1):
            r = s.guichet("ingest", "--mailbox", "support",
                          input=mail(n, sender, subject), now=when)
            cls.number[sender] = r.stderr.split("new ticket ")[1].split()[0]
        s.pg.psql("UPDATE tickets SET assignee = 'alice' WHERE number = "
                  "'%s'" % cls.number["c@pro.example"], db="ticket_list")

    def list(self, *args, now=NOW):
        r = self.servers.guichet("ticket", "list", "--json", *args, now=now)
        return [t["requester"] for t in json.loads(r.stdout)]

    def test_most_urgent_first_then_plan_rank(self):
        got = self.list()
        self.assertEqual(got, [
            "old@basic.example",      # due yesterday
            "ops@basic.example",      # P1: acknowledged within 15 min
            "a@acme.example",         # P3, same deadline: Enterprise,
            "c@pro.example",          # then Pro,
            "b@basic.example",        # then Basic (newer than Enterprise)
            "d@pro.example",          # came an hour later
        ])
        text = self.servers.guichet("ticket", "list", now=NOW).stdout
        first = text.splitlines()[0]
        self.assertIn(self.number["old@basic.example"], first)
        self.assertIn("2026-11-25T14:00:00Z", first)   # its deadline

    def test_filters(self):
        self.assertEqual(self.list("--priority", "p1"),
                         ["ops@basic.example"])
        self.assertEqual(self.list("--org", "ACME"), ["a@acme.example"])
        self.assertEqual(len(self.list("--queue", "support")), 6)
        self.assertEqual(self.list("--queue", "security"), [])
        self.assertEqual(self.list("--assignee", "alice"),
                         ["c@pro.example"])
        self.assertEqual(len(self.list("--status", "new")) +
                         len(self.list("--status", "open")), 6)
        self.assertEqual(self.list("--status", "closed"), [])
        self.assertEqual(self.list("--breached"), ["old@basic.example"])
        # the clock of --now: yesterday at noon nothing was late yet
        self.assertEqual(self.list("--breached",
                                   now="2026-11-25T12:00:00Z"), [])
        # filters add up
        self.assertEqual(self.list("--queue", "support", "--priority",
                                   "P3", "--org", "prolific"),
                         ["c@pro.example", "d@pro.example"])
        self.assertEqual(self.list("--org", "prolific", "--assignee",
                                   "alice"), ["c@pro.example"])

    def test_json_lists_every_ticket(self):
        # a program reading --json gets every ticket, past the 1000 most
        # urgent that the text form shows a person (the rows come one at
        # a time from the database)
        s = self.servers
        s.pg.psql("INSERT INTO tickets (number, queue, mailbox, requester, "
                  "created_at, updated_at) SELECT 'BULK-' || g, 'support', "
                  "'support', 'bulk-' || g || '@basic.example', "
                  "'2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z' FROM "
                  "generate_series(1, 1500) g", db="ticket_list")
        self.addCleanup(s.pg.psql, "DELETE FROM tickets WHERE number LIKE "
                        "'BULK-%'", db="ticket_list")
        got = self.list()
        self.assertEqual(len(got), 1506)
        self.assertEqual(len(set(got)), 1506)
        self.assertEqual(got[0], "old@basic.example")
        # without a deadline, last: the newest first
        self.assertEqual(got[-1], "bulk-1@basic.example")
        self.assertEqual(len(self.list("--queue", "support")), 1506)
        self.assertEqual(len(self.list("--limit", "1200")), 1200)
        text = s.guichet("ticket", "list", now=NOW).stdout.splitlines()
        self.assertEqual(len(text), 1000)
        self.assertIn(self.number["old@basic.example"], text[0])

    def test_limit_keeps_the_most_urgent(self):
        self.assertEqual(self.list("--limit", "2"),
                         ["old@basic.example", "ops@basic.example"])
        self.assertEqual(self.list("--limit", "1", "--org", "prolific"),
                         ["c@pro.example"])
        self.assertEqual(len(self.list("--limit", "1000000")), 6)

    def test_hostile_values(self):
        s = self.servers
        for args in (["--limit", "0"], ["--limit", "-1"],
                     ["--limit", "1000001"], ["--limit", "2x"],
                     ["--limit", "99999999999999999999"],
                     ["--limit", " 5"],
                     ["--status", "bogus"], ["--priority", "P9"],
                     ["--queue"], ["--queue", ""], ["--org", "x" * 300],
                     ["--assignee", ""]):
            r = s.guichet("ticket", "list", *args, expect=64)
            self.assertIn("guichet ticket list", r.stderr)
            self.assertEqual(r.stdout, "")
        for evil in ("' OR '1'='1", "support' --", "%", "acme\\"):
            self.assertEqual(self.list("--queue", evil), [])
            self.assertEqual(self.list("--org", evil), [])
        self.assertEqual(self.list("--assignee", "alice' OR 'x'='x"), [])


if __name__ == "__main__":
    unittest.main()
