"""test_outbox.py - our mail is delivered per recipient.

Through real IMAP, SMTP and PostgreSQL, with the harness sink refusing
chosen recipients: a Cc refused for good (5xx) or for a while (4xx) no
longer decides for the customer, who gets the agent's answer at once;
the refused recipient is recorded (an event, `ticket show`, `outbox
list`), the slow one is retried alone with a growing delay until it
takes the mail or ends dead after outbox_max_attempts, and `outbox retry`
brings a dead row back once ops fixed the cause, without sending twice
to anyone who got it. A temporary failure of one row does not stop the
rows behind it. A mail to more recipients than one SMTP transaction
takes ([smtp] max_rcpts) goes out in several, to every recipient once.
SMTP credentials never travel in clear text unless the config says
`tls = none` (which check-config warns about).
"""

import datetime
import json
import os
import re
import socket
import tempfile
import threading
import unittest
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

import guichet_harness as gh

# aiosmtpd itself still sets the attribute it deprecates.
warnings.filterwarnings("ignore", message="Session.login_data")

T0 = datetime.datetime(2026, 11, 26, 10, 0, 0)
PASSWORD = "Sm7p-s3cret-Pa55"
CLAIRE = "claire@cust.example"


def at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


def mail(subject, body, mid, sender="Claire Dupont <%s>" % CLAIRE,
         cc=None, in_reply_to=None):
    h = "From: %s\r\nTo: support@example.com\r\n" % sender
    if cc:
        h += "Cc: %s\r\n" % cc
    h += "Subject: %s\r\nMessage-ID: <%s>\r\n" % (subject, mid)
    if in_reply_to:
        h += "In-Reply-To: %s\r\nReferences: %s\r\n" % (in_reply_to,
                                                        in_reply_to)
    h += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (h + "\r\n" + body.replace("\n", "\r\n")).encode()


def line_of(path, prefix):
    """The number of the first line of path that starts with prefix."""
    with open(path, encoding="utf-8") as f:
        return [n for n, text in enumerate(f.read().splitlines(), 1)
                if text.startswith(prefix)][0]


def rcpts(m):
    return sorted(a.strip() for a in (m["X-RcptTo"] or "").split(",")
                  if a.strip())


