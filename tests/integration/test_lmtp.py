"""test_lmtp.py - the MTA hands mail to the running daemon over LMTP.

`guichet serve` with [lmtp] listens on a Unix socket (or loopback TCP);
a mail delivered there goes through intake in the daemon's own database
session and is acknowledged at once (the poll here is an hour away).
Each recipient gets its own answer after the final dot (RFC 2033): 250
once committed, 451 when the database is away (the MTA keeps the mail),
552 past the size cap. What a careless or hostile client does (commands
out of order, lines too long, a mail cut off, silence, too many
connections, too many mistakes) gets a clear reply and stores nothing,
and never holds up the other sessions.
"""

import json
import os
import re
import signal
import stat
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

import guichet_harness as gh
from lmtp_client import Client, stuff

NO_AGENT = {"agent alice": None}


def mail(n, body="The export gives an empty file since this morning.\r\n",
         extra=""):
    return ("From: Customer %d <c%d@customer.example.org>\r\n"
            "To: support@example.com\r\nSubject: LMTP %d\r\n"
            "Message-ID: <lmtp-%d@customer.example.org>\r\n%s"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8"
            "\r\n\r\n%s" % (n, n, n, n, extra, body)).encode()


class Lmtp(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "lm_" + self._testMethodName[5:][:40].lower()
        self.sock = s.path("lmtp-%s.sock" % self._testMethodName[5:][:20])
        if len(self.sock) > 100:          # sun_path holds 108 bytes
            self.sock = "/tmp/guichet-lmtp-%d.sock" % os.getpid()
        if os.path.lexists(self.sock):
            os.unlink(self.sock)
        s.smtp.clear()
        self.configure()
        s.guichet("migrate")
        self.d = None

    def tearDown(self):
        if self.d is not None and self.d.poll() is None:
            self.d.stop(signal.SIGTERM)

    def configure(self, lmtp=None, general=None, raw=None):
        g = {"poll_interval": "1h", "reconnect_max": "1s"}
        g.update(general or {})
        section = {"listen": "unix:" + self.sock}
        section.update(lmtp or {})
        sections = {"guichet": g, "lmtp": section}
        sections.update(NO_AGENT)
        self.servers.write_config(dbname=self.db,
                                  mailbox_user=self.db[:30],
                                  sections=sections, raw=raw)

    def serve(self):
        self.d = self.servers.spawn("serve")
        self.d.wait_for_output(r"lmtp: listening on")
        return self.d

    def client(self):
        c = Client(self.sock)
        self.assertEqual(c.greeting[0], 220, c.greeting)
        code, text = c.cmd("LHLO mta.example.com")
        self.assertEqual(code, 250, text)
        return c

    def sql(self, q):
        v = self.servers.pg.scalar(q, db=self.db)
        return int(v) if v.isdigit() else v

    def acks_to(self, n):
        return [m for m in self.servers.smtp.messages()
                if m["To"] and "c%d@customer.example.org" % n in m["To"]]

    def show(self, number):
        return json.loads(self.servers.guichet(
            "ticket", "show", number, "--json").stdout)

    # -- the path ---------------------------------------------------------

    def test_delivered_stored_acknowledged(self):
        self.serve()
        mode = stat.S_IMODE(os.stat(self.sock).st_mode)
        self.assertEqual(mode, 0o660)
        c = self.client()
        _, lhlo = c.cmd("LHLO again.example.com")
        for ext in ("PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME",
                    "SIZE %d" % (25 * 1024 * 1024 * 4)):
            self.assertIn(ext, lhlo)
        rr, final = c.deliver(["support@example.com"], mail(1),
                              sender="c1@customer.example.org")
        self.assertEqual(rr, [(250, "2.1.5 <support@example.com> mailbox "
                                    "support")])
        self.assertEqual(len(final), 1)
        self.assertEqual(final[0][0], 250, final)
        self.assertRegex(final[0][1], r"stored: new ticket SUP-\d{4}-\d+")
        number = re.search(r"SUP-\d{4}-\d+", final[0][1]).group(0)
        # committed before the 250: visible to another session at once
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        # the acknowledgement leaves at once (the poll is an hour away)
        gh.wait_until(lambda: self.acks_to(1), 20, "the acknowledgement")
        self.assertIn(number, self.acks_to(1)[0]["Subject"])
        # a follow-up in the same session
        rr, final = c.deliver(["support@example.com"], mail(
            2, extra="In-Reply-To: <lmtp-1@customer.example.org>\r\n"
            "References: <lmtp-1@customer.example.org>\r\n")
            .replace(b"Subject: LMTP 2", b"Subject: Re: LMTP 1 [" +
                     number.encode() + b"]").replace(
                b"c2@customer", b"c1@customer"))
        self.assertEqual(final[0][0], 250, final)
        self.assertIn("follow-up " + number, final[0][1])
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertTrue(c.closed())
        c.close()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in'"), 2)
        # the final delivery wrote the envelope's sender
        t = self.show(number)
        self.d.stop(signal.SIGTERM)
        self.assertFalse(os.path.lexists(self.sock), "socket removed")
        self.assertTrue(t["messages"])
        log = self.d.stderr()
        self.assertRegex(log, r"mailbox support: new ticket " + number)

    def test_python_lmtp_client(self):
        # an LMTP client written by others (the standard library's)
        import smtplib
        self.serve()
        lm = smtplib.LMTP(self.sock)
        refused = lm.sendmail("c40@customer.example.org",
                              ["support@example.com", "nobody@example.com"],
                              mail(40))
        self.assertEqual(list(refused), ["nobody@example.com"])
        self.assertEqual(refused["nobody@example.com"][0], 550)
        lm.quit()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets WHERE "
                                  "subject = 'LMTP 40'"), 1)
        gh.wait_until(lambda: self.acks_to(40), 20, "the acknowledgement")

    def test_recipients(self):
        raw = ("[mailbox sales]\nurl = %s\nuser = %s\npassword_file = %s\n"
               "address = sales@example.com\ntls_ca_file = %s\n"
               "queue = support\n" % (
                   self.servers.imap.imaps_url, self.db[:30],
                   self.servers.imap.password_file(self.db[:30]),
                   self.servers.tls.ca_file))
        self.configure(raw=raw)
        self.serve()
        c = self.client()
        rr, final = c.deliver(
            ["support@example.com", "SALES@Example.COM",
             "support+urgent@example.com", "nobody@example.com",
             "support@elsewhere.example", ""], mail(3),
            sender="c3@customer.example.org")
        codes = [code for code, _ in rr]
        self.assertEqual(codes, [250, 250, 250, 550, 550, 550], rr)
        self.assertIn("5.1.1 <nobody@example.com> is not the address",
                      rr[3][1])
        # one answer per accepted recipient, in their order
        self.assertEqual([code for code, _ in final], [250, 250, 250],
                         final)
        self.assertIn("<support@example.com> stored: new ticket",
                      final[0][1])
        # a copy of a mail sent to two of our mailboxes is stored once
        # (as from IMAP), and told so
        self.assertIn("<SALES@Example.COM> taken: duplicate", final[1][1])
        # the third is support again: stored once, the same answer
        self.assertEqual(final[2][1].replace("support+urgent", "support"),
                         final[0][1])
        c.close()
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in'"), 1)
        # sales alone: its own ticket
        c = self.client()
        _, final = c.deliver(["sales@example.com"], mail(30))
        self.assertIn("<sales@example.com> stored: new ticket", final[0][1])
        c.close()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 2)

    def test_too_many_recipients(self):
        self.configure(lmtp={"max_recipients": "2"})
        self.serve()
        c = self.client()
        rr, final = c.deliver(["support@example.com"] * 3, mail(4))
        self.assertEqual([code for code, _ in rr], [250, 250, 452])
        self.assertEqual([code for code, _ in final], [250, 250])
        c.close()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)

    # -- what a careless or hostile client does ---------------------------

    def test_protocol_mistakes_store_nothing(self):
        self.serve()
        c = Client(self.sock)
        self.assertEqual(c.cmd("MAIL FROM:<a@b.example>")[0], 503)
        self.assertEqual(c.cmd("EHLO mta.example.com")[0], 500)
        self.assertEqual(c.cmd("LHLO")[0], 501)
        self.assertEqual(c.cmd("LHLO mta.example.com")[0], 250)
        self.assertEqual(c.cmd("RCPT TO:<support@example.com>")[0], 503)
        self.assertEqual(c.cmd("DATA")[0], 503)
        self.assertEqual(c.cmd("MAIL FROM:a@b.example")[0], 501)
        self.assertEqual(c.cmd("MAIL FROM:<a@b.example> X-EVIL=1")[0], 555)
        self.assertEqual(c.cmd("MAIL FROM:<a@b.example> SIZE=%d" %
                               (200 * 1024 * 1024))[0], 552)
        self.assertEqual(c.cmd("MAIL FROM:<a@b.example> SIZE=1e9")[0], 501)
        self.assertEqual(c.cmd("MAIL FROM:<a@b.example> BODY=8BITMIME "
                               "SIZE=2000")[0], 250)
        self.assertEqual(c.cmd("MAIL FROM:<x@y.example>")[0], 503)
        self.assertEqual(c.cmd("RCPT TO:<a b@example.com>")[0], 501)
        self.assertEqual(c.cmd("RCPT TO:<%s@example.com>" % ("x" * 300))
                         [0], 501)
        # a line too long is refused as a whole, and the session goes on
        self.assertEqual(c.cmd("NOOP " + "y" * 100000)[0], 500)
        self.assertEqual(c.cmd("NOOP")[0], 250)
        self.assertEqual(c.cmd("BDAT 10 LAST")[0], 502)
        self.assertEqual(c.cmd("RSET")[0], 250)
        self.assertEqual(c.cmd("DATA")[0], 503)
        # fifteen mistakes so far; the twentieth ends the session
        for _ in range(4):
            self.assertEqual(c.cmd("\x01\x02")[0], 500)
        code, text = c.cmd("\x01\x02")
        self.assertEqual(code, 500)
        code, text = c.reply()
        self.assertEqual(code, 421, text)
        self.assertTrue(c.closed())
        c.close()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 0)
        self.assertEqual(self.sql("SELECT count(*) FROM quarantine"), 0)
        # and the daemon still serves
        c = self.client()
        _, final = c.deliver(["support@example.com"], mail(5))
        self.assertEqual(final[0][0], 250, final)
        c.close()

    def test_pipelined(self):
        self.serve()
        c = Client(self.sock)
        c.send(b"LHLO mta.example.com\r\nMAIL FROM:<c6@customer.example."
               b"org>\r\nRCPT TO:<support@example.com>\r\nDATA\r\n")
        self.assertEqual([c.reply()[0] for _ in range(4)],
                         [250, 250, 250, 354])
        c.send(stuff(mail(6)) + b"MAIL FROM:<>\r\nRCPT TO:<support@"
               b"example.com>\r\nDATA\r\n")
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual([c.reply()[0] for _ in range(3)], [250, 250, 354])
        c.send(stuff(mail(7)) + b"QUIT\r\n")
        self.assertEqual([c.reply()[0] for _ in range(2)], [250, 221])
        c.close()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 2)

    def test_fed_in_pieces(self):
        # one conversation, all pipelined, sent whole, then a byte at a
        # time, then in pieces of 7 and 4096 bytes: the same replies
        # (the line and dot boundaries fall anywhere), the same mails
        self.serve()

        def conversation(k):
            body = (".starts with a dot\r\n..two\r\n" + "w" * 5000 +
                    "\r\n.\tnear the end\r\n")
            out = b"LHLO mta.example.com\r\n"
            for n in (41 + 10 * k, 42 + 10 * k):
                out += (b"MAIL FROM:<c%d@customer.example.org>\r\n"
                        b"RCPT TO:<support@example.com>\r\n"
                        b"RCPT TO:<nobody@example.com>\r\nDATA\r\n" % n)
                out += stuff(mail(n, body=body))
            return out + b"NOOP\r\nQUIT\r\n"

        def run(k, size):
            c = Client(self.sock)
            data = conversation(k)
            for i in range(0, len(data), size):
                c.send(data[i:i + size])
            replies = []
            while True:
                code, text = c.reply()
                if code is None:
                    break
                replies.append((code, re.sub(r"SUP-\d{4}-\d+|<c\d+@",
                                             "X", text)))
            c.close()
            return replies

        whole = run(0, 1 << 20)
        self.assertEqual([code for code, _ in whole],
                         [250] + [250, 250, 550, 354, 250] * 2 + [250, 221])
        for k, size in ((1, 1), (2, 7), (3, 4096)):
            self.assertEqual(run(k, size), whole, size)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 8)
        self.assertEqual(self.sql(
            "SELECT count(DISTINCT text) FROM messages WHERE direction = "
            "'in'"), 1)
        self.assertEqual(self.sql(
            "SELECT count(*) FROM messages WHERE direction = 'in' AND "
            "text LIKE '.starts with a dot%..two%' || repeat('w', 5000) "
            "|| '%.' || chr(9) || 'near the end%'"), 8)

    def test_data_as_written(self):
        self.serve()
        c = self.client()
        body = (b"First line\r\n.hidden by a dot\r\n..two dots\r\n"
                b".\tnot the end\r\nlast\r\n")
        _, final = c.deliver(["support@example.com"], mail(
            8, body=body.decode()), sender="c8@customer.example.org")
        self.assertEqual(final[0][0], 250, final)
        number = re.search(r"SUP-\d{4}-\d+", final[0][1]).group(0)
        text = self.show(number)["messages"][0]["text"]
        self.assertIn(".hidden by a dot", text)
        self.assertIn("..two dots", text)
        self.assertNotIn("...two", text)
        self.assertIn(".\tnot the end", text)
        self.assertIn("last", text)
        # bare LF line ends and a 300 KB line without any
        long_line = "z" * 300000
        raw = mail(9, body="start\n" + long_line + "\nend\n").replace(
            b"\r\n", b"\n")
        c.cmd("MAIL FROM:<c9@customer.example.org>")
        c.cmd("RCPT TO:<support@example.com>")
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(raw + b".\n")
        code, text = c.reply()
        self.assertEqual(code, 250, text)
        c.close()
        self.assertEqual(self.sql(
            "SELECT count(*) FROM tickets WHERE subject = 'LMTP 9'"), 1)
        # the final delivery wrote the envelope sender first (RFC 5321
        # 4.4), as the mail is kept
        self.assertEqual(self.sql(
            "SELECT encode(substr(raw, 1, 40), 'escape') FROM messages "
            "WHERE subject = 'LMTP 8'"),
            "Return-Path: <c8@customer.example.org>\r\n")

    def test_null_sender_is_automatic(self):
        # MAIL FROM:<> (a bounce, a robot): a ticket, no acknowledgement
        self.serve()
        c = self.client()
        _, final = c.deliver(["support@example.com"], mail(31), sender="")
        self.assertEqual(final[0][0], 250, final)
        _, final = c.deliver(["support@example.com"], mail(32))
        self.assertEqual(final[0][0], 250, final)
        c.close()
        gh.wait_until(lambda: self.acks_to(32), 20, "the second one's ack")
        time.sleep(1)
        self.assertEqual(self.acks_to(31), [])
        self.assertEqual(self.sql("SELECT encode(substr(raw, 1, 17), "
                                  "'escape') FROM messages WHERE subject = "
                                  "'LMTP 31'"), "Return-Path: <>\r\n")

    def test_size_cap(self):
        # max_mail_size 2 KB: taken (quarantined) up to 8 KB, refused past
        self.configure(general={"max_mail_size": "2KB"})
        self.serve()
        c = self.client()
        _, final = c.deliver(["support@example.com"],
                             mail(10, body="a" * 60 + "\r\n") * 1)
        self.assertEqual(final[0][0], 250, final)
        big = mail(11, body=("b" * 70 + "\r\n") * 60)     # ~4.3 KB
        _, final = c.deliver(["support@example.com"], big)
        self.assertEqual(final[0][0], 250, final)
        self.assertIn("quarantined", final[0][1])
        huge = mail(12, body=("c" * 70 + "\r\n") * 2000)  # ~144 KB
        _, final = c.deliver(["support@example.com",
                              "support+x@example.com"], huge)
        self.assertEqual([code for code, _ in final], [552, 552], final)
        self.assertIn("5.3.4", final[0][1])
        # the session goes on
        _, final = c.deliver(["support@example.com"], mail(13))
        self.assertEqual(final[0][0], 250, final)
        c.close()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 2)
        self.assertEqual(self.sql("SELECT count(*) FROM quarantine"), 1)

    def test_failing_write_quarantines_the_mail(self):
        # a write that fails for this mail alone (a trigger stands for any
        # such failure), at once (messages) or deferred to the commit
        # (events): the mail is taken again with its savepoint and kept
        # in the quarantine; the MTA gets 250, the next mail goes through
        self.servers.pg.psql(
            "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF NEW.subject = 'poison' THEN RAISE EXCEPTION "
            "'poisoned'; END IF; RETURN NEW; END $$; "
            "CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW "
            "EXECUTE FUNCTION poison(); "
            "CREATE FUNCTION poison_ev() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN IF (SELECT subject FROM tickets WHERE id = "
            "NEW.ticket_id) = 'poison later' THEN RAISE EXCEPTION "
            "'poisoned later'; END IF; RETURN NEW; END $$; "
            "CREATE TRIGGER poison_ev BEFORE INSERT ON events FOR EACH ROW "
            "EXECUTE FUNCTION poison_ev()", db=self.db)
        self.serve()
        c = self.client()
        for n, subject in ((34, "poison"), (35, "poison later")):
            raw = mail(n).replace(b"Subject: LMTP %d" % n,
                                  b"Subject: " + subject.encode())
            _, final = c.deliver(["support@example.com"], raw)
            self.assertEqual(final[0][0], 250, final)
            self.assertIn("quarantined", final[0][1])
        _, final = c.deliver(["support@example.com"], mail(36))
        self.assertIn("stored: new ticket", final[0][1])
        c.close()
        self.assertRegex(self.sql("SELECT string_agg(detail, ' | ' ORDER BY "
                                  "id) FROM quarantine"),
                         r"^[^|]*ERROR:  poisoned \| [^|]*ERROR:  poisoned "
                         r"later$")
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        # `guichet ingest` takes the same way
        raw = mail(37).replace(b"Subject: LMTP 37", b"Subject: poison later")
        r = self.servers.guichet("ingest", "--mailbox", "support", input=raw)
        self.assertIn("quarantined", r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM quarantine"), 3)

    def test_cut_off_mid_mail_stores_nothing(self):
        d = self.serve()
        c = self.client()
        c.cmd("MAIL FROM:<c14@customer.example.org>")
        c.cmd("RCPT TO:<support@example.com>")
        self.assertEqual(c.cmd("DATA")[0], 354)
        c.send(mail(14)[:120])
        c.close()
        d.wait_for_output(r"went away in the middle of a mail")
        c = self.client()
        _, final = c.deliver(["support@example.com"], mail(15))
        self.assertEqual(final[0][0], 250, final)
        c.close()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets WHERE "
                                  "subject = 'LMTP 14'"), 0)

    def test_redelivered_stored_once(self):
        # the MTA lost our 250 and delivers again
        self.serve()
        for _ in range(2):
            c = self.client()
            _, final = c.deliver(["support@example.com"], mail(16))
            self.assertEqual(final[0][0], 250, final)
            c.close()
        self.assertIn("duplicate", final[0][1])
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in'"), 1)
        gh.wait_until(lambda: self.acks_to(16), 20, "the acknowledgement")
        time.sleep(1)                     # room for a wrong second one
        self.assertEqual(len(self.acks_to(16)), 1)

    def test_database_away_451_then_stored(self):
        s = self.servers
        self.serve()
        c = self.client()
        s.pg.stop()
        try:
            _, final = c.deliver(["support@example.com",
                                  "support+b@example.com"], mail(17))
        finally:
            s.pg.start()
        self.assertEqual([code for code, _ in final], [451, 451], final)
        self.assertIn("4.3.0", final[0][1])
        self.assertIn("try again later", final[0][1])
        # the MTA tries again once the database is back
        def again():
            _, f = c.deliver(["support@example.com"], mail(17))
            return f[0][0] == 250 or c.cmd("RSET")[0] != 250
        gh.wait_until(again, 30, "the delivery once the database is back")
        c.close()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        gh.wait_until(lambda: self.acks_to(17), 20, "the acknowledgement")

    def test_slow_client_holds_nobody(self):
        self.configure(lmtp={"timeout": "3s"})
        self.serve()
        slow = Client(self.sock)
        slow.send(b"LHL")                 # and nothing more
        c = self.client()
        _, final = c.deliver(["support@example.com"], mail(18))
        self.assertEqual(final[0][0], 250, final)
        c.close()
        gh.wait_until(lambda: self.acks_to(18), 20, "the acknowledgement")
        # the silent one is told, then closed
        code, text = slow.reply()
        self.assertEqual(code, 421, text)
        self.assertIn("4.4.2", text)
        self.assertTrue(slow.closed())
        slow.close()
        # also in the middle of a mail: nothing stored
        slow = self.client()
        slow.cmd("MAIL FROM:<c19@customer.example.org>")
        slow.cmd("RCPT TO:<support@example.com>")
        slow.cmd("DATA")
        slow.send(mail(19)[:100])
        code, text = slow.reply()
        self.assertEqual(code, 421, text)
        self.assertIn("not stored", text)
        slow.close()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)

    def test_client_that_never_reads(self):
        # commands pipelined without end and no reply read: the daemon
        # stops reading it once its replies pile up, serves the others,
        # and drops it after the timeout
        self.configure(lmtp={"timeout": "3s"})
        self.serve()
        flood = Client(self.sock)
        flood.sock.setblocking(False)
        sent, chunk = 0, b"NOOP\r\n" * 10000
        try:
            while sent < 50 * 1024 * 1024:
                sent += flood.sock.send(chunk)
        except BlockingIOError:
            pass
        self.assertLess(sent, 50 * 1024 * 1024, "the daemon kept reading")
        c = self.client()
        _, final = c.deliver(["support@example.com"], mail(33))
        self.assertEqual(final[0][0], 250, final)
        c.close()
        flood.sock.setblocking(True)
        flood.sock.settimeout(20)

        def gone():
            try:
                while flood.sock.recv(1 << 20):
                    pass
                return True           # EOF
            except ConnectionResetError:
                return True
        self.assertTrue(gone())
        flood.close()

    def test_max_connections(self):
        self.configure(lmtp={"max_connections": "2"})
        d = self.serve()
        a, b = self.client(), self.client()
        third = Client(self.sock)
        self.assertEqual(third.greeting[0], 421, third.greeting)
        self.assertIn("too many connections", third.greeting[1])
        third.close()
        d.wait_for_output(r"max_connections \(2\) reached")
        a.cmd("QUIT")
        a.close()
        def place():
            c = Client(self.sock)
            c.close()
            return c.greeting[0] == 220
        gh.wait_until(place, 10, "a place once one session ended")
        _, final = b.deliver(["support@example.com"], mail(20))
        self.assertEqual(final[0][0], 250)
        b.close()

    def test_stop_mid_session(self):
        d = self.serve()
        c = self.client()
        c.cmd("MAIL FROM:<c21@customer.example.org>")
        c.cmd("RCPT TO:<support@example.com>")
        c.cmd("DATA")
        c.send(mail(21)[:100])
        d.stop(signal.SIGTERM)            # exits 0
        code, text = c.reply()
        self.assertEqual(code, 421, text)
        c.close()
        self.assertFalse(os.path.lexists(self.sock))
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 0)

    def test_tcp_and_reload(self):
        port = gh.free_port()
        self.configure(lmtp={"listen": "127.0.0.1:%d" % port})
        d = self.serve()
        c = Client((gh.LOCALHOST, port))
        self.assertEqual(c.cmd("LHLO mta.example.com")[0], 250)
        _, final = c.deliver(["support@example.com"], mail(22))
        self.assertEqual(final[0][0], 250, final)
        # SIGHUP onto the Unix socket: the session under way goes on
        self.configure()
        d.send_signal(signal.SIGHUP)
        d.wait_for_output(r"lmtp: listening on unix:")
        _, final = c.deliver(["support@example.com"], mail(23))
        self.assertEqual(final[0][0], 250, final)
        c.close()
        gh.wait_until(lambda: gh.port_is_free(port), 10, "TCP closed")
        c = self.client()
        _, final = c.deliver(["support@example.com"], mail(24))
        self.assertEqual(final[0][0], 250, final)
        c.close()
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 3)

    def test_counted_in_metrics(self):
        port = gh.free_port()
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.db[:30],
                       sections=dict(NO_AGENT, guichet={
                           "poll_interval": "1h", "max_mail_size": "1KB",
                           "reconnect_max": "1s"},
                           lmtp={"listen": "unix:" + self.sock,
                                 "max_connections": "1"},
                           http={"listen": "127.0.0.1:%d" % port}))
        d = self.serve()
        d.wait_for_output(r"http: /metrics and /healthz on")
        c = self.client()
        for n in (25, 25, 26):
            c.deliver(["support@example.com"], mail(n))
        # past four times max_mail_size: 552
        _, final = c.deliver(["support@example.com"],
                             mail(27, body="x" * 8000 + "\r\n"))
        self.assertEqual(final[0][0], 552)
        # a second connection, past max_connections
        self.assertEqual(Client(self.sock).greeting[0], 421)
        # the database away: 451
        s.pg.stop()
        try:
            _, final = c.deliver(["support@example.com"], mail(28))
        finally:
            s.pg.start()
        self.assertEqual(final[0][0], 451)
        import http.client

        def scrape():
            h = http.client.HTTPConnection(gh.LOCALHOST, port, timeout=10)
            h.request("GET", "/metrics")
            body = h.getresponse().read().decode()
            h.close()
            out = {}
            for fam in text_string_to_metric_families(body):
                for smp in fam.samples:
                    key = smp.labels.get("outcome") or \
                        smp.labels.get("answer") or ""
                    out[(smp.name, key)] = smp.value
            return out

        def want():
            m = scrape()
            return m.get(("guichet_lmtp_answers_total", "tempfail")) == 1 \
                and m
        got = gh.wait_until(want, 30, "the 451 counted")
        self.assertEqual(got.get(("guichet_mails_ingested_total",
                                  "ticket")), 2, got)
        self.assertEqual(got.get(("guichet_mails_ingested_total",
                                  "duplicate")), 1, got)
        self.assertEqual(got.get(("guichet_lmtp_answers_total",
                                  "stored")), 3, got)
        self.assertEqual(got.get(("guichet_lmtp_answers_total",
                                  "too_big")), 1, got)
        self.assertEqual(got.get(("guichet_lmtp_connections_refused_total",
                                  "")), 1, got)
        self.assertEqual(got.get(("guichet_lmtp_sessions", "")), 1, got)
        c.close()

    # -- the operator's mistakes ------------------------------------------

    def test_config_refused(self):
        s = self.servers
        for lmtp, why in (
                ({"listen": "0.0.0.0:2424"}, r"not a loopback address"),
                ({"listen": "unix:relative.sock"}, r"absolute path"),
                ({"listen": "unix:/" + "d" * 120}, r"longer than 107"),
                ({"listen": "2424"}, r"ADDRESS:PORT"),
                ({"socket_mode": "0999"}, r"socket_mode"),
                ({"socket_mode": "0444"}, r"socket_mode"),
                ({"max_connections": "0"}, r"max_connections"),
                ({"max_recipients": "100000"}, r"max_recipients"),
                ({"timeout": "0s"}, r"timeout"),
                ({"listen": None}, r"listen")):
            self.configure(lmtp=lmtp)
            r = s.guichet("check-config", check=False)
            self.assertNotEqual(r.returncode, 0, lmtp)
            self.assertRegex(r.stdout + r.stderr, why, lmtp)
        self.configure(lmtp={"listen": "[::1]:2525", "allow_remote": "no"})
        s.guichet("check-config")

    def test_socket_path_taken(self):
        s = self.servers
        # a file that is not a socket is never removed
        with open(self.sock, "w") as f:
            f.write("keep me")
        r = s.guichet("serve", check=False, timeout=30)
        self.assertEqual(r.returncode, 69, r.stderr)
        self.assertIn("exists and is not a socket", r.stderr)
        with open(self.sock) as f:
            self.assertEqual(f.read(), "keep me")
        os.unlink(self.sock)
        # a second daemon on the same socket: refused, the first serves on
        d = self.serve()
        r = s.guichet("serve", check=False, timeout=30)
        self.assertEqual(r.returncode, 69, r.stderr)
        self.assertIn("another process listens", r.stderr)
        c = self.client()
        _, final = c.deliver(["support@example.com"], mail(27))
        self.assertEqual(final[0][0], 250)
        c.close()
        # a socket left by a daemon killed: replaced
        d.kill()
        d.proc.wait()
        self.assertTrue(os.path.lexists(self.sock))
        self.serve()
        c = self.client()
        c.close()


if __name__ == "__main__":
    unittest.main()
