"""test_logs.py - what the daemon logs, in both formats.

An end-to-end pass under `guichet serve` (a new ticket, a customer's
follow-up, an agent's reply refused by the SMTP server, a mail that goes
to the quarantine, PostgreSQL restarted under the daemon, a mail after
it) with known passwords and key, and a marker in the text of every
mail: no secret and no marker reaches any log, in the text format or the
JSON one; nor does the password of an SMTP login the server refuses.
JSON lines are one object each with time, level, pid, the
mail's fields (mailbox, uid, message_id, ticket, outcome) and the
message. Under systemd (JOURNAL_STREAM naming our stderr), text lines
start with a "<N>" priority and carry no timestamp of their own.
"""

import json
import os
import re
import subprocess
import unittest

import guichet_harness as gh

KEY = "hmac-KEY-7f3a9c1e5b2d4f6a8c0e1a3b5d7f9e2c"
DB_PASSWORD = "db-PASSWORD-5e8d2a7c"
TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ guichet\[\d+\] "
                       r"(debug|info|warning|error): ")
JSON_KEYS = ["time", "level", "pid", "mailbox", "uid", "message_id",
             "ticket", "outcome", "message"]


def mail(mid, subject, body, sender="Claire Dupont <claire@cust.example>",
         reply_to=None):
    head = ("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n"
            "Message-ID: <%s>\r\n" % (sender, subject, mid))
    if reply_to:
        head += "In-Reply-To: %s\r\nReferences: %s\r\n" % (reply_to,
                                                            reply_to)
    head += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (head + "\r\n" + body.replace("\n", "\r\n")).encode()


