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

    def configure(self, life=3600, rotate=False, raw=None, more=None,
                  **general):
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
        sections = {"smtp": smtp, "mailbox support": mbox, "guichet": g,
                    "queue support": {"webhook_url": None}}
        for name, keys in (more or {}).items():
            sections[name] = dict(sections.get(name, {}), **keys)
        return s.write_config(dbname="oauth2_%d" % self.n,
                              sections=sections, raw=raw)

    def acks(self):
        return [m for m in self.sink.messages()
                if "claire@cust.example" in m["X-RcptTo"]]

    def test_intake_and_sending_across_expiry_and_refusal(self):
        s = self.servers
        self.configure(life=5)
        self.run_guichet("migrate")
        # (the folder exists once a test before this one took a mail)
        done = len(s.imap.messages("support", "Processed")) if \
            "Processed" in s.imap.folders("support") else 0
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
        self.assertEqual(len(s.imap.messages("support", "Processed")),
                         done + 3)

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

    def test_rotated_refresh_token_is_saved_0600(self):
        s = self.servers
        self.configure(rotate=True)
        self.run_guichet("migrate")
        s.imap.append("support", "INBOX", mail("Rotate", "t1@cust"))
        r = self.run_guichet("serve", "--once", now=T0)
        self.assertEqual(len(self.acks()), 1)
        self.assertIn("rotated the refresh token; saved in", r.stderr)
        with open(self.rt_file) as f:
            saved = f.read().strip()
        self.assertNotEqual(saved, self.rt)
        self.assertIn(saved, self.provider.refresh)      # the valid one
        self.assertNotIn(self.rt, self.provider.refresh)
        self.assertEqual(stat.S_IMODE(os.stat(self.rt_file).st_mode), 0o600)
        # no temporary file left beside it, whatever its name
        folder, name = os.path.split(self.rt_file)
        self.assertEqual([f for f in os.listdir(folder)
                          if name in f and f != name], [])
        # and the next run goes on with it
        s.imap.append("support", "INBOX", mail("Again", "t2@cust"))
        self.run_guichet("serve", "--once", now=T0)
        self.assertEqual(len(self.acks()), 2)

    def http_get(self, url):
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def test_revoked_refresh_token_is_shown_and_retried_with_backoff(self):
        s = self.servers
        port = gh.free_port()
        base = "http://127.0.0.1:%d" % port
        self.configure(reconnect_max="2s",
                       raw="[http]\nlisten = 127.0.0.1:%d\n" % port)
        self.run_guichet("migrate")
        self.provider.revoke(self.rt)
        before = self.provider.token_requests
        d = s.spawn("serve")
        try:
            d.wait_for_output(r"error: oauth2 mailbox support: the provider "
                              r"refused the refresh token \(HTTP 400, "
                              r"invalid_grant: Token has been expired or "
                              r"revoked.\); run guichet oauth2 authorize")
            gh.wait_until(lambda: self.http_get(base + "/healthz")[0] ==
                          503, 20, "/healthz to say 503")
            code, text = self.http_get(base + "/healthz")
            self.assertIn("oauth2 mailbox support: the provider refuses "
                          "the refresh token", text)
            code, text = self.http_get(base + "/metrics")
            self.assertIn('guichet_oauth2_refresh_refused{credential='
                          '"mailbox support"} 1', text)
            self.assertRegex(text, r'guichet_oauth2_refresh_failures_total'
                             r'\{credential="mailbox support"\} [1-9]')
            # no spin: the poller tries every 2 s, the provider is asked
            # after 5 s, then 10 s
            time.sleep(9)
            self.assertLessEqual(self.provider.token_requests - before, 3)
            self.assertNotIn("Segmentation", d.stderr())

            # a new refresh token in the file is taken without a restart
            rt = self.provider.issue("support")
            with open(self.rt_file + ".new", "w") as f:
                f.write(rt + "\n")
            os.chmod(self.rt_file + ".new", 0o600)
            os.rename(self.rt_file + ".new", self.rt_file)
            s.imap.append("support", "INBOX", mail("Back", "v1@cust"))
            gh.wait_until(lambda: len(self.acks()) == 1, 30, "the ack")
            gh.wait_until(lambda: self.http_get(base + "/healthz")[0] ==
                          200, 20, "/healthz to say 200")
            code, text = self.http_get(base + "/metrics")
            self.assertIn('guichet_oauth2_refresh_refused{credential='
                          '"mailbox support"} 0', text)
        finally:
            d.stop()
            self.logs += [d.stdout(), d.stderr()]

    def test_provider_that_misbehaves(self):
        s = self.servers
        cases = [("garbage", "not JSON"), ("html", "an HTML page, not JSON"),
                 ("huge", "an answer larger than 64 KB"),
                 ("500", "HTTP 500 without an access token"),
                 ("hang", "imed out")]
        for mode, why in cases:
            with self.subTest(mode=mode):
                self.configure()
                self.run_guichet("migrate")
                self.provider.mode = mode
                s.imap.append("support", "INBOX",
                              mail("Mode " + mode, mode + "@cust"))
                r = self.run_guichet("serve", "--once", now=T0, expect=75)
                self.provider.mode = "normal"
                self.assertIn("oauth2 mailbox support: ", r.stderr)
                self.assertIn(why, r.stderr)
                # the mail waits in its folder, nothing is lost
                self.assertEqual(len(s.imap.messages("support", "INBOX")),
                                 1)
                r = self.run_guichet("serve", "--once", now=T0)
                self.assertEqual(len(s.imap.messages("support", "INBOX")),
                                 0)

    def test_authorize_by_device_flow(self):
        s = self.servers
        self.configure()
        os.unlink(self.rt_file)
        r = self.run_guichet("check-config", expect=78)
        self.assertIn("run guichet oauth2 authorize", r.stdout)
        d = s.spawn("oauth2", "authorize", "--mailbox", "support")
        try:
            d.wait_for_output(r"enter the code: \d{4}-\d{4}",
                              stream="stdout")
            code = re.search(r"enter the code: (\d{4}-\d{4})",
                             d.stdout()).group(1)
            self.assertIn(self.provider.url + "/activate", d.stdout())
            time.sleep(1.5)      # a poll or two: authorization_pending
            self.provider.approve(code, "support")
            d.wait(timeout=30)
        finally:
            self.logs += [d.stdout(), d.stderr()]
        self.assertIn("Refresh token saved in %s" % self.rt_file,
                      d.stdout())
        self.assertEqual(stat.S_IMODE(os.stat(self.rt_file).st_mode), 0o600)
        with open(self.rt_file) as f:
            self.assertIn(f.read().strip(), self.provider.refresh)
        self.run_guichet("check-config")
        self.run_guichet("migrate")
        s.imap.append("support", "INBOX", mail("Device", "d1@cust"))
        self.run_guichet("serve", "--once", now=T0)
        self.assertEqual(len(self.acks()), 1)

        # the operator says no: a clear refusal, the file left alone
        d = s.spawn("oauth2", "authorize", "--smtp")
        try:
            d.wait_for_output(r"enter the code: \d{4}-\d{4}",
                              stream="stdout")
            code = re.search(r"enter the code: (\d{4}-\d{4})",
                             d.stdout()).group(1)
            self.provider.approve(code, "")
            d.wait(timeout=30, expect=77)
        finally:
            self.logs += [d.stdout(), d.stderr()]
        self.assertIn("did not authorize (HTTP 400: access_denied)",
                      d.stderr())
        with open(self.rt_file) as f:
            self.assertIn(f.read().strip(), self.provider.refresh)
        # a mailbox without auth = oauth2, an unknown one
        r = self.run_guichet("oauth2", "authorize", "--mailbox", "nope",
                             expect=64)
        self.assertIn('no mailbox "nope"', r.stderr)
        # a device endpoint that answers HTML or nothing
        self.provider.mode = "html"
        r = self.run_guichet("oauth2", "authorize", "--smtp", expect=76)
        self.assertIn("an HTML page, not JSON", r.stderr)
        self.provider.mode = "hang"
        r = self.run_guichet("oauth2", "authorize", "--smtp", expect=75,
                             timeout=90)
        self.assertIn("imed out", r.stderr)
        self.provider.mode = "normal"
        with open(self.rt_file) as f:
            self.assertIn(f.read().strip(), self.provider.refresh)

    def test_check_config(self):
        s = self.servers
        path = self.configure(raw="[mailbox other]\nurl = %s\n"
                              "user = other\naddress = other@example.com\n"
                              "auth = kerberos\n" % s.imap.imaps_url)
        r = self.run_guichet("check-config", expect=78)
        self.assertRegex(r.stdout, re.escape(path) +
                         r':\d+: auth: "kerberos": expected password or '
                         r'oauth2')
        bad = {"mailbox support": {
            "oauth2_token_url": "http://provider.example/token",
            "oauth2_refresh_token_file": None,
            "oauth2_mechanism": "plain",
            "password_file": s.imap.password_file("support")},
            "smtp": {"tls": "none", "user": None}}
        path = self.configure(more=bad)
        r = self.run_guichet("check-config", expect=78)
        out = r.stdout
        for text in ["oauth2_token_url: https:// is needed (http:// only "
                     "for a loopback address)",
                     "[mailbox support]: auth = oauth2 needs "
                     "oauth2_refresh_token_file",
                     'oauth2_mechanism: "plain": expected xoauth2 or '
                     "oauthbearer",
                     "password_file: not used with auth = oauth2",
                     "[smtp]: auth = oauth2 needs user",
                     "[smtp]: auth = oauth2 with tls = none would send "
                     "the token in clear text"]:
            self.assertIn(text, out)
            self.assertRegex(out, re.escape(path) + r":\d+: " +
                             re.escape(text))
        # oauth2 keys without auth = oauth2
        self.configure(more={"mailbox support": {
            "auth": "password",
            "password_file": s.imap.password_file("support")}})
        r = self.run_guichet("check-config", expect=78)
        self.assertIn("oauth2_scope: only with auth = oauth2", r.stdout)
        # a refresh token file others may read
        self.configure()
        os.chmod(self.rt_file, 0o644)
        r = self.run_guichet("check-config", expect=78)
        self.assertIn("permissions 0644 are too open", r.stdout)
        os.chmod(self.rt_file, 0o600)
        self.run_guichet("check-config")

    def test_check_connect(self):
        """check-config --connect takes a token and logs in with it, for
        the mailbox and for SMTP, and sends nothing; a revoked refresh
        token fails both, saying what to run."""
        self.configure()
        self.run_guichet("migrate")
        r = self.run_guichet("check-config", "--connect")
        self.assertRegex(r.stdout, r"mailbox support \(imap://[^)]+\): "
                         r"logged in as support;")
        self.assertRegex(r.stdout, r"smtp \([^)]+\): the server would take "
                         r"a mail from this login \(none sent\)")
        self.assertEqual(self.sink.messages(), [])
        self.assertIn("OK XOAUTH2 support", self.auth_log())
        self.provider.revoke(self.rt)
        r = self.run_guichet("check-config", "--connect", expect=69)
        self.assertRegex(r.stdout, r"mailbox support \([^)]+\): FAILED: .*"
                         r"refused the refresh token.*guichet oauth2 "
                         r"authorize")
        self.assertRegex(r.stdout, r"smtp \([^)]+\): FAILED: .*refused the "
                         r"refresh token")

    def test_oauthbearer(self):
        s = self.servers
        mech = {"oauth2_mechanism": "oauthbearer"}
        self.configure(more={"mailbox support": mech, "smtp": mech})
        self.run_guichet("migrate")
        s.imap.append("support", "INBOX", mail("Bearer", "b1@cust"))
        self.run_guichet("serve", "--once", now=T0)
        self.assertEqual(len(self.acks()), 1)
        self.assertIn("OK OAUTHBEARER support", self.auth_log())

    def test_token_of_someone_else_is_refused(self):
        s = self.servers
        self.configure()
        self.run_guichet("migrate")
        with open(self.rt_file, "w") as f:
            f.write(self.provider.issue("mallory") + "\n")
        s.imap.append("support", "INBOX", mail("Forged", "f1@cust"))
        r = self.run_guichet("serve", "--once", now=T0, expect=75)
        self.assertRegex(r.stderr, r"XOAUTH2 as support at \S+ refused")
        self.assertEqual(len(s.imap.messages("support", "INBOX")), 1)
        self.assertEqual(self.acks(), [])
        # (with the right token, the mail goes in)
        with open(self.rt_file, "w") as f:
            f.write(self.rt + "\n")
        self.run_guichet("serve", "--once", now=T0)
        self.assertEqual(len(s.imap.messages("support", "INBOX")), 0)

    def test_bad_refresh_token_files(self):
        s = self.servers
        cases = [("a b\nc d\n", 0o600, "not one refresh token on one line"),
                 ("rt-1\n", 0o644, "permissions 0644 are too open"),
                 ("x" * (1 << 20), 0o600, "refresh"),
                 (None, None, "run guichet oauth2 authorize")]
        for text, mode, why in cases:
            with self.subTest(why=why):
                self.configure()
                self.run_guichet("migrate")
                if text is None:
                    os.unlink(self.rt_file)
                else:
                    with open(self.rt_file, "w") as f:
                        f.write(text)
                    os.chmod(self.rt_file, mode)
                asked = self.provider.token_requests
                s.imap.append("support", "INBOX", mail("Bad", "bad@cust"))
                r = self.run_guichet("serve", "--once", now=T0, expect=75)
                self.assertIn("oauth2 mailbox support: ", r.stderr)
                self.assertIn(why, r.stderr)
                self.assertEqual(self.provider.token_requests, asked)
                self.assertEqual(len(s.imap.messages("support", "INBOX")),
                                 1)
                # (the mail goes with the next test's fresh token)
                with open(self.rt_file + ".ok", "w") as f:
                    f.write(self.rt + "\n")
                os.chmod(self.rt_file + ".ok", 0o600)
                os.replace(self.rt_file + ".ok", self.rt_file)
                self.run_guichet("serve", "--once", now=T0)
                self.assertEqual(len(s.imap.messages("support", "INBOX")),
                                 0)

    def auth_log(self):
        try:
            with open(os.path.join(self.sink.dir, "auth.log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""


if __name__ == "__main__":
    unittest.main(verbosity=2)
