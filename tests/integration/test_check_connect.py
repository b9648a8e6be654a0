"""test_check_connect.py - `guichet check-config --connect` against the
real servers.

Before the first start, an operator wants to know that what the file
names answers: the database (and what its commits rest on), each
mailbox (TLS and its certificate, the login, the folder, IDLE and MOVE,
the folders the daemon will use), the SMTP server (EHLO, TLS, NOOP: no
mail). Shown here:

- everything right: exit 0, a line for each server, what the daemon will
  create said, and nothing changed anywhere: no mail sent to the sink,
  the mail in INBOX still there, no folder created, no table in a
  database not migrated yet (said, not a failure);
- what operators get wrong, each a "NAME: FAILED: why" line and exit 69,
  the other servers still checked: a wrong IMAP password (the password
  never printed), a certificate not trusted (tls_ca_file forgotten) for
  IMAP and for SMTP, an SMTP port where nothing listens, a database that
  does not exist;
- a database not migrated yet, with a role that `guichet migrate` would
  fail with (PostgreSQL 15 lets only the owner create in schema public;
  the unaccent extension needs CREATE on the database): FAILED, saying
  which grant is missing; once granted, OK, and migrate then succeeds;
- a database migrated by another role, and the daemon's role granted
  SELECT only: FAILED, naming the tables it may not write; all granted:
  OK;
- each webhook receiver, of [webhook] sections and escalation routes,
  reached with a HEAD (nothing posted, the URL's secret path not
  shown): one where nothing listens, one whose certificate is not
  trusted, and one that redirects (a POST is not redirected) FAILED;
- the daemon's own listeners ([lmtp] on a Unix socket, [http]): free
  (nothing made), held by the daemon itself running (no failure), a
  socket a killed daemon left (replaced, not removed here); another
  program on the port (one that never answers), a file where the socket
  goes, a folder that does not exist and an address not of this machine
  each FAILED, counted apart from the servers;
- a config with problems is reported as before (exit 78) and nothing is
  reached.
"""

import os
import re
import socket
import subprocess
import unittest

import guichet_harness as gh

EX_UNAVAILABLE = 69
EX_CONFIG = 78


def mail(n):
    return ("From: Customer <c%d@customer.example.org>\r\n"
            "To: support@example.com\r\n"
            "Subject: Help %d\r\n"
            "Message-ID: <check-%d@customer.example.org>\r\n"
            "\r\nHelp.\r\n" % (n, n, n)).encode()


