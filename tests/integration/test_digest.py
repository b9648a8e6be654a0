"""test_digest.py - each agent's morning list of open tickets.

Through real IMAP, SMTP and PostgreSQL: with [digest] at = 09:00, each
agent who works on a queue gets once a business day, at the first pass
at or after 09:00 in the business calendar's zone, the open tickets of
all their queues, the soonest deadline first, in the agent's language;
resolved tickets are left out, security subjects withheld, a subject
that tries to forge lines stays one line; a digest that cannot run (its
table locked) holds back none of the scheduler's other jobs; not before the hour, not
twice a day (nor with two daemons at once: one process at a time is on
the digests, the others leave them to it), not on a weekend; max_tickets
lists so many and counts the others; a template that does not render
leaves the digest for the next pass; bad values are refused by
check-config.
"""

import os
import re
import threading
import time
import unittest

from desk_case import DeskCase, mail

AGENTS = {
    "digest": {"at": "09:00"},
    "queue billing": {},
    "agent alice": {"address": "alice@example.com", "name": "Alice Martin",
                    "queues": "support", "language": "en"},
    "agent bruno": {"address": "bruno@example.com", "name": "Bruno Petit",
                    "queues": "support, billing", "language": "fr"},
    "agent carla": {"address": "carla@example.com", "name": "Carla Rossi",
                    "queues": "security", "language": "en"},
    "agent dora": {"address": "dora@example.com", "name": "Dora Lind",
                   "queues": "billing", "language": "en"},
}

THU = "2026-11-26T07:00:00Z"      # Thursday, 08:00 in Paris
FRI_0830 = "2026-11-27T07:30:00Z"  # Friday 08:30 in Paris
FRI_0859 = "2026-11-27T07:59:00Z"
FRI_0901 = "2026-11-27T08:01:00Z"
FRI_1700 = "2026-11-27T16:00:00Z"
SAT = "2026-11-28T09:00:00Z"
MON = "2026-11-30T08:30:00Z"       # Monday 09:30 in Paris


