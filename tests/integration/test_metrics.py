"""test_metrics.py - /metrics and /healthz of `guichet serve` ([http]).

Two daemons on one database, each with its own mailbox and [http] port:
mails of every kind go through both, and each daemon's /metrics counts
what it did (and only that), while the figures read from the database
(open tickets by queue, the outbox) are the same in both; the text is
read with prometheus_client's own parser. /healthz answers 200, then 503
with the reason while PostgreSQL is stopped, while Dovecot is stopped
for longer than poll_stale_after, and while the outbox cannot deliver
for longer than outbox_stuck_after. SIGHUP moves the server to its new
port (a port in use then is logged and the daemon goes on). Hostile
clients (1,000 connections, a huge URL or header, a client that never
finishes its request) neither stop the intake nor the next scrape;
check-config refuses a non-loopback address and a bad port, and a port
in use stops serve with the reason.
"""

import datetime
import http.client
import os
import re
import resource
import signal
import socket
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

import guichet_harness as gh


def mail(tag, n, sender=None, subject=None, extra=""):
    sender = sender or "Customer %d <c%d-%s@customer.example.org>" % (
        n, n, tag)
    return ("From: %s\r\n"
            "To: support@example.com\r\n"
            "Subject: %s\r\n"
            "Message-ID: <metrics-%s-%d@customer.example.org>\r\n"
            "%s\r\nMail number %d.\r\n" % (
                sender, subject or "Help %s %d" % (tag, n), tag, n, extra,
                n)).encode()


def dsn(ack):
    """A delivery report about our mail ack, as an MTA would send it."""
    return ("From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
            "To: sales@example.com\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            "Message-ID: <metrics-dsn@mx.example.com>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status;"
            " boundary=R\r\n\r\n"
            "--R\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
            "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.com\r\n\r\n"
            "Final-Recipient: rfc822; %s\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n"
            "--R\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            "From: Support <support@example.com>\r\n"
            "To: %s\r\nMessage-ID: %s\r\nSubject: %s\r\n"
            "--R--\r\n" % (ack["To"], ack["To"], ack["Message-ID"],
                            ack["Subject"])).encode()


