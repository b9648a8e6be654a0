"""test_pending.py - tickets waiting on their customer.

Through real IMAP, SMTP and PostgreSQL. "pending" stops a ticket's SLA
clock; with [sla] pending_remind_after the customer is reminded once,
that long after it became pending (the mail says when it will close),
and with pending_close_after a ticket still unanswered is closed, never
before the time its reminder announced. An answer ends the wait; a new
wait gets its own reminder; a reminder that cannot be written waits for
the next pass, nothing lost. Off unless set; bad values refused.
"""

import os
import re
import unittest

from desk_case import DeskCase, at, mail

SECTIONS = {
    "agent alice": {"address": "alice@example.com", "name": "Alice Martin",
                    "queues": "support", "language": "en"},
    "sla": {"pending_remind_after": "3d", "pending_close_after": "10d"},
}



class Pending(DeskCase):

    def setUp(self):
        self.start_desk("pe", SECTIONS)
        self.n = 0

    def ticket(self):
        self.n += 1
        number = self.open_ticket("Export is empty", "The export is "
                                  "empty.\n", "p-%d@cust.example" % self.n)
        return number

    def wait_for(self, number, now):
        """Made pending by its agent, with a question; mails sent, the
        sink emptied."""
        s = self.servers
        s.guichet("ticket", "reply", number, "--as", "alice", now=now,
                  input="#status pending\nCould you send us the log?\n")
        self.assertEqual(self.show(number)["status"], "pending")
        s.guichet("serve", "--once", now=now)
        s.smtp.clear()

    def tick(self, now):
        """One scheduler pass at now, its mails sent; its figures."""
        out = self.servers.guichet("sla", "tick", "--now", now).stdout
        self.servers.guichet("serve", "--once", now=now)
        return out

    def test_reminded_then_closed(self):
        number = self.ticket()
        self.wait_for(number, at(0, 1))
        # two days on: nothing yet
        self.assertNotIn("pending", self.tick(at(2)))
        self.assertEqual(self.sent(), [])
        # three days after it became pending: one reminder
        out = self.tick(at(3, 1))
        self.assertIn("pending reminded 1", out)
        mails = self.sent("claire@cust.example")
        self.assertEqual(len(mails), 1)
        self.assertIn("[%s]" % number, mails[0]["Subject"])
        self.assertRegex(mails[0]["Subject"], "Waiting for your answer|"
                         "En attente de votre réponse")
        self.assertEqual(mails[0]["Auto-Submitted"], "auto-replied")
        body = self.body(mails[0])
        # it closes seven days after the reminder, in the support's zone
        self.assertRegex(body, r"(close it on|clôturerons le) "
                         r"2026-12-06 12:00 \(Europe/Paris\)\.")
        ev = [e for e in self.show(number)["events"]
              if e["kind"] == "pending_reminded"]
        self.assertEqual(ev[0]["data"], {"closes_at": at(10, 1)})
        self.assertEqual(self.show(number)["status"], "pending")
        # once only
        self.servers.smtp.clear()
        self.assertNotIn("pending", self.tick(at(6)))
        self.assertEqual(self.sent(), [])
        # a second before the announced time: still waiting; then closed
        self.assertNotIn("pending closed", self.tick(at(10, 1, -1)))
        self.assertEqual(self.show(number)["status"], "pending")
        out = self.tick(at(10, 1))
        self.assertIn("pending closed 1", out)
        t = self.show(number)
        self.assertEqual(t["status"], "closed")
        ev = [e for e in t["events"] if e["kind"] == "auto_closed"]
        self.assertEqual(ev[0]["data"],
                         {"reason": "no answer while waiting for the "
                          "customer"})
        closing = self.sent("claire@cust.example")
        self.assertEqual(len(closing), 1)
        self.assertRegex(closing[0]["Subject"], "Closed|Clos")
        self.assertEqual(self.kinds(number).count("pending_reminded"), 1)

    def test_an_answer_ends_the_wait_and_a_new_wait_is_reminded(self):
        number = self.ticket()
        self.wait_for(number, at(0, 1))
        self.deliver(mail("RE: [%s] Export is empty" % number,
                          "Here is the log.\n", "ans-1@cust.example"),
                     now=at(1))
        self.assertEqual(self.show(number)["status"], "open")
        self.servers.smtp.clear()
        self.assertNotIn("pending", self.tick(at(20)))
        self.assertEqual(self.sent("claire@cust.example"), [])
        self.assertNotIn("pending_reminded", self.kinds(number))
        # waiting again: a reminder of its own
        self.wait_for(number, at(20, 1))
        self.assertIn("pending reminded 1", self.tick(at(23, 1)))
        self.assertEqual(self.kinds(number).count("pending_reminded"), 1)

    def test_never_closed_unwarned_after_a_stop(self):
        """The scheduler did not run for three weeks: the first pass
        reminds and closes nothing; the closing comes the time the
        reminder announced after it."""
        number = self.ticket()
        self.wait_for(number, at(0, 1))
        out = self.tick(at(21))
        self.assertIn("pending reminded 1", out)
        self.assertNotIn("pending closed", out)
        self.assertEqual(self.show(number)["status"], "pending")
        self.assertNotIn("pending closed", self.tick(at(27, 23)))
        self.assertIn("pending closed 1", self.tick(at(28)))

    def test_close_without_reminder_and_off_by_default(self):
        s = self.servers
        sections = dict(SECTIONS)
        sections["sla"] = {"pending_close_after": "5d"}
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        number = self.ticket()
        self.wait_for(number, at(0, 1))
        self.assertNotIn("pending", self.tick(at(5)))
        out = self.tick(at(5, 1))
        self.assertIn("pending closed 1", out)
        self.assertNotIn("pending reminded", out)
        self.assertEqual(self.show(number)["status"], "closed")
        # without the keys: waits for ever
        sections["sla"] = None
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        other = self.ticket()
        self.wait_for(other, at(6))
        self.assertNotIn("pending", self.tick(at(400)))
        self.assertEqual(self.show(other)["status"], "pending")

    def test_reminders_turned_off_after_one_went(self):
        """A wait reminded, then reminders turned off: it still closes,
        pending_close_after after its reminder."""
        s = self.servers
        number = self.ticket()
        self.wait_for(number, at(0, 1))
        self.assertIn("pending reminded 1", self.tick(at(3, 1)))
        sections = dict(SECTIONS)
        sections["sla"] = {"pending_close_after": "5d"}
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        self.assertNotIn("pending closed", self.tick(at(8, 0)))
        self.assertIn("pending closed 1", self.tick(at(8, 1)))
        self.assertEqual(self.show(number)["status"], "closed")

    def test_a_reminder_that_cannot_be_written(self):
        s = self.servers
        tpl, path = self.broken_template("pending_reminder")
        self.broken_template("pending_reminder", lang="fr")
        sections = dict(SECTIONS)
        sections["guichet"] = {"templates_dir": tpl}
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        number = self.ticket()
        self.wait_for(number, at(0, 1))
        r = s.guichet("sla", "tick", "--now", at(3, 2))
        self.assertNotIn("pending reminded", r.stdout)
        self.assertIn("the reminder cannot be written", r.stderr)
        self.assertNotIn("pending_reminded", self.kinds(number))
        # the other scheduler work went on, and the next pass tries again
        os.remove(path)
        os.remove(os.path.join(tpl, "fr", "pending_reminder.txt"))
        self.assertIn("pending reminded 1", self.tick(at(3, 3)))
        self.assertEqual(len(self.sent("claire@cust.example")), 1)

    def test_bad_values(self):
        s = self.servers
        for sla, want in (
                ({"pending_remind_after": "soon"},
                 'pending_remind_after: "soon" is not a duration'),
                ({"pending_close_after": "-1d"},
                 'pending_close_after: "-1d" is not a duration'),
                ({"pending_remind_after": "3d", "pending_close_after": "2d"},
                 'pending_close_after: "2d" is not after '
                 'pending_remind_after'),
                ({"pending_remind_after": "3d", "pending_close_after": "3d"},
                 'pending_close_after: "3d" is not after')):
            with self.subTest(sla=sla):
                sections = dict(SECTIONS)
                sections["sla"] = sla
                s.write_config(dbname=self.db, mailbox_user=self.user,
                               sections=sections)
                r = s.guichet("check-config", expect=78)
                self.assertIn(want, r.stdout + r.stderr)
                self.assertTrue(re.search(r"guichet\.conf:\d+: \[sla\]",
                                          r.stdout + r.stderr))


if __name__ == "__main__":
    unittest.main()
