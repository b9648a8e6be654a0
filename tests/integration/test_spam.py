"""test_spam.py - spam held, not answered: rules' `hold`.

Through real IMAP, SMTP and PostgreSQL. The spam filter in front of the
desk marks its verdict in a header (SpamAssassin's X-Spam-Flag and
X-Spam-Status, Rspamd's X-Spam); the shipped rule "spam" holds such a
mail in the quarantine instead of opening a ticket: no acknowledgement to
its (forged) sender, which would be backscatter, and no agent told. The
mail is kept whole (the quarantine entry, the quarantine folder); the
same spam fetched again is not held twice; an operator's release makes
it a ticket with what follows, and no rule holds it again; a held mail
nobody released is deleted after held_retention (30 days). A "No"
verdict opens its ticket as always; a follow-up of the ticket's own
customer is never held (a false positive must not take her answer off
her ticket), while a stranger's is. An operator's own rule may hold with
a word of its own, which `guichet rules test` shows.
"""

import json
import re
import unittest

from desk_case import T0, DeskCase, mail

SPAM = "X-Spam-Flag: YES\r\nX-Spam-Status: Yes, score=12.3 required=5.0\r\n"


class Spam(DeskCase):

    def setUp(self):
        self.start_desk("spam")

    def sql(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    def entries(self):
        return json.loads(self.servers.guichet("quarantine", "list",
                                               "--json").stdout)

    def test_spam_held_not_answered(self):
        s = self.servers
        raw = mail("You won!", "Claim your prize.\n", "spam-1@bulk.example",
                   sender="Prize <claire@cust.example>", extra=SPAM)
        r = self.deliver(raw)
        self.assertRegex(r.stderr, r"held: spam: rule spam \(rules\.conf "
                                   r"\(built-in\):\d+\)")
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "0")
        self.servers.guichet("serve", "--once", now=T0)
        self.assertEqual(self.sent(), [])       # nobody written to
        self.assertEqual(self.sql("SELECT count(*) FROM outbox"), "0")
        e, = self.entries()
        self.assertEqual(e["reason"], "held")
        self.assertRegex(e["detail"], r"^spam: rule spam \(rules\.conf "
                                      r"\(built-in\):\d+\)$")
        # kept whole, out of INBOX
        self.assertEqual(s.imap.messages(self.user), [])
        self.assertEqual(len(s.imap.messages(self.user, "Quarantine")), 1)
        # the same spam again: one entry
        r = self.deliver(raw)
        self.assertEqual(len(self.entries()), 1)
        # released: a ticket, acknowledged, Alice told; not held again
        rel = s.guichet("quarantine", "release", str(e["id"]),
                        env={"USER": "opbob", "SUDO_USER": ""}, now=T0)
        number = re.search(r"into (SUP-\d+-\d+)", rel.stdout).group(1)
        s.guichet("serve", "--once", now=T0)
        self.assertEqual(len(self.sent("claire@cust.example")), 1)
        self.assertEqual(len(self.sent("alice@example.com")), 1)
        self.assertIn("quarantine_released", self.kinds(number))

    def test_security_report_marked_spam_is_said(self):
        """A proof of concept often looks like spam to a filter: the
        report is held like any spam (no acknowledgement to a sender who
        may be forged), but its entry says the rules send it to the
        security queue, and the daemon warns, naming the entry: held
        unseen, it would miss its 24 business hours."""
        raw = mail("XSS vulnerability in the login page",
                   "<script>alert(1)</script> runs in the login form.\n",
                   "sec-1@research.example",
                   sender="Researcher <r@research.example>", extra=SPAM)
        r = self.deliver(raw)
        e, = self.entries()
        self.assertEqual(e["reason"], "held")
        self.assertRegex(e["detail"], r"^spam: rule spam \(rules\.conf "
                                      r"\(built-in\):\d+\); rule security "
                                      r"sends it to queue security$")
        self.assertIn("quarantine %d: held (spam), and rule security sends "
                      "it to the security queue" % e["id"], r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM outbox"), "0")
        # plain spam says no queue and warns of nothing
        r = self.deliver(mail("You won!", "Claim your prize.\n",
                              "spam-2@bulk.example",
                              sender="Prize <p@bulk.example>", extra=SPAM))
        self.assertNotIn("security queue", r.stderr)
        self.assertEqual(sorted(x["detail"].endswith("to queue security")
                                for x in self.entries()), [False, True])

    def test_held_mail_deleted_after_held_retention(self):
        s = self.servers
        for i, when in enumerate((T0, "2026-12-16T10:00:00Z", T0)):
            self.deliver(mail("Prize %d" % i, "Claim it.\n",
                              "spam-%d@bulk.example" % i,
                              sender="P <p%d@bulk.example>" % i,
                              extra=SPAM), now=when)
        old, newer, released = [e["id"] for e in self.entries()]
        s.guichet("quarantine", "release", str(released), now=T0,
                  env={"USER": "opbob", "SUDO_USER": ""})
        # 29 days on: nothing goes
        r = s.guichet("sla", "tick", now="2026-12-25T09:00:00Z")
        self.assertNotIn("held deleted", r.stdout)
        self.assertEqual(len(self.entries()), 3)
        # 31 days on: the first held one goes, the newer and the
        # released one stay
        r = s.guichet("sla", "tick", now="2026-12-27T10:00:00Z")
        self.assertIn("held deleted 1", r.stdout)
        self.assertEqual(sorted(e["id"] for e in self.entries()),
                         sorted([newer, released]))
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "1")
        # held_retention = 0: kept for ever
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=dict(ALICE_AND_RULES,
                                     guichet={"held_retention": "0"}))
        r = s.guichet("sla", "tick", now="2027-06-01T10:00:00Z")
        self.assertNotIn("held deleted", r.stdout)
        self.assertEqual(len(self.entries()), 2)

    def test_what_is_not_held(self):
        # the filter's "No", and headers that are no verdict
        for i, extra in enumerate((
                "X-Spam-Flag: NO\r\nX-Spam-Status: No, score=0.2\r\n",
                "X-Spam-Level: ***\r\nX-Spam: no\r\n")):
            r = self.deliver(mail("Export vide", "Bonjour,\n",
                                  "ok-%d@cust.example" % i, extra=extra))
            self.assertIn("new ticket", r.stderr)
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        # the customer's own follow-up, marked spam by mistake: still
        # hers, on her ticket
        last = "<%s>" % self.sql("SELECT message_id FROM outbox WHERE "
                                 "purpose = 'ack' ORDER BY id DESC LIMIT 1")
        r = self.deliver(mail("Re: [%s] Export vide" % number,
                              "Toujours vide.\n", "ok-9@cust.example",
                              in_reply_to=last, extra=SPAM))
        self.assertIn("follow-up %s" % number, r.stderr)
        # a stranger's follow-up marked spam is held (it would open a
        # ticket of its own)
        r = self.deliver(mail("Re: [%s] Export vide" % number,
                              "Buy now.\n", "st-1@bulk.example",
                              sender="Eve <eve@bulk.example>",
                              in_reply_to=last, extra=SPAM))
        self.assertIn("held: spam", r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "2")
        self.assertIn("stranger_held", self.kinds(number))
        self.assertEqual([e["reason"] for e in self.entries()], ["held"])

    def test_rule_of_ones_own(self):
        s = self.servers
        rules = s.path("junk-rules.conf")
        with open(rules, "w") as f:
            f.write("[rule newsletters]\n"
                    "match = header:List-Unsubscribe: .\n"
                    "unless = from: @cust\\.example$\n"
                    "hold = newsletter\n")
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=dict(ALICE_AND_RULES, rules={"file": rules}))
        raw = mail("Weekly digest", "News.\n", "nl-1@news.example",
                   sender="News <news@news.example>",
                   extra="List-Unsubscribe: <mailto:u@news.example>\r\n")
        path = s.path("nl.eml")
        with open(path, "wb") as f:
            f.write(raw)
        out = s.guichet("rules", "test", path).stdout
        self.assertRegex(out, r"held: +newsletter, by rule newsletters "
                              r"\(.*junk-rules\.conf:1\)")
        j = json.loads(s.guichet("rules", "test", "--json", path).stdout)
        self.assertEqual(j["hold"], "newsletter")
        self.assertEqual(j["hold_rule"]["name"], "newsletters")
        r = self.deliver(raw)
        self.assertIn("held: newsletter: rule newsletters", r.stderr)
        # a customer's mail with the header is not
        r = self.deliver(mail("Export vide", "Bonjour,\n", "c-1@cust.example",
                              extra="List-Unsubscribe: <mailto:x@y>\r\n"))
        self.assertIn("new ticket", r.stderr)
        # a bad hold is the operator's to mend: check-config says where
        with open(rules, "a") as f:
            f.write("\n[rule bad]\nmatch = subject: x\nhold = two words\n")
        r = s.guichet("check-config", expect=78)
        self.assertIn('junk-rules.conf:8: rule bad: hold: bad value "two '
                      'words"', r.stdout + r.stderr)


ALICE_AND_RULES = {"agent alice": {"address": "alice@example.com",
                                   "name": "Alice Martin",
                                   "queues": "support",
                                   "language": "en"}}


if __name__ == "__main__":
    unittest.main()
