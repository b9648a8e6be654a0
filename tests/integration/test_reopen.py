"""test_reopen.py - a customer's mail to a closed ticket.

Through real IMAP, SMTP and PostgreSQL. A closed ticket's customer who
writes again has the problem back, or a new one: within [sla]
reopen_within (14 days by default) of the closing, the ticket opens
again, with its SLA, a "reopened" mail and its agents told; later, the
mail opens a new ticket related to the closed one, and the sender's
next mails to the old thread go to that new ticket while it is open. A
thank-you, a confirmation, a rating or an out-of-office changes nothing.
An operator's `quarantine release --to` a closed ticket reopens it
whenever it closed.
"""

import re
import unittest

from desk_case import DeskCase, at, mail

SECTIONS = {
    "agent alice": {"address": "alice@example.com", "name": "Alice Martin",
                    "queues": "support", "language": "en"},
}



class Reopen(DeskCase):

    def setUp(self):
        self.start_desk("ro", SECTIONS)
        self.n = 0

    def write(self, number, body, now, sender="Claire Dupont "
              "<claire@cust.example>", extra=""):
        """The customer's mail to the ticket's thread (its tag in the
        subject, as a reply to our mail would carry)."""
        self.n += 1
        return self.deliver(mail("RE: [%s] Closed: Export is empty" % number,
                                 body, "w-%d@cust.example" % self.n,
                                 sender=sender, extra=extra), now=now)

    def close(self, number, now):
        """Closed by its agent; the "closed" mail sent, the sink
        emptied."""
        s = self.servers
        s.guichet("ticket", "reply", number, "--as", "alice",
                  input="#close\n", now=now)
        self.assertEqual(self.show(number)["status"], "closed")
        s.guichet("serve", "--once", now=now)
        s.smtp.clear()

    def resolve_timer(self, number):
        """(still due?, breached?) of the ticket's resolve timer, 't' or
        'f' each."""
        row = self.servers.pg.scalar(
            "SELECT (s.met_at IS NULL)::text || ',' || (s.breached_at IS "
            "NOT NULL)::text FROM sla_timers s JOIN tickets t ON t.id = "
            "s.ticket_id WHERE t.number = '%s' AND s.kind = 'resolve'" %
            number, db=self.db)
        return tuple(x[0] for x in row.split(","))

    def opened(self):
        return self.open_ticket("Export is empty", "The export is empty.\n",
                                "first@cust.example")

    def test_within_the_window_the_ticket_opens_again(self):
        s = self.servers
        number = self.opened()
        self.close(number, at(0, 1))
        # what asks nothing more changes nothing, and sends nothing
        for body, extra in (("Thank you very much!\n", ""),
                            ("Thanks, it works now.\n", ""),
                            ("5\n", ""),
                            ("I am away until Monday.\n",
                             "Auto-Submitted: auto-replied\r\n")):
            with self.subTest(body=body):
                s.smtp.clear()
                r = self.write(number, body, at(1), extra=extra)
                self.assertIn("follow-up %s" % number, r.stderr)
                self.assertEqual(self.show(number)["status"], "closed",
                                 self.kinds(number))
                self.assertEqual(self.sent("claire@cust.example"), [])
        kinds = self.kinds(number)
        self.assertEqual(self.resolve_timer(number), ("f", "f"))
        self.assertEqual(kinds.count("thanked"), 2)
        self.assertEqual(kinds.count("rated"), 1)
        self.assertIn("auto_reply", kinds)
        self.assertNotIn("reopened", kinds)
        # the problem is back, 13 days and 23 hours after the closing
        s.smtp.clear()
        r = self.write(number, "The export is empty again.\n", at(14))
        self.assertIn("follow-up %s" % number, r.stderr)
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        ev = [e for e in t["events"] if e["kind"] == "reopened"]
        self.assertEqual(ev[-1]["data"], {"from": "closed", "to": "open"})
        self.assertEqual(ev[-1]["actor"], "claire@cust.example")
        mine = self.sent("claire@cust.example")
        self.assertEqual(len(mine), 1)
        self.assertRegex(mine[0]["Subject"], "Reopened|Rouvert")
        self.assertIn("[%s]" % number, mine[0]["Subject"])
        told = self.sent("alice@example.com")
        self.assertEqual(len(told), 1)
        self.assertIn("empty again", self.body(told[0]))
        # its resolution is due again: 14 days after the opening, the
        # target of a P3 is long past, and the breach is told
        self.assertEqual(self.resolve_timer(number), ("t", "t"))
        self.assertIn("sla_breach", self.kinds(number))
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM tickets",
                                     db=self.db), "1")

    def test_later_a_new_related_ticket(self):
        s = self.servers
        number = self.opened()
        self.close(number, at(0, 1))
        s.smtp.clear()
        r = self.write(number, "Same error again since this morning.\n",
                       at(14, 1))
        new = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertNotEqual(new, number)
        old = self.show(number)
        self.assertEqual(old["status"], "closed")
        ev = [e for e in old["events"] if e["kind"] == "followed_up"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["data"], {"new_ticket": new})
        t = self.show(new)
        self.assertEqual(t["status"], "new")
        self.assertNotIn(number, t["subject"])
        self.assertIn("Export is empty", t["subject"])
        rel = [e for e in t["events"] if e["kind"] == "related"]
        self.assertEqual(rel[0]["data"], {"ticket": number})
        # acknowledged under its own number, with its own SLA
        ack = self.sent("claire@cust.example")
        self.assertEqual(len(ack), 1)
        self.assertIn("[%s]" % new, ack[0]["Subject"])
        self.assertNotIn("[%s]" % number, ack[0]["Subject"])
        # three more mails to the old thread: the new ticket takes them
        for i in range(3):
            r = self.write(number, "More detail %d.\n" % i, at(14, 2 + i))
            self.assertIn("follow-up %s" % new, r.stderr)
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM tickets",
                                     db=self.db), "2")
        self.assertEqual(len([m for m in self.show(new)["messages"]
                              if m["direction"] == "in"]), 4)
        # another participant's mail to the old thread is their own
        # ticket (the new one is Claire's)
        s.guichet("ticket", "reply", number, "--as", "alice",
                  input="#cc bob@cust.example\n", now=at(14, 6))
        r = self.write(number, "Bob here: empty for me too.\n", at(14, 7),
                       sender="Bob <bob@cust.example>")
        third = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertNotIn(third, (number, new))
        # once the new ticket is closed too, a further mail to the old
        # thread opens yet another
        self.close(new, at(15))
        r = self.write(number, "It is back.\n", at(16))
        fourth = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertNotIn(fourth, (number, new, third))
        # a thank-you to the old thread stays there, whenever it comes
        r = self.write(number, "Thanks a lot!\n", at(40))
        self.assertIn("follow-up %s" % number, r.stderr)
        self.assertEqual(self.show(number)["status"], "closed")

    def test_never_reopen_and_an_operators_release(self):
        s = self.servers
        sections = dict(SECTIONS)
        sections["sla"] = {"reopen_within": "never"}
        sections["guichet"] = {"stranger_followup": "hold"}
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        number = self.opened()
        self.close(number, at(0, 1))
        r = self.write(number, "Still empty.\n", at(0, 2))
        new = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertNotEqual(new, number)
        self.assertEqual(self.show(number)["status"], "closed")
        # a stranger's mail held, then sent to the closed ticket by an
        # operator: the ticket opens again, never minding the window
        r = self.write(number, "I am Claire's colleague: empty here.\n",
                       at(30), sender="Dan <dan@cust.example>")
        qid = s.pg.scalar("SELECT max(id) FROM quarantine", db=self.db)
        self.assertIsNotNone(qid)
        s.guichet("quarantine", "release", qid, "--to", number, now=at(30))
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        self.assertIn("reopened", self.kinds(t))

    def test_bad_values(self):
        s = self.servers
        for value in ("soon", "-3d", "0", "3661d", "1x"):
            with self.subTest(value=value):
                sections = dict(SECTIONS)
                sections["sla"] = {"reopen_within": value}
                s.write_config(dbname=self.db, mailbox_user=self.user,
                               sections=sections)
                r = s.guichet("check-config", expect=78)
                self.assertIn("reopen_within: \"%s\" is not a duration"
                              % value, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