def get(port, path="/metrics", timeout=10):
    c = http.client.HTTPConnection(gh.LOCALHOST, port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode("utf-8"), r.getheader(
            "Content-Type")
    finally:
        c.close()


def scrape(port):
    """{(name, frozenset(labels)): value} of the samples, parsed by
    prometheus_client (which raises on a malformed text)."""
    status, body, ctype = get(port)
    assert status == 200, (status, body)
    assert ctype.startswith("text/plain; version=0.0.4"), ctype
    out = {}
    for fam in text_string_to_metric_families(body):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def val(m, name, **labels):
    return m.get((name, frozenset(labels.items())), None)


def total(m, name, **labels):
    return sum(v for (n, ls), v in m.items() if n == name and
               all((k, x) in ls for k, x in labels.items()))


def health(port):
    status, body, _ = get(port, "/healthz")
    return status, body


class Metrics(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "mt_" + self._testMethodName[5:][:40].lower()
        self.ua = ("ma" + self._testMethodName[5:])[:30].lower()
        self.ub = ("mb" + self._testMethodName[5:])[:30].lower()
        self.pa, self.pb = gh.free_port(), gh.free_port()
        self.ca = self.write("a.conf", "support", self.ua, self.pa)
        self.cb = self.write("b.conf", "sales", self.ub, self.pb)
        s.guichet("migrate", config=self.ca)
        s.smtp.accept_all()
        s.smtp.clear()

    def write(self, name, mailbox, user, port, http=None, general=None):
        g = {"poll_interval": "1s", "outbox_retry_base": "1s",
             "reconnect_max": "1s"}
        g.update(general or {})
        h = {"listen": "%s:%d" % (gh.LOCALHOST, port),
             "poll_stale_after": "3s", "outbox_stuck_after": "3s"}
        h.update(http or {})
        return self.servers.write_config(
            path=self.servers.path(name), dbname=self.db, mailbox=mailbox,
            mailbox_user=user, queue=mailbox,
            sections={"guichet": g, "http": h})

    def sql(self, q):
        return int(self.servers.pg.scalar(q, db=self.db))

    def serve(self, config, port, now=None):
        d = self.servers.spawn("serve", config=config, now=now)
        d.wait_for_output(r"http: /metrics and /healthz on")
        gh.wait_until(lambda: self.try_get(port), 20, "/metrics answers")
        return d

    def try_get(self, port):
        try:
            return get(port, timeout=2)[0] == 200
        except OSError:
            return False

    def wait_metric(self, port, pred, what, timeout=30):
        box = {}

        def probe():
            box["m"] = scrape(port)
            return pred(box["m"])
        try:
            gh.wait_until(probe, timeout, what, interval=0.2)
        except gh.HarnessError:
            self.fail("%s; last scrape:\n%s" % (what, sorted(
                (n, dict(ls), v) for (n, ls), v in box.get("m", {}).items()
                if not n.endswith("_bucket"))))
        return box["m"]

    def acks(self, s, count):
        """The ticket numbers of the acknowledgements to customers, once
        there are count of them."""
        def numbers():
            out = []
            for m in s.smtp.messages():
                n = re.search(r"\[(SUP-[0-9-]+)\]", m["Subject"] or "")
                if n and "customer.example.org" in (m["To"] or ""):
                    out.append(n.group(1))
            return out
        gh.wait_until(lambda: len(numbers()) >= count, 30,
                      "%d acknowledgements" % count)
        return numbers()

    def test_two_daemons_count_what_each_did(self):
        s = self.servers
        da = self.serve(self.ca, self.pa)
        db = self.serve(self.cb, self.pb)

        # daemon A: 3 tickets, then a follow-up, our own mail come back,
        # a mail without any sender (quarantined)
        for i in range(3):
            s.imap.append(self.ua, "INBOX", mail("a", i))
        acks = self.acks(s, 3)
        self.assertEqual(len(set(acks)), 3, acks)
        s.imap.append(self.ua, "INBOX", mail(
            "a", 10, sender="Customer 0 <c0-a@customer.example.org>",
            subject="Re: [%s] Help" % sorted(acks)[0]))
        s.imap.append(self.ua, "INBOX", mail(
            "a", 11, sender="Support <support@example.com>"))
        s.imap.append(self.ua, "INBOX", (
            b"To: support@example.com\r\nSubject: nobody\r\n"
            b"Message-ID: <metrics-nobody@customer.example.org>\r\n"
            b"\r\nno sender at all\r\n"))
        # daemon B: 2 tickets, a copy of A's first mail (duplicate) and
        # a delivery report about one of its acknowledgements (bounce)
        for i in range(2):
            s.imap.append(self.ub, "INBOX", mail("b", i))
        s.imap.append(self.ub, "INBOX", mail("a", 0))
        self.acks(s, 5)
        ack, = [m for m in s.smtp.messages()
                if "c1-b@" in (m["To"] or "")]
        s.imap.append(self.ub, "INBOX", dsn(ack))

        ma = self.wait_metric(self.pa, lambda m: total(
            m, "guichet_mails_ingested_total") == 6, "A counted 6 mails")
        mb = self.wait_metric(self.pb, lambda m: total(
            m, "guichet_mails_ingested_total") == 4, "B counted 4 mails")
        expect_a = {"ticket": 3, "followup": 1, "duplicate": 0,
                    "quarantine": 1, "loop_suppressed": 1, "bounce": 0}
        expect_b = {"ticket": 2, "followup": 0, "duplicate": 1,
                    "quarantine": 0, "loop_suppressed": 0, "bounce": 1}
        for o, n in expect_a.items():
            self.assertEqual(val(ma, "guichet_mails_ingested_total",
                                 mailbox="support", outcome=o), n, o)
        for o, n in expect_b.items():
            self.assertEqual(val(mb, "guichet_mails_ingested_total",
                                 mailbox="sales", outcome=o), n, o)
        # each daemon its own view: A never polled sales, B never support
        self.assertEqual(total(ma, "guichet_mails_ingested_total",
                               mailbox="sales"), 0)
        self.assertIsNone(val(mb, "guichet_mails_ingested_total",
                              mailbox="support", outcome="ticket"))
        # what the database says
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 5)
        self.assertEqual(self.sql("SELECT count(*) FROM quarantine"), 1)
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind = "
                                  "'delivery_failed'"), 1)

        # the database's figures, the same in both views
        for port in (self.pa, self.pb):
            m = self.wait_metric(port, lambda m: total(
                m, "guichet_open_tickets", queue="support") == 3 and total(
                m, "guichet_open_tickets", queue="sales") == 2 and val(
                m, "guichet_outbox_pending") == self.sql(
                "SELECT count(*) FROM outbox WHERE status = 'pending'"),
                "open tickets by queue and the outbox")
            self.assertEqual(total(m, "guichet_open_tickets"), self.sql(
                "SELECT count(*) FROM tickets WHERE status <> 'closed'"))
            for p in ("P1", "P2", "P3"):
                self.assertEqual(
                    total(m, "guichet_open_tickets", priority=p),
                    self.sql("SELECT count(*) FROM tickets WHERE priority "
                             "= '%s'" % p))
        # everything sent: nothing waits in the outbox
        gh.wait_until(lambda: self.sql("SELECT count(*) FROM outbox WHERE "
                                       "status = 'pending'") == 0, 30,
                      "outbox empty")
        ma = self.wait_metric(self.pa, lambda m: val(
            m, "guichet_outbox_pending") == 0, "A sees an empty outbox")
        self.assertEqual(val(ma, "guichet_outbox_oldest_pending_age_seconds"),
                         0)

        # latencies: one observation per mail taken, per ticket acknowledged
        self.assertEqual(val(ma, "guichet_intake_latency_seconds_count"), 6)
        self.assertEqual(val(mb, "guichet_intake_latency_seconds_count"), 4)
        ma = self.wait_metric(self.pa, lambda m: val(
            m, "guichet_ack_latency_seconds_count") == 3, "A's 3 acks")
        self.assertEqual(val(ma, "guichet_ack_latency_seconds_bucket",
                             le="+Inf"), 3)
        mb = self.wait_metric(self.pb, lambda m: val(
            m, "guichet_ack_latency_seconds_count") == 2, "B's 2 acks")
        # last successful poll, round trips, database up
        now = time.time()
        for m, box in ((ma, "support"), (mb, "sales")):
            t = val(m, "guichet_mailbox_last_poll_success_timestamp_seconds",
                    mailbox=box)
            self.assertTrue(now - 60 < t <= now + 1, (box, t, now))
            self.assertGreater(val(m, "guichet_db_round_trips_total"), 10)
            self.assertEqual(val(m, "guichet_db_up"), 1)
            self.assertEqual(total(m, "guichet_send_failures_total"), 0)
        r1 = val(ma, "guichet_db_round_trips_total")
        s.imap.append(self.ua, "INBOX", mail("a", 20))
        self.wait_metric(self.pa, lambda m: val(
            m, "guichet_db_round_trips_total") > r1 and val(
            m, "guichet_mails_ingested_total", mailbox="support",
            outcome="ticket") == 4, "one more ticket, more round trips")

        # a third daemon a month later: standby on support (A holds it),
        # and it fires the SLA breaches of the open tickets
        pc = gh.free_port()
        cc = self.write("c.conf", "support", self.ua, pc)
        later = datetime.datetime.utcnow() + datetime.timedelta(days=40)
        dc = self.serve(cc, pc, now=later)
        def fired(m):
            # the count read once: two reads could straddle C's pass,
            # the first still 0 as the scrape, the second not
            n = self.sql("SELECT count(*) FROM sla_timers WHERE "
                         "breached_at IS NOT NULL")
            return n > 0 and m.get(("guichet_sla_breaches_total",
                                    frozenset())) == n
        mc = self.wait_metric(pc, lambda m: fired(m) and val(
            m, "guichet_mailbox_standby", mailbox="support") == 1,
            "C's breaches, and C in standby on support")
        # a month late, each timer breaches at once (no warning first)
        self.assertEqual(val(mc, "guichet_sla_warnings_total"), self.sql(
            "SELECT count(*) FROM sla_timers WHERE warned_at IS NOT NULL "
            "AND breached_at IS NULL"))
        self.assertEqual(val(ma, "guichet_sla_breaches_total"), 0)
        # C's passes timed: the one that fired the breaches at least
        passes = val(mc, "guichet_scheduler_pass_seconds_count")
        self.assertGreaterEqual(passes, 1)
        self.assertGreater(val(mc, "guichet_scheduler_pass_seconds_sum"), 0)
        self.assertEqual(val(mc, "guichet_scheduler_pass_seconds_bucket",
                             le="+Inf"), passes)
        # their CPU (the scheduler's process reports it with each pass)
        # and the daemon's process's, which the kernel tells under
        # Prometheus' standard names
        pass_cpu = val(mc, "guichet_scheduler_pass_cpu_seconds_total")
        self.assertGreater(pass_cpu, 0)
        self.assertGreater(val(mc, "process_cpu_seconds_total"), 0)
        with open("/proc/%d/stat" % dc.proc.pid) as f:
            vsize = int(f.read().rsplit(")", 1)[1].split()[20])
        self.assertGreater(val(mc, "process_resident_memory_bytes"), 2**20)
        self.assertLessEqual(val(mc, "process_resident_memory_bytes"),
                             vsize)
        self.assertGreaterEqual(val(mc, "process_virtual_memory_bytes"),
                                vsize / 2)
        # (the scrape's own connection comes and goes)
        self.assertLessEqual(abs(val(mc, "process_open_fds") - len(
            os.listdir("/proc/%d/fd" % dc.proc.pid))), 3)
        self.assertGreater(val(mc, "process_max_fds"), 0)
        # the real start, not the daemon's clock (40 days ahead)
        self.assertLess(abs(val(mc, "process_start_time_seconds") -
                            time.time()), 600)
        self.assertEqual(val(mc, "guichet_mailbox_last_poll_success_"
                             "timestamp_seconds", mailbox="support"), 0)
        self.assertEqual(health(pc), (200, "ok\n"))
        for d in (dc, da, db):
            d.stop()

    def test_healthz(self):
        s = self.servers
        d = self.serve(self.ca, self.pa)
        gh.wait_until(lambda: health(self.pa) == (200, "ok\n"), 20,
                      "/healthz 200")

        # PostgreSQL stopped: 503, the database named
        s.pg.stop()
        try:
            gh.wait_until(lambda: health(self.pa)[0] == 503, 30,
                          "/healthz 503 without the database")
            self.assertIn("database unreachable", health(self.pa)[1])
            self.assertEqual(val(scrape(self.pa), "guichet_db_up"), 0)
        finally:
            s.pg.start()
        gh.wait_until(lambda: health(self.pa) == (200, "ok\n"), 30,
                      "/healthz 200 with the database back")

        # Dovecot stopped past poll_stale_after (3s): 503, the mailbox named
        s.imap.stop()
        try:
            gh.wait_until(lambda: "mailbox support not polled successfully"
                          in health(self.pa)[1], 30, "stale mailbox")
            self.assertEqual(health(self.pa)[0], 503)
        finally:
            s.imap.start()
        gh.wait_until(lambda: health(self.pa) == (200, "ok\n"), 30,
                      "/healthz 200 with Dovecot back")

        # the SMTP server refuses for a while: the outbox is stuck
        s.smtp.refuse("*", 451, "4.2.0 try later")
        s.imap.append(self.ua, "INBOX", mail("h", 1))
        gh.wait_until(lambda: "outbox stuck" in health(self.pa)[1], 30,
                      "stuck outbox")
        m = scrape(self.pa)
        self.assertGreaterEqual(val(m, "guichet_outbox_pending"), 1)
        self.assertGreater(val(m, "guichet_send_failures_total",
                               kind="temporary"), 0)
        s.smtp.accept_all()
        gh.wait_until(lambda: health(self.pa) == (200, "ok\n"), 60,
                      "/healthz 200 once delivered")
        d.stop()

    def test_hostile_clients(self):
        s = self.servers
        d = self.serve(self.ca, self.pa)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = min(hard, 4096)
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        # a client that sends half a request and waits
        slow = socket.create_connection((gh.LOCALHOST, self.pa))
        slow.sendall(b"GET /metr")
        # 1,000 connections opened at once and held: the daemon takes a
        # bounded number of them (its own descriptors stay available to
        # IMAP, PostgreSQL and SMTP) and the intake goes on meanwhile
        conns = []
        for _ in range(1000):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex((gh.LOCALHOST, self.pa))
            conns.append(c)
        time.sleep(1)
        nfds = len(os.listdir("/proc/%d/fd" % d.pid))
        self.assertLess(nfds, 400)
        s.imap.append(self.ua, "INBOX", mail("x", 1))
        s.smtp.wait_for(1, timeout=30)
        for c in conns:
            c.close()
        # a huge URL and a huge header are refused; the server stays up
        c = http.client.HTTPConnection(gh.LOCALHOST, self.pa, timeout=10)
        c.request("GET", "/metrics?" + "x" * 100000)
        self.assertIn(c.getresponse().status, (414, 431))
        c.close()
        c = http.client.HTTPConnection(gh.LOCALHOST, self.pa, timeout=10)
        c.request("GET", "/metrics", headers={"X-Big": "y" * 100000})
        self.assertIn(c.getresponse().status, (413, 431))
        c.close()
        self.assertEqual(get(self.pa, "/nothing")[0], 404)
        c = http.client.HTTPConnection(gh.LOCALHOST, self.pa, timeout=10)
        c.request("POST", "/metrics", body=b"x" * 1000)
        self.assertEqual(c.getresponse().status, 405)
        c.close()
        self.wait_metric(self.pa, lambda m: val(
            m, "guichet_mails_ingested_total", mailbox="support",
            outcome="ticket") == 1, "the mail counted")
        self.assertEqual(health(self.pa), (200, "ok\n"))
        slow.close()
        s.imap.append(self.ua, "INBOX", mail("x", 2))
        s.smtp.wait_for(2, timeout=30)
        d.stop()

    def test_reload(self):
        s = self.servers
        d = self.serve(self.ca, self.pa)
        counters = scrape(self.pa)
        # SIGHUP with another port: served there, no longer on the old one
        pc = gh.free_port()
        self.write("a.conf", "support", self.ua, pc)
        d.send_signal(signal.SIGHUP)
        d.wait_for_output(r"http: /metrics and /healthz on %s:%d" % (
            gh.LOCALHOST, pc))
        gh.wait_until(lambda: self.try_get(pc), 20, "/metrics on the new port")
        self.assertFalse(self.try_get(self.pa))
        # the counters survive the reload
        s.imap.append(self.ua, "INBOX", mail("r", 1))
        m = self.wait_metric(pc, lambda m: val(
            m, "guichet_mails_ingested_total", mailbox="support",
            outcome="ticket") == 1, "the ticket counted after the reload")
        self.assertGreaterEqual(val(m, "guichet_db_round_trips_total"),
                                val(counters, "guichet_db_round_trips_total"))
        # SIGHUP to a port in use: said, the daemon goes on without HTTP
        taken = socket.socket()
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind((gh.LOCALHOST, self.pa))
        taken.listen(1)
        try:
            self.write("a.conf", "support", self.ua, self.pa)
            d.send_signal(signal.SIGHUP)
            d.wait_for_output(r"cannot listen on %s:%d: Address already in "
                              r"use; /metrics and /healthz are off"
                              % (gh.LOCALHOST, self.pa))
            s.imap.append(self.ua, "INBOX", mail("r", 2))
            gh.wait_until(lambda: len([m for m in s.smtp.messages() if
                                       "customer.example.org" in
                                       (m["To"] or "")]) == 2, 30,
                          "the second mail acknowledged")
        finally:
            taken.close()
        # the port free again: the next reload serves it
        d.send_signal(signal.SIGHUP)
        gh.wait_until(lambda: self.try_get(self.pa), 20, "/metrics back")
        d.stop()

    def test_config_and_port_in_use(self):
        s = self.servers
        bad = self.write("bad.conf", "support", self.ua, self.pa, http={
            "listen": "0.0.0.0:%d" % self.pa})
        r = s.guichet("check-config", config=bad, expect=78)
        self.assertIn("is not a loopback address", r.stdout + r.stderr)
        ok = self.write("ok.conf", "support", self.ua, self.pa, http={
            "listen": "0.0.0.0:%d" % self.pa, "allow_remote": "yes"})
        s.guichet("check-config", config=ok)
        for listen, why in (("127.0.0.1:0", "port is a number"),
                            ("127.0.0.1:65536", "port is a number"),
                            ("127.0.0.1:http", "port is a number"),
                            ("example.com:9187", "numeric"),
                            ("9187", "ADDRESS:PORT")):
            c = self.write("bad.conf", "support", self.ua, self.pa,
                           http={"listen": listen})
            r = s.guichet("check-config", config=c, expect=78)
            self.assertRegex(r.stdout + r.stderr,
                             r"bad\.conf:\d+: listen: .*" + why)
        # the port taken by someone else: serve stops at once, and says so
        taken = socket.socket()
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind((gh.LOCALHOST, self.pa))
        taken.listen(1)
        try:
            r = s.guichet("serve", config=self.ca, expect=69, timeout=60)
            self.assertIn("cannot listen on %s:%d: Address already in use"
                          % (gh.LOCALHOST, self.pa), r.stderr)
        finally:
            taken.close()


if __name__ == "__main__":
    unittest.main()
