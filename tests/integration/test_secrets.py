"""test_secrets.py - `guichet serve` refuses secret files others may read.

A password or key file that group or others may access stops the daemon
at start (exit 78, EX_CONFIG) with the file:line of the key naming it,
before it touches a mailbox: the mail stays in its folder and nothing is
sent. Once the file is 0600 the same config runs. A SIGHUP reload with
such a file is refused and the running config kept. An HMAC key shorter
than 32 bytes is refused the same way. The secret itself never shows.
"""

import os
import signal
import unittest

import guichet_harness as gh


def mail(n):
    return ("From: Customer %d <c%d@customer.example.org>\r\n"
            "To: support@example.com\r\n"
            "Subject: Help %d\r\n"
            "Message-ID: <secrets-%d@customer.example.org>\r\n"
            "\r\nMail number %d.\r\n" % (n, n, n, n, n)).encode()


def key_line(config, section, key):
    """The line number of key in [section] of the config file."""
    current = None
    with open(config) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line.startswith("["):
                current = line[1:-1]
            elif current == section and line.split("=")[0].strip() == key:
                return n
    raise AssertionError("no %s in [%s] of %s" % (key, section, config))


class Secrets(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "se_" + self._testMethodName[5:][:40].lower()
        self.user = ("e" + self._testMethodName[5:])[:30].lower()
        self.config = self.write()
        s.guichet("migrate")
        s.smtp.clear()
        self.pwfile = s.imap.password_file(self.user)
        self.addCleanup(os.chmod, self.pwfile, 0o600)

    def write(self, general=None):
        g = {"poll_interval": "1h"}
        g.update(general or {})
        return self.servers.write_config(
            dbname=self.db, mailbox_user=self.user,
            sections={"guichet": g, "agent alice": None})

    def test_serve_refuses_a_password_file_others_can_read(self):
        s = self.servers
        s.imap.append(self.user, "INBOX", mail(1))
        line = key_line(self.config, "mailbox support", "password_file")
        for mode in (0o644, 0o640, 0o604, 0o620):
            os.chmod(self.pwfile, mode)
            r = s.guichet("serve", "--once", expect=78)
            self.assertIn("guichet.conf:%d: password_file: %s: permissions "
                          "%04o are too open" % (line, self.pwfile, mode),
                          r.stderr)
            self.assertNotIn(s.imap.password(self.user),
                             r.stdout + r.stderr)
        # nothing was taken from the mailbox nor sent
        self.assertEqual(len(s.imap.messages(self.user, "INBOX")), 1)
        self.assertEqual(s.smtp.count(), 0)
        self.assertEqual(int(s.pg.scalar("SELECT count(*) FROM tickets",
                                         db=self.db)), 0)

        os.chmod(self.pwfile, 0o600)
        s.guichet("serve", "--once")
        ack, = s.smtp.wait_for(1)
        self.assertIn("[SUP-", ack["Subject"])
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])

    def test_serve_refuses_a_short_hmac_key(self):
        s = self.servers
        key = s.path("%s-hmac.key" % self.user)
        with open(key, "w") as f:
            f.write("too-short-a-key\n")
        os.chmod(key, 0o600)
        config = self.write({"hmac_key_file": key})
        r = s.guichet("serve", "--once", expect=78)
        self.assertIn("guichet.conf:%d: hmac_key_file: the key is 15 bytes, "
                      "at least 32 are needed" %
                      key_line(config, "guichet", "hmac_key_file"), r.stderr)
        self.assertNotIn("too-short-a-key", r.stdout + r.stderr)

        with open(key, "w") as f:
            f.write("a-key-of-forty-bytes-0123456789abcdefghi\n")
        os.chmod(key, 0o644)
        r = s.guichet("serve", "--once", expect=78)
        self.assertIn("hmac_key_file: %s: permissions 0644 are too open" %
                      key, r.stderr)

        os.chmod(key, 0o400)
        s.imap.append(self.user, "INBOX", mail(2))
        s.guichet("serve", "--once")
        s.smtp.wait_for(1)

    def test_reload_refuses_a_password_file_others_can_read(self):
        s = self.servers
        d = s.spawn("serve")
        d.wait_for_output(r"serving 1 mailbox")
        os.chmod(self.pwfile, 0o644)
        d.send_signal(signal.SIGHUP)
        d.wait_for_output(r"keeping the running one")
        self.assertRegex(d.stderr(), r"guichet\.conf:%d: password_file: .*"
                         r"permissions 0644 are too open" % key_line(
                             self.config, "mailbox support",
                             "password_file"))
        # the running config still works
        s.imap.append(self.user, "INBOX", mail(3))
        s.smtp.wait_for(1, timeout=20)
        r = d.stop(signal.SIGTERM)
        self.assertNotIn(s.imap.password(self.user), r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
