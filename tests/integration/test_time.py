"""test_time.py - "#time 45m": the time agents work on a ticket.

Through real IMAP, SMTP and PostgreSQL: agents log time by mail (with
their answer, which reaches the customer without the command) and at
the command line; "#time -15m" takes back an agent's own time, never
more than it logged; `ticket show` gives the total and each agent's
part; the organisation's monthly report lists the tickets worked on in
the month, most time first, in text, CSV, HTML and JSON, a correction
counting in the month it was made. Hostile values (zero, over a day,
garbage, huge numbers, twice in a mail, with #spam, taking back another
agent's time) are refused with their line and nothing recorded; a
customer or a forged agent writing "#time" logs nothing.
"""

import csv
import io
import json
import re
import threading
import unittest

from desk_case import DeskCase, T0, mail

SECTIONS = {
    "agent alice": {"address": "alice@example.com", "name": "Alice Martin",
                    "queues": "support", "language": "en"},
    "agent bruno": {"address": "bruno@example.com", "name": "Bruno Petit",
                    "queues": "support", "language": "fr"},
    "organisation acme": {"domains": "cust.example", "plan": "Pro",
                          "language": "en"},
    "organisation other": {"domains": "other.example", "plan": "Basic"},
}

DEC = "2026-12-01T10:00:00Z"