class Outbox(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "ob_" + self._testMethodName[5:][:40].lower()
        self.user = ("o" + self._testMethodName[5:])[:30].lower()
        self.configure()
        s.guichet("migrate")
        s.smtp.clear()
        s.smtp.accept_all()
        self.addCleanup(s.smtp.accept_all)
        self.refused0 = len(s.smtp.refused())

    def configure(self, smtp=None, **guichet):
        g = {"outbox_retry_base": "60s", "outbox_retry_max": "10m",
             "outbox_max_attempts": "3"}
        g.update(guichet)
        sections = {"guichet": g,
                    "agent alice": {"address": "alice@example.com",
                                    "name": "Alice Martin",
                                    "queues": "support"}}
        if smtp:
            sections["smtp"] = smtp
        return self.servers.write_config(dbname=self.db,
                                         mailbox_user=self.user,
                                         sections=sections)

    # -- helpers --------------------------------------------------------

    def sql(self, q):
        return self.servers.pg.psql(q, db=self.db)

    def serve(self, now):
        return self.servers.guichet("serve", "--once", now=now)

    def deliver(self, raw, now=T0):
        self.servers.imap.append(self.user, "INBOX", raw)
        return self.serve(now)

    def show(self, number):
        return json.loads(self.servers.guichet("ticket", "show", number,
                                               "--json").stdout)

    def events(self, number, kind):
        return [e["data"] for e in self.show(number)["events"]
                if e["kind"] == kind]

    def outbox(self, *args):
        return json.loads(self.servers.guichet("outbox", "list", "--json",
                                               *args).stdout)

    def row(self, purpose):
        rows = [o for o in self.outbox() if o["purpose"] == purpose]
        self.assertEqual(len(rows), 1, rows)
        return rows[0]

    def fates(self, row):
        return {r["address"]: r["status"] for r in row["recipients"]}

    def refused(self):
        """The RCPTs the sink refused during this test."""
        return self.servers.smtp.refused()[self.refused0:]

    def to_customers(self):
        """The recipients of each mail in the sink, but the agents'."""
        return [rcpts(m) for m in self.servers.smtp.messages()
                if rcpts(m) != ["alice@example.com"]]

    def answers(self, text):
        return [m for m in self.servers.smtp.messages()
                if text in m.get_body(("plain",)).get_content()]

    def open_and_answer(self, cc, answer="The fix is deployed."):
        """A ticket with cc in Cc, and alice's answer to it (queued to
        the customer and the participants)."""
        r = self.deliver(mail("Export vide", "The export is empty.\n",
                              "open-1@cust.example", cc=cc))
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        notification = self.servers.pg.scalar(
            "SELECT message_id FROM outbox WHERE purpose = 'notify_agent'",
            db=self.db)
        self.deliver(mail("Re: [%s] Export vide" % number, answer + "\n",
                          "agent-1@example.com",
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to="<%s>" % notification))
        return number

    # -- one recipient no longer sinks the mail --------------------------

    def test_refused_and_slow_cc_do_not_sink_the_answer(self):
        s = self.servers
        s.smtp.refuse("bad*@example.org", 550, "5.1.1 no such user")
        s.smtp.refuse("slow@*", 451, "4.2.0 try later")
        number = self.open_and_answer(
            "Bad <bad-cc@example.org>, Slow <slow@example.org>, "
            "Bob <bob@cust.example>")

        # the customer and bob got the answer at once, in one mail
        got, = self.answers("The fix is deployed.")
        self.assertEqual(rcpts(got), ["bob@cust.example", CLAIRE])
        row = self.row("update")
        self.assertEqual(self.fates(row), {
            CLAIRE: "sent", "bob@cust.example": "sent",
            "bad-cc@example.org": "refused", "slow@example.org": "pending"})
        self.assertEqual(row["status"], "pending")

        # the refusal is recorded with the server's answer
        refused, = self.events(number, "delivery_refused")
        self.assertEqual(refused["address"], "bad-cc@example.org")
        self.assertIn("550 5.1.1 no such user", refused["error"])
        retry, = self.events(number, "delivery_retry")
        self.assertEqual(retry["address"], "slow@example.org")
        self.assertIn("451 4.2.0 try later", retry["error"])
        sent = [e for e in self.events(number, "mail_sent")
                if e["purpose"] == "update"]
        self.assertEqual([sorted(e["recipients"]) for e in sent],
                         [["bob@cust.example", CLAIRE]])
        text = s.guichet("ticket", "show", number).stdout
        self.assertIn("delivery_refused", text)
        self.assertRegex(text, r"Delivery: bad-cc@example.org refused "
                         r"\(.*550 5\.1\.1 no such user\)")
        message, = [m for m in self.show(number)["messages"]
                    if m["direction"] == "out" and m["delivery"]
                    and "The fix is deployed." in m["text"]]
        self.assertEqual({r["address"]: r["status"]
                          for r in message["delivery"]["recipients"]},
                         self.fates(row))

        # the slow one recovers; it alone gets the mail, when due
        s.smtp.accept_all()
        self.serve(at(30))
        self.assertEqual(len(self.answers("The fix is deployed.")), 1)
        self.serve(at(61))
        first, second = self.answers("The fix is deployed.")
        self.assertEqual(rcpts(second), ["slow@example.org"])
        self.assertEqual(first["Message-ID"], second["Message-ID"])
        row = self.row("update")
        self.assertEqual(row["status"], "sent")
        self.assertEqual(self.fates(row)["slow@example.org"], "sent")
        self.assertEqual(self.fates(row)["bad-cc@example.org"], "refused")
        # the refused address was asked once, never again
        self.assertEqual([a for c, a in self.refused()
                          if "bad-cc" in a], ["bad-cc@example.org"])
        # nothing more to send, to anyone
        self.serve(at(3600))
        self.assertEqual(len(self.answers("The fix is deployed.")), 2)

    def test_retries_grow_stop_at_the_limit_and_ops_retry(self):
        s = self.servers
        s.smtp.refuse("slow@*", 451, "4.2.0 try later")
        number = self.open_and_answer("Slow <slow@example.org>")
        self.assertEqual(len(self.answers("The fix is deployed.")), 1)

        # attempt 1 at T0: next in 60 s; not due before
        self.serve(at(59))
        self.assertEqual(len(self.refused()), 1)
        # attempt 2 at T0+60: next in 120 s (doubled)
        self.serve(at(60))
        self.assertEqual(len(self.refused()), 2)
        self.serve(at(179))
        self.assertEqual(len(self.refused()), 2)
        # attempt 3 at T0+180: the limit (outbox_max_attempts = 3)
        self.serve(at(180))
        self.assertEqual(len(self.refused()), 3)
        retries = self.events(number, "delivery_retry")
        self.assertEqual([(e["attempts"], e["next_at"]) for e in retries],
                         [(1, "2026-11-26T10:01:00Z"),
                          (2, "2026-11-26T10:03:00Z")])
        failed, = self.events(number, "delivery_failed")
        self.assertEqual(failed["address"], "slow@example.org")
        self.assertEqual(failed["attempts"], 3)
        self.assertIn("451 4.2.0 try later", failed["error"])
        row = self.row("update")
        self.assertEqual(row["status"], "dead")
        slow = [r for r in row["recipients"]
                if r["address"] == "slow@example.org"][0]
        self.assertEqual((slow["status"], slow["attempts"]), ("dead", 3))
        self.assertIn("4.2.0 try later", slow["last_error"])
        self.assertEqual(self.fates(row)[CLAIRE], "sent")
        # dead is dead: no more attempts
        self.serve(at(7200))
        self.assertEqual(len(self.refused()), 3)
        text = s.guichet("outbox", "list").stdout
        self.assertRegex(text, r"dead +3 +slow@example.org .*try later")

        # ops fix the cause and retry: slow gets it, claire not again
        s.smtp.accept_all()
        r = s.guichet("outbox", "retry", str(row["id"]), now=at(7300))
        self.assertIn("1 recipient(s)", r.stdout)
        self.serve(at(7300))
        answers = self.answers("The fix is deployed.")
        self.assertEqual([rcpts(m) for m in answers],
                         [[CLAIRE], ["slow@example.org"]])
        self.assertEqual(self.row("update")["status"], "sent")
        ev, = self.events(number, "outbox_retry")
        self.assertEqual(ev["outbox_id"], row["id"])

        # a row that is not dead, or not there, or not a number: refused
        r = s.guichet("outbox", "retry", str(row["id"]), expect=65)
        self.assertIn("not dead", r.stderr)
        s.guichet("outbox", "retry", "987654321", expect=66)
        for bad in ("abc", "-1", "0", "1;DROP TABLE outbox",
                    "99999999999999999999", ""):
            s.guichet("outbox", "retry", bad, expect=64)
        s.guichet("outbox", "list", "--status", "nonsense", expect=64)
        s.guichet("outbox", "list", "--limit", "-5", expect=64)
        self.assertEqual(len(self.outbox("--limit", "1")), 1)
        self.assertEqual([o["status"] for o in self.outbox("--status",
                                                            "dead")], [])

    # -- old content is let go -----------------------------------------

    def bytes_by_id(self):
        return {o["id"]: (o["purpose"], o["status"], o["bytes"])
                for o in self.outbox()}

    def tick(self, now, n=1):
        """n `sla tick` at once; the rows they emptied in all."""
        out = []

        def one():
            out.append(self.servers.guichet("sla", "tick", now=now).stdout)
        threads = [threading.Thread(target=one) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(int(x) for o in out
                   for x in re.findall(r"^outbox emptied (\d+)$", o, re.M))

    def test_old_content_is_let_go(self):
        s = self.servers
        self.configure(outbox_keep="30d")
        s.smtp.refuse("slow@*", 451, "4.2.0 try later")
        r = self.deliver(mail("Export vide", "The export is empty.\n",
                              "keep-1@cust.example"))
        claire = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.deliver(mail("Slow one", "Hello.\n", "keep-2@cust.example",
                          sender="Slow <slow@example.org>"))
        later = at(10 * 86400)
        self.deliver(mail("Later", "Hello.\n", "keep-3@cust.example",
                          sender="Dan <dan@cust.example>"), now=later)
        rows = self.bytes_by_id()
        slow_ack, = [i for i, (p, st, b) in rows.items() if st == "pending"]
        self.assertTrue(all(b > 0 for _, _, b in rows.values()))
        old = sorted(i for i in rows if i < slow_ack)
        self.assertEqual(len(old), 2)           # claire's ack, alice's note

        # 31 days on, two passes at once: what is older than 30 days and
        # done goes, up to the slow mail still pending; nothing after it
        self.assertEqual(self.tick(at(31 * 86400), n=2), 2)
        got = self.bytes_by_id()
        self.assertEqual([got[i][2] for i in old], [0, 0])
        self.assertTrue(all(got[i][2] > 0 for i in got if i >= slow_ack))
        self.assertEqual(self.tick(at(31 * 86400)), 0)
        text = s.guichet("outbox", "list").stdout
        self.assertIn("its content was let go", text)

        # alice's late answer to her old notification still threads
        notification = s.pg.scalar(
            "SELECT message_id FROM outbox WHERE purpose = 'notify_agent' "
            "AND id < %d" % slow_ack, db=self.db)
        self.deliver(mail("Re: [%s] Export vide" % claire,
                          "Fixed at last.\n", "agent-late@example.com",
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to="<%s>" % notification),
                     now=at(31 * 86400))
        self.assertEqual(len(self.answers("Fixed at last.")), 1)

        # the slow mail gives up: dead, then let go with those after it,
        # but for the mails of the last 30 days
        for day in (31, 32):
            self.serve(at(day * 86400 + 3600))
        self.assertEqual(self.bytes_by_id()[slow_ack][1], "dead")
        self.assertGreater(self.tick(at(41 * 86400 - 3600)), 0)
        got = self.bytes_by_id()
        self.assertEqual(got[slow_ack][2], 0)
        young = [i for i in got if got[i][2] > 0]
        self.assertTrue(young)
        self.assertTrue(all(i > slow_ack for i in young))
        # a dead row without content cannot be retried: nothing changes
        before = self.sql("SELECT status, attempts FROM outbox "
                          "ORDER BY id")
        sent = len(s.smtp.messages())
        r = s.guichet("outbox", "retry", str(slow_ack), expect=65)
        self.assertIn("no content any more", r.stderr)
        self.serve(at(41 * 86400))
        self.assertEqual(self.sql("SELECT status, attempts FROM outbox "
                                  "ORDER BY id"), before)
        self.assertEqual(len(s.smtp.messages()), sent)

        # outbox_keep = 0: kept for ever
        self.configure(outbox_keep="0")
        self.assertEqual(self.tick(at(4000 * 86400)), 0)
        self.assertTrue(all(self.bytes_by_id()[i][2] > 0 for i in young))
        # bad values: refused by check-config, with the line
        for bad in ("-1", "soon", "90x", "99999999999999999999d"):
            path = self.configure(outbox_keep=bad)
            r = s.guichet("check-config", expect=78)
            self.assertRegex(r.stdout, r"guichet\.conf:%d: outbox_keep:"
                             % line_of(path, "outbox_keep"))

    def test_temporary_failure_does_not_stop_the_pass(self):
        s = self.servers
        s.smtp.refuse("slow@*", 451, "4.2.0 try later")
        # slow's acknowledgement is first in the outbox, then fast's
        s.imap.append(self.user, "INBOX", mail(
            "Help", "First.\n", "a-1@slow.example",
            sender="Slow <slow@slow.example>"))
        s.imap.append(self.user, "INBOX", mail(
            "Help too", "Second.\n", "b-1@fast.example",
            sender="Fast <fast@fast.example>"))
        self.serve(T0)
        # in the same pass, fast's acknowledgement went
        self.assertEqual(self.to_customers(), [["fast@fast.example"]])
        self.assertEqual(self.refused(), [("451",
                                              "slow@slow.example")])
        acks = {o["recipients"][0]["address"]: o for o in self.outbox()
                if o["purpose"] == "ack"}
        self.assertEqual(acks["slow@slow.example"]["status"], "pending")
        self.assertEqual(acks["fast@fast.example"]["status"], "sent")
        self.assertLess(acks["slow@slow.example"]["id"],
                        acks["fast@fast.example"]["id"])

    def test_every_recipient_refused_makes_a_dead_row(self):
        s = self.servers
        s.smtp.refuse("gone@*", 550, "5.1.1 mailbox unavailable")
        r = self.deliver(mail("Help", "Anyone?\n", "gone-1@cust.example",
                              sender="Gone <gone@cust.example>"))
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        ack = self.row("ack")
        self.assertEqual(ack["status"], "dead")
        self.assertEqual(self.fates(ack), {"gone@cust.example": "refused"})
        self.assertIn("5.1.1 mailbox unavailable", ack["last_error"])
        refused, = self.events(number, "delivery_refused")
        self.assertEqual(refused["address"], "gone@cust.example")
        self.assertEqual(self.to_customers(), [])
        # refused for good: never asked again, until ops say so
        self.serve(at(7200))
        self.assertEqual(len(self.refused()), 1)

    def test_server_away_ends_the_pass_and_nothing_is_lost(self):
        s = self.servers
        s.smtp.stop()
        self.addCleanup(s.smtp.start)
        for n in (1, 2):
            s.imap.append(self.user, "INBOX", mail(
                "Help %d" % n, "Mail %d.\n" % n, "away-%d@cust.example" % n,
                sender="C%d <c%d@cust.example>" % (n, n)))
        self.serve(T0)
        rows = self.outbox("--status", "pending")
        self.assertTrue(all(o["status"] == "pending" for o in rows))
        # the first row found the server away; the pass stopped there
        # instead of failing every row in turn
        self.assertEqual(sum(o["attempts"] for o in rows), 1)
        tried = [o for o in rows if o["attempts"] == 1][0]
        self.assertRegex(tried["last_error"], r"127\.0\.0\.1:\d+")
        self.assertEqual(tried["recipients"][0]["status"], "pending")
        s.smtp.start()
        self.serve(at(61))
        self.assertEqual(sorted(self.to_customers()),
                         [["c1@cust.example"], ["c2@cust.example"]])
        self.assertEqual(self.outbox("--status", "pending"), [])
        self.serve(at(3600))
        self.assertEqual(len(self.to_customers()), 2)

    # -- no cap on recipients --------------------------------------------

    def test_more_recipients_than_one_transaction(self):
        s = self.servers
        self.configure(smtp={"max_rcpts": "100"})
        s.smtp.refuse("r-13@*", 550, "5.1.1 no such user")
        addrs = ["r-%d@many.example" % i for i in range(300)]
        # the same address again (in another case), and one that is no
        # address at all: neither reaches the server
        extra = ["R-7@MANY.example", "evil@x.example>\r\nRCPT TO:<y@z"]
        arr = "ARRAY[%s]" % ", ".join("'%s'" % a.replace("\r\n", "'||"
                                      "E'\\r\\n'||'") for a in
                                      addrs + extra)
        self.sql("INSERT INTO outbox (kind, purpose, message_id, mail_from,"
                 " rcpts, data, next_attempt_at, created_at) VALUES "
                 "('mail', 'bulk', 'bulk-1@example.com', "
                 "'support@example.com', %s, convert_to('From: "
                 "support@example.com' || E'\\r\\n' || 'Subject: bulk' || "
                 "E'\\r\\n\\r\\n' || 'Hello all.' || E'\\r\\n', 'UTF8'), "
                 "'2026-11-26T10:00:00Z', '2026-11-26T10:00:00Z')" % arr)
        self.serve(T0)
        msgs = s.smtp.messages()
        self.assertEqual(len(msgs), 3)           # 100 + 100 + 100
        for m in msgs:
            self.assertLessEqual(len(rcpts(m)), 100)
        got = sum((rcpts(m) for m in msgs), [])
        self.assertEqual(len(got), len(set(got)))
        self.assertEqual(sorted(got), sorted(a for a in addrs
                                             if a != "r-13@many.example"))
        row = self.row("bulk")
        self.assertEqual(row["status"], "sent")
        self.assertEqual(len(row["recipients"]), 301)
        fates = self.fates(row)
        self.assertEqual(fates["r-13@many.example"], "refused")
        self.assertEqual(fates[extra[1]], "refused")
        self.assertNotIn("R-7@MANY.example", fates)
        self.assertEqual(sum(1 for v in fates.values() if v == "sent"),
                         299)
        self.assertNotIn("y@z", str([m["X-RcptTo"] for m in msgs]))
        self.serve(at(3600))
        self.assertEqual(s.smtp.count(), 3)

    # -- a mail sent whole needs no recipient rows ------------------------

    def queue(self, mid, arr):
        """An outbox mail to the SQL array arr, due at T0."""
        self.sql("INSERT INTO outbox (kind, purpose, message_id, mail_from,"
                 " rcpts, data, next_attempt_at, created_at) VALUES "
                 "('mail', 'bulk', '%s', 'support@example.com', %s, "
                 "convert_to('Subject: x' || E'\\r\\n\\r\\n' || 'x' || "
                 "E'\\r\\n', 'UTF8'), '2026-11-26T10:00:00Z', "
                 "'2026-11-26T10:00:00Z')" % (mid, arr))

    def rcpt_rows(self, mid):
        return self.servers.pg.scalar(
            "SELECT count(*) FROM outbox_rcpt r JOIN outbox o ON o.id = "
            "r.outbox_id WHERE o.message_id = '%s'" % mid, db=self.db)

    def by_mid(self, mid):
        rows = [o for o in self.outbox() if o["message_id"] == mid]
        self.assertEqual(len(rows), 1, rows)
        return rows[0]

    def test_mail_sent_whole_makes_no_recipient_rows(self):
        """A mail that every recipient takes at its first try is closed
        by one statement: no recipient rows, and what ops see of it
        (`outbox list`, the ticket's events) is what the rows would have
        told."""
        s = self.servers
        number = self.open_and_answer(cc="Marc <marc@cust.example>")
        self.assertEqual(self.outbox("--status", "pending"), [])
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM outbox_rcpt", db=self.db), "0")
        answer = self.row("update")
        self.assertEqual(answer["status"], "sent")
        self.assertEqual(answer["attempts"], 1)
        self.assertEqual(sorted(self.fates(answer).items()),
                         [(CLAIRE, "sent"), ("marc@cust.example", "sent")])
        for r in answer["recipients"]:
            self.assertEqual(r["attempts"], 1)
            self.assertIsNone(r["last_error"])
            self.assertIsNone(r["next_at"])
            self.assertEqual(r["done_at"], answer["sent_at"])
        sent = self.events(number, "mail_sent")
        self.assertEqual(sorted(sorted(e["recipients"]) for e in sent),
                         [["alice@example.com"], [CLAIRE],
                          [CLAIRE, "marc@cust.example"]])
        self.assertTrue(all(e["attempts"] == 1 for e in sent))
        # sent once: a later pass sends nothing again
        n = s.smtp.count()
        self.serve(at(3600))
        self.assertEqual(s.smtp.count(), n)

    def test_first_try_not_taken_by_all_makes_the_rows(self):
        """The same mail with one recipient refused and one slow at its
        first try: the recipient rows are made then, the refused one is
        recorded, the slow one alone is tried again, nobody gets it
        twice."""
        s = self.servers
        s.smtp.refuse("no@*", 550, "5.1.1 no such user")
        s.smtp.refuse("slow@*", 451, "4.3.0 try later")
        self.queue("first-1@example.com", "ARRAY['ok@x.example', "
                   "'no@x.example', 'slow@x.example']")
        self.serve(T0)
        self.assertEqual(self.rcpt_rows("first-1@example.com"), "3")
        row = self.by_mid("first-1@example.com")
        self.assertEqual(row["status"], "pending")
        self.assertEqual(self.fates(row), {"ok@x.example": "sent",
                                           "no@x.example": "refused",
                                           "slow@x.example": "pending"})
        s.smtp.accept_all()
        self.serve(at(3600))
        row = self.by_mid("first-1@example.com")
        self.assertEqual(row["status"], "sent")
        self.assertEqual(self.fates(row)["slow@x.example"], "sent")
        got = sorted(sum((rcpts(m) for m in s.smtp.messages()), []))
        self.assertEqual(got, ["ok@x.example", "slow@x.example"])

    def test_recipients_not_plain_take_the_rows(self):
        """rcpts that the first try cannot take as they are (the same
        address in another case, a NULL, an address holding a newline,
        one that is not ASCII, more than max_rcpts) go through the
        recipient rows: each distinct recipient once, none lost."""
        s = self.servers
        self.configure(smtp={"max_rcpts": "3"})
        cases = {
            "case-1@example.com": ("ARRAY['a@x.example', 'A@X.EXAMPLE']",
                                   ["a@x.example"], 1),
            "null-1@example.com": ("ARRAY['b@x.example', NULL]",
                                   ["b@x.example"], 1),
            "nl-1@example.com": ("ARRAY['c@x.example', 'd@x.example' || "
                                 "E'\\n' || 'e@x.example']",
                                 ["c@x.example"], 2),
            "utf-1@example.com": ("ARRAY['f@x.example', "
                                  "'ren\u00e9@x.example']",
                                  None, 2),
            "many-1@example.com": ("ARRAY['g1@x.example', 'g2@x.example', "
                                   "'g3@x.example', 'g4@x.example']",
                                   ["g%d@x.example" % i for i in
                                    range(1, 5)], 4),
        }
        for mid, (arr, _, _) in cases.items():
            self.queue(mid, arr)
        self.serve(T0)
        got = sum((rcpts(m) for m in s.smtp.messages()), [])
        self.assertEqual(len(got), len(set(got)), got)
        for mid, (_, want, rows) in cases.items():
            self.assertEqual(self.rcpt_rows(mid), str(rows), mid)
            fates = self.fates(self.by_mid(mid))
            self.assertEqual(len(fates), rows, (mid, fates))
            for a in want or []:
                self.assertIn(a, got)
                self.assertEqual(fates[a], "sent", mid)
        self.assertIn("f@x.example", got)
        self.assertNotIn("e@x.example", got)
        self.serve(at(3600))
        self.assertEqual(len(sum((rcpts(m) for m in s.smtp.messages()),
                                 [])), len(got))

    def test_bulk_mail_takes_the_rows(self):
        """A mail to more recipients than are compared in the daemon (64)
        goes through the recipient rows, which the database makes
        distinct: one transaction under max_rcpts, each recipient once
        and recorded."""
        s = self.servers
        self.configure(smtp={"max_rcpts": "1000"})
        self.queue("bulk-65@example.com", "ARRAY[%s]" % ", ".join(
            "'b%d@x.example'" % i for i in range(65)))
        self.serve(T0)
        msgs = s.smtp.messages()
        self.assertEqual(len(msgs), 1)
        self.assertEqual(len(rcpts(msgs[0])), 65)
        self.assertEqual(self.rcpt_rows("bulk-65@example.com"), "65")
        self.assertEqual(set(self.fates(self.by_mid(
            "bulk-65@example.com")).values()), {"sent"})

    def outbox_reads(self):
        """Rows read from the outbox since the last pg_stat_reset():
        through its indexes or not."""
        return int(self.servers.pg.scalar(
            "SELECT seq_tup_read + (SELECT sum(idx_tup_read) FROM "
            "pg_stat_user_indexes WHERE relname = 'outbox') FROM "
            "pg_stat_user_tables WHERE relname = 'outbox'", db=self.db))

    def test_take_reads_one_row_per_mail(self):
        """The mails of one batch are due at the same instant: flushing
        them reads each once from the outbox's indexes (migration 031),
        not all of that instant's pending rows at every take."""
        s = self.servers
        n = 150
        self.sql("INSERT INTO outbox (kind, purpose, message_id, mail_from,"
                 " rcpts, data, next_attempt_at, created_at) SELECT 'mail', "
                 "'bulk', 'same-' || g || '@example.com', "
                 "'support@example.com', ARRAY['p' || g || '@x.example'], "
                 "convert_to('Subject: x' || E'\\r\\n\\r\\nx' || "
                 "E'\\r\\n', 'UTF8'), '2026-11-26T10:00:00Z', "
                 "'2026-11-26T10:00:00Z' FROM generate_series(1, %d) g" % n)
        self.sql("SELECT pg_stat_reset()")
        self.serve(T0)
        self.assertEqual(s.smtp.count(), n)
        self.assertEqual(self.outbox("--status", "pending"), [])
        read = self.outbox_reads()
        # a take finds the first rank (migration 032), reads its row and
        # the one sent before it, then the row by id; the update finds
        # its row by id: about 5 n (all at every take: n * n / 2)
        self.assertGreaterEqual(read, n)
        self.assertLess(read, 7 * n)

    def test_backlog_is_not_read_at_every_pass(self):
        """With the SMTP server away, mail piles up; a pass tries the
        first due row and stops, and what it reads of the outbox does
        not grow with the rows waiting (it read all of them, to find
        when the next one is due)."""
        s = self.servers
        s.smtp.stop()
        self.addCleanup(s.smtp.start)
        reads = []
        for n in (50, 400):
            self.sql("INSERT INTO outbox (kind, purpose, message_id, "
                     "mail_from, rcpts, data, next_attempt_at, created_at) "
                     "SELECT 'mail', 'bulk', 'wait-%d-' || g || "
                     "'@example.com', 'support@example.com', "
                     "ARRAY['w' || g || '@x.example'], '\\x00', "
                     "'2026-11-26T10:00:00Z', '2026-11-26T10:00:00Z' "
                     "FROM generate_series(1, %d) g" % (n, n))
            self.sql("SELECT pg_stat_reset()")
            self.serve(T0)
            reads.append(self.outbox_reads())
        self.assertEqual(len(self.outbox("--status", "pending")), 450)
        self.assertLess(reads[1], 50, reads)

    def test_what_matters_most_is_sent_first(self):
        """A backlog of mail to many (a status post to its subscribers,
        queued a minute earlier) waits behind the tickets' mail, and the
        tickets' mail leaves a P1's first, then by plan: Enterprise,
        Pro, Basic (policy.md: a Pro customer's tickets are handled
        first). Before migration 032 the outbox sent by due time: the
        backlog first, then the mails in the order they came."""
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"outbox_retry_base": "60s"},
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support"},
            "organisation big": {"domains": "big.example",
                                 "plan": "Enterprise"},
            "organisation mid": {"domains": "mid.example", "plan": "Pro"}})
        self.sql("INSERT INTO outbox (kind, purpose, message_id, mail_from,"
                 " rcpts, data, next_attempt_at, created_at, send_rank) "
                 "SELECT 'mail', 'status', 'st-' || g || '@example.com', "
                 "'support@example.com', ARRAY['sub' || g || '@x.example'],"
                 " convert_to('Subject: status ' || g || E'\\r\\n\\r\\nx' ||"
                 " E'\\r\\n', 'UTF8'), '2026-11-26T09:59:00Z', "
                 "'2026-11-26T09:59:00Z', 1000000 "
                 "FROM generate_series(1, 20) g")
        for who, subject in (("basic@small.example", "Export vide"),
                             ("pro@mid.example", "Export lent"),
                             ("ent@big.example", "Export absent"),
                             ("down@small.example",
                              "Production is down")):
            s.imap.append(self.user, "INBOX", mail(
                subject, "Please help.\n", "m-%s" % who,
                sender="Client <%s>" % who))
        self.serve(T0)
        order = []
        for m in s.smtp.messages():
            subject = str(m["Subject"])
            word = ("status" if subject.startswith("status") else
                    "P1" if "Production" in subject else
                    "Enterprise" if "absent" in subject else
                    "Pro" if "lent" in subject else "Basic")
            if not order or order[-1][0] != word:
                order.append([word, 0])
            order[-1][1] += 1
        # each ticket's acknowledgement and Alice's notification, then
        # the backlog
        self.assertEqual(order, [["P1", 2], ["Enterprise", 2], ["Pro", 2],
                                 ["Basic", 2], ["status", 20]])
        ranks = dict(s.pg.psql(
            "SELECT t.plan || '/' || t.priority, min(o.send_rank) || '-' "
            "|| max(o.send_rank) FROM outbox o JOIN tickets t ON "
            "t.id = o.ticket_id GROUP BY 1", db=self.db))
        self.assertEqual(ranks, {"Basic/P1": "0-0", "Enterprise/P3": "1-1",
                                 "Pro/P2": "2-2", "Basic/P3": "3-3"})
        self.assertEqual(sorted({o["send_rank"] for o in self.outbox()}),
                         [0, 1, 2, 3, 1000000])

    def test_a_rank_not_due_is_not_in_the_way(self):
        """Escalations (rank 0) waiting for their retry do not stop the
        due mail of the other ranks, and the pass knows when the first
        of them is due, whatever its rank."""
        s = self.servers
        s.smtp.accept_all()
        self.sql("INSERT INTO outbox (kind, purpose, message_id, mail_from,"
                 " rcpts, data, next_attempt_at, created_at, send_rank) "
                 "SELECT 'mail', 'bulk', 'r-' || g || '@example.com', "
                 "'support@example.com', ARRAY['r' || g || '@x.example'], "
                 "convert_to('Subject: r' || g || E'\\r\\n\\r\\nx' || "
                 "E'\\r\\n', 'UTF8'), CASE WHEN g <= 3 THEN "
                 "'2026-11-26T10:30:00Z'::timestamptz ELSE "
                 "'2026-11-26T10:00:00Z' END, '2026-11-26T10:00:00Z', "
                 "CASE WHEN g <= 3 THEN 0 ELSE 1000000 END "
                 "FROM generate_series(1, 5) g")
        r = self.serve(T0)
        self.assertEqual(sorted(str(m["Subject"])
                                for m in s.smtp.messages()), ["r4", "r5"])
        self.assertEqual(len(self.outbox("--status", "pending")), 3)
        self.assertEqual(int(s.pg.scalar(
            "SELECT extract(epoch FROM outbox_next_due() - "
            "'2026-11-26T10:00:00Z')::int", db=self.db)), 1800, r.stderr)
        self.serve(at(1800))
        self.assertEqual(len(s.smtp.messages()), 5)

    def test_max_rcpts_is_checked(self):
        s = self.servers
        for bad in ("0", "-3", "many", "100001", "999999999999999"):
            self.configure(smtp={"max_rcpts": bad})
            r = s.guichet("check-config", expect=78)
            self.assertIn("max_rcpts", r.stdout)


