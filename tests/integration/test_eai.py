"""test_eai.py - customers whose address is in UTF-8 (RFC 6530-6532).

Through real IMAP, SMTP and PostgreSQL: a customer writing from
"zoë@exämple.org" gets our acknowledgement and the agent's answer, sent
with SMTPUTF8 and the address as written in To; the customer's answer
comes back to the same ticket. A relay that does not offer SMTPUTF8 gets
no such mail: the ticket says why, nothing is retried, and the mails of
other customers go on. Addresses that hide what they are (a right-to-left
override, a zero width or no-break space, U+FFFD, a byte that is not
UTF-8) still make a ticket, and get no mail from us. Her domain written
as an A-label ("xn--exmple-cua.org") is still her: her reply from it is
her follow-up, and in a Cc or an agent's #cc she is no participant that
would get each mail twice.
"""

import re
import unittest

from desk_case import T0, DeskCase, mail

ZOE = "zoë@exämple.org"


class Eai(DeskCase):

    def setUp(self):
        self.start_desk("eai")

    def sql(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    def new_ticket(self, sender, mid, subject="Export vide"):
        r = self.deliver(mail(subject, "Bonjour,\n\nL'export est vide.\n",
                              mid, sender=sender))
        m = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        return m.group(1)

    def raw_to(self, addr):
        """Raw bytes of every mail in the sink whose To holds addr."""
        needle = addr.encode()
        out = []
        for raw in self.servers.smtp.raw_messages():
            head = raw.split(b"\n\n", 1)[0]
            if re.search(rb"(?m)^To:.*" + re.escape(needle), head):
                out.append(raw)
        return out

    def test_customer_in_utf8_hears_from_us(self):
        number = self.new_ticket("Zoë Ünal <%s>" % ZOE, "z1@exämple.org")
        self.assertEqual(self.sql("SELECT requester FROM tickets"), ZOE)
        ack, = self.raw_to(ZOE)
        head = ack.split(b"\n\n", 1)[0]
        # sent with SMTPUTF8, the address as written (RFC 6532), the
        # display name still an encoded-word
        self.assertIn(b"\nX-SmtpUtf8: yes", head)
        self.assertRegex(head, rb"(?m)^To: =\?utf-8\?[^\n]*\n?\s*<" +
                         re.escape(ZOE.encode()) + rb">")
        self.assertIn(number.encode(), head)
        # the agent answers: relayed to the customer the same way
        self.servers.smtp.clear()
        n = self.notification("alice@example.com", number)
        r = self.deliver(mail("Re: [%s] Export vide" % number,
                              "Bonjour Zoë,\n\nC'est corrigé.\n",
                              "a1@example.com",
                              sender="Alice Martin <alice@example.com>",
                              in_reply_to=n))
        upd, = self.raw_to(ZOE)
        self.assertIn(b"\nX-SmtpUtf8: yes", upd.split(b"\n\n", 1)[0])
        self.assertIn("C'est corrig", upd.decode("utf-8", "replace") +
                      self.sent()[-1].get_body(("plain",)).get_content())
        # the customer answers our mail: the same ticket
        last = "<%s>" % self.sql("SELECT message_id FROM outbox WHERE "
                                 "purpose <> 'notify_agent' ORDER BY id "
                                 "DESC LIMIT 1")
        r = self.deliver(mail("Re: [%s] Export vide" % number,
                              "Merci !\n", "z2@exämple.org",
                              sender="Zoë Ünal <%s>" % ZOE,
                              in_reply_to=last))
        self.assertNotIn("new ticket", r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "1")
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in' AND from_addr = '%s'"
                                  % ZOE), "2")
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind "
                                  "IN ('mail_not_sent', 'delivery_refused',"
                                  " 'delivery_failed')"), "0")
        # her client writes the domain as an A-label: still her
        r = self.deliver(mail("Re: [%s] Export vide" % number,
                              "Encore une question.\n", "z4@exämple.org",
                              sender="Zoë Ünal <zoë@XN--EXMPLE-CUA.ORG>",
                              in_reply_to=last))
        self.assertIn("follow-up %s" % number, r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "1")
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind "
                                  "LIKE 'stranger%'"), "0")
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in' AND author = "
                                  "'customer'"), "3")

    def test_relay_without_smtputf8(self):
        s = self.servers
        s.smtp.smtputf8 = False
        s.smtp.restart()
        try:
            number = self.new_ticket("Zoë <%s>" % ZOE, "z3@exämple.org")
            other = self.new_ticket("Claire <claire@cust.example>",
                                    "c3@cust.example")
            # the other customer's acknowledgement went
            self.assertEqual(len(self.sent("claire@cust.example")), 1)
            self.assertEqual(self.raw_to(ZOE), [])
            reason = self.sql(
                "SELECT data->>'error' FROM events e JOIN tickets t ON "
                "t.id = e.ticket_id WHERE e.kind = 'delivery_refused' AND "
                "t.number = '%s'" % number)
            self.assertIn("offers no SMTPUTF8", reason)
            self.assertIn(ZOE, self.show(number)["requester"])
            self.assertNotIn("delivery_refused", self.kinds(other))
            # refused for good: the next passes do not try again
            before = s.smtp.count()
            s.guichet("serve", "--once", now=T0)
            s.guichet("serve", "--once", now=T0)
            self.assertEqual(s.smtp.count(), before)
            self.assertEqual(self.raw_to(ZOE), [])
            self.assertEqual(self.sql(
                "SELECT count(*) FROM events WHERE kind = "
                "'delivery_refused'"), "1")
        finally:
            s.smtp.smtputf8 = True
            s.smtp.restart()

    def test_her_domain_as_an_a_label_is_still_her(self):
        # in a Cc of her own mail, or in an agent's #cc: the customer,
        # already in To, is no participant, and gets each mail once
        a_label = "zoë@xn--exmple-cua.org"
        r = self.deliver(mail("Export vide", "Bonjour,\n", "z5@exämple.org",
                              sender="Zoë <%s>" % ZOE,
                              extra="Cc: Zoë <%s>, bob@cust.example\r\n"
                              % a_label))
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertEqual(self.sql("SELECT string_agg(address, ',') FROM "
                                  "ticket_participants WHERE role = 'cc'"), "bob@cust.example")
        # Alice's #cc of her is refused (nothing of that mail applied)
        n = self.notification("alice@example.com", number)
        self.deliver(mail("Re: [%s] Export vide" % number,
                          "#cc %s\nVoici.\n" % a_label, "a5@example.com",
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to=n))
        told = [m for m in self.sent("alice@example.com")
                if "the requester of the ticket" in self.body(m)]
        self.assertEqual(len(told), 1)
        self.assertEqual(self.sql("SELECT count(*) FROM ticket_participants "
                                  "WHERE role = 'cc'"), "1")
        n = self.notification("alice@example.com", number)
        self.deliver(mail("Re: [%s] Export vide" % number,
                          "C'est corrigé.\n", "a6@example.com",
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to=n))
        upd = [m for m in self.sent() if "corrig" in self.body(m)]
        # one mail, to her (To) and Bob (Cc), her address not in Cc
        self.assertEqual([m["X-RcptTo"] for m in upd],
                         ["zoë@xn--exmple-cua.org, bob@cust.example"])
        self.assertNotIn("xn--", str(upd[0]["Cc"]))

    def test_addresses_that_hide_what_they_are(self):
        # each mail makes its ticket (nothing lost); none gets an answer
        bad = ["ab\u202e@exämple.org", "a\u200bb@exämple.org",
               "a\u00a0b@exämple.org", "a\ufffd@exämple.org"]
        for i, addr in enumerate(bad):
            self.new_ticket("X <%s>" % addr, "h%d@exämple.org" % i)
        raw = mail("Export", "texte\n", "h9@example.org",
                   sender="X <a@exämple.org>").replace(
                       "a@exämple.org".encode(), b"a\xff@ex\xe4mple.org")
        r = self.deliver(raw)
        self.assertIn("new ticket", r.stderr)
        # a Latin-1 address is no address (RFC 6532): its characters past
        # ASCII are U+FFFD, not a guess that could be somebody else's
        self.assertEqual(self.sql("SELECT requester FROM tickets ORDER BY "
                                  "id DESC LIMIT 1"),
                         "a\ufffd@ex\ufffdmple.org")
        n = len(bad) + 1
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), str(n))
        self.assertEqual(self.sql(
            "SELECT count(*) FROM events WHERE kind = 'mail_not_sent' AND "
            "data->>'purpose' = 'ack'"), str(n))
        self.assertEqual(self.sql("SELECT count(*) FROM outbox WHERE "
                                  "purpose = 'ack'"), "0")
        # the event says what is wrong with each address
        reasons = self.sql(
            "SELECT string_agg(e.data->>'reason', ' | ' ORDER BY t.id) "
            "FROM events e JOIN tickets t ON t.id = e.ticket_id WHERE "
            "e.kind = 'mail_not_sent'").split(" | ")
        for r, cp in zip(reasons, ("U+202E", "U+200B", "U+00A0", "U+FFFD",
                                   "U+FFFD")):
            self.assertIn("the customer's: address with an invisible or "
                          "control character (%s)" % cp, r)
        self.assertEqual([m for m in self.sent()
                          if "notify" not in str(m["X-Guichet-Purpose"])
                          and "alice@example.com" not in
                          str(m["X-RcptTo"])], [])


if __name__ == "__main__":
    unittest.main()
