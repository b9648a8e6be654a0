"""test_outbox_wake.py - mail queued by another process is sent at once.

`guichet ingest` (the MTA pipe) stores a mail and queues its
acknowledgement while `guichet serve` runs; the serving daemon, which
LISTENs on the outbox, sends it at once instead of at its next look at
the outbox (a minute when idle) or its next poll (here an hour). With two
daemons on one database, both wake and the acknowledgement is still sent
once. A daemon that was away from the database (restart of PostgreSQL)
still sends what was queued meanwhile.
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
