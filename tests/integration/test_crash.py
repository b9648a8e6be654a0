"""test_crash.py - nothing lost, nothing doubled under kill -9.

The daemon is killed with SIGKILL in the middle of taking a mailbox of
mails, then PostgreSQL is killed too; after restarts every mail is one
ticket with one acknowledgement queued, and nothing is left in INBOX.
"""

import signal
import time
import unittest

import guichet_harness as gh

N = 300


def mail(i):
    return ("From: Customer %d <c%d@customer.example.org>\r\n"
            "To: support@example.com\r\nSubject: Crash test %d\r\n"
            "Message-ID: <crash-%d@customer.example.org>\r\n\r\n"
            "Mail %d.\r\n" % (i, i, i, i, i)).encode()


class Crash(gh.ServersTestCase):
    servers_options = dict(http=False)

    def count(self, q):
        return int(self.servers.pg.scalar("SELECT count(*) FROM " + q,
                                          db="crash"))

    def test_kill_9_daemon_then_database(self):
        s = self.servers
        s.write_config(dbname="crash", mailbox_user="crash", sections={
            "agent alice": None,
            "guichet": {"fetch_batch": 10, "poll_interval": "1s",
                        "reconnect_max": "1s"}})
        s.guichet("migrate")
        c = s.imap.client("crash")
        for i in range(N):
            c.append("INBOX", None, None, mail(i))
        c.logout()

        d = s.spawn("serve")
        gh.wait_until(lambda: self.count("tickets") >= 40, 60,
                      "some tickets")
        d.kill()                              # SIGKILL, mid-batch
        d.wait(expect=-signal.SIGKILL)

        d = s.spawn("serve")
        gh.wait_until(lambda: self.count("tickets") >= 150, 60,
                      "more tickets")
        s.pg.kill()                           # the database dies too
        time.sleep(1)
        s.pg.start()
        gh.wait_until(lambda: not s.imap.messages("crash", "INBOX"), 120,
                      "INBOX emptied")
        gh.wait_until(lambda: self.count("outbox WHERE status = 'sent'")
                      >= N, 120, "every acknowledgement sent")
        d.stop(signal.SIGTERM)

        self.assertEqual(self.count("tickets"), N)
        self.assertEqual(self.count("messages WHERE direction = 'in'"), N)
        self.assertEqual(self.count("outbox WHERE purpose = 'ack'"), N)
        self.assertEqual(len(s.imap.messages("crash", "Processed")), N)
        subjects = {m["Subject"] for m in s.smtp.messages()}
        self.assertEqual(len(subjects), N)
        # a mail can be sent twice only if the daemon died between the
        # SMTP server's answer and the commit that records it
        self.assertLessEqual(s.smtp.count(), N + 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
