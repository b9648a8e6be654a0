"""test_undelivered.py - an agent's answer that never reached the customer.

Through real IMAP, SMTP and PostgreSQL. An answer that the relay refuses
for good, or that comes back in a delivery report of failure, leaves the
customer without it: the ticket, pending or resolved, is open again (its
clock runs, auto-close does not close it) and the agents of its queue
get an "undelivered" mail in their thread of the ticket, naming the
address, the mail and the server's answer. An acknowledgement that
bounces (most often a forged sender's), a copy to a Cc, or an agent's
own notification that bounces change nothing and tell nobody; a report
naming another recipient neither.
"""

import re
import unittest

from desk_case import ALICE, T0, DeskCase, mail

CUSTOMER = "claire@cust.example"


def dsn(to, mid, subject, n=1, status="5.1.1", fields=None):
    """A delivery report of failure about our mail mid, to address to;
    fields: the per-recipient fields instead (a list of blocks)."""
    if fields is None:
        fields = ["Final-Recipient: rfc822; %s\r\n"
                  "Action: failed\r\nStatus: %s\r\n"
                  "Diagnostic-Code: smtp; 550 %s mailbox closed\r\n"
                  % (to, status, status)]
    return ("From: Mail Delivery System <MAILER-DAEMON@mx.cust.example>\r\n"
            "To: support@example.com\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            "Message-ID: <dsn-%d@mx.cust.example>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status;"
            " boundary=R\r\n\r\n"
            "--R\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
            "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.cust.example\r\n\r\n"
            "%s"
            "--R\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            "From: Support <support@example.com>\r\n"
            "To: %s\r\nMessage-ID: %s\r\nSubject: %s\r\n"
            "--R--\r\n" % (n, "\r\n".join(fields), to, mid,
                            subject)).encode()


