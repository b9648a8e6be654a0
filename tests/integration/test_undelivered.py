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

from desk_case import T0, DeskCase, mail

CUSTOMER = "claire@cust.example"


def dsn(to, mid, subject, n=1, status="5.1.1"):
    """A delivery report of failure about our mail mid, to address to."""
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
            "Final-Recipient: rfc822; %s\r\n"
            "Action: failed\r\nStatus: %s\r\n"
            "Diagnostic-Code: smtp; 550 %s mailbox closed\r\n"
            "--R\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            "From: Support <support@example.com>\r\n"
            "To: %s\r\nMessage-ID: %s\r\nSubject: %s\r\n"
            "--R--\r\n" % (n, to, status, status, to, mid,
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
        self.assertIn("(update)", body)
        self.assertIn("550 5.1.1 mailbox closed", body)
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
        self.assertIn("(resolution)", body)
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