# ---------------------------------------------------------------------------
# SMTP credentials and TLS
# ---------------------------------------------------------------------------

class Recorder:
    """aiosmtpd handler without TLS, with AUTH: records logins and mail."""

    def __init__(self):
        self.lock = threading.Lock()
        self.logins = []
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(list(envelope.rcpt_tos))
        return "250 OK queued"

    def authenticate(self, server, session, envelope, mechanism, data):
        with self.lock:
            self.logins.append(data.login)
        ok = data.login == b"guichet" and data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpCredentials(gh.ServersTestCase):
    servers_options = dict(http=False)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rec = Recorder()
        cls.server = Controller(cls.rec, hostname="127.0.0.1",
                                port=free_port(),
                                authenticator=cls.rec.authenticate,
                                auth_require_tls=False)
        cls.server.start()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.pwfile = os.path.join(cls.tmp.name, "smtp.pass")
        with open(cls.pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(cls.pwfile, 0o600)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()
        super().tearDownClass()

    def configure(self, **smtp):
        sections = {"smtp": dict({
            "url": "smtp://127.0.0.1:%d" % self.server.port,
            "user": "guichet", "password_file": self.pwfile,
            "tls_ca_file": None}, **smtp),
            "guichet": {"outbox_retry_base": "60s"}}
        return self.servers.write_config(dbname="ob_credentials",
                                         mailbox_user="ocredentials",
                                         sections=sections)

    def test_credentials_need_tls_unless_tls_none(self):
        s = self.servers
        self.configure()
        s.guichet("migrate")
        r = s.guichet("check-config")
        self.assertNotIn("warning", r.stdout)
        s.imap.append("ocredentials", "INBOX", mail(
            "Hello", "Anyone?\n", "cred-1@cust.example"))
        r = s.guichet("serve", "--once", now=T0)
        # no STARTTLS offered: neither AUTH nor the mail was sent
        self.assertEqual(self.rec.logins, [])
        self.assertEqual(self.rec.received, [])
        self.assertIn("offers no STARTTLS", r.stderr)
        self.assertNotIn(PASSWORD, r.stderr)
        err = s.pg.scalar("SELECT last_error FROM outbox WHERE purpose = "
                          "'ack' AND status = 'pending'", db="ob_credentials")
        self.assertIn("TLS is required with credentials", err)

        # tls = none: said in so many words, warned about, then sent
        path = self.configure(tls="none")
        r = s.guichet("check-config")
        line = line_of(path, "tls")
        self.assertIn("%s:%d: warning: [smtp] tls = none" % (path, line),
                      r.stdout)
        self.assertIn("clear text", r.stdout)
        r = s.guichet("serve", "--once", now=at(61))
        self.assertIn("tls = none", r.stderr)
        self.assertEqual(self.rec.logins, [b"guichet"])
        self.assertIn([CLAIRE], self.rec.received)
        self.assertNotIn(PASSWORD, r.stderr)

    def test_tls_values_checked(self):
        s = self.servers
        for value, url, msg in (
                ("sometimes", None, "expected auto, required or none"),
                ("none", s.smtp.smtps_url, "smtps://"),
                ("none|require_tls", None, "contradicts")):
            smtp = {"tls": value.split("|")[0]}
            if url:
                smtp["url"] = url
            if "|" in value:
                smtp["require_tls"] = "yes"
            path = self.configure(**smtp)
            r = s.guichet("check-config", expect=78)
            line = line_of(path, "tls")
            self.assertIn("%s:%d: " % (path, line), r.stdout)
            self.assertIn(msg, r.stdout)


class Limited:
    """aiosmtpd handler taking at most 2 recipients per transaction (452
    past them, as RFC 5321 says) and recording each transaction."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if len(envelope.rcpt_tos) >= 2:
            return "452 4.5.3 too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(list(envelope.rcpt_tos))
        return "250 OK queued"


class ServerLimit(gh.ServersTestCase):
    servers_options = dict(http=False)

    def limited(self, db, n):
        """A server taking 2 recipients per transaction, and a mail to n
        recipients queued for it (max_rcpts 4): the recorder and the
        addresses."""
        s = self.servers
        rec = Limited()
        server = Controller(rec, hostname="127.0.0.1", port=free_port())
        server.start()
        self.addCleanup(server.stop)
        s.write_config(dbname=db, mailbox_user="olimit",
                       sections={"smtp": {
            "url": "smtp://127.0.0.1:%d" % server.port,
            "max_rcpts": "4", "tls_ca_file": None}})
        s.guichet("migrate")
        addrs = ["p%d@many.example" % i for i in range(n)]
        s.pg.psql("INSERT INTO outbox (kind, purpose, message_id, "
                  "mail_from, rcpts, data, next_attempt_at, created_at) "
                  "VALUES ('mail', 'bulk', 'lim-1@example.com', "
                  "'support@example.com', ARRAY[%s], convert_to('Subject: "
                  "x' || E'\\r\\n\\r\\n' || 'x' || E'\\r\\n', "
                  "'UTF8'), '2026-11-26T10:00:00Z', "
                  "'2026-11-26T10:00:00Z')" % ", ".join(
                      "'%s'" % a for a in addrs), db=db)
        return rec, addrs

    def test_server_limit_at_the_first_try(self):
        """3 recipients, within max_rcpts: the first try sends them as
        they are, the server takes 2; the third one is made a recipient
        row, due at once, and sent in the same pass, alone."""
        s = self.servers
        rec, addrs = self.limited("ob_limit3", 3)
        r = s.guichet("serve", "--once", now=T0)
        self.assertEqual(rec.received, [addrs[0:2], addrs[2:3]])
        row, = json.loads(s.guichet("outbox", "list", "--json").stdout)
        self.assertEqual(row["status"], "sent")
        self.assertEqual([(x["address"], x["status"], x["attempts"])
                          for x in row["recipients"]],
                         [(a, "sent", 1) for a in addrs])
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM outbox_rcpt",
                                     db="ob_limit3"), "3")
        self.assertNotIn("delivery_retry", r.stderr)

    def test_server_limit_per_transaction(self):
        s = self.servers
        rec, addrs = self.limited("ob_limit", 7)
        r = s.guichet("serve", "--once", now=T0)
        # every recipient once, in one pass, two at a time
        self.assertEqual(rec.received, [addrs[0:2], addrs[2:4], addrs[4:6],
                                        addrs[6:7]])
        row, = json.loads(s.guichet("outbox", "list", "--json").stdout)
        self.assertEqual(row["status"], "sent")
        self.assertEqual({x["status"] for x in row["recipients"]},
                         {"sent"})
        self.assertEqual({x["attempts"] for x in row["recipients"]}, {1})
        self.assertNotIn("delivery_retry", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