class Undelivered(DeskCase):

    def setUp(self):
        self.start_desk("und")
        self.servers.smtp.accept_all()
        self.addCleanup(self.servers.smtp.accept_all)
        self.n = 0

    def sql(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    def answer(self, number, text, commands=""):
        """Alice answers the customer, with #commands first."""
        self.n += 1
        n = self.notification("alice@example.com", number)
        return self.deliver(mail("Re: [%s] Export vide" % number,
                                 commands + text, "alice-%d@example.com"
                                 % self.n,
                                 sender="Alice Martin <alice@example.com>",
                                 in_reply_to=n))

    def flush(self):
        self.servers.guichet("serve", "--once", now=T0)

    def told(self):
        """The "undelivered" mails the agents got."""
        return [m for m in self.sent("alice@example.com")
                if "Not delivered to" in str(m["Subject"])]

    def test_answer_refused_by_the_relay(self):
        # bruno, of the same queue, reads French: he is told in French
        self.start_desk("und", dict(ALICE, **{"agent bruno": {
            "address": "bruno@example.com", "name": "Bruno Petit",
            "queues": "support", "language": "fr"}}))
        number = self.open_ticket("Export vide", "Bonjour,\n", "open-1@cust.example")
        self.servers.smtp.refuse(CUSTOMER, 550, "5.1.1 mailbox closed")
        self.answer(number, "Please try again now.\n", "#status pending\n")
        self.flush()
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        changes = [e for e in t["events"] if e["kind"] == "status_changed"]
        self.assertEqual(changes[-1]["data"]["reason"], "undelivered")
        self.assertEqual(changes[-1]["data"]["from"], "pending")
        told, = self.told()
        self.assertIn(CUSTOMER, told["Subject"])
        self.assertIn("[%s]" % number, told["Subject"])
        body = self.body(told)
        self.assertIn("Our mail of ticket %s (answer) did not" % number,
                      body)
        self.assertIn("550 5.1.1 mailbox closed", body)
        fr, = [m for m in self.sent("bruno@example.com")
               if "Non distribué à" in str(m["Subject"])]
        self.assertIn("Notre mail du ticket %s (réponse) n'est pas" % number,
                      self.body(fr))
        # in alice's thread of the ticket: her answer to it reaches it
        self.assertTrue(told["In-Reply-To"])
        # once: more passes tell nobody again
        self.flush()
        self.flush()
        self.assertEqual(len(self.told()), 1)

    def test_resolution_bounced_later(self):
        # the relay took it; the customer's server bounced it
        number = self.open_ticket("Export vide", "Bonjour,\n", "open-1@cust.example")
        self.answer(number, "Fixed in 4.2.\n", "#resolve\n")
        self.assertEqual(self.show(number)["status"], "resolved")
        res = [m for m in self.sent(CUSTOMER)
               if m["Message-ID"] and "4.2" in self.body(m)][-1]
        r = self.deliver(dsn(CUSTOMER, res["Message-ID"], res["Subject"]))
        self.assertRegex(r.stderr, r"delivery report \(failed 5\.1\.1\)")
        self.flush()
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        told, = self.told()
        body = self.body(told)
        self.assertIn("(resolution mail)", body)
        self.assertIn("5.1.1", body)
        ev, = [e for e in t["events"] if e["kind"] == "answer_undelivered"]
        self.assertEqual(ev["data"]["purpose"], "resolution")
        self.assertEqual(ev["data"]["recipient"], CUSTOMER)
        # another report about the same mail (a copy, or forged by whoever
        # got it): nobody is told twice
        self.deliver(dsn(CUSTOMER, res["Message-ID"], res["Subject"], n=5))
        self.flush()
        self.assertEqual(len(self.told()), 1)
        # the ticket is not closed for want of the customer's answer
        self.servers.guichet("serve", "--once", now="2026-12-31T10:00:00Z")
        self.assertEqual(self.show(number)["status"], "open")

    def test_what_changes_nothing(self):
        s = self.servers
        # an acknowledgement refused (a forged sender, most often)
        s.smtp.refuse(CUSTOMER, 550, "5.1.1 no such user")
        number = self.open_ticket("Export vide", "Bonjour,\n", "open-1@cust.example")
        self.flush()
        self.assertIn("delivery_refused", self.kinds(number))
        s.smtp.accept_all()
        # the answer goes; a copy to a Cc is refused
        s.smtp.refuse("bob@cust.example", 550, "5.1.1 no such user")
        self.answer(number, "Done.\n", "#cc bob@cust.example\n"
                    "#status pending\n")
        self.flush()
        # a report about another recipient than the customer
        upd = [m for m in self.sent(CUSTOMER) if "Done." in self.body(m)][-1]
        self.deliver(dsn("someone@else.example", upd["Message-ID"],
                         upd["Subject"], n=2))
        # alice's own notification bounces
        note = self.notification("alice@example.com", number)
        self.deliver(dsn("alice@example.com", note, "x", n=3))
        self.flush()
        t = self.show(number)
        self.assertEqual(t["status"], "pending")
        self.assertNotIn("undelivered", str([e["data"] for e in t["events"]
                                             if e["kind"] ==
                                             "status_changed"]))
        self.assertEqual(self.told(), [])

    def resolved(self, sender, mid):
        """A ticket of sender's, resolved by Alice; its number and our
        resolution mail as the customer got it."""
        r = self.deliver(mail("Export vide", "Bonjour,\n", mid,
                              sender=sender))
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.answer(number, "Fixed in 4.2.\n", "#resolve\n")
        # (the sink sees the envelope, where libcurl writes a UTF-8
        # domain as an A-label: the ticket's number finds the mail)
        res, = [m for m in self.sent() if "4.2" in self.body(m) and
                "[%s]" % number in str(m["Subject"])]
        return number, res

    def test_report_in_another_writing(self):
        # the customer's server writes the failed recipient its own way:
        # each of these is the customer, and the ticket is open again
        failed = "Action: failed\r\nStatus: 5.1.1\r\n"
        cases = [
            # forwarded: Original-Recipient is the customer's address
            ("Claire <claire@cust.example>",
             ["Original-Recipient: rfc822; claire@cust.example\r\n"
              "Final-Recipient: rfc822; claire@new-job.example\r\n" +
              failed]),
            # forwarded, no Original-Recipient: our answer went to the
            # customer alone, so the failure is hers
            ("Marc <marc@cust.example>",
             ["Final-Recipient: rfc822; marc.old@mx.cust.example\r\n" +
              failed]),
            # the domain as an A-label, in RFC 6533's utf-8 type
            ("Zo\u00eb <zo\u00eb@ex\u00e4mple.org>",
             ["Final-Recipient: utf-8; zo\\x{EB}@xn--exmple-cua.org\r\n" +
              failed]),
            # another case, xtext in Original-Recipient
            ("Lea <lea+support@cust.example>",
             ["Original-Recipient: rfc822; LEA+2Bsupport@CUST.EXAMPLE\r\n"
              "Final-Recipient: rfc822; lea@cust.example\r\n" + failed]),
        ]
        for i, (sender, fields) in enumerate(cases):
            number, res = self.resolved(sender, "w-%d@cust.example" % i)
            self.deliver(dsn("x@x.example", res["Message-ID"],
                             res["Subject"], n=10 + i, fields=fields))
            self.flush()
            t = self.show(number)
            self.assertEqual(t["status"], "open", sender)
            ev, = [e for e in t["events"]
                   if e["kind"] == "answer_undelivered"]
            self.assertEqual(ev["data"]["recipient"], t["requester"])
        told = self.told()
        self.assertEqual(len(told), 4)
        self.assertIn("reported as claire@new-job.example",
                      self.body(told[0]))

    def test_report_that_is_not_the_customers_failure(self):
        # the customer's copy was delivered, the Cc's failed: the answer
        # reached her, the ticket stays resolved
        number, res = self.resolved("Claire <claire@cust.example>",
                                    "n-1@cust.example")
        self.deliver(dsn(CUSTOMER, res["Message-ID"], res["Subject"], n=20,
                         fields=["Final-Recipient: rfc822; "
                                 "claire@cust.example\r\n"
                                 "Action: delivered\r\nStatus: 2.0.0\r\n",
                                 "Final-Recipient: rfc822; "
                                 "bob@cust.example\r\n"
                                 "Action: failed\r\nStatus: 5.1.1\r\n"]))
        # an address we never wrote to, about an answer that also went to
        # a Cc: whose forward it was cannot be told
        self.answer(number, "Reopened by mistake? Here it is.\n",
                    "#cc bob@cust.example\n#status pending\n")
        upd = [m for m in self.sent(CUSTOMER)
               if "by mistake" in self.body(m)][-1]
        self.deliver(dsn("x@x.example", upd["Message-ID"], upd["Subject"],
                         n=21, fields=["Final-Recipient: rfc822; "
                                       "old@mx.cust.example\r\n"
                                       "Action: failed\r\n"
                                       "Status: 5.1.1\r\n"]))
        self.flush()
        t = self.show(number)
        self.assertEqual(t["status"], "pending")
        self.assertNotIn("answer_undelivered", self.kinds(t))
        self.assertEqual(self.told(), [])

    def test_forged_report_for_a_mail_that_is_not_ours(self):
        # a report about a Message-ID we never sent: quarantined as
        # before, no ticket touched
        number = self.open_ticket("Export vide", "Bonjour,\n", "open-1@cust.example")
        self.answer(number, "Done.\n", "#status pending\n")
        r = self.deliver(dsn(CUSTOMER, "<forged-1@example.com>", "x", n=4))
        self.assertIn("quarantine", r.stderr)
        self.assertEqual(self.show(number)["status"], "pending")
        self.assertEqual(self.told(), [])


if __name__ == "__main__":
    unittest.main()