class Digest(DeskCase):

    def setUp(self):
        self.start_desk("dg", AGENTS)
        self.n = 0

    def ticket(self, subject, text="Hello.\n", now=THU):
        self.n += 1
        r = self.deliver(mail(subject, text, "dg-%d@cust.example" % self.n),
                         now=now)
        return re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)

    def act(self, number, text, agent="alice", now=THU):
        self.servers.guichet("ticket", "reply", number, "--as", agent,
                             input=text, now=now)

    def digests(self):
        return [m for m in self.sent() if "digest" in m["Message-ID"]]

    def test_each_agent_gets_the_open_tickets_of_their_queues(self):
        s = self.servers
        outage = self.ticket("Production down: the API answers 500")
        question = self.ticket("Question about the export")
        done = self.ticket("Password reset")
        mine = self.ticket("Printer setup")
        billing = self.ticket("Invoice twice")
        report = self.ticket("XSS vulnerability in the login page")
        forged = self.ticket("=?utf-8?q?Export=0A=0A__SUP-2099-000001__P1_"
                             "fake?= " + "x" * 300)
        later = self.ticket("Export slow", now=FRI_0830)
        self.act(done, "#resolve\nDone.\n")
        self.act(mine, "#assign me\n")
        self.act(billing, "#queue billing\n")
        s.guichet("serve", "--once", now=THU)    # their mails go
        s.smtp.clear()
        # not before 09:00
        r = s.guichet("sla", "tick", now=FRI_0859)
        self.assertNotIn("digests", r.stdout)
        s.guichet("serve", "--once", now=FRI_0859)
        self.assertEqual(self.digests(), [])
        r = s.guichet("serve", "--once", now=FRI_0901)
        got = {m["X-RcptTo"]: m for m in self.digests()}
        self.assertEqual(sorted(got), ["alice@example.com",
                                       "bruno@example.com",
                                       "carla@example.com",
                                       "dora@example.com"], r.stderr)
        for m in self.sent():                  # no customer hears of it
            self.assertRegex(m["X-RcptTo"], r"@example\.com$",
                             m["Subject"])
        # alice: support, in English, the P1 first, the resolved one out
        a = got["alice@example.com"]
        body = self.body(a)
        self.assertEqual(a["Subject"], "Open tickets of 2026-11-27: 5, 4 "
                         "overdue, 4 unassigned")
        self.assertIn("5 in all, 4 past their deadline, 4\ntaken by "
                      "nobody, 1 yours. Times are in Europe/Paris.", body)
        order = [n for n in re.findall(r"^  (SUP-\d+-\d+) ", body, re.M)]
        self.assertEqual(order[0], outage)
        self.assertEqual(sorted(order), sorted([outage, question, mine,
                                                forged, later]))
        self.assertEqual(order[-1], later)       # due 10:00 today
        self.assertNotIn(done, body)
        self.assertNotIn(billing, body)
        self.assertNotIn(report, body)
        self.assertRegex(body, r"  %s  P1  Basic  new  acknowledgement "
                         r"2026-11-26 09:15  OVERDUE  \(nobody\)\n"
                         r"      Production down: the API answers 500\n"
                         % outage)
        self.assertRegex(body, r"  %s  P2  Basic  new  acknowledgement "
                         r"2026-11-27 10:00  \(nobody\)\n" % later)
        self.assertRegex(body, r"  %s  .*\(alice\)\n      Printer setup"
                         % mine)
        # the forged subject: one line, cut, no line of its own
        line = re.search(r"  %s  .*\n      (.*)\n" % forged, body).group(1)
        self.assertTrue(line.startswith("Export SUP-2099-000001 P1 fake"),
                        line)
        self.assertLessEqual(len(line.encode()), 80)
        self.assertFalse(re.search(r"^  SUP-2099", body, re.M))
        # bruno: support and billing, in French
        b = self.body(got["bruno@example.com"])
        self.assertIn("Tickets ouverts du 2026-11-27 : 6", got[
            "bruno@example.com"]["Subject"])
        self.assertIn(billing, b)
        self.assertIn("(personne)", b)
        self.assertIn("EN RETARD", b)
        self.assertIn("vos files (support, billing)", b)
        # carla: the security report, its subject withheld
        c = self.body(got["carla@example.com"])
        self.assertIn(report, c)
        self.assertIn("(subject withheld: security queue)", c)
        self.assertNotIn("XSS", c + got["carla@example.com"]["Subject"])
        self.assertNotIn(outage, c)
        # the digest is no ticket mail and answers nothing
        self.assertEqual(a["Auto-Submitted"], "auto-generated")
        self.assertNotRegex(a["Subject"], r"\[SUP-")
        # once a day: later that day, nothing more
        s.smtp.clear()
        s.guichet("serve", "--once", now=FRI_1700)
        self.assertEqual(self.digests(), [])
        # Saturday: closed, none; Monday: again
        s.guichet("serve", "--once", now=SAT)
        self.assertEqual(self.digests(), [])
        s.guichet("serve", "--once", now=MON)
        self.assertEqual(len(self.digests()), 4)
        self.assertEqual(s.pg.scalar(
            "SELECT count(*) FROM digest_sends", db=self.db), "8")

    def test_limit_nothing_open_and_two_daemons(self):
        s = self.servers
        sections = dict(AGENTS, digest={"at": "09:00", "max_tickets": "2"})
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        numbers = [self.ticket("Question %d" % i) for i in range(5)]
        s.smtp.clear()
        # two passes at once: one digest each
        results = []

        def tick():
            results.append(s.guichet("sla", "tick", now=FRI_0901))
        threads = [threading.Thread(target=tick) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sum(int(m) for r in results for m in re.findall(
            r"^digests (\d+)$", r.stdout, re.M)), 2)   # alice, bruno
        s.guichet("serve", "--once", now=FRI_0901)
        got = {m["X-RcptTo"]: m for m in self.digests()}
        self.assertEqual(sorted(got), ["alice@example.com",
                                       "bruno@example.com"])
        body = self.body(got["alice@example.com"])
        self.assertEqual(len(re.findall(r"^  SUP-", body, re.M)), 2)
        self.assertIn("  ... and 3 more: guichet ticket list\n", body)
        self.assertIn(": 5, 5 overdue", got["alice@example.com"]["Subject"])
        self.assertIn("  ... et 3 autre(s)", self.body(
            got["bruno@example.com"]))
        # carla and dora had nothing open: no mail, but their day is done
        self.assertEqual(s.pg.scalar(
            "SELECT string_agg(agent || ':' || tickets, ',' ORDER BY agent) "
            "FROM digest_sends", db=self.db),
            "alice:5,bruno:5,carla:0,dora:0")
        self.assertEqual(len(numbers), 5)

    def test_redaction_follows_the_queue(self):
        # as the notifications and escalations do: [queue security]
        # redact = no shows the security subjects; a redacted billing
        # queue withholds its own
        s = self.servers
        sections = dict(AGENTS, **{"queue security": {"redact": "no"},
                                   "queue billing": {"redact": "yes"}})
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        report = self.ticket("XSS vulnerability in the login page")
        invoice = self.ticket("Invoice 4521 charged twice")
        self.act(invoice, "#queue billing\n")
        s.guichet("serve", "--once", now=THU)
        s.smtp.clear()
        s.guichet("sla", "tick", now=FRI_0901)
        s.guichet("serve", "--once", now=FRI_0901)
        got = {m["X-RcptTo"]: self.body(m) for m in self.digests()}
        self.assertIn(report, got["carla@example.com"])
        self.assertIn("XSS vulnerability in the login page",
                      got["carla@example.com"])
        self.assertIn(invoice, got["dora@example.com"])
        self.assertIn("(subject withheld: billing queue)",
                      got["dora@example.com"])
        self.assertIn("(objet masqué : file billing)",
                      got["bruno@example.com"])
        self.assertNotIn("4521", got["dora@example.com"] +
                         got["bruno@example.com"])

    def test_a_hundred_agents_a_pass(self):
        """A pass makes the digests of a hundred agents with one read of
        their queues' tickets, the next pass the others; each agent's
        list is that of its own queues."""
        s = self.servers
        sections = {"digest": {"at": "09:00"}, "queue billing": {}}
        for i in range(105):
            sections["agent a%d" % i] = {
                "address": "a%d@example.com" % i,
                "queues": "billing" if i % 2 else "support"}
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        support = self.ticket("Question")
        billing = self.ticket("Invoice")
        self.act(billing, "#queue billing\n", agent="a0")
        counts = [s.guichet("sla", "tick", now=FRI_0901).stdout
                  for _ in range(3)]
        self.assertIn("digests 100\n", counts[0])
        rest = int(re.search(r"digests (\d+)\n", counts[1]).group(1))
        self.assertGreaterEqual(rest, 5)       # a100-a104, the harness's
        self.assertNotIn("digests", counts[2])
        s.guichet("serve", "--once", now=FRI_0901)
        got = {m["X-RcptTo"]: self.body(m) for m in self.digests()}
        self.assertEqual(len(got), 100 + rest)
        self.assertIn(support, got["a0@example.com"])
        self.assertNotIn(billing, got["a0@example.com"])
        self.assertIn(billing, got["a103@example.com"])
        self.assertNotIn(support, got["a103@example.com"])

    def test_template_that_does_not_render(self):
        s = self.servers
        tpl, broken = self.broken_template("digest")
        sections = dict(AGENTS, guichet={"templates_dir": tpl})
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        self.ticket("Question")
        s.smtp.clear()
        r = s.guichet("serve", "--once", now=FRI_0901)
        self.assertIn("alice's digest of 2026-11-27 is not sent yet", r.stderr)
        got = {m["X-RcptTo"] for m in self.digests()}
        self.assertEqual(got, {"bruno@example.com"})    # French: built in
        self.assertEqual(s.pg.scalar(
            "SELECT count(*) FROM digest_sends WHERE agent = 'alice'",
            db=self.db), "0")
        os.remove(broken)
        s.smtp.clear()
        s.guichet("serve", "--once", now=FRI_1700)
        self.assertEqual({m["X-RcptTo"] for m in self.digests()},
                         {"alice@example.com"})

    def test_bad_values(self):
        s = self.servers
        for key, value, want in (
                ("at", "25:00", 'at: "25:00": expected a time of day'),
                ("at", "9h", 'at: "9h": expected a time of day'),
                ("at", "09:60", 'at: "09:60"'),
                ("at", "9:00", 'at: "9:00"'),
                ("max_tickets", "0", "max_tickets: 0: expected 1 to 1000"),
                ("max_tickets", "5000", "max_tickets: 5000"),
                ("max_tickets", "-1", "max_tickets: \"-1\""),
                ("colour", "blue", 'unknown key "colour" in [digest]')):
            with self.subTest(key=key, value=value):
                sections = dict(AGENTS, digest={key: value})
                s.write_config(dbname=self.db, mailbox_user=self.user,
                               sections=sections)
                r = s.guichet("check-config", expect=78)
                self.assertIn(want, r.stdout + r.stderr)
                self.assertRegex(r.stdout + r.stderr, r"guichet\.conf:\d+: ")
        # off: no digest, no row
        sections = dict(AGENTS, digest={"at": "none"})
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        self.ticket("Question")
        s.smtp.clear()
        s.guichet("serve", "--once", now=FRI_0901)
        self.assertEqual(self.digests(), [])
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM digest_sends",
                                     db=self.db), "0")


    def test_another_process_has_the_digests_turn(self):
        """Another process is on the digests (its pass reads every open
        ticket, which one process at a time does): this pass leaves them
        to it, at once and without an error; once it is gone, the next
        pass sends them."""
        s = self.servers
        self.ticket("Printer setup")
        s.guichet("serve", "--once", now=THU)
        s.smtp.clear()
        release = s.pg.hold_turn(self.db, "digests")
        self.addCleanup(release)
        r = s.guichet("sla", "tick", now=FRI_0901)
        self.assertNotIn("digest", r.stdout)
        self.assertIn("the digests are another process's to send now",
                      r.stderr)
        s.guichet("serve", "--once", now=FRI_0901)
        self.assertEqual(self.digests(), [])
        release()
        r = s.guichet("sla", "tick", now=FRI_0901)
        self.assertIn("digests 2", r.stdout)
        self.assertNotIn("another process", r.stderr)
        s.guichet("serve", "--once", now=FRI_0901)
        self.assertEqual(sorted(m["X-RcptTo"] for m in self.digests()),
                         ["alice@example.com", "bruno@example.com"])

    def test_a_digest_that_cannot_run_holds_back_no_other_job(self):
        """The digests' table locked by another session (a maintenance
        statement, a transaction left open), no lock_timeout set for the
        role: the digest waits 5 s at most, fails and says so, and the
        scheduler's later jobs still run (outbox_keep lets go of the
        content of Thursday's mails; the binary before waited as long as
        the lock was held, and once it failed, stopped the pass there);
        the digests go at the next pass once the lock is gone. A
        lock_timeout of the role's own is kept for the jobs."""
        s = self.servers
        sections = dict(AGENTS, guichet={"outbox_keep": "1d"})
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        self.ticket("Question about the export")
        s.guichet("serve", "--once", now=THU)       # its mails go
        s.smtp.clear()
        emptied = ("SELECT count(*) FROM outbox WHERE octet_length(data) "
                   "= 0")
        self.assertEqual(s.pg.scalar(emptied, db=self.db), "0")
        release = s.pg.hold_lock(self.db, "digest_sends")
        self.addCleanup(release)
        r = s.guichet("sla", "tick", now=FRI_0901, expect=75, timeout=30)
        self.assertGreater(int(s.pg.scalar(emptied, db=self.db)), 0)
        self.assertRegex(r.stderr, r"digests: .*lock timeout")
        self.assertEqual(self.digests(), [])
        # a lock_timeout of the role's own is the jobs' too: with 10
        # minutes, the pass still waits after 6 s, and goes on once the
        # lock is let go
        s.pg.psql("ALTER DATABASE %s SET lock_timeout = '10min'" % self.db)
        g = s.spawn("sla", "tick", now=FRI_0901)
        time.sleep(6)
        self.assertIsNone(g.poll())
        release()
        g.wait(timeout=60)
        s.pg.psql("ALTER DATABASE %s RESET lock_timeout" % self.db)
        s.guichet("sla", "tick", now=FRI_0901)
        s.guichet("serve", "--once", now=FRI_0901)
        # the agents of the support queue, where the ticket is
        self.assertEqual(sorted(m["X-RcptTo"] for m in self.digests()),
                         ["alice@example.com", "bruno@example.com"])

if __name__ == "__main__":
    unittest.main()
