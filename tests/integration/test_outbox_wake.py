"""test_outbox_wake.py - mail queued by another process is sent at once.

`guichet ingest` (the MTA pipe) stores a mail and queues its
acknowledgement while `guichet serve` runs; the serving daemon, which
LISTENs on the outbox, sends it at once instead of at its next look at
the outbox (a minute when idle) or its next poll (here an hour). With two
daemons on one database, both wake and the acknowledgement is still sent
once. A daemon that was away from the database (restart of PostgreSQL)
still sends what was queued meanwhile. A retry that a flush planned is
made when it is due even if a later flush sent only new mail (that flush
used to put the next look a minute away).
"""

import signal
import time
import unittest

import guichet_harness as gh


def mail(n):
    return ("From: Customer %d <w%d@customer.example.org>\r\n"
            "To: support@example.com\r\nSubject: Pipe %d\r\n"
            "Message-ID: <wake-%d@customer.example.org>\r\n\r\n"
            "Mail %d by the MTA.\r\n" % (n, n, n, n, n)).encode()


def acks_to(sink, n):
    return [m for m in sink.messages()
            if m["To"] and "w%d@customer.example.org" % n in m["To"]]


class OutboxWake(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "ow_" + self._testMethodName[5:][:40].lower()
        s.smtp.clear()
        s.write_config(dbname=self.db, mailbox_user=self.db[:30],
                       sections={"guichet": {"poll_interval": "1h",
                                             "reconnect_max": "1s"}})
        s.guichet("migrate")

    def ingest_and_wait(self, n, timeout=20):
        s = self.servers
        s.guichet("ingest", "--mailbox", "support", input=mail(n))
        # the daemon's own outbox look is a minute away, its poll an hour:
        # only the notification can bring the ack within this wait
        gh.wait_until(lambda: acks_to(s.smtp, n), timeout,
                      "the acknowledgement of ingested mail %d" % n)

    def test_ingest_while_serving(self):
        s = self.servers
        d = s.spawn("serve")
        d.wait_for_output(r"serving 1 mailbox")
        time.sleep(1.5)                  # past its first outbox look
        for n in range(3):
            self.ingest_and_wait(n)
            time.sleep(0.5)
        d.stop(signal.SIGTERM)
        for n in range(3):
            self.assertEqual(len(acks_to(s.smtp, n)), 1)

    def test_two_daemons_send_once(self):
        s = self.servers
        d1, d2 = s.spawn("serve"), s.spawn("serve")
        d1.wait_for_output(r"serving 1 mailbox")
        d2.wait_for_output(r"serving 1 mailbox")
        time.sleep(1.5)
        for n in range(10, 16):
            self.ingest_and_wait(n)
        time.sleep(1)                    # room for a second, wrong send
        d1.stop(signal.SIGTERM)
        d2.stop(signal.SIGTERM)
        for n in range(10, 16):
            self.assertEqual(len(acks_to(s.smtp, n)), 1, n)

    def test_retry_planned_before_a_flush_of_new_mail(self):
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.db[:30],
                       sections={"guichet": {"poll_interval": "1h",
                                             "outbox_retry_base": "3s",
                                             "outbox_retry_max": "3s"}})
        s.smtp.refuse("w20@*", 451, "4.2.0 try later")
        d = s.spawn("serve")
        try:
            d.wait_for_output(r"serving 1 mailbox")
            time.sleep(1.5)
            s.guichet("ingest", "--mailbox", "support", input=mail(20))
            gh.wait_until(lambda: ("451", "w20@customer.example.org") in
                          s.smtp.refused(), 20, "the first refusal")
            s.smtp.accept_all()
            # new mail, sent by a flush that retries nothing: the retry
            # of mail 20, due in 3 s, must not wait for the idle look
            self.ingest_and_wait(21)
            gh.wait_until(lambda: acks_to(s.smtp, 20), 20,
                          "the retry of the refused acknowledgement")
        finally:
            d.stop(signal.SIGTERM)
        self.assertEqual(len(acks_to(s.smtp, 20)), 1)
        self.assertEqual(len(acks_to(s.smtp, 21)), 1)

    def test_queued_while_database_away(self):
        s = self.servers
        d = s.spawn("serve")
        d.wait_for_output(r"serving 1 mailbox")
        time.sleep(1.5)
        s.pg.restart()                   # the LISTEN goes with the session
        self.ingest_and_wait(20, timeout=30)
        self.ingest_and_wait(21)         # and it LISTENs again
        d.stop(signal.SIGTERM)


if __name__ == "__main__":
    unittest.main()