class CheckConnect(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        self.db = "cc_" + self._testMethodName[5:][:40].lower()
        self.user = ("cc" + self._testMethodName[5:])[:30].lower()

    def conf(self, sections=None, **kw):
        return self.servers.write_config(
            path=self.servers.path("%s.conf" % self.db), dbname=self.db,
            mailbox_user=self.user, sections=sections, **kw)

    def as_role(self, prefix):
        """A fresh login role without privileges, and a config that
        connects as it."""
        pg = self.servers.pg
        role = pg.fresh_role("%s_%s" % (prefix, self.user[:20]))
        return role, self.conf(sections={"database": {
            "conninfo": pg.conninfo(self.db, user=role)}})

    def check(self, conf, expect):
        return self.servers.guichet("check-config", "--connect",
                                    config=conf, expect=expect)

    def test_every_server_answers_and_nothing_changes(self):
        s = self.servers
        s.smtp.clear()
        conf = self.conf()
        s.imap.append(self.user, "INBOX", mail(1))
        r = self.check(conf, 0)
        out = r.stdout
        # not migrated yet: said, not a failure; nothing created
        self.assertRegex(out, r"database: connected; the database schema "
                         r"is missing: run `guichet migrate`")
        self.assertEqual(s.pg.scalar(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            db=self.db), "0")
        # the harness's PostgreSQL runs without fsync
        self.assertIn("database: warning: PostgreSQL runs with fsync = off, "
                      "full_page_writes = off", out)
        self.assertRegex(out, r"mailbox support \(imaps://[^)]+\): logged in "
                         r"as %s; INBOX holds 1 mail\(s\); IDLE, MOVE; "
                         r"created at the first pass: Processed and "
                         r"Quarantine" % self.user)
        self.assertRegex(out, r"smtp \(smtp://[^)]+\): the server would take "
                         r"a mail \(none sent\)")
        self.assertNotIn("FAILED", out)
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [mail(1)])
        self.assertEqual(sorted(s.imap.folders(self.user)), ["INBOX"])
        self.assertEqual(s.smtp.messages(), [])

        s.guichet("migrate", config=conf)
        out = self.check(conf, 0).stdout
        self.assertIn("database: connected; schema up to date", out)

    def test_what_operators_get_wrong(self):
        s = self.servers
        conf = self.conf()          # the user and database exist now
        secret = "not-the-password-%s" % self.user
        wrong = s.path("%s.wrong" % self.user)
        with open(wrong, "w") as f:
            f.write(secret + "\n")
        os.chmod(wrong, 0o600)
        conf = self.conf(sections={
            "mailbox support": {"password_file": wrong},
            "smtp": {"url": "smtp://%s:1" % gh.LOCALHOST}})
        r = self.check(conf, EX_UNAVAILABLE)
        self.assertRegex(r.stdout, r"mailbox support \(imaps://[^)]+\): "
                         r"FAILED: .*(?i:login|authentication)")
        self.assertRegex(r.stdout, r"smtp \(smtp://[^)]+:1\): FAILED: ")
        # the database was still checked, and is fine
        self.assertIn("database: connected", r.stdout)
        self.assertNotIn(secret, r.stdout + r.stderr)
        self.assertIn("2 server(s) not reached", r.stderr)

        # tls_ca_file forgotten: the test CA is not the system's
        conf = self.conf(sections={
            "mailbox support": {"tls_ca_file": None},
            "smtp": {"tls_ca_file": None}}, smtp="smtps")
        r = self.check(conf, EX_UNAVAILABLE)
        self.assertRegex(r.stdout, r"mailbox support \([^)]+\): FAILED: "
                         r".*(?i:certificate)")
        self.assertRegex(r.stdout, r"smtp \(smtps://[^)]+\): FAILED: "
                         r".*(?i:certificate)")

        # a database that does not exist (a typo in conninfo)
        conf = self.conf(sections={"database": {
            "conninfo": s.pg.conninfo("no_such_db_%s" % self.user)}})
        r = self.check(conf, EX_UNAVAILABLE)
        self.assertRegex(r.stdout, r"database: FAILED: .*no_such_db")
        self.assertRegex(r.stdout, r"mailbox support \([^)]+\): logged in")

    def test_servers_that_never_answer(self):
        mute = []
        for _ in range(2):
            so = socket.socket()
            so.bind((gh.LOCALHOST, 0))
            so.listen(8)          # connections taken, never a byte said
            self.addCleanup(so.close)
            mute.append(so.getsockname()[1])
        conf = self.conf(sections={
            "guichet": {"imap_timeout": "2s"},
            "mailbox support": {"url": "imaps://%s:%d" % (gh.LOCALHOST,
                                                          mute[0])},
            "smtp": {"url": "smtp://%s:%d" % (gh.LOCALHOST, mute[1]),
                     "timeout": "2s"}})
        r = self.check(conf, EX_UNAVAILABLE)
        self.assertRegex(r.stdout, r"mailbox support \(imaps://[^)]+:%d\): "
                         r"FAILED: " % mute[0])
        # curl says "server response timeout" or "Operation timed out"
        self.assertRegex(r.stdout, r"smtp \(smtp://[^)]+:%d\): FAILED: "
                         r".*(timeout|timed out)" % mute[1])
        self.assertIn("database: connected", r.stdout)

    def test_webhook_receivers_reached_nothing_posted(self):
        """Each receiver of our webhooks ([webhook NAME], and those the
        escalation routes name: the queue's webhook_url here) reached as
        a POST would reach it, with a HEAD: nothing posted, the URL shown
        by scheme, host and port only (its path holds a secret); one
        where nothing listens, one whose certificate is not trusted, and
        one that answers with a redirect (which a POST does not follow),
        FAILED, each said, the others still checked."""
        s = self.servers
        hook = gh.WebhookReceiver(s.tls)
        hook.start()
        self.addCleanup(hook.stop)
        closed = gh.free_port()
        conf = self.conf(sections={
            "webhook chat": {"url": hook.url + "/chat/T0KEN-chat"},
            "webhook gone": {"url": "http://%s:%d/x" % (gh.LOCALHOST,
                                                         closed)},
            "webhook tls": {"url": hook.https_url + "/t/T0KEN-tls"},
            "queue support": {"webhook_url": hook.url + "/esc/T0KEN-esc"}})
        hook.fail_next(1, 405)      # a receiver that takes POST only
        r = self.check(conf, EX_UNAVAILABLE)
        out = r.stdout
        self.assertIn("webhook chat (%s): reached; it answers a HEAD with "
                      "HTTP 405 (nothing posted)" % hook.url, out)
        self.assertIn("escalation webhook (%s): reached; it answers a HEAD "
                      "with HTTP 200 (nothing posted)" % hook.url, out)
        self.assertRegex(out, r"webhook gone \(http://[^)]+:%d\): FAILED: "
                         % closed)
        self.assertRegex(out, r"webhook tls \(https://[^)]+\): FAILED: "
                         r".*(?i:certificate)")
        self.assertNotIn("T0KEN", out + r.stderr)
        self.assertIn("2 server(s) not reached", r.stderr)
        # one HEAD to each path, nothing else
        self.assertEqual(sorted((q.method, q.path) for q in hook.requests()),
                         [("HEAD", "/chat/T0KEN-chat"),
                          ("HEAD", "/esc/T0KEN-esc")])
        # the test CA trusted (as an operator adds it to the system's
        # store): its certificate verified
        r = s.guichet("check-config", "--connect", config=conf,
                      expect=EX_UNAVAILABLE, env=dict(
                          SSL_CERT_FILE=s.tls.ca_file))
        self.assertIn("webhook tls (%s): reached, its certificate "
                      "verified; it answers a HEAD with HTTP 200"
                      % hook.https_url, r.stdout)
        self.assertIn("1 server(s) not reached", r.stderr)
        # a receiver that redirects (http:// to https://, a moved path):
        # a POST is not redirected, so it would fail for good
        hook.clear()
        hook.fail_next(1, 301, {"Location": hook.https_url +
                                "/chat/T0KEN-moved"})
        r = self.check(conf, EX_UNAVAILABLE)
        self.assertIn("webhook chat (%s): FAILED: webhook %s: HTTP 301, a "
                      "redirect to %s: a POST is not redirected: write "
                      "the URL it redirects to" % (hook.url, hook.url,
                                                   hook.https_url),
                      r.stdout)
        self.assertNotIn("T0KEN", r.stdout + r.stderr)
        self.assertEqual({q.method for q in hook.requests()}, {"HEAD"})

    def test_a_role_that_migrate_would_fail_with(self):
        s = self.servers
        pg = s.pg
        self.conf()                 # creates the database
        role, conf = self.as_role("weak")
        r = self.check(conf, EX_UNAVAILABLE)
        self.assertRegex(r.stdout, r"database: FAILED: `guichet migrate` "
                         r"would fail: this role may not create tables in "
                         r"schema public")
        pg.psql("GRANT CREATE ON SCHEMA public TO %s" % role, db=self.db)
        r = self.check(conf, EX_UNAVAILABLE)
        self.assertRegex(r.stdout, r"database: FAILED: `guichet migrate` "
                         r"would fail: the unaccent extension is not in "
                         r"this database, and this role may not create it")
        pg.psql("GRANT CREATE ON DATABASE %s TO %s" % (self.db, role))
        r = self.check(conf, 0)
        self.assertNotIn("FAILED", r.stdout)
        s.guichet("migrate", config=conf)
        self.assertIn("database: connected; schema up to date",
                      self.check(conf, 0).stdout)

    def test_a_role_without_its_grants(self):
        s = self.servers
        pg = s.pg
        s.guichet("migrate", config=self.conf())     # as the owner
        role, conf = self.as_role("ro")
        pg.psql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s" % role,
                db=self.db)
        r = self.check(conf, EX_UNAVAILABLE)
        self.assertRegex(r.stdout, r"database: FAILED: this role may not "
                         r"read and write [a-z_]+(, [a-z_]+)*(, \.\.\.)? "
                         r"\([0-9]+ in all\): GRANT ALL")
        for what in ("TABLES", "SEQUENCES", "FUNCTIONS"):
            pg.psql("GRANT ALL ON ALL %s IN SCHEMA public TO %s"
                    % (what, role), db=self.db)
        r = self.check(conf, 0)
        self.assertIn("database: connected; schema up to date", r.stdout)
        self.assertNotIn("FAILED", r.stdout)

    def test_a_standby_that_lags_behind(self):
        """A streaming standby without synchronous_standby_names: a
        failover may lose the last commits, said with what to do; with
        it, said as such. (A standby of the harness's own server, for
        this test only.)"""
        s = self.servers
        pg = s.pg
        s.guichet("migrate", config=self.conf())
        conf = self.conf()
        r = self.check(conf, 0)
        self.assertNotIn("standby(s)", r.stdout)

        data = os.path.join(pg.dir, "standby-%s" % self.user)
        port = gh.free_port()
        subprocess.run(pg.owner.command([
            pg._bin("pg_basebackup"), "-h", pg.host, "-p", str(pg.port),
            "-U", pg.user, "-D", data, "-R", "-X", "stream", "--no-sync",
            "-c", "fast"]),
            check=True, stdin=subprocess.DEVNULL, capture_output=True)
        log = os.path.join(pg.dir, "standby-%s.log" % self.user)
        subprocess.run(pg.owner.command([
            pg._bin("pg_ctl"), "-w", "-D", data, "-l", log, "-o",
            "-p %d" % port, "start"]), check=True,
            stdin=subprocess.DEVNULL, capture_output=True)
        self.addCleanup(subprocess.run, pg.owner.command([
            pg._bin("pg_ctl"), "-w", "-D", data, "-m", "immediate",
            "stop"]), stdin=subprocess.DEVNULL, capture_output=True)
        gh.wait_until(lambda: pg.scalar(
            "SELECT count(*) FROM pg_stat_replication") == "1", 30,
            "the standby streaming")
        r = self.check(conf, 0)
        self.assertIn("database: warning: 1 standby(s) replicate "
                      "asynchronously: a failover to one may lose the last "
                      "commits", r.stdout)
        self.assertIn("guichet recover", r.stdout)

        # commits wait for it: said so (the setting undone before the
        # standby stops, else every commit of the server would wait)
        pg.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        pg.psql("SELECT pg_reload_conf()")
        self.addCleanup(pg.psql, "SELECT pg_reload_conf()")
        self.addCleanup(pg.psql, "ALTER SYSTEM RESET "
                        "synchronous_standby_names")
        gh.wait_until(lambda: pg.scalar(
            "SHOW synchronous_standby_names") == "*", 10, "the reload")
        r = self.check(conf, 0)
        self.assertIn("database: 1 standby(s); commits wait for "
                      "synchronous_standby_names = *", r.stdout)
        self.assertNotIn("asynchronously", r.stdout)

    def test_the_daemons_own_listeners(self):
        s = self.servers
        port = gh.free_port()
        sock = s.path("%s-lmtp.sock" % self.user)
        http = "http (%s:%d)" % (gh.LOCALHOST, port)
        lmtp = "lmtp (unix:%s)" % sock
        conf = self.conf(sections={
            "http": {"listen": "%s:%d" % (gh.LOCALHOST, port)},
            "lmtp": {"listen": "unix:" + sock}})
        s.guichet("migrate", config=conf)
        out = self.check(conf, 0).stdout
        self.assertIn("%s: free: the daemon can make its socket there"
                      % lmtp, out)
        self.assertIn("%s: free: the daemon can listen there" % http, out)
        self.assertFalse(os.path.exists(sock))      # nothing made

        # the daemon running (the file checked before a reload): its own
        # listeners answer as guichet, which is no failure
        d = s.spawn("serve", config=conf)
        try:
            d.wait_for_output(r"lmtp: listening on", 30)
            gh.wait_until(lambda: not gh.port_is_free(port), 30,
                          "the daemon's HTTP listener")
            out = self.check(conf, 0).stdout
            self.assertIn("%s: a running guichet listens there" % lmtp, out)
            self.assertIn("%s: a running guichet listens there" % http, out)
        finally:
            d.stop()

        # a socket left by a daemon killed: nothing answers on it
        left = socket.socket(socket.AF_UNIX)
        left.bind(sock)
        left.close()
        out = self.check(conf, 0).stdout
        self.assertIn("%s: a socket left by a daemon that did not exit "
                      "cleanly, which the daemon replaces" % lmtp, out)
        self.assertTrue(os.path.exists(sock))       # nothing removed
        os.unlink(sock)

        # what operators get wrong: another program on the HTTP port
        # (this one takes connections and never says a byte: the wait is
        # bounded), a file where the socket goes
        other = socket.socket()
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind((gh.LOCALHOST, port))
        other.listen(8)
        self.addCleanup(other.close)
        with open(sock, "w") as f:
            f.write("not a socket\n")
        r = self.check(conf, EX_UNAVAILABLE)
        self.assertRegex(r.stdout, r"%s: FAILED: another program listens "
                         r"there \(it does not answer as guichet\): .*in "
                         r"use" % re.escape(http))
        self.assertIn("%s: FAILED: %s exists and is not a socket; the "
                      "daemon does not replace it" % (lmtp, sock), r.stdout)
        self.assertIn("2 listener(s) the daemon could not open", r.stderr)
        self.assertNotIn("server(s) not reached", r.stderr)
        with open(sock) as f:
            self.assertEqual(f.read(), "not a socket\n")

        # a folder that does not exist; an address not of this machine
        conf = self.conf(sections={
            "http": {"listen": "192.0.2.1:%d" % port,
                     "allow_remote": "yes"},
            "lmtp": {"listen": "unix:/nonexistent-%s/lmtp.sock"
                     % self.user}})
        r = self.check(conf, EX_UNAVAILABLE)
        self.assertIn("lmtp (unix:/nonexistent-%s/lmtp.sock): FAILED: the "
                      "daemon cannot make its socket in /nonexistent-%s: "
                      "No such file or directory (as this user)"
                      % (self.user, self.user),
                      r.stdout)
        self.assertRegex(r.stdout, r"http \(192\.0\.2\.1:%d\): FAILED: "
                         r"cannot listen on 192\.0\.2\.1:%d: Cannot "
                         r"assign requested address" % (port, port))
        self.assertIn("database: connected", r.stdout)

    def test_config_problems_first(self):
        conf = self.conf(sections={"guichet": {"poll_interval": "soon"}})
        r = self.check(conf, EX_CONFIG)
        self.assertIn("poll_interval", r.stdout)
        self.assertNotIn("database:", r.stdout)
        self.assertEqual(self.servers.guichet(
            "check-config", "--connect", "--extra", config=conf,
            expect=64).returncode, 64)


if __name__ == "__main__":
    unittest.main()