class Time(DeskCase):

    def setUp(self):
        self.start_desk("tm", SECTIONS)
        self.n = 0

    def ticket(self, sender="Claire Dupont <claire@cust.example>"):
        self.n += 1
        r = self.deliver(mail("Export empty", "The export is empty.\n",
                              "tm-%d@cust.example" % self.n, sender=sender))
        return re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)

    def act(self, number, text, agent="alice", expect=0, now=T0):
        return self.servers.guichet("ticket", "reply", number, "--as",
                                    agent, input=text, expect=expect,
                                    now=now)

    def by_mail(self, number, text, mid, n):
        """Alice's answer to her notification n, by mail."""
        self.deliver(mail("Re: [%s] Export empty" % number, text, mid,
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to=n))

    def entries(self):
        return int(self.servers.pg.scalar(
            "SELECT count(*) FROM time_entries", db=self.db))

    def test_logged_by_mail_and_at_the_command_line(self):
        s = self.servers
        number = self.ticket()
        s.smtp.clear()
        n = self.notification("alice@example.com", number)
        self.by_mail(number, "#time 45m\n\nWe are looking at it.\n",
                     "tm-a1@example.com", n)
        got = self.sent("claire@cust.example")
        self.assertEqual(len(got), 1)
        self.assertIn("We are looking at it.", self.body(got[0]))
        self.assertNotIn("#time", self.body(got[0]))
        t = self.show(number)
        self.assertEqual(t["time_spent"], {"minutes": 45,
                                           "by": {"alice": 45}})
        ev = [e for e in t["events"] if e["kind"] == "time_spent"]
        self.assertEqual([(e["actor"], e["data"]) for e in ev],
                         [("alice", {"minutes": 45, "total": 45})])
        # a command alone: recorded, nothing sent
        s.smtp.clear()
        self.act(number, "#time 1h30\n", agent="bruno")
        self.assertEqual(self.sent(), [])
        self.act(number, "#TIME -15m\n")
        t = self.show(number)
        self.assertEqual(t["time_spent"], {"minutes": 120, "by": {
            "alice": 30, "bruno": 90}})
        text = s.guichet("ticket", "show", number).stdout
        self.assertIn("Time:      2 h 00 (alice 30 min, bruno 1 h 30)\n",
                      text)
        # never more taken back than the agent logged
        r = self.act(number, "#time -2h\n", agent="bruno", expect=65)
        self.assertIn("you have logged 90 min on this ticket", r.stderr)
        r = self.act(number, "#time -31m\n", expect=65)
        self.assertIn("you have logged 30 min", r.stderr)
        # all taken back: the agent leaves the list
        self.act(number, "#time -30m\n")
        self.assertEqual(self.show(number)["time_spent"], {
            "minutes": 90, "by": {"bruno": 90}})
        # by mail, a refusal applies nothing of the mail and says why
        s.smtp.clear()
        self.by_mail(number, "#priority P1\n#time -1h\n\nDone.\n",
                     "tm-a2@example.com", n)
        told = self.sent("alice@example.com")
        self.assertEqual(len(told), 1)
        self.assertIn("you have logged 0 min", self.body(told[0]))
        self.assertIn("#time SPENT", self.body(told[0]))
        self.assertEqual(self.sent("claire@cust.example"), [])
        t = self.show(number)
        self.assertNotEqual(t["priority"], "P1")
        self.assertEqual(t["time_spent"]["minutes"], 90)
        self.assertEqual(self.entries(), 4)

    def test_merged_with_its_messages(self):
        """A ticket merged into another takes its time along, as its
        messages: the target shows both; the report lists the target."""
        a, b = self.ticket(), self.ticket()
        self.act(a, "#time 45m\n")
        self.act(b, "#time 30m\n", agent="bruno")
        self.act(b, "#merge %s\n" % a)
        self.assertEqual(self.show(a)["time_spent"], {
            "minutes": 75, "by": {"alice": 45, "bruno": 30}})
        self.assertEqual(self.show(b)["time_spent"]["minutes"], 0)
        j = json.loads(self.servers.guichet(
            "report", "monthly", "--org", "acme", "--month", "2026-11",
            "--format", "json", now="2026-12-02T10:00:00Z").stdout)
        self.assertEqual([(x["number"], x["minutes"]) for x in
                          j["time_worked"]], [(a, 75)])

    def test_hostile_values(self):
        s = self.servers
        number = self.ticket()
        before = self.kinds(number)
        for text, want in (
                ("#time 0m\n", "expected #time"),
                ("#time 25h\n", "expected #time"),
                ("#time 1441m\n", "expected #time"),
                ("#time -1441m\n", "expected #time"),
                ("#time 45\n", "expected #time"),
                ("#time soon\n", "expected #time"),
                ("#time 1.5h\n", "expected #time"),
                ("#time 1h60\n", "expected #time"),
                ("#time\n", "expected #time"),
                ("#time 99999999999999999999m\n", "expected #time"),
                ("#time " + "9" * 300 + "m\n", "argument too long"),
                ("#time 45m please\n", "unexpected text"),
                ("#time 45m\n#time 45m\n", "one #time per mail"),
                ("#time 45m\n#spam\n", "#spam goes alone"),
                ("#time -5m\n", "you have logged 0 min")):
            with self.subTest(text=text[:30]):
                r = self.act(number, text, expect=65)
                self.assertIn(want, r.stderr)
        self.assertEqual(self.kinds(number), before)
        self.assertEqual(self.entries(), 0)
        # the customer's "#time" is text, not a command
        self.deliver(mail("Re: [%s] Export empty" % number,
                          "#time 10h\nStill empty.\n", "tm-c1@cust.example",
                          in_reply_to="<tm-1@cust.example>"))
        # a forged agent (no token, no authentication) is a stranger
        self.deliver(mail("Re: [%s] Export empty" % number, "#time 10h\n",
                          "tm-f1@evil.example",
                          sender="Alice Martin <alice@example.com>"))
        self.assertEqual(self.entries(), 0)
        self.assertEqual(self.show(number)["time_spent"],
                         {"minutes": 0, "by": {}})
        self.assertNotIn("Time:", s.guichet("ticket", "show",
                                            number).stdout)

    def test_taken_back_twice_at_once(self):
        """Two corrections at once (two daemons, a mail and `ticket
        reply`) are counted one after the other: one is taken, the other
        refused, never below zero."""
        number = self.ticket()
        for rnd in range(4):
            self.act(number, "#time 30m\n")
            codes = []

            def back():
                r = self.servers.guichet("ticket", "reply", number, "--as",
                                         "alice", input="#time -30m\n",
                                         expect=(0, 65), now=T0)
                codes.append(r.returncode)

            threads = [threading.Thread(target=back) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(sorted(codes), [0, 65], rnd)
            self.assertEqual(self.show(number)["time_spent"]["minutes"], 0)

    def test_the_monthly_report(self):
        s = self.servers
        a, b = self.ticket(), self.ticket()
        o = self.ticket("Olga <olga@other.example>")
        self.act(a, "#time 45m\n")
        self.act(b, "#time 1h\n")
        self.act(b, "#time 1h\n", agent="bruno")
        self.act(o, "#time 30m\n")
        self.act(a, "#time -15m\n", now=DEC)
        s.pg.psql("UPDATE tickets SET subject = '=cmd|calc' WHERE number = "
               "'%s'" % b, db=self.db)

        def report(org, month, fmt):
            return s.guichet("report", "monthly", "--org", org, "--month",
                             month, "--format", fmt,
                             now="2026-12-02T10:00:00Z").stdout

        j = json.loads(report("acme", "2026-11", "json"))
        self.assertEqual((j["time_worked_minutes"], j["time_worked_tickets"]),
                         (165, 2))
        self.assertEqual([(x["number"], x["minutes"]) for x in
                          j["time_worked"]], [(b, 120), (a, 45)])
        text = report("acme", "2026-11", "text")
        self.assertIn("Time worked\n-----------\n", text)
        self.assertIn("Time worked, all tickets: 2 h 45\n", text)
        self.assertRegex(text, r"%s +2 h 00  =cmd\|calc\n" % b)
        self.assertRegex(text, r"%s +45 min  Export empty\n" % a)
        rows = list(csv.reader(io.StringIO(report("acme", "2026-11",
                                                  "csv"))))
        self.assertIn(["time", b, "120", "'=cmd|calc"], rows)
        self.assertIn(["time", a, "45", "Export empty"], rows)
        self.assertIn(["time_total", "2", "165", ""], rows)
        html = report("acme", "2026-11", "html")
        self.assertIn('id="worked"', html)
        self.assertIn('data-value="120">2 h 00</td>', html)
        self.assertIn("Time worked, all tickets: 2 h 45", html)
        # the correction counts in December
        j = json.loads(report("acme", "2026-12", "json"))
        self.assertEqual([(x["number"], x["minutes"]) for x in
                          j["time_worked"]], [(a, -15)])
        # another organisation's time stays its own; none: no section
        j = json.loads(report("other", "2026-11", "json"))
        self.assertEqual(j["time_worked_minutes"], 30)
        self.assertIn("Temps pass\u00e9, tous tickets: 30 min",
                      report("other", "2026-11", "text"))
        text = report("other", "2026-10", "text")
        self.assertNotIn("Temps pass", text)
        self.assertNotIn("worked", report("other", "2026-10", "html"))
        self.assertNotIn("time", [r[0] for r in csv.reader(io.StringIO(
            report("other", "2026-10", "csv"))) if r])


if __name__ == "__main__":
    unittest.main()
