"""test_harness.py - the test harness itself works.

Proves, against the real servers that guichet_harness starts, what the
other integration tests rely on: a PostgreSQL round trip and databases
made from templates; IMAP over STARTTLS and IMAPS verifying our CA (and
refusing an unrelated one), append and read back, folders; mail sent with
smtplib (STARTTLS and SMTPS) found in the sink; a webhook POST recorded;
each server keeps its data across a restart and a kill; guichet.conf as
the public contract spells it; the guichet runner (with a stand-in binary,
the real one is other people's work); ports taken by others; clean-up
after a killed test process; and the up/status/down command line.
"""

import configparser
import datetime
import imaplib
import json
import os
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import unittest
import urllib.error
import urllib.request

import guichet_harness as gh

HARNESS = gh.__file__

MAIL = (b"From: Customer <customer@example.org>\r\n"
        b"To: support@example.com\r\n"
        b"Subject: Printer on fire\r\n"
        b"Message-ID: <fire-1@example.org>\r\n"
        b"\r\n"
        b"It is on fire.\r\n")


class TestServers(gh.ServersTestCase):

    # -- PostgreSQL ---------------------------------------------------------

    def test_psql_round_trip(self):
        pg = self.servers.pg
        pg.create_database("roundtrip")
        pg.psql("CREATE TABLE t (id int, note text);"
                "INSERT INTO t VALUES (1, 'a,b \"q\"'), (2, NULL), (3, '');",
                db="roundtrip")
        rows = pg.psql("SELECT id, note FROM t ORDER BY id", db="roundtrip")
        self.assertEqual(rows, [("1", 'a,b "q"'), ("2", None), ("3", "")])
        self.assertEqual(pg.scalar("SELECT count(*) FROM t",
                                   db="roundtrip"), "3")
        self.assertEqual(pg.scalar("SHOW fsync"), "off")
        with self.assertRaises(gh.HarnessError):
            pg.psql("SELECT * FROM no_such_table", db="roundtrip")

    def test_psql_is_a_new_session_each_call(self):
        # psql() keeps its session open between calls (pg_wire): each call
        # still behaves as a new psql process would
        pg = self.servers.pg
        pg.create_database("session", exist_ok=True)

        def q(sql, **kw):
            return pg.psql(sql, db="session", **kw)
        # statements cut where psql cuts them, each its own transaction:
        # those before a failure stay, the rest is not run
        q("CREATE TABLE s (v text)")
        with self.assertRaises(gh.HarnessError) as cm:
            q("INSERT INTO s VALUES ('a;1'), ($x$b;2$x$); -- c; d\n"
              "INSERT INTO s VALUES (E'c\\';3' /* ; */); SELECT 1/0; "
              "INSERT INTO s VALUES ('never')")
        self.assertIn("division by zero", str(cm.exception))
        self.assertEqual(q("SELECT v FROM s ORDER BY v"),
                         [("a;1",), ("b;2",), ("c';3",)])
        self.assertEqual(q("SELECT 1/0; SELECT 2", check=False), [])
        # rows of every statement, in order
        self.assertEqual(q("SELECT 1; UPDATE s SET v = v; SELECT 2, NULL"),
                         [("1",), ("2", None)])
        # nothing a call set survives it: settings, prepared statements,
        # a transaction left open, advisory locks, temporary tables
        before = q("SELECT pg_backend_pid()")
        q("SET work_mem = '7MB'; PREPARE p AS SELECT 1; "
          "SELECT pg_advisory_lock(42); CREATE TEMP TABLE t (x int); "
          "BEGIN; INSERT INTO s VALUES ('rolled back')")
        self.assertEqual(q("SELECT pg_backend_pid()"), before)
        self.assertNotEqual(q("SHOW work_mem"), [("7MB",)])
        self.assertEqual(q("SELECT count(*) FROM pg_prepared_statements; "
                           "SELECT count(*) FROM pg_locks WHERE locktype = "
                           "'advisory'; SELECT count(*) FROM s WHERE v = "
                           "'rolled back'; SELECT to_regclass('pg_temp.t') "
                           "IS NULL"), [("0",), ("0",), ("0",), ("t",)])
        # what changes new sessions is seen by the next call
        q("ALTER DATABASE session SET work_mem = '9MB'")
        self.assertEqual(q("SHOW work_mem"), [("9MB",)])
        # a session ended by the server: the next call opens another
        pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = 'session'")
        self.assertEqual(q("SELECT count(*) FROM s"), [("3",)])
        # and what only psql does goes to psql: its own commands, COPY
        self.assertEqual(q("\\set n 5\nSELECT :n"), [("5",)])
        self.assertEqual(q("/* out */ copy (SELECT 6) TO STDOUT"), [("6",)])
        # the benchmarks count a backend's work when it ends: with
        # keep_session off, every call is a psql and a backend of its own,
        # gone when the call returns (the session open before ended too)
        kept = q("SELECT pg_backend_pid()")
        pg.keep_session = False
        try:
            pids = [q("SELECT pg_backend_pid()")[0][0] for _ in range(2)]
            self.assertNotEqual(pids[0], pids[1])
            self.assertNotIn(kept[0][0], pids)
            self.assertEqual(q("SELECT count(*) FROM pg_stat_activity "
                               "WHERE pid IN (%s, %s)"
                               % (kept[0][0], pids[0])), [("0",)])
        finally:
            pg.keep_session = True

    def test_database_from_template(self):
        pg = self.servers.pg
        pg.create_database("tmpl_src")
        pg.psql("CREATE TABLE migrated (v text); "
                "INSERT INTO migrated VALUES ('kept');", db="tmpl_src")
        conninfo = pg.create_database("tmpl_copy", template="tmpl_src")
        self.assertIn("dbname=tmpl_copy", conninfo)
        self.assertEqual(pg.scalar("SELECT v FROM migrated", db="tmpl_copy"),
                         "kept")
        self.assertIn("tmpl_copy", pg.databases())
        pg.create_database("tmpl_copy", exist_ok=True)
        pg.drop_database("tmpl_copy")
        self.assertNotIn("tmpl_copy", pg.databases())

    def test_conninfo_reaches_the_cluster(self):
        pg = self.servers.pg
        pg.create_database("viaconninfo", exist_ok=True)
        r = subprocess.run(
            [os.path.join(gh.PG_BIN, "psql"), "-X", "-At", "-d",
             pg.conninfo("viaconninfo"), "-c", "SELECT current_database()"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "viaconninfo")

    # -- IMAP ---------------------------------------------------------------

    def test_imap_starttls_verifies_ca_and_reads_back(self):
        imap = self.servers.imap
        imap.add_user("starttls-user", "pw-one")
        c = imap.connect("starttls")
        try:
            self.assertIsInstance(c.sock, ssl.SSLSocket)
            c.login("starttls-user", "pw-one")
            typ, data = c.append("INBOX", None, None, MAIL)
            self.assertEqual(typ, "OK")
        finally:
            c.logout()
        self.assertEqual(imap.messages("starttls-user", "INBOX"), [MAIL])

    def test_imap_tls_refuses_unrelated_ca(self):
        imap = self.servers.imap
        with self.assertRaises(ssl.SSLCertVerificationError):
            imap.connect("imaps", ca_file=self.servers.other_ca_file)
        with self.assertRaises(ssl.SSLCertVerificationError):
            imap.connect("starttls", ca_file=self.servers.other_ca_file)

    def test_imaps_append_flags_folders(self):
        imap = self.servers.imap
        pwfile = imap.add_user("imaps-user", "pw-two")
        with open(pwfile) as f:
            self.assertEqual(f.read(), "pw-two")
        c = imap.client("imaps-user")     # IMAPS by default
        try:
            self.assertIsInstance(c.sock, ssl.SSLSocket)
            self.assertIn("IDLE", c.capabilities)
        finally:
            c.logout()
        c = imap.client("imaps-user", host="localhost")
        c.logout()
        imap.create_folder("imaps-user", "Processed")
        imap.create_folder("imaps-user", "Quarantaine été")
        imap.create_folder("imaps-user", "Processed")     # idempotent
        self.assertEqual(sorted(imap.folders("imaps-user")),
                         ["INBOX", "Processed", "Quarantaine été"])
        uid1 = imap.append("imaps-user", "Processed", MAIL,
                           flags=["\\Seen", "$Guichet"])
        uid2 = imap.append("imaps-user", "Processed",
                           b"Subject: bare LF\n\nbody\n")
        self.assertLess(uid1, uid2)
        got = imap.fetch("imaps-user", "Processed")
        self.assertEqual([m.uid for m in got], [uid1, uid2])
        self.assertEqual(got[0].raw, MAIL)
        self.assertIn("\\Seen", got[0].flags)
        self.assertIn("$Guichet", got[0].flags)
        self.assertNotIn("\\Seen", got[1].flags)
        self.assertEqual(got[1].raw, b"Subject: bare LF\r\n\r\nbody\r\n")
        self.assertEqual(imap.messages("imaps-user", "Quarantaine été"), [])
        uid3 = imap.append("imaps-user", "Quarantaine été", MAIL)
        self.assertEqual(imap.messages("imaps-user", "Quarantaine été"),
                         [MAIL])
        self.assertIsNotNone(uid3)

    def test_imap_wrong_password(self):
        imap = self.servers.imap
        imap.add_user("pw-user", "right")
        c = imap.connect("imaps", source="127.0.0.2")
        with self.assertRaises(imaplib.IMAP4.error):
            c.login("pw-user", "wrong")
        c.shutdown()
        c = imap.client("pw-user")
        c.logout()

    def test_imap_utf7(self):
        for name in ("INBOX", "a&b", "Été", "日本語", "x~y"):
            enc = gh.imap_utf7_encode(name)
            self.assertTrue(all(0x20 <= ord(ch) <= 0x7e for ch in enc))
            self.assertEqual(gh.imap_utf7_decode(enc), name)
        self.assertEqual(gh.imap_utf7_encode("a&b"), "a&-b")

    # -- SMTP sink ----------------------------------------------------------

    def test_smtp_starttls_to_sink(self):
        smtp = self.servers.smtp
        before = smtp.count()
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as c:
            c.starttls(context=self.servers.tls.client_context())
            c.sendmail("sender@example.com",
                       ["one@example.org", "two@example.org"],
                       b"From: sender@example.com\r\n"
                       b"Subject: via starttls\r\n\r\nhello\r\n")
        msgs = smtp.wait_for(before + 1)
        m = [m for m in msgs if m["Subject"] == "via starttls"]
        self.assertEqual(len(m), 1)
        self.assertEqual(m[0]["X-MailFrom"], "sender@example.com")
        self.assertEqual(m[0]["X-RcptTo"],
                         "one@example.org, two@example.org")
        self.assertEqual(m[0].get_content().strip(), "hello")
        raws = smtp.raw_messages()
        self.assertTrue(any(b"via starttls" in r for r in raws))

    def test_smtps_to_sink_and_unrelated_ca(self):
        smtp = self.servers.smtp
        self.assertTrue(smtp.smtps_url.startswith("smtps://"))
        with self.assertRaises(ssl.SSLCertVerificationError):
            smtplib.SMTP_SSL(smtp.host, smtp.smtps_port, timeout=30,
                             context=self.servers.tls.client_context(
                                 self.servers.other_ca_file))
        before = smtp.count()
        with smtplib.SMTP_SSL(smtp.host, smtp.smtps_port, timeout=30,
                              context=self.servers.tls.client_context()) as c:
            c.sendmail("s@example.com", ["r@example.org"],
                       b"Subject: via smtps\r\n\r\nx\r\n")
        msgs = smtp.wait_for(before + 1)
        self.assertIn("via smtps", [m["Subject"] for m in msgs])

    def test_sink_clear_keeps_order(self):
        smtp = self.servers.smtp
        smtp.clear()
        self.assertEqual(smtp.messages(), [])
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as c:
            for i in range(5):
                c.sendmail("s@example.com", ["r@example.org"],
                           ("Subject: n%d\r\n\r\n.\r\n" % i).encode())
        msgs = smtp.wait_for(5)
        self.assertEqual([m["Subject"] for m in msgs],
                         ["n%d" % i for i in range(5)])
        with self.assertRaises(AssertionError):
            smtp.wait_for(6, timeout=0.2)

    # -- webhooks -----------------------------------------------------------

    def test_webhook_receiver(self):
        http = self.servers.http
        http.clear()
        body = json.dumps({"ticket": "T-1", "event": "breach"}).encode()
        req = urllib.request.Request(
            http.url + "/hooks/support", data=body, method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            self.assertEqual(r.status, 200)
        (path, headers, got), = http.wait_for(1)
        self.assertEqual(path, "/hooks/support")
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(json.loads(got), {"ticket": "T-1",
                                           "event": "breach"})
        self.assertEqual(http.requests()[0].method, "POST")

        http.fail_next(1, status=503)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(urllib.request.Request(
                http.url + "/again", data=b"{}", method="POST"), timeout=30)
        self.assertEqual(cm.exception.code, 503)

        ctx = self.servers.tls.client_context()
        with urllib.request.urlopen(urllib.request.Request(
                http.https_url + "/tls", data=b"{}", method="POST"),
                timeout=30, context=ctx) as r:
            self.assertEqual(r.status, 200)
        self.assertEqual([r.path for r in http.wait_for(3)],
                         ["/hooks/support", "/again", "/tls"])

    # -- restarts -----------------------------------------------------------

    def test_restart_keeps_data(self):
        s = self.servers
        s.pg.create_database("durable")
        s.pg.psql("CREATE TABLE d (v text); INSERT INTO d VALUES ('x');",
                  db="durable")
        s.imap.add_user("durable-user", "pw")
        s.imap.append("durable-user", "INBOX", MAIL)
        with smtplib.SMTP(s.smtp.host, s.smtp.port, timeout=30) as c:
            c.sendmail("s@example.com", ["r@example.org"],
                       b"Subject: durable\r\n\r\nx\r\n")
        s.smtp.wait_for(1)
        pg_port, imap_port, smtp_port = (s.pg.port, s.imap.imaps_port,
                                         s.smtp.port)

        s.pg.restart()
        s.imap.restart()
        s.smtp.restart()
        self.assertEqual((s.pg.port, s.imap.imaps_port, s.smtp.port),
                         (pg_port, imap_port, smtp_port))
        self.assertEqual(s.pg.scalar("SELECT v FROM d", db="durable"), "x")
        self.assertEqual(s.imap.messages("durable-user"), [MAIL])
        self.assertIn("durable", [m["Subject"] for m in s.smtp.messages()])

        s.pg.kill()
        self.assertFalse(s.pg.running())
        with self.assertRaises(gh.HarnessError):
            s.pg.psql("SELECT 1")
        s.pg.start()
        s.imap.kill()
        self.assertFalse(s.imap.running())
        s.imap.start()
        s.smtp.kill()
        s.smtp.start()
        self.assertEqual(s.pg.scalar("SELECT v FROM d", db="durable"), "x")
        self.assertEqual(s.imap.messages("durable-user"), [MAIL])
        self.assertIn("durable", [m["Subject"] for m in s.smtp.messages()])

    # -- guichet.conf and the guichet runner --------------------------------

    def test_write_config(self):
        s = self.servers
        path = s.write_config(
            s.path("contract.conf"),
            sections={"queue support": {"escalation_to": ["a@x", "b@x"]},
                      "agent bob": {"address": "bob@example.com",
                                    "queues": "support"}},
            raw="[queue security]\nescalation_to = sec@example.com\n")
        self.assertEqual(s.config_path, path)
        cp = configparser.ConfigParser(interpolation=None)
        cp.read(path)
        self.assertEqual(cp["database"]["conninfo"], s.pg.conninfo())
        self.assertEqual(cp["smtp"]["url"], s.smtp.url)
        self.assertEqual(cp["smtp"]["tls_ca_file"], s.ca_file)
        mb = cp["mailbox support"]
        self.assertEqual(mb["url"], s.imap.imaps_url)
        self.assertEqual(mb["folder"], "INBOX")
        self.assertEqual(mb["processed_folder"], "Processed")
        self.assertEqual(mb["quarantine_folder"], "Quarantine")
        self.assertEqual(mb["address"], "support@example.com")
        self.assertEqual(mb["queue"], "support")
        self.assertEqual(mb["tls_ca_file"], s.ca_file)
        self.assertEqual(cp["queue support"]["escalation_to"], "a@x, b@x")
        self.assertEqual(cp["queue support"]["webhook_url"],
                         s.http.url + "/hooks/support")
        self.assertEqual(cp["agent bob"]["address"], "bob@example.com")
        self.assertEqual(cp["queue security"]["escalation_to"],
                         "sec@example.com")
        # What the config names exists and works.
        self.assertIn("guichet", s.pg.databases())
        with open(mb["password_file"]) as f:
            c = s.imap.connect("imaps")
            c.login(mb["user"], f.read())
            c.logout()

        path = s.write_config(s.path("other.conf"), imap="imap",
                              smtp="smtps", dbname="other",
                              sections={"queue support": {
                                  "webhook_url": None}})
        cp = configparser.ConfigParser(interpolation=None)
        cp.read(path)
        self.assertEqual(cp["mailbox support"]["url"], s.imap.imap_url)
        self.assertEqual(cp["smtp"]["url"], s.smtp.smtps_url)
        self.assertNotIn("webhook_url", cp["queue support"])
        self.assertIn("other", s.pg.databases())

    def test_guichet_runner(self):
        s = self.servers
        fake = s.path("fake-guichet")
        with open(fake, "w") as f:
            f.write(textwrap.dedent("""\
                #!/bin/sh
                echo "args: $*"
                printf 'stdin: '; cat
                echo "to stderr" >&2
                [ -n "$FAKE_ASAN" ] && echo "ERROR: AddressSanitizer: x" >&2
                exit ${FAKE_RC:-0}
                """))
        os.chmod(fake, 0o755)
        old = os.environ.get("GUICHET_BIN")
        os.environ["GUICHET_BIN"] = fake
        try:
            conf = s.write_config()
            r = s.guichet("ticket", "list", "--json", input=b"mail\n",
                          now="2026-03-02T09:00:00Z")
            self.assertEqual(
                r.stdout, "args: -c %s --now 2026-03-02T09:00:00Z ticket "
                "list --json\nstdin: mail\n" % conf)
            self.assertEqual(r.stderr, "to stderr\n")
            r = s.guichet("ingest", "--mailbox", "support", input="x",
                          expect=75, env={"FAKE_RC": "75"})
            self.assertEqual(r.returncode, 75)
            with self.assertRaises(gh.GuichetFailed) as cm:
                s.guichet("serve", "--once", env={"FAKE_RC": "70"})
            self.assertIn("exited 70", str(cm.exception))
            self.assertIn("to stderr", str(cm.exception))
            r = s.guichet("x", check=False, env={"FAKE_RC": "3"})
            self.assertEqual(r.returncode, 3)
            with self.assertRaises(gh.GuichetFailed):
                s.guichet("x", env={"FAKE_ASAN": "1"})
            r = s.guichet("sla", "tick", now=datetime.datetime(2026, 1, 5, 8))
            self.assertIn("--now 2026-01-05T08:00:00Z", r.stdout)
            p = s.spawn("serve")
            r = p.wait(timeout=30)
            self.assertIn("args: -c %s serve" % conf, r.stdout)
        finally:
            if old is None:
                del os.environ["GUICHET_BIN"]
            else:
                os.environ["GUICHET_BIN"] = old


class TestSubset(unittest.TestCase):

    def test_subset_and_cleanup(self):
        with gh.Servers(pg=False, imap=False, http=False,
                        smtps=False) as s:
            self.assertIsNone(s.pg)
            self.assertIsNone(s.imap)
            self.assertIsNone(s.http)
            self.assertIsNone(s.smtp.smtps_url)
            root = s.dir
            pid = gh._read_pidfile(s.smtp._pidfile("smtp"))
            self.assertTrue(gh.pid_alive(pid))
            path = s.write_config()
            self.assertTrue(os.path.exists(path))
        self.assertFalse(os.path.exists(root))
        self.assertFalse(gh.pid_alive(pid))

    def test_taken_ports_are_replaced(self):
        # Test files run in parallel: a port taken between the choice and
        # the server's bind must not fail the start.
        taken, ports = [], {}
        try:
            for name in ("pg", "smtp", "smtps"):
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("127.0.0.1", 0))
                sock.listen()
                taken.append(sock)
                ports[name] = sock.getsockname()[1]
            with gh.Servers(imap=False, http=False, ports=ports) as s:
                self.assertNotEqual(s.pg.port, ports["pg"])
                self.assertNotEqual(s.smtp.port, ports["smtp"])
                self.assertNotEqual(s.smtp.smtps_port, ports["smtps"])
                self.assertEqual(s.pg.scalar("SELECT 41 + 1"), "42")
                self.assertTrue(gh.pid_listens(
                    gh._read_pidfile(s.smtp._pidfile("smtp")), s.smtp.port))
        finally:
            for sock in taken:
                sock.close()

    def test_killed_test_process_leaves_nothing(self):
        # A test process SIGKILLed (e.g. by a runner's timeout) must not
        # leave servers or files behind: the watchdog cleans up.
        code = textwrap.dedent("""\
            import os, signal, sys
            import guichet_harness as gh
            s = gh.Servers(http=False).start()
            print(s.dir, flush=True)
            sys.stdin.read()
            os.kill(os.getpid(), signal.SIGKILL)
            """)
        p = subprocess.Popen([sys.executable, "-B", "-c", code],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=dict(
                                 os.environ, GUICHET_KEEP_TMP="0",
                                 PYTHONPATH=os.path.dirname(HARNESS)))
        root = p.stdout.readline().strip()
        self.assertTrue(root and os.path.isdir(root), root)
        self.assertTrue(gh.pids_under(root))
        p.stdin.close()
        self.assertEqual(p.wait(timeout=60), -signal.SIGKILL)
        p.stdout.close()
        gh.wait_until(lambda: not os.path.exists(root)
                      and not gh.pids_under(root), 60,
                      "the watchdog to clean up %s" % root)


class TestCommandLine(unittest.TestCase):

    def run_cli(self, *args, ok=(0,)):
        r = subprocess.run([sys.executable, "-B", HARNESS] + list(args),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        self.assertIn(r.returncode, ok, r.stdout + r.stderr)
        return r

    def test_up_status_down(self):
        with tempfile.TemporaryDirectory(prefix="guichet-state-") as state:
            try:
                self._up_status_down(state)
            finally:
                self.run_cli("down", "--state", state)

    def _up_status_down(self, state):
        r = self.run_cli("up", "--state", state)
        envfile = os.path.join(state, "servers.env")
        self.assertEqual(r.stdout.strip(), envfile)
        env = gh.read_env(envfile)
        for key in ("GUICHET_PG_PORT", "GUICHET_PG_CONNINFO",
                    "GUICHET_IMAP_PORT", "GUICHET_IMAPS_PORT",
                    "GUICHET_SMTP_PORT", "GUICHET_SMTPS_PORT",
                    "GUICHET_CA_FILE"):
            self.assertTrue(env.get(key), key)
        # The file is valid shell.
        script = '. "$1" && echo "$GUICHET_PG_CONNINFO"'
        sh = subprocess.run(["sh", "-c", script, "sh", envfile],
                            stdout=subprocess.PIPE, text=True, check=True)
        self.assertEqual(sh.stdout.strip(), env["GUICHET_PG_CONNINFO"])
        self.assertIn("running", self.run_cli("status", "--state",
                                               state).stdout)

        pwfile = self.run_cli("add-user", "--state", state, "support",
                              "--password", "s3cret").stdout.strip()
        with open(pwfile) as f:
            self.assertEqual(f.read(), "s3cret")
        s, _ = gh._state_servers(state)
        s.pg.psql("CREATE TABLE kept (v text); INSERT INTO kept "
                  "VALUES ('yes');", db="guichet")
        s.imap.append("support", "INBOX", MAIL)

        self.run_cli("down", "--state", state)
        r = self.run_cli("status", "--state", state, ok=(3,))
        self.assertNotIn("running", r.stdout)
        self.assertFalse(gh.pids_under(state))

        self.run_cli("up", "--state", state)
        self.assertEqual(gh.read_env(envfile)["GUICHET_PG_PORT"],
                         env["GUICHET_PG_PORT"])
        s, _ = gh._state_servers(state)
        self.assertEqual(s.pg.scalar("SELECT v FROM kept", db="guichet"),
                         "yes")
        self.assertEqual(s.imap.messages("support"), [MAIL])


if __name__ == "__main__":
    unittest.main(verbosity=2)
