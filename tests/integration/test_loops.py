"""test_loops.py - no mail loops, bounces on their ticket, limits.

Against the real servers: no automatic answer to automatic mail (each
RFC 3834 / common marker), none to our own addresses, our own mail coming
back is dropped, a cap per address per hour holds against a responder
that marks nothing, an auto-reply on a ticket does not reopen it, a
bounce of our mail is recorded on its ticket (never a ticket, never
answered), and mails past a limit go to the quarantine (the sender of an
oversized mail is told, unless the mail is automatic).
"""

import json
import re
import unittest

import guichet_harness as gh

T0 = "2026-11-26T10:00:00Z"


def mail(n, extra="", sender="Claire <claire@cust.example>", subject=None,
         body="Please help.\n", mid=None):
    return ("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n"
            "Message-ID: <%s>\r\n%s\r\n%s" % (
                sender, subject or "Question %d" % n,
                mid or "loop-%d@cust.example" % n, extra,
                body.replace("\n", "\r\n"))).encode()


class Loops(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "lp_" + self._testMethodName[5:][:40].lower()
        self.user = ("l" + self._testMethodName[5:])[:30].lower()
        self.configure()
        s.guichet("migrate")
        s.smtp.clear()

    def configure(self, **g):
        self.servers.write_config(dbname=self.db, mailbox_user=self.user,
                                  sections={"agent alice": None,
                                            "guichet": g or None})

    def deliver(self, *raws, now=T0):
        for raw in raws:
            self.servers.imap.append(self.user, "INBOX", raw)
        return self.servers.guichet("serve", "--once", now=now)

    def sql(self, q):
        return self.servers.pg.psql(q, db=self.db)

    def kinds(self, number):
        t = json.loads(self.servers.guichet("ticket", "show", number,
                                            "--json").stdout)
        return [e["kind"] for e in t["events"]]

    def test_no_answer_to_automatic_mail(self):
        markers = [
            "Auto-Submitted: auto-replied\r\n",
            "Auto-Submitted: auto-generated\r\n",
            "Precedence: bulk\r\n",
            "Precedence: junk\r\n",
            "Precedence: list\r\n",
            "List-Id: <users.lists.example>\r\n",
            "List-Unsubscribe: <mailto:leave@lists.example>\r\n",
            "Return-Path: <>\r\n",
            "X-Autoreply: yes\r\n",
            "X-Autorespond: yes\r\n",
            "X-Auto-Response-Suppress: All\r\n",
        ]
        raws = [mail(i, extra=m) for i, m in enumerate(markers)]
        raws.append(mail(50, sender="MAILER-DAEMON@mx.cust.example"))
        raws.append(mail(51, sender="postmaster@cust.example"))
        r = self.deliver(*raws)
        self.assertEqual(r.stderr.count("new ticket"), len(raws))
        self.assertEqual(self.servers.smtp.count(), 0)
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind = "
                                  "'ack_suppressed'")[0][0], str(len(raws)))
        # Auto-Submitted: no is a person
        self.deliver(mail(60, extra="Auto-Submitted: no\r\n"))
        self.assertEqual(len(self.servers.smtp.wait_for(1)), 1)

    def test_our_own_mail_and_addresses(self):
        self.deliver(mail(1))
        ack, = self.servers.smtp.wait_for(1)
        # the acknowledgement comes back (a forward loop)
        back = ack.as_bytes()
        r = self.deliver(back)
        self.assertIn("dropped", r.stderr)
        self.assertIn("our own mail come back", r.stderr)
        # a mail from our own address
        r = self.deliver(mail(2, sender="Support <support@example.com>"))
        self.assertIn("sent from our own address", r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets")[0][0], "1")
        self.assertEqual(self.servers.smtp.count(), 1)
        self.assertEqual(self.servers.imap.messages(self.user, "INBOX"), [])

    def test_cap_per_address_per_hour(self):
        # a responder that marks nothing: every answer is a "new" mail
        r = self.deliver(*[mail(i, subject="Re: your mail %d" % i)
                           for i in range(8)])
        self.assertEqual(r.stderr.count("new ticket"), 8)
        self.assertEqual(self.servers.smtp.count(), 5)
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind = "
                                  "'auto_reply_capped'")[0][0], "3")
        # an hour later it may be answered again
        self.deliver(mail(20), now="2026-11-26T11:00:01Z")
        self.assertEqual(self.servers.smtp.count(), 6)

    def test_auto_reply_does_not_reopen(self):
        self.configure(auto_reply_cap=50)
        r = self.deliver(mail(1))
        number = re.search(r"new ticket (SUP-\S+)", r.stderr).group(1)
        self.sql("UPDATE tickets SET status = 'resolved', resolved_at = "
                 "'%s'" % T0)
        r = self.deliver(mail(2, subject="Automatic reply: [%s] Question 1"
                              % number, extra="Auto-Submitted: auto-replied"
                              "\r\n"))
        self.assertIn("follow-up " + number, r.stderr)
        self.assertEqual(self.sql("SELECT status FROM tickets")[0][0],
                         "resolved")
        self.assertIn("auto_reply", self.kinds(number))
        self.assertNotIn("reopened", self.kinds(number))

    def test_bounce_recorded_on_its_ticket(self):
        r = self.deliver(mail(1, sender="Claire <claire@typo.example>"))
        number = re.search(r"new ticket (SUP-\S+)", r.stderr).group(1)
        ack, = self.servers.smtp.wait_for(1)
        dsn = ("From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
               "To: support@example.com\r\n"
               "Subject: Undelivered Mail Returned to Sender\r\n"
               "Message-ID: <dsn-1@mx.example.com>\r\n"
               "MIME-Version: 1.0\r\n"
               "Content-Type: multipart/report; report-type=delivery-status;"
               " boundary=B\r\n\r\n"
               "--B\r\nContent-Type: text/plain\r\n\r\n"
               "Your message could not be delivered.\r\n"
               "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
               "Reporting-MTA: dns; mx.example.com\r\n\r\n"
               "Final-Recipient: rfc822; claire@typo.example\r\n"
               "Action: failed\r\nStatus: 5.1.1\r\n"
               "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
               "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
               "From: Support <support@example.com>\r\n"
               "To: claire@typo.example\r\n"
               "Message-ID: %s\r\n"
               "Subject: %s\r\n"
               "--B--\r\n" % (ack["Message-ID"], ack["Subject"])).encode()
        r = self.deliver(dsn)
        self.assertIn("follow-up " + number, r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets")[0][0], "1")
        ev = self.sql("SELECT data->>'status', data->>'recipient' FROM events"
                      " WHERE kind = 'delivery_failed'")
        self.assertEqual(ev, [("5.1.1", "claire@typo.example")])
        self.assertEqual(self.servers.smtp.count(), 1)    # never answered
        # a report about no mail of ours: quarantined, not a ticket
        r = self.deliver(dsn.replace(ack["Message-ID"].encode(),
                                     b"<unknown@elsewhere.example>")
                         .replace(b"dsn-1@", b"dsn-2@"))
        self.assertIn("quarantined", r.stderr)
        self.assertEqual(self.sql("SELECT reason FROM quarantine"),
                         [("bounce",)])
        self.assertEqual(self.sql("SELECT count(*) FROM tickets")[0][0], "1")

    def test_limits(self):
        self.configure(max_mail_size="2KB", max_mime_depth=3)
        big = mail(1, body="x" * 5000 + "\n")
        auto_big = mail(2, body="y" * 5000 + "\n",
                        extra="Auto-Submitted: auto-generated\r\n")
        deep = ("From: c@cust.example\r\nSubject: deep\r\nMessage-ID: "
                "<deep@cust.example>\r\nMIME-Version: 1.0\r\n")
        inner = "Content-Type: text/plain\r\n\r\nbottom\r\n"
        for d in range(6):
            inner = ("Content-Type: multipart/mixed; boundary=b%d\r\n\r\n"
                     "--b%d\r\n%s--b%d--\r\n" % (d, d, inner, d))
        r = self.deliver(big, auto_big, (deep + inner).encode(), mail(3))
        self.assertEqual(r.stderr.count("quarantined"), 3)
        self.assertIn("new ticket", r.stderr)
        reasons = sorted(x for (x,) in self.sql("SELECT reason FROM "
                                                "quarantine"))
        self.assertEqual(reasons, ["limit", "size", "size"])
        # the sender of the big mail is told; the automatic one is not
        notices = [m for m in self.servers.smtp.messages()
                   if "loop-3@" not in (m["In-Reply-To"] or "")]
        self.assertEqual(len(notices), 1)
        self.assertEqual(notices[0]["In-Reply-To"], "<loop-1@cust.example>")
        self.assertEqual(notices[0]["Auto-Submitted"], "auto-replied")
        self.assertEqual(len(self.servers.imap.messages(self.user,
                                                        "Quarantine")), 3)
        # parse time: a limit of 1 ms and a 4 MB text
        self.configure(max_parse_ms=1, max_mail_size="25MB")
        r = self.deliver(mail(9, body=("word " * 800000) + "\n"))
        self.assertIn("parsing took", r.stderr)
        self.assertIn(("limit",), self.sql("SELECT reason FROM quarantine "
                                           "WHERE detail LIKE 'parsing%'"))
        self.configure(max_mail_size="2KB", max_mime_depth=3)
        # the raw mail is kept whole
        raw = self.sql("SELECT encode(raw, 'hex') FROM quarantine WHERE "
                       "raw_size = %d" % len(big))[0][0]
        self.assertEqual(bytes.fromhex(raw), big)


if __name__ == "__main__":
    unittest.main(verbosity=2)
