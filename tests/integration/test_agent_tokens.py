"""test_agent_tokens.py - a mail From: an agent counts as the agent's only
with the token of that agent on that ticket.

Through real IMAP, SMTP and PostgreSQL: an agent's reply that answers a
Message-ID with a wrong token, another agent's notification, the
notification of another ticket, or the acknowledgement the customer
received (what a customer could copy into a forged reply) is a
stranger's mail: no command applied, nothing relayed to the customer, an
"agent_unauthenticated" event and a new related ticket. The same reply
answering the agent's own notification is the agent's.
"""

import re
import unittest

import guichet_harness as gh

T0 = "2026-11-26T10:00:00Z"
T1 = "2026-11-26T10:05:00Z"


def mail(subject, body, mid, sender="Claire Dupont <claire@cust.example>",
         in_reply_to=None):
    h = "From: %s\r\nTo: support@example.com\r\n" % sender
    h += "Subject: %s\r\nMessage-ID: <%s>\r\n" % (subject, mid)
    if in_reply_to:
        h += "In-Reply-To: <%s>\r\nReferences: <%s>\r\n" % (in_reply_to,
                                                            in_reply_to)
    h += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (h + "\r\n" + body.replace("\n", "\r\n")).encode()


class AgentTokens(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "tok_" + self._testMethodName[5:][:40].lower()
        self.user = ("t" + self._testMethodName[5:])[:30].lower()
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support"},
            "agent bruno": {"address": "bruno@example.com",
                            "name": "Bruno Petit", "queues": "support"},
        })
        s.guichet("migrate")
        s.smtp.clear()

    def deliver(self, raw, now=T0):
        self.servers.imap.append(self.user, "INBOX", raw)
        return self.servers.guichet("serve", "--once", now=now).stderr

    def sql(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    def our_id(self, purpose, number, rcpt):
        return self.sql(
            "SELECT o.message_id FROM outbox o JOIN tickets t ON "
            "t.id = o.ticket_id WHERE o.purpose = '%s' AND t.number = '%s' "
            "AND '%s' = ANY (o.rcpts) ORDER BY o.id DESC LIMIT 1"
            % (purpose, number, rcpt))

    def ticket(self, number):
        return self.sql("SELECT priority || ' ' || status FROM tickets "
                        "WHERE number = '%s'" % number)

    def test_forged_tokens_make_strangers(self):
        err = self.deliver(mail("Export broken", "Empty file.\n",
                                "one@cust.example"))
        t1 = re.search(r"new ticket (SUP-\d+-\d+)", err).group(1)
        err = self.deliver(mail("Login broken", "Cannot log in.\n",
                                "two@cust.example"))
        t2 = re.search(r"new ticket (SUP-\d+-\d+)", err).group(1)

        alice_t1 = self.our_id("notify_agent", t1, "alice@example.com")
        bruno_t1 = self.our_id("notify_agent", t1, "bruno@example.com")
        alice_t2 = self.our_id("notify_agent", t2, "alice@example.com")
        ack_t1 = self.our_id("ack", t1, "claire@cust.example")
        self.assertTrue(all((alice_t1, bruno_t1, alice_t2, ack_t1)))
        # one character of alice's token changed
        m = re.match(r"(n-\d+-)([a-z2-7]{26})(-.*)", alice_t1)
        tok = m.group(2)
        wrong = m.group(1) + ("b" if tok[0] == "a" else "a") + tok[1:] + \
            m.group(3)

        cases = [("wrong token", wrong), ("bruno's token", bruno_t1),
                 ("another ticket's token", alice_t2),
                 ("the acknowledgement", ack_t1)]
        self.servers.smtp.clear()
        for i, (what, answered) in enumerate(cases):
            with self.subTest(what):
                err = self.deliver(mail(
                    "Re: [%s] Export broken" % t1,
                    "#priority P1\n#resolve\nDone, closing.\n",
                    "forged-%d@example.com" % i,
                    sender="Alice Martin <alice@example.com>",
                    in_reply_to=answered), now=T1)
                self.assertRegex(err, r"new ticket SUP-\d+-\d+")
                self.assertIn("without proof", err)
                self.assertEqual(self.ticket(t1), "P3 new")
                self.assertEqual(self.sql(
                    "SELECT count(*) FROM events e JOIN tickets t ON "
                    "t.id = e.ticket_id WHERE t.number = '%s' AND "
                    "e.kind = 'agent_unauthenticated'" % t1), str(i + 1))
                # nothing of the forged mail on the ticket
                self.assertEqual(self.sql(
                    "SELECT count(*) FROM messages m JOIN tickets t ON "
                    "t.id = m.ticket_id WHERE t.number = '%s' AND "
                    "m.direction = 'in'" % t1), "1")
        # the customer heard nothing of it (only acknowledgements of the
        # new tickets, which go to alice herself)
        for m in self.servers.smtp.messages():
            self.assertNotIn("claire@cust.example", m["X-RcptTo"])

        # the same reply answering alice's own notification is hers
        err = self.deliver(mail("Re: [%s] Export broken" % t1,
                                "#priority P1\n#resolve\nDone, closing.\n",
                                "real@example.com",
                                sender="Alice Martin <alice@example.com>",
                                in_reply_to=alice_t1), now=T1)
        self.assertIn("follow-up %s" % t1, err)
        self.assertEqual(self.ticket(t1), "P1 resolved")
        self.assertEqual(self.ticket(t2), "P3 new")

        # no mail the customer gets carries a token to copy: not the
        # acknowledgement, not the agent's answer relayed
        to_claire = [m for m in self.servers.smtp.messages()
                     if "claire@cust.example" in m["X-RcptTo"]]
        self.assertTrue(any("Done, closing." in m.get_body(("plain",))
                            .get_content() for m in to_claire))
        self.servers.guichet("serve", "--once", now=T1)
        for m in self.servers.smtp.messages():
            if "claire@cust.example" not in m["X-RcptTo"]:
                continue
            for h in ("Message-ID", "In-Reply-To", "References"):
                self.assertNotRegex(m[h] or "", r"n-\d+-[a-z2-7]{26}-",
                                    "%s of a mail to the customer" % h)
        # nor anything queued for the customer (the acknowledgements
        # included), while the agents' notifications all carry one
        self.assertEqual(self.sql(
            "SELECT count(*) FILTER (WHERE encode(data, 'escape') ~ "
            "'n-[0-9]+-[a-z2-7]{26}-') || ' ' || count(*) FROM outbox "
            "WHERE 'claire@cust.example' = ANY (rcpts)"), "0 3")
        self.assertEqual(self.sql(
            "SELECT bool_and(encode(data, 'escape') ~ "
            "'Message-ID: <n-[0-9]+-[a-z2-7]{26}-') FROM outbox "
            "WHERE purpose = 'notify_agent'"), "t")


if __name__ == "__main__":
    unittest.main(verbosity=2)
