"""The security channel's encrypted reports (PGP/MIME and inline PGP).

A throw-away key is made in the test (gpg --quick-gen-key in a temporary
GNUPGHOME); the reporter's side encrypts with the gpg command line; the
reports go through the real Dovecot to `guichet serve --once`. Checked:
the ticket from the clear content (text and files), the raw encrypted
mail kept as the message's raw, the acknowledgement giving the key's
fingerprint; and what cannot be read: a report to another key, garbage
armor, a multipart/encrypted without its data, a blob over
max_encrypted_size, a compression bomb over max_decrypted_size, each
quarantined with its reason and acknowledged once; an encrypted mail to
the support address taken as it is; a GnuPG home or key that is not
there refused at start; our key's secret missing while serving (the
whole key, or only the subkey a report was encrypted to) keeps the
report in its folder until the secret is back.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

import guichet_harness as gh
from test_encryption import KEY1, dump_holds, key_file, pg_dump
from test_scheduler_process import children

T0 = "2026-11-26T10:00:00Z"
SECRET = "SECRET-c0ffee-heap-overflow-in-parser"
FILE_SECRET = "FILESECRET-5eed"


def gpg(home, *args, input=None):
    r = subprocess.run(["gpg", "--homedir", home, "--batch", "--quiet",
                        "--pinentry-mode", "loopback", "--passphrase", ""]
                       + list(args), input=input, capture_output=True,
                       timeout=120)
    if r.returncode != 0:
        raise AssertionError("gpg %s: %s" % (args, r.stderr.decode()))
    return r.stdout


def new_key(uid):
    """A temporary GnuPG home with one key (no passphrase); (home, fpr)."""
    home = tempfile.mkdtemp(prefix="gpgt")
    gpg(home, "--quick-gen-key", uid, "future-default", "default", "never")
    out = gpg(home, "--with-colons", "--list-secret-keys").decode()
    fpr = re.search(r"^fpr:+([0-9A-F]{40}):", out, re.M).group(1)
    return home, fpr


def kill_agent(home):
    subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"],
                   capture_output=True, timeout=60)


def encrypt(home, fpr, data, *extra):
    return gpg(home, "--trust-model", "always", "--armor", "--encrypt",
               "-r", fpr, *extra, input=data)


def head(subject, mid, sender, to, extra=""):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n"
            "%sMIME-Version: 1.0\r\n" % (sender, to, subject, mid, extra))


def pgp_mime(armor, subject="Vulnerability report", mid="r1@reporter.example",
             sender="Rita Ray <rita@reporter.example>",
             to="security@example.com", extra=""):
    return (head(subject, mid, sender, to, extra) +
            'Content-Type: multipart/encrypted; boundary="enc";\r\n'
            ' protocol="application/pgp-encrypted"\r\n\r\n'
            "--enc\r\nContent-Type: application/pgp-encrypted\r\n\r\n"
            "Version: 1\r\n\r\n--enc\r\n"
            'Content-Type: application/octet-stream; name="encrypted.asc"\r\n'
            "\r\n" + armor.replace("\n", "\r\n") + "\r\n--enc--\r\n"
            ).encode()


def inline(armor, subject="Inline report", mid="i1@reporter.example",
           sender="Rita Ray <rita@reporter.example>",
           to="security@example.com", extra=""):
    return (head(subject, mid, sender, to, extra) +
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            "Hello security team,\r\n\r\n" + armor.replace("\n", "\r\n") +
            "\r\nRita\r\n").encode()


INNER = ("Content-Type: multipart/mixed; boundary=\"in\"\r\n"
         "From: mallory@evil.example\r\nSubject: inner subject\r\n\r\n"
         "--in\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         "The parser overflows: " + SECRET + "\r\n"
         "--in\r\nContent-Type: application/octet-stream\r\n"
         "Content-Disposition: attachment; filename=\"poc.bin\"\r\n"
         "\r\n" + FILE_SECRET + "\r\n--in--\r\n").encode()


class Pgp(gh.ServersTestCase):
    servers_options = dict(http=False)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home, cls.fpr = new_key("Security <security@example.com>")
        cls.other, cls.other_fpr = new_key("Someone <someone@example.org>")
        # the reporter knows our public key (and the other one)
        pub = gpg(cls.home, "--armor", "--export", cls.fpr)
        gpg(cls.other, "--import", input=pub)

    @classmethod
    def tearDownClass(cls):
        for h in (cls.home, cls.other):
            kill_agent(h)
        for h in (cls.home, cls.other):
            shutil.rmtree(h, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        s = self.servers
        self.db = "pg_" + self._testMethodName[5:][:40].lower()
        self.user = ("p" + self._testMethodName[5:])[:30].lower()
        self.sec = ("q" + self._testMethodName[5:])[:30].lower()
        self.configure()
        s.guichet("migrate")
        s.smtp.clear()

    def configure(self, pgp=None, check=True, extra=None):
        s = self.servers
        if self.sec not in s.imap.users():
            s.imap.add_user(self.sec)
        keys = {"home": self.home, "fingerprint": self.fpr,
                "mailbox": "security"}
        keys.update(pgp or {})
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "mailbox security": {
                "url": s.imap.imaps_url, "user": self.sec,
                "password_file": s.imap.password_file(self.sec),
                "address": "security@example.com", "queue": "security",
                "language": "en", "tls_ca_file": s.tls.ca_file},
            "agent sam": {"address": "sam@example.com",
                          "queues": "security", "language": "en"},
            "pgp": keys,
            **(extra or {}),
        })

    def deliver(self, raw, user=None):
        self.servers.imap.append(user or self.sec, "INBOX", raw)
        return self.servers.guichet("serve", "--once", now=T0)

    def number(self, r):
        m = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        return m.group(1)

    def text(self, m):
        """The header and every text part, decoded."""
        out = [str(m["Subject"])]
        for p in m.walk():
            if p.get_content_maintype() == "text":
                out.append(p.get_content())
        return "\n".join(out)

    def sent(self, to):
        return [m for m in self.servers.smtp.messages()
                if m["X-RcptTo"] and to in m["X-RcptTo"]]

    def quarantine(self):
        return self.servers.pg.psql(
            "SELECT reason, detail FROM quarantine ORDER BY id",
            db=self.db)

    def sql(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    # -- reports that are read ------------------------------------------

    def test_pgp_mime_report(self):
        armor = encrypt(self.other, self.fpr, INNER).decode()
        raw = pgp_mime(armor)
        n = self.number(self.deliver(raw))
        self.assertEqual(self.sql("SELECT queue FROM tickets WHERE "
                                  "number = '%s'" % n), "security")
        # the clear text and file, the outer sender and subject
        text = self.sql("SELECT text FROM messages WHERE direction = 'in'")
        self.assertIn(SECRET, text)
        self.assertEqual(self.sql("SELECT from_addr FROM messages WHERE "
                                  "direction = 'in'"),
                         "rita@reporter.example")
        self.assertEqual(self.sql("SELECT subject FROM tickets"),
                         "Vulnerability report")
        self.assertEqual(self.sql(
            "SELECT convert_from(content, 'UTF8') FROM attachments "
            "WHERE filename = 'poc.bin'").strip(), FILE_SECRET)
        # the raw is the encrypted mail as received
        rawdb = self.sql("SELECT encode(raw, 'escape') FROM messages "
                         "WHERE direction = 'in'")
        self.assertIn("-----BEGIN PGP MESSAGE-----", rawdb)
        self.assertNotIn(SECRET, rawdb)
        # the acknowledgement gives the fingerprint
        ack, = self.sent("rita@reporter.example")
        self.assertIn(n, ack["Subject"])
        self.assertIn(self.fpr, self.text(ack))
        self.assertEqual(self.quarantine(), [])
        # the security agent gets the redacted notification only
        note, = self.sent("sam@example.com")
        self.assertNotIn(SECRET, self.text(note))

    def test_report_stored_sealed_with_encryption_at_rest(self):
        # with [storage] key_file, the clear text and file of a decrypted
        # report are sealed like any mail's: the dump holds neither
        s = self.servers
        kf = key_file(s, self.db + ".keys", "1 " + KEY1 + " current\n")
        self.configure(extra={"storage": {"key_file": kf}})
        armor = encrypt(self.other, self.fpr, INNER).decode()
        n = self.number(self.deliver(pgp_mime(armor)))
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in' AND text = '' AND "
                                  "sealed_text IS NOT NULL"), "1")
        self.assertEqual(dump_holds(pg_dump(s, self.db), [
            SECRET.encode(), FILE_SECRET.encode()]), [])
        # and ops read it back in clear
        shown = s.guichet("ticket", "show", n).stdout
        self.assertIn(SECRET, shown)

    def test_inline_report(self):
        armor = encrypt(self.other, self.fpr,
                        ("Inline: " + SECRET + "\n").encode()).decode()
        n = self.number(self.deliver(inline(armor)))
        text = self.sql("SELECT text FROM messages WHERE direction = 'in'")
        self.assertIn("Inline: " + SECRET, text)
        self.assertIn("Hello security team", text)
        self.assertNotIn("BEGIN PGP MESSAGE", text)
        ack, = self.sent("rita@reporter.example")
        self.assertIn(n, ack["Subject"])
        self.assertIn(self.fpr, self.text(ack))

    def test_inline_report_keeps_its_files(self):
        armor = encrypt(self.other, self.fpr, b"see the log\n").decode()
        raw = (head("Inline with a file", "i2@reporter.example",
                    "rita@reporter.example", "security@example.com") +
               'Content-Type: multipart/mixed; boundary="o"\r\n\r\n'
               "--o\r\nContent-Type: text/plain\r\n\r\n" +
               armor.replace("\n", "\r\n") +
               "\r\n--o\r\nContent-Type: text/plain\r\n"
               'Content-Disposition: attachment; filename="crash.log"\r\n'
               "\r\nLOG-LINE\r\n--o--\r\n").encode()
        self.number(self.deliver(raw))
        self.assertIn("see the log", self.sql(
            "SELECT text FROM messages WHERE direction = 'in'"))
        self.assertEqual(self.sql(
            "SELECT convert_from(content, 'UTF8') FROM attachments "
            "WHERE filename = 'crash.log'").strip(), "LOG-LINE")

    def test_signed_mail_passes_as_today(self):
        signed = gpg(self.other, "--clearsign",
                     input=b"A signed note, not encrypted.\n").decode()
        n = self.number(self.deliver(inline(signed, subject="Signed")))
        text = self.sql("SELECT text FROM messages WHERE direction = 'in'")
        self.assertIn("BEGIN PGP SIGNED MESSAGE", text)
        self.assertTrue(n)
        self.assertEqual(self.quarantine(), [])

    def test_encrypted_mail_to_support_is_not_decrypted(self):
        armor = encrypt(self.other, self.fpr, INNER).decode()
        self.number(self.deliver(pgp_mime(armor, to="support@example.com"),
                                 user=self.user))
        self.assertEqual(self.sql("SELECT count(*) FROM attachments WHERE "
                                  "filename = 'encrypted.asc'"), "1")
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "text LIKE '%%%s%%'" % SECRET), "0")
        self.assertEqual(self.quarantine(), [])

    def test_key_file_imported_at_start(self):
        key = self.home + "-k.key"
        with open(key, "wb") as f:
            f.write(gpg(self.home, "--armor", "--export-secret-keys",
                        self.fpr))
        os.chmod(key, 0o600)
        self.addCleanup(shutil.rmtree, key + ".gnupg", True)
        self.addCleanup(kill_agent, key + ".gnupg")
        self.addCleanup(os.unlink, key)
        self.configure(pgp={"home": None, "key_file": key})
        armor = encrypt(self.other, self.fpr, b"via key file\n").decode()
        self.number(self.deliver(inline(armor)))
        self.assertEqual(os.stat(key + ".gnupg").st_mode & 0o777, 0o700)
        self.assertIn("via key file", self.sql(
            "SELECT text FROM messages WHERE direction = 'in'"))
        # into a home of our choice (where the service may write)
        home = key + "-home"
        self.addCleanup(shutil.rmtree, home, True)
        self.addCleanup(kill_agent, home)
        self.configure(pgp={"home": home, "key_file": key})
        armor = encrypt(self.other, self.fpr, b"into home\n",
                        "--armor").decode()
        self.deliver(inline(armor, mid="i9@reporter.example"))
        self.assertEqual(os.stat(home).st_mode & 0o777, 0o700)
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "text LIKE '%into home%'"), "1")

    # -- reports that cannot be read --------------------------------------

    def assert_held(self, raw, reason_re, sender="rita@reporter.example"):
        r = self.deliver(raw)
        self.assertNotIn("new ticket", r.stderr)
        (reason, detail), = self.quarantine()
        self.assertEqual(reason, "pgp")
        self.assertRegex(detail, reason_re)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "0")
        # the held mail is the one received
        self.assertEqual(self.sql("SELECT raw_size FROM quarantine"),
                         str(len(raw)))
        ack, = self.sent(sender)
        self.assertIn("could not be decrypted", ack["Subject"])
        self.assertIn(self.fpr, self.text(ack))
        # fetched again (a crash before the IMAP move): not told twice
        self.deliver(raw)
        self.assertEqual(len(self.sent(sender)), 1)
        self.assertEqual(len(self.quarantine()), 1)

    def test_other_key(self):
        # encrypted to a key that is not ours
        armor = encrypt(self.other, self.other_fpr, b"to the wrong key\n")
        self.assert_held(pgp_mime(armor.decode()), r"cannot decrypt")
        # released by an operator, it would show agents a cipher: it is
        # refused and stays held, nothing let in
        qid = self.sql("SELECT id FROM quarantine")
        r = self.servers.guichet("quarantine", "release", qid, expect=65)
        self.assertIn("encrypted and cannot be decrypted", r.stderr)
        self.assertIn("quarantine retry %s" % qid, r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM quarantine WHERE "
                                  "released_at IS NULL"), "1")
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in'"), "0")

    def test_garbage_armor(self):
        armor = ("-----BEGIN PGP MESSAGE-----\n\nbm90IGEgcGdwIG1lc3NhZ2U"
                 "gYXQgYWxs\nAAAAAAAA!!!!\n=XXXX\n-----END PGP MESSAGE-----"
                 "\n")
        self.assert_held(inline(armor), r"cannot decrypt")

    def test_claims_encrypted_without_data(self):
        raw = (head("Report", "c1@reporter.example",
                    "rita@reporter.example", "security@example.com") +
               'Content-Type: multipart/encrypted; boundary="e"\r\n\r\n'
               "--e\r\nContent-Type: application/pgp-encrypted\r\n\r\n"
               "Version: 1\r\n--e--\r\n").encode()
        self.assert_held(raw, r"not a PGP message")

    def test_huge_blob_not_tried(self):
        self.configure(pgp={"max_encrypted_size": "2KB"})
        armor = encrypt(self.other, self.fpr, os.urandom(6000),
                        "--compress-algo", "none")
        self.assert_held(pgp_mime(armor.decode()),
                         r"max_encrypted_size is 2048")

    def test_held_report_retried_once_the_cap_is_raised(self):
        self.configure(pgp={"max_encrypted_size": "2KB"})
        armor = encrypt(self.other, self.fpr, os.urandom(3000) +
                        b"\nRETRIED-REPORT\n", "--compress-algo", "none")
        self.deliver(pgp_mime(armor.decode()))
        qid = self.sql("SELECT id FROM quarantine")
        self.configure()
        r = self.servers.guichet("quarantine", "retry", qid, now=T0)
        self.assertRegex(r.stdout, r"new ticket SUP-")
        self.assertEqual(self.sql("SELECT queue FROM tickets"), "security")
        self.assertEqual(self.sql("SELECT ticket_id IS NOT NULL FROM "
                                  "quarantine"), "t")

    def test_compression_bomb(self):
        self.configure(pgp={"max_decrypted_size": "1MB"})
        armor = encrypt(self.other, self.fpr, b"\0" * (40 << 20),
                        "--compress-algo", "zlib", "--compress-level", "9")
        self.assertLess(len(armor), 1 << 20)
        self.assert_held(pgp_mime(armor.decode()), r"max_decrypted_size")

    def test_no_ack_to_automatic_mail(self):
        armor = encrypt(self.other, self.other_fpr, b"x\n").decode()
        self.deliver(pgp_mime(armor, extra="Auto-Submitted: auto-replied\r\n"))
        (reason, _), = self.quarantine()
        self.assertEqual(reason, "pgp")
        self.assertEqual(self.servers.smtp.messages(), [])

    def serving_own_home(self, tag):
        """serve running on a home of its own made from a key_file
        (home, key file, the daemon); the home is the test's to break."""
        s = self.servers
        key = self.home + "-%s.key" % tag
        home = self.home + "-%s.home" % tag
        with open(key, "wb") as f:
            f.write(gpg(self.home, "--armor", "--export-secret-keys",
                        self.fpr))
        os.chmod(key, 0o600)
        self.addCleanup(os.unlink, key)
        self.addCleanup(shutil.rmtree, home, True)
        self.addCleanup(kill_agent, home)
        self.configure(pgp={"home": home, "key_file": key})
        with open(s.config_path, "a") as f:
            f.write("[guichet]\nreconnect_max = 2s\n")
        d = s.spawn("serve")
        d.wait_for_output(r"mailbox security: connected", timeout=60)
        return home, key, d

    def test_key_gone_while_serving_keeps_the_report(self):
        # our side failing is no bad report: the mail waits in its
        # folder, nobody is told, and it is read once the key is back
        s = self.servers
        home, key, d = self.serving_own_home("g")
        child = gh.wait_until(lambda: children(d.pid), 30,
                              "the scheduler's process")[0]
        gpg(home, "--yes", "--delete-secret-keys", self.fpr)
        # the scheduler's process started again leaves [pgp] to the
        # daemon: it does not import key_file back into the home
        os.kill(child, signal.SIGKILL)
        gh.wait_until(lambda: self.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name "
            "= 'guichet-scheduler' AND pid <> pg_backend_pid()") == "1" and
            child not in children(d.pid), 30,
            "the scheduler's process started again and connected")
        armor = encrypt(self.other, self.fpr, b"WAITED-REPORT\n").decode()
        s.imap.append(self.sec, "INBOX", inline(armor))
        d.wait_for_output(r"mailbox security: \[pgp\] the secret key %s "
                          r"is no longer in" % self.fpr, timeout=60)
        self.assertEqual(self.quarantine(), [])
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "0")
        self.assertEqual(len(s.imap.messages(self.sec, "INBOX")), 1)
        self.assertEqual(s.smtp.messages(), [])
        gpg(home, "--import", key)
        d.wait_for_output(r"new ticket SUP-", timeout=60)
        d.stop()
        self.assertIn("WAITED-REPORT", self.sql(
            "SELECT text FROM messages WHERE direction = 'in'"))
        self.assertEqual(self.quarantine(), [])

    def test_subkey_secret_gone_keeps_the_report(self):
        # the state the key's return races into: the home lists our
        # secret key (its primary is there), yet GnuPG has no secret for
        # the subkey the report was encrypted to; that is our side too:
        # the report waits, and is read once the subkey's secret is back
        s = self.servers
        home, _, d = self.serving_own_home("s")
        out = gpg(home, "--with-colons", "--with-keygrip",
                  "--list-secret-keys", self.fpr).decode()
        grip = re.search(r"^ssb:.*?^grp:+([0-9A-F]{40}):", out,
                         re.M | re.S).group(1)
        held = os.path.join(home, "private-keys-v1.d", grip + ".key")
        os.rename(held, held + ".away")
        self.assertIn(self.fpr, gpg(home, "--with-colons",
                                    "--list-secret-keys").decode())
        armor = encrypt(self.other, self.fpr, b"SUBKEY-REPORT\n").decode()
        s.imap.append(self.sec, "INBOX", inline(armor))
        d.wait_for_output(r"mailbox security: \[pgp\] a report encrypted "
                          r"to the key %s found no secret" % self.fpr,
                          timeout=60)
        self.assertEqual(self.quarantine(), [])
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "0")
        self.assertEqual(len(s.imap.messages(self.sec, "INBOX")), 1)
        self.assertEqual(s.smtp.messages(), [])
        os.rename(held + ".away", held)
        d.wait_for_output(r"new ticket SUP-", timeout=60)
        d.stop()
        self.assertIn("SUBKEY-REPORT", self.sql(
            "SELECT text FROM messages WHERE direction = 'in'"))
        self.assertEqual(self.quarantine(), [])

    # -- the key at start -------------------------------------------------

    def test_home_or_key_missing(self):
        s = self.servers
        self.configure(pgp={"home": "/nonexistent/gnupg"})
        r = s.guichet("check-config", expect=78)
        self.assertRegex(r.stdout + r.stderr, r"guichet\.conf:\d+: \[pgp\] "
                         r"home /nonexistent/gnupg: No such file")
        r = s.guichet("serve", "--once", expect=78)
        self.assertIn("[pgp] home /nonexistent/gnupg", r.stderr)
        # a home without that key
        self.configure(pgp={"home": self.other})
        r = s.guichet("serve", "--once", expect=78)
        self.assertIn("holds no secret key %s" % self.fpr, r.stderr)
        # what the file says
        self.configure(pgp={"fingerprint": "12AB", "mailbox": "nowhere"})
        r = s.guichet("check-config", expect=78)
        out = r.stdout + r.stderr
        self.assertIn("expected the key's 40 hexadecimal digits", out)
        self.assertIn("mailbox: \"nowhere\" is not a [mailbox]", out)

    def test_subkey_secret_missing_at_start(self):
        # a home holding the key's primary secret but not its encryption
        # subkey's (gpg --export-secret-subkeys of the wrong one, a
        # smartcard stub): refused at start, with what to do, not with
        # advice about a passphrase
        s = self.servers
        home = tempfile.mkdtemp(prefix="gpgs")
        self.addCleanup(shutil.rmtree, home, True)
        self.addCleanup(kill_agent, home)
        gpg(home, "--import", input=gpg(self.home, "--armor",
                                         "--export-secret-keys", self.fpr))
        out = gpg(home, "--with-colons", "--with-keygrip",
                  "--list-secret-keys", self.fpr).decode()
        grip = re.search(r"^ssb:.*?^grp:+([0-9A-F]{40}):", out,
                         re.M | re.S).group(1)
        os.unlink(os.path.join(home, "private-keys-v1.d", grip + ".key"))
        self.configure(pgp={"home": home})
        want = ("holds the key %s without the secret of the subkey that "
                "reports are encrypted to" % self.fpr)
        r = s.guichet("check-config", expect=78)
        self.assertIn(want, r.stdout + r.stderr)
        self.assertNotIn("passphrase", r.stdout + r.stderr)
        r = s.guichet("serve", "--once", expect=78)
        self.assertIn(want, r.stderr)

    def test_key_with_a_passphrase_refused_at_start(self):
        # guichet has no passphrase to type: such a key would fail every
        # report (all to the quarantine, each reporter told it could not
        # be read); it is refused by check-config and when serve starts,
        # and the report waits in its folder
        s = self.servers
        home = tempfile.mkdtemp(prefix="gpgp")
        try:
            r = subprocess.run(
                ["gpg", "--homedir", home, "--batch", "--quiet",
                 "--pinentry-mode", "loopback", "--passphrase", "s3cret",
                 "--quick-gen-key", "Locked <locked@example.com>",
                 "future-default", "default", "never"],
                capture_output=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = gpg(home, "--with-colons", "--list-secret-keys").decode()
            fpr = re.search(r"^fpr:+([0-9A-F]{40}):", out, re.M).group(1)
            # the passphrase is not in the agent's cache any more
            kill_agent(home)
            self.configure(pgp={"home": home, "fingerprint": fpr})
            r = s.guichet("check-config", expect=78)
            self.assertIn("the secret key %s cannot decrypt" % fpr,
                          r.stdout + r.stderr)
            self.assertIn("gpg --passwd", r.stdout + r.stderr)
            s.imap.append(self.sec, "INBOX", pgp_mime(
                encrypt(home, fpr, b"for the locked key").decode(),
                mid="locked-1@reporter.example"))
            r = s.guichet("serve", "--once", now=T0, expect=78)
            self.assertIn("cannot decrypt without help", r.stderr)
            self.assertEqual(len(s.imap.messages(self.sec, "INBOX")), 1)
            self.assertEqual(self.quarantine(), [])
            # the key of the channel, without a passphrase: it starts
            self.configure()
            s.guichet("check-config")
        finally:
            kill_agent(home)
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