class Logs(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        self.db = "lg_" + self._testMethodName[5:][:40].lower()
        self.user = ("l" + self._testMethodName[5:])[:30].lower()
        self.markers = []

    def configure(self, fmt):
        s = self.servers
        key = s.path("%s.key" % self.user)
        dbpw = s.path("%s.dbpass" % self.user)
        for path, text in ((key, KEY), (dbpw, DB_PASSWORD)):
            with open(path, "w") as f:
                f.write(text + "\n")
            os.chmod(path, 0o600)
        conf = s.config_sections(dbname=self.db, mailbox_user=self.user)
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            # json at debug level: every line the daemon can write
            "guichet": {"log_format": fmt, "hmac_key_file": key,
                        "log_level": "debug" if fmt == "json" else "info",
                        "outbox_retry_base": "1s"},
            "database": {"conninfo": conf["database"]["conninfo"],
                         "password_file": dbpw}})
        self.secrets = [KEY, DB_PASSWORD, s.imap.password(self.user)]

    def marker(self, what):
        m = "BODY-MARKER-%s-%s" % (what, self.user)
        self.markers.append(m)
        return m

    def scalar(self, sql):
        return self.servers.pg.scalar(sql, db=self.db)

    def wait_sql(self, sql, what):
        def probe():
            try:
                return self.scalar(sql) not in (None, "", "0", "f")
            except Exception:
                return False
        gh.wait_until(probe, timeout=60, what=what)

    def end_to_end(self, fmt):
        """Run the pass; return every log line the commands wrote."""
        s = self.servers
        self.configure(fmt)
        logs = s.guichet("migrate").stderr
        s.smtp.clear()
        d = s.spawn("serve")
        # a new ticket
        s.imap.append(self.user, "INBOX", mail(
            "new-1@cust.example", "Export broken",
            "Hello,\nthe export fails. %s\n" % self.marker("new")))
        self.wait_sql("SELECT count(*) FROM tickets", "the ticket")
        number = self.scalar("SELECT number FROM tickets")
        # a follow-up of the customer
        s.imap.append(self.user, "INBOX", mail(
            "new-2@cust.example", "Re: [%s] Export broken" % number,
            "Still broken. %s\n" % self.marker("followup"),
            reply_to="<new-1@cust.example>"))
        self.wait_sql("SELECT count(*) >= 2 FROM messages WHERE "
                      "direction = 'in'", "the follow-up")
        # the agent's reply, refused by the SMTP server for the customer
        s.smtp.refuse("claire@*", 550, "5.1.1 no such user")
        self.wait_sql("SELECT message_id FROM outbox WHERE purpose = "
                      "'notify_agent' ORDER BY id DESC LIMIT 1",
                      "the notification")
        note = "<%s>" % self.scalar(
            "SELECT message_id FROM outbox WHERE purpose = 'notify_agent' "
            "ORDER BY id DESC LIMIT 1")
        s.imap.append(self.user, "INBOX", mail(
            "agent-1@example.com", "Re: [%s] Export broken" % number,
            "Fixed on our side. %s\n" % self.marker("agent"),
            sender="Alice <alice@example.com>", reply_to=note))
        self.wait_sql("SELECT count(*) FROM outbox_rcpt WHERE status = "
                      "'refused'", "the refusal")
        s.smtp.accept_all()
        # a mail for the quarantine
        s.imap.append(self.user, "INBOX", b"this is not a mail at all " +
                      self.marker("quarantine").encode() +
                      b"\r\n\x00\x01\x02 \xff\xfe\r\n")
        self.wait_sql("SELECT count(*) FROM quarantine", "the quarantine")
        # PostgreSQL goes away and comes back
        s.pg.restart()
        s.imap.append(self.user, "INBOX", mail(
            "after-1@cust.example", "Another question",
            "Hello again. %s\n" % self.marker("after")))
        self.wait_sql("SELECT count(*) >= 2 FROM tickets",
                      "the mail after the restart")
        d.stop()
        logs += d.stderr() + d.stdout()
        logs += s.guichet("quarantine", "list").stderr
        self.assertIn("database connection", logs)
        for needle in ("new ticket", "follow-up", "quarantined",
                       "refused"):
            self.assertIn(needle, logs)
        return logs

    def assert_clean(self, logs):
        for secret in self.secrets + self.markers:
            self.assertNotIn(secret, logs)
        # not even a part of them
        for secret in self.secrets:
            self.assertNotIn(secret[:12], logs)

    def test_text_format(self):
        logs = self.end_to_end("text")
        self.assert_clean(logs)
        lines = logs.splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, TEXT_LINE)

    def test_json_format(self):
        logs = self.end_to_end("json")
        self.assert_clean(logs)
        objs = []
        for line in logs.splitlines():
            if line.startswith("guichet: "):
                continue        # what a command says on its stderr
            o = json.loads(line)
            self.assertEqual(list(o), JSON_KEYS, line)
            self.assertIn(o["level"], ("debug", "info", "warning", "error"))
            self.assertRegex(o["time"],
                             r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIsInstance(o["pid"], int)
            objs.append(o)
        self.assertTrue([o for o in objs if o["level"] == "debug"])
        new = [o for o in objs if o["outcome"] == "ticket"]
        self.assertEqual(len(new), 2, objs)
        self.assertEqual(new[0]["mailbox"], "support")
        self.assertIsInstance(new[0]["uid"], int)
        self.assertEqual(new[0]["message_id"], "new-1@cust.example")
        self.assertRegex(new[0]["ticket"], r"^SUP-\d{4}-\d{6}$")
        follow = [o for o in objs if o["outcome"] == "followup"]
        self.assertEqual(follow[0]["ticket"], new[0]["ticket"])
        self.assertTrue([o for o in objs if o["outcome"] == "quarantine"
                         and o["mailbox"] == "support"])
        refused = [o for o in objs if o["outcome"] == "refused"]
        self.assertTrue(refused)
        self.assertEqual(refused[0]["level"], "error")
        self.assertTrue(refused[0]["message_id"])
        # a line about a mailbox but no mail in particular
        self.assertTrue([o for o in objs if o["mailbox"] == "support" and
                         o["uid"] is None])

    def test_smtp_password_never_logged(self):
        # an SMTP login the server cannot take: every attempt fails and is
        # logged, the password never
        s = self.servers
        self.configure("json")
        pw = s.path("%s.smtppass" % self.user)
        with open(pw, "w") as f:
            f.write("smtp-PASSWORD-4b9e1d6f\n")
        os.chmod(pw, 0o600)
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"log_format": "json", "log_level": "debug"},
            "smtp": {"user": "support", "password_file": pw}})
        s.guichet("migrate")
        s.imap.append(self.user, "INBOX", mail(
            "smtp-1@cust.example", "Hello",
            "Hello. %s\n" % self.marker("smtp")))
        r = s.guichet("serve", "--once", expect=(0, 75))
        logs = r.stderr + r.stdout
        self.assertIn("login refused", logs)
        self.assertIn('"outcome":"retry"', logs)
        self.assertNotIn("smtp-PASSWORD", logs)
        self.assert_clean(logs)

    def test_journal_stream(self):
        s = self.servers
        self.configure("text")
        s.guichet("migrate")
        out = s.path("%s.journal" % self.user)
        for n, journal in enumerate((True, False)):
            with open(out, "w") as err:
                st = os.fstat(err.fileno())
                env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (
                    st.st_dev, st.st_ino if journal else st.st_ino + 1))
                r = subprocess.run(
                    [os.environ["GUICHET_BIN"], "-c", s.config_path,
                     "ingest", "--mailbox", "support"],
                    input=mail("journal-%d@cust.example" % n, "Hi",
                               "Hello. %s\n" % self.marker("j%d" % n)),
                    stdout=subprocess.PIPE, stderr=err, env=env,
                    timeout=60)
            self.assertEqual(r.returncode, 0)
            with open(out) as f:
                logs = f.read()
            self.assert_clean(logs)
            line = [l for l in logs.splitlines() if "new ticket" in l][0]
            if journal:
                self.assertRegex(line, r"^<6>info: mailbox support: new "
                                 r"ticket SUP-")
            else:
                self.assertRegex(line, TEXT_LINE)


if __name__ == "__main__":
    unittest.main()
