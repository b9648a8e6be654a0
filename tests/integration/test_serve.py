"""test_serve.py - `guichet serve` as a daemon, against real servers.

IMAP IDLE picks a new mail up without waiting for the poll interval;
SIGHUP reloads the config (and keeps the running one when the new one is
broken); IMAP, PostgreSQL and SMTP going away are logged and retried
with backoff while the daemon keeps running, and nothing is lost; two
daemons on one mailbox store each mail once; SIGTERM stops it cleanly,
also while it starts, and a parent's blocked signals do not disarm it.
"""

import re
import signal
import time
import unittest

import guichet_harness as gh


def mail(n, subject=None):
    return ("From: Customer %d <c%d@customer.example.org>\r\n"
            "To: support@example.com\r\n"
            "Subject: %s\r\n"
            "Message-ID: <serve-%d@customer.example.org>\r\n"
            "\r\nMail number %d.\r\n" % (n, n, subject or "Help %d" % n, n,
                                         n)).encode()


def wait_count(proc, pattern, n, timeout=30):
    rx = re.compile(pattern)
    gh.wait_until(lambda: len(rx.findall(proc.stderr())) >= n, timeout,
                  "%d x /%s/ in the daemon's log" % (n, pattern))


class Serve(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "sv_" + self._testMethodName[5:][:40].lower()
        self.user = ("s" + self._testMethodName[5:])[:30].lower()
        self.write(poll_interval="1h")
        s.guichet("migrate")
        s.smtp.clear()

    def write(self, poll_interval="1h", extra=None, raw=None):
        g = {"poll_interval": poll_interval, "outbox_retry_base": "1s",
             "reconnect_max": "2s"}
        g.update(extra or {})
        # no agents: only the mails to customers reach the sink
        return self.servers.write_config(
            dbname=self.db, mailbox_user=self.user,
            sections={"guichet": g, "agent alice": None}, raw=raw)

    def count(self, table):
        return int(self.servers.pg.scalar("SELECT count(*) FROM " + table,
                                          db=self.db))

    def test_idle_reload_and_stop(self):
        s = self.servers
        d = s.spawn("serve")
        d.wait_for_output(r"serving 1 mailbox")
        # a poll interval of an hour: only IDLE can see this mail in time
        s.imap.append(self.user, "INBOX", mail(1))
        ack, = s.smtp.wait_for(1, timeout=20)
        self.assertIn("[SUP-", ack["Subject"])
        self.assertIn("new ticket SUP-", d.stderr())

        # SIGHUP with a broken config: refused, the running one kept
        self.write(raw="[nonsense]\n")
        d.send_signal(signal.SIGHUP)
        d.wait_for_output(r"keeping the running one")
        self.assertRegex(d.stderr(), r"guichet\.conf:\d+: unknown section "
                         r"\[nonsense\]")
        s.imap.append(self.user, "INBOX", mail(2))
        s.smtp.wait_for(2, timeout=20)

        # SIGHUP with a good config: reloaded, and it works
        self.write(extra={"support_name": "Reloaded Support"})
        d.send_signal(signal.SIGHUP)
        d.wait_for_output(r"configuration reloaded")
        s.imap.append(self.user, "INBOX", mail(3))
        msgs = s.smtp.wait_for(3, timeout=20)
        self.assertIn("Reloaded Support", msgs[2]["From"])

        r = d.stop(signal.SIGTERM)
        self.assertIn("stopping", r.stderr)
        self.assertEqual(self.count("tickets"), 3)
        self.assertNotIn(s.imap.password(self.user), r.stderr)

    def test_signals_while_starting(self):
        # A SIGHUP (logrotate, `systemctl reload`) or a SIGTERM that
        # comes while the daemon reads its configuration reloads or stops
        # it; it used to kill it (the default action) as long as the
        # handlers were not in. The rules below take a second or more to
        # compile: the signals land in that read.
        s = self.servers
        words = "|".join("w%03dx" % i for i in range(150))
        rules = s.path("slow-rules.conf")
        with open(rules, "w") as f:
            for i in range(1000):
                f.write("[rule r%d]\nmatch = subject, text: (?i)(%s)"
                        "{2,20}\ntags = t\n" % (i, words))
        self.write(raw="[rules]\nfile = %s\n" % rules)
        d = s.spawn("serve")
        # past the loader (a signal there kills any program), then
        # SIGHUP after SIGHUP until the daemon says it serves
        time.sleep(0.3)
        sent = 0
        while "serving 1 mailbox" not in d.stderr() and d.poll() is None:
            d.send_signal(signal.SIGHUP)
            sent += 1
            time.sleep(0.02)
        self.assertIsNone(d.poll(), "killed by SIGHUP number %d:\n%s"
                          % (sent, d.stderr()))
        self.assertGreater(sent, 0)     # at least one landed in the read
        d.wait_for_output(r"configuration reloaded")
        s.imap.append(self.user, "INBOX", mail(5))
        s.smtp.wait_for(1, timeout=30)
        d.stop(signal.SIGTERM)
        self.assertEqual(self.count("tickets"), 1)

        # a SIGTERM in the read stops it cleanly, exit 0, nothing done
        d = s.spawn("serve")
        time.sleep(0.3)
        r = d.stop(signal.SIGTERM, timeout=60)
        self.assertIn("stopping", r.stderr)

    def test_signals_blocked_by_the_parent(self):
        # A parent that blocked SIGHUP and SIGTERM (some supervisors and
        # shells do; the mask is inherited) must not leave a daemon that
        # can neither reload nor stop: it unblocks what it handles.
        s = self.servers
        both = {signal.SIGHUP, signal.SIGTERM}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, both)
        try:
            d = s.spawn("serve")
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        d.wait_for_output(r"serving 1 mailbox")
        self.write(extra={"support_name": "Reloaded Support"})
        d.send_signal(signal.SIGHUP)
        d.wait_for_output(r"configuration reloaded")
        s.imap.append(self.user, "INBOX", mail(6))
        ack, = s.smtp.wait_for(1, timeout=30)
        self.assertIn("Reloaded Support", ack["From"])
        r = d.stop(signal.SIGTERM)
        self.assertIn("stopping", r.stderr)

    def test_servers_going_away(self):
        s = self.servers
        self.write(poll_interval="1s")
        d = s.spawn("serve")
        d.wait_for_output(r"serving 1 mailbox")

        # IMAP down: logged, retried with backoff, the daemon stays up
        s.imap.stop()
        wait_count(d, r"mailbox support: .*next attempt in", 2)
        s.imap.start()
        s.imap.append(self.user, "INBOX", mail(10))
        s.smtp.wait_for(1, timeout=30)

        # PostgreSQL down: same; the mail waits in INBOX
        s.pg.stop()
        s.imap.append(self.user, "INBOX", mail(11))
        wait_count(d, r"next attempt in \d+s\)", 1)
        self.assertEqual(len(s.imap.messages(self.user, "INBOX")), 1)
        s.pg.start()
        s.smtp.wait_for(2, timeout=30)
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])

        # SMTP down: the acknowledgement waits in the outbox with its error
        s.smtp.stop()
        s.imap.append(self.user, "INBOX", mail(12))
        gh.wait_until(lambda: s.pg.scalar(
            "SELECT count(*) FROM outbox WHERE status = 'pending' AND "
            "last_error IS NOT NULL", db=self.db) == "1", 30,
            "a delivery error recorded")
        s.smtp.start()
        s.smtp.wait_for(3, timeout=30)
        self.assertEqual(self.count("tickets"), 3)
        # the sink has the mail when its DATA ends; the row is marked
        # sent just after (a moment later under the sanitizers)
        gh.wait_until(lambda: s.pg.scalar(
            "SELECT count(*) FROM outbox WHERE status = 'sent'",
            db=self.db) == "3", 30, "the third mail marked sent")
        r = d.stop(signal.SIGTERM)
        self.assertIn("database connection back", r.stderr)

    def test_idle_sees_mail_come_during_a_pass(self):
        # A mail that comes while the daemon works through the folder
        # (after its search, before it goes back to IDLE) is told by the
        # server in the answer to one of the pass's commands (a FETCH, a
        # MOVE), and not again in IDLE: it used to wait for the next mail
        # or the poll interval (an hour here). Batches of one mail make
        # the pass long; the late mail comes as the first is stored.
        s = self.servers
        self.write(extra={"fetch_batch": "1"})
        d = s.spawn("serve")
        d.wait_for_output(r"serving 1 mailbox")
        c = s.imap.client(self.user)
        try:
            for i in range(40):
                c.append("INBOX", None, None, mail(300 + i))
            deadline = time.monotonic() + 30
            while "new ticket" not in d.stderr():
                self.assertLess(time.monotonic(), deadline,
                                "no mail stored:\n" + d.stderr())
                time.sleep(0.002)
            c.append("INBOX", None, None, mail(399, "Late"))
            ahead = self.count("tickets")
        finally:
            c.logout()
        self.assertLess(ahead, 40)    # it came before the pass ended
        gh.wait_until(lambda: self.count("tickets") == 41, 15,
                      "the late mail taken:\n" + d.stderr())
        self.assertIn("<serve-399@customer.example.org>", d.stderr())
        gh.wait_until(lambda: not s.imap.messages(self.user, "INBOX"), 15,
                      "INBOX emptied")
        d.stop(signal.SIGTERM)

    def test_idle_wakes_while_database_away(self):
        # IDLE reports a new mail while the daemon has no database
        # connection (dropped, reconnection failing): the mail waits for
        # the database, the daemon does not crash
        s = self.servers
        self.write(poll_interval="1h")
        d = s.spawn("serve")
        d.wait_for_output(r"serving 1 mailbox")
        s.imap.append(self.user, "INBOX", mail(30))
        s.smtp.wait_for(1, timeout=20)
        s.pg.stop()
        wait_count(d, r"database: .*next attempt in \d+s\)", 1)
        s.imap.append(self.user, "INBOX", mail(31))
        wait_count(d, r"database: .*next attempt in \d+s\)", 3)
        self.assertIsNone(d.poll(), "the daemon died:\n" + d.stderr())
        self.assertEqual(len(s.imap.messages(self.user, "INBOX")), 1)
        s.pg.start()
        s.smtp.wait_for(2, timeout=30)
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])
        d.stop(signal.SIGTERM)

    def test_two_daemons_one_mailbox(self):
        s = self.servers
        self.write(poll_interval="1s")
        d1 = s.spawn("serve")
        d2 = s.spawn("serve")
        for i in range(30):
            s.imap.append(self.user, "INBOX", mail(100 + i))
        s.smtp.wait_for(30, timeout=60)
        gh.wait_until(lambda: not s.imap.messages(self.user, "INBOX"), 30,
                      "INBOX emptied")
        d1.stop(signal.SIGTERM)
        # the other daemon takes the mailbox over
        s.imap.append(self.user, "INBOX", mail(200))
        s.smtp.wait_for(31, timeout=30)
        d2.stop(signal.SIGTERM)
        self.assertEqual(self.count("tickets"), 31)
        self.assertEqual(self.count("messages WHERE direction = 'in'"), 31)
        self.assertEqual(s.smtp.count(), 31)
        rcpts = sorted(m["X-RcptTo"] for m in s.smtp.messages())
        self.assertEqual(len(set(rcpts)), 31)


if __name__ == "__main__":
    unittest.main(verbosity=2)
