"""test_blocked.py - an agent's #spam, and the blocked senders.

Through real IMAP, SMTP and PostgreSQL. Spam the filter in front of the
desk let through became a ticket; the agent answers its notification
with "#spam": the ticket is closed without a word to its sender (no
closing mail: the address is often forged) nor to the other agents,
tagged spam, and its sender blocked. That sender's next mails that would
open a ticket are held in the quarantine, nobody answered or told, in
any case of the address; a mail of theirs to the closed spam ticket is
held too, while another sender of the same domain is not touched, and
an operator's release still lets a held one in. Ops list, add (an
address or @domain) and remove blocked senders; a person's export shows
their block, and forgetting them removes it. #spam goes alone, never
blocks an agent or our own address, and takes no argument; the command
line refuses what is not an address, one of ours, and huge values.
"""

import json
import re
import unittest

from desk_case import DeskCase, mail

AGENTS = {
    "agent alice": {"address": "alice@example.com", "name": "Alice Martin",
                    "queues": "support", "language": "en"},
    "agent bruno": {"address": "bruno@example.com", "name": "Bruno Petit",
                    "queues": "support", "language": "en"},
}
SPAMMER = "Deals <deals@bulk.example>"


class Blocked(DeskCase):

    def setUp(self):
        self.start_desk("bl", AGENTS)
        self.n = 0

    def ticket(self, subject="Cheap watches", sender=SPAMMER):
        self.n += 1
        r = self.deliver(mail(subject, "Buy now.\n", "bl-%d@x.example"
                              % self.n, sender=sender))
        m = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr)
        return m.group(1) if m else None

    def answer(self, number, text, agent="alice"):
        self.n += 1
        return self.deliver(mail(
            "Re: [%s] Cheap watches" % number, text,
            "agent-%d@example.com" % self.n,
            sender="%s <%s@example.com>" % (agent.title(), agent),
            in_reply_to=self.notification("%s@example.com" % agent,
                                          number)))

    def blocked(self):
        return json.loads(self.servers.guichet("blocked", "list",
                                               "--json").stdout)

    def count(self, table):
        return int(self.servers.pg.scalar("SELECT count(*) FROM " + table,
                                          db=self.db))

    def held(self):
        return [q for q in json.loads(self.servers.guichet(
            "quarantine", "list", "--json").stdout)
            if q["reason"] == "held"]

    def test_spam_closes_in_silence_and_holds_the_sender(self):
        s = self.servers
        number = self.ticket()
        self.assertTrue(self.sent("deals@bulk.example"))   # the ack, alas
        s.smtp.clear()
        self.answer(number, "#spam\nPhishing, seen it before.\n")
        t = self.show(number)
        self.assertEqual(t["status"], "closed")
        self.assertIn("spam", t["tags"])
        ev, = [e for e in t["events"] if e["kind"] == "marked_spam"]
        self.assertEqual((ev["actor"], ev["data"]["blocked"]),
                         ("alice", "deals@bulk.example"))
        # the text is a note among agents
        self.assertIn("internal_note", self.kinds(t))
        self.assertEqual(s.pg.scalar(
            "SELECT internal FROM messages ORDER BY id DESC LIMIT 1",
            db=self.db), "t")
        # nothing goes out: no closing mail, no note to bruno
        s.guichet("serve", "--once")
        self.assertEqual(s.smtp.messages(), [])
        b, = self.blocked()
        self.assertEqual((b["address"], b["added_by"], b["ticket"]),
                         ("deals@bulk.example", "alice", number))

        # the next one, the address in another case: held, no ticket,
        # nobody told
        tickets = self.count("tickets")
        self.assertIsNone(self.ticket("Cheaper watches",
                                      "DEALS <Deals@BULK.example>"))
        self.assertEqual(self.count("tickets"), tickets)
        held, = self.held()
        self.assertIn("blocked sender", held["detail"])
        # a mail of theirs to the closed spam ticket: held too, and its
        # agents not told again
        self.n += 1
        self.deliver(mail("Re: [%s] Cheap watches" % number, "Hello?\n",
                          "bl-re@x.example", sender=SPAMMER))
        self.assertEqual(len(self.held()), 2)
        self.assertIn("sender_held", self.kinds(number))
        self.assertEqual(self.show(number)["status"], "closed")
        s.guichet("serve", "--once")
        self.assertEqual(s.smtp.messages(), [])
        # another sender of the domain is not blocked
        self.assertIsNotNone(self.ticket("Order 77", "Ann <ann@bulk.example>"))
        s.smtp.clear()

        # an operator's release still lets a held mail in
        r = s.guichet("quarantine", "release", str(held["id"]))
        self.assertRegex(r.stdout + r.stderr, r"SUP-\d+-\d+")
        self.assertEqual(self.count("tickets"), tickets + 2)

        # ops unblock: the sender opens tickets again
        r = s.guichet("blocked", "remove", "Deals@Bulk.Example")
        self.assertIn("no longer blocked", r.stdout)
        self.assertEqual(self.blocked(), [])
        self.assertIsNotNone(self.ticket("Watches again"))
        s.guichet("blocked", "remove", "deals@bulk.example", expect=66)

    def test_a_domain_blocked_by_ops(self):
        s = self.servers
        r = s.guichet("blocked", "add", "@Bulk.Example")
        self.assertIn("blocked", r.stdout)
        r = s.guichet("blocked", "add", "@bulk.example")
        self.assertIn("was blocked already", r.stdout)
        b, = self.blocked()
        self.assertEqual(b["address"], "@bulk.example")
        self.assertRegex(b["added_by"], r"^ops \(.+\)$")
        self.assertIsNone(self.ticket("A", "x <x@bulk.example>"))
        self.assertIsNone(self.ticket("B", "y <Y@BULK.EXAMPLE>"))
        # a subdomain, or a domain that ends the same, is another domain
        self.assertIsNotNone(self.ticket("C", "z <z@mx.bulk.example>"))
        self.assertIsNotNone(self.ticket("D", "w <w@notbulk.example>"))
        self.assertEqual(len(self.held()), 2)
        text = s.guichet("blocked", "list").stdout
        self.assertRegex(text, r"@bulk\.example +\S+ +ops \(")

    def test_a_person_exported_and_forgotten(self):
        # a block holds a person's address: the export shows it, and
        # forget erases it with the rest
        s = self.servers
        number = self.ticket()
        s.guichet("ticket", "reply", number, "--as", "bruno",
                  input="#spam\n")
        doc = json.loads(s.guichet("gdpr", "export",
                                   "Deals@Bulk.example").stdout)
        b, = doc["blocked_senders"]
        self.assertEqual((b["address"], b["added_by"]),
                         ("deals@bulk.example", "bruno"))
        r = s.guichet("gdpr", "forget", "deals@bulk.example")
        self.assertIn("1 blocked sender(s) removed", r.stderr)
        self.assertEqual(self.blocked(), [])
        ev = json.loads(s.pg.scalar(
            "SELECT data::text FROM events WHERE kind = 'gdpr_forget'",
            db=self.db))
        self.assertEqual(ev["blocked"], 1)
        self.assertNotIn("deals@", json.dumps(ev))
        self.assertIsNotNone(self.ticket("Hello again"))

    def test_spam_refused_where_it_must_be(self):
        s = self.servers
        number = self.ticket()
        s.smtp.clear()
        before = self.show(number)
        for text, why in (
                ("#spam\n#resolve\nDone.\n", "#spam goes alone"),
                ("#tag x\n#spam\n", "#spam goes alone"),
                ("#spam deals@bulk.example\n", "takes no argument"),
                ("#spam please\n", "takes no argument")):
            self.answer(number, text)
            rejected = [m for m in self.sent("alice@example.com")]
            self.assertIn(why, self.body(rejected[-1]))
        t = self.show(number)
        self.assertEqual((t["status"], t["tags"]),
                         (before["status"], before["tags"]))
        self.assertNotIn("marked_spam", self.kinds(t))
        self.assertEqual(self.blocked(), [])

        # an agent's own ticket (she wrote from her address) is never
        # blocked, nor is one from our own mailbox
        mine = self.ticket("Printer", "Bruno Petit <bruno@example.com>")
        r = s.guichet("ticket", "reply", mine, "--as", "alice",
                      input="#spam\n", expect=65)
        self.assertIn("one of our agents", r.stderr)
        self.assertEqual(self.show(mine)["status"], "new")
        self.assertEqual(self.blocked(), [])

        # the command line: not an address, ours, an agent's, huge
        for bad in ("", "nobody", "@", "a@", "@.example", "a@b@c.example",
                    "a b@c.example", "@bulk..example", "alice@example.com",
                    "ALICE@example.com", "support@example.com",
                    "@example.com", "x" * 300 + "@bulk.example",
                    "x@" + "b" * 300 + ".example", "evil@bulk.example\n"):
            r = s.guichet("blocked", "add", bad, expect=65)
            self.assertIn("blocked add", r.stderr)
        for bad in (["blocked"], ["blocked", "add"],
                    ["blocked", "list", "--csv"],
                    ["blocked", "add", "a@b.example", "c@d.example"]):
            s.guichet(*bad, expect=64)
        self.assertEqual(self.blocked(), [])


if __name__ == "__main__":
    unittest.main()
