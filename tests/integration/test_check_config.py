"""test_check_config.py - `guichet check-config` as ops run it.

Every problem is printed as file:line: message with a non-zero exit; a
good config (the example shipped in conf/ included) passes; secrets never
appear in the output; a secret file that group or others may access, or
an HMAC key shorter than 32 bytes, is refused at the line of the key that
names it; a template with an unknown variable is rejected.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ["GUICHET_BIN"]
SRC = os.environ["GUICHET_SOURCE_DIR"]


def secret(path, text, mode=0o600):
    """Write a secret file with that mode (whatever the umask)."""
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def check(path):
    return subprocess.run([BIN, "-c", path, "check-config"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=30)


class CheckConfig(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="guichet-cc-")
        os.makedirs(os.path.join(self.dir, "secrets"))
        secret(os.path.join(self.dir, "secrets", "support.pass"),
               "hunter2-very-secret\n")
        self.addCleanup(shutil.rmtree, self.dir)

    def write(self, text, name="guichet.conf"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_example_config_passes(self):
        path = os.path.join(self.dir, "guichet.conf")
        shutil.copy(os.path.join(SRC, "conf", "guichet.conf.example"), path)
        r = check(path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK", r.stdout)

    def test_every_problem_with_its_line(self):
        path = self.write(
            "[database]\n"                                   # 1
            "conninfo = dbname=guichet\n"                     # 2
            "[smtp]\n"                                        # 3
            "url = smtp://127.0.0.1:2525\n"                   # 4
            "from = not an address\n"                         # 5
            "[mailbox support]\n"                             # 6
            "url = pop3://mail.example.com\n"                 # 7
            "user = support\n"                                # 8
            "password_file = secrets/missing.pass\n"          # 9
            "address = support@example.com\n"                 # 10
            "pol_interval = 5m\n"                             # 11
            "[agent bob]\n"                                   # 12
            "address = bob@example.com\n"                     # 13
            "queues = nowhere\n")                             # 14
        r = check(path)
        self.assertEqual(r.returncode, 78)
        lines = r.stdout.splitlines()
        for want in ("guichet.conf:5: from:",
                     "guichet.conf:7: url: \"pop3://mail.example.com\" is "
                     "not an imap:// or imaps:// URL",
                     "guichet.conf:9: password_file: cannot read",
                     "guichet.conf:11: unknown key \"pol_interval\" in "
                     "[mailbox support]",
                     "guichet.conf:12: agent bob: queue \"nowhere\""):
            self.assertTrue(any(l.startswith(path.rsplit("/", 1)[0]) and
                                want in l for l in lines),
                            "missing %r in:\n%s" % (want, r.stdout))
        self.assertIn("5 problem(s)", r.stderr)

    def test_the_design_config_passes(self):
        # the keys the design fixes, as it writes them: "a config with
        # only these keys works" (an [organisation] without plan nor
        # domains, the security queue without a section, [status]
        # without base_url)
        secret(os.path.join(self.dir, "secrets", "storage.key"),
               "1 %s current\n" % ("ab" * 32))
        path = self.write(
            '[database]\n'
            'conninfo = host=127.0.0.1 port=5432 dbname=guichet user=guichet\n'
            '\n'
            '[smtp]\n'
            'url = smtp://127.0.0.1:2525        # smtps:// or smtp:// + STARTTLS\n'
            'from = Support <support@example.com>\n'
            '# user =, password_file =, tls_ca_file =\n'
            '\n'
            '[mailbox support]                  # one section per polled mailbox\n'
            'url = imaps://127.0.0.1:9993       # imap:// (STARTTLS when offered)\n'
            'user = support\n'
            'password_file = secrets/support.pass\n'
            'folder = INBOX\n'
            'processed_folder = Processed\n'
            'quarantine_folder = Quarantine\n'
            'address = support@example.com      # the address customers write to\n'
            'queue = support\n'
            "# tls_ca_file = ca.pem             # trust this CA besides the system's\n"
            '\n'
            '[agent alice]\n'
            'address = alice@example.com\n'
            'queues = support, security\n'
            '\n'
            '[queue support]\n'
            'escalation_to = oncall@example.com, lead@example.com\n'
            'webhook_url = https://chat.example.com/hooks/support   # optional\n'
            '\n'
            '[http]                             # off when absent\n'
            'listen = 127.0.0.1:9187            # GET /metrics (Prometheus), /healthz\n'
            '\n'
            '[storage]\n'
            'key_file = secrets/storage.key     # AES-256-GCM at rest; mode 0600\n'
            '\n'
            '[gdpr]\n'
            'retention = 365d                   # after closure, then anonymised\n'
            '\n'
            '[status]\n'
            'dir = /var/lib/guichet/status      # index.html, feed.atom, status.json\n'
            '\n'
            '[organisation acme]                # also: domains, plan, language, csm\n'
            'report_to = cto@acme.example\n')
        r = check(path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK", r.stdout)

    def test_mailbox_nobody_works_on_is_warned_about(self):
        """A mailbox whose queue no agent has: its customers are
        acknowledged and no agent hears of their tickets. Said, not
        refused; an agent on the queue (or a mailbox named into another
        queue that has one) silences it."""
        base = ("[database]\nconninfo = dbname=guichet\n"
                "[smtp]\nurl = smtp://127.0.0.1:2525\n"
                "from = support@example.com\n"
                "[mailbox support]\nurl = imap://127.0.0.1:1143\n"
                "user = support\npassword_file = secrets/support.pass\n"
                "address = support@example.com\n"
                "[mailbox sales]\nurl = imap://127.0.0.1:1143\n"
                "user = sales\npassword_file = secrets/support.pass\n"
                "address = sales@example.com\n")
        path = self.write(base + "[agent alice]\naddress = a@example.com\n"
                          "queues = support\n")
        r = check(path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("%s:11: warning: [mailbox sales] no agent works on "
                      "queue sales: its customers are acknowledged, and no "
                      "agent hears of their tickets" % path, r.stdout)
        self.assertNotIn("[mailbox support] no agent", r.stdout)
        path = self.write(base + "queue = support\n[agent alice]\n"
                          "address = a@example.com\nqueues = support\n")
        r = check(path)
        self.assertNotIn("no agent works", r.stdout)
        self.assertTrue(r.stdout.endswith(": OK\n"), r.stdout)

    def test_public_url_in_clear_text_is_warned_about(self):
        """public_url in http:// off loopback: the tokens of the
        customers' links travel in clear text. https://, or a loopback
        http:// (a test, a proxy on the same machine), say nothing."""
        base = ("[database]\nconninfo = dbname=guichet\n"
                "[smtp]\nurl = smtp://127.0.0.1:2525\n"
                "from = support@example.com\n"
                "[agent alice]\naddress = a@example.com\n"
                "queues = support\n"
                "[mailbox support]\nurl = imap://127.0.0.1:1143\n"
                "user = support\npassword_file = secrets/support.pass\n"
                "address = support@example.com\n")
        cases = (
            ("listen = 127.0.0.1:9187\n"
             "public_url = http://support.example.com\n",
             "[http] public_url is http://: the customers' links and "
             "their tokens travel in clear text"),
            ("listen = 127.0.0.1:9187\n"
             "public_url = https://support.example.com/\n", None),
            ("listen = 127.0.0.1:9187\n"
             "public_url = http://127.0.0.1:9187\n", None))
        for http, want in cases:
            path = self.write(base + "[http]\n" + http)
            r = check(path)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            if want:
                self.assertIn("%s:14: warning: %s" % (path, want), r.stdout)
            else:
                self.assertNotIn("warning", r.stdout)

    def test_mailbox_in_clear_text_is_warned_about(self):
        path = self.write(
            "[database]\n"                                   # 1
            "conninfo = dbname=guichet\n"                     # 2
            "[smtp]\n"                                        # 3
            "url = smtp://127.0.0.1:2525\n"                   # 4
            "from = support@example.com\n"                    # 5
            "[mailbox far]\n"                                 # 6
            "url = imap://192.0.2.7\n"                        # 7
            "user = support\n"                                # 8
            "password_file = secrets/support.pass\n"          # 9
            "address = support@example.com\n"                 # 10
            "tls = none\n"                                    # 11
            "[mailbox near]\n"                                # 12
            "url = imap://127.0.0.1:1143\n"                   # 13
            "user = sales\n"                                  # 14
            "password_file = secrets/support.pass\n"          # 15
            "address = sales@example.com\n"                   # 16
            "tls = none\n")                                   # 17
        r = check(path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("%s:6: warning: [mailbox far] tls = none: its "
                      "password may travel in clear text" % path, r.stdout)
        self.assertNotIn("[mailbox near] tls", r.stdout)
        # TLS by its scheme: none says the opposite
        with open(path, "a") as f:
            f.write("[mailbox tls]\nurl = imaps://192.0.2.7\nuser = t\n"
                    "password_file = secrets/support.pass\n"
                    "address = t@example.com\ntls = none\n")
        r = check(path)
        self.assertEqual(r.returncode, 78)
        self.assertIn("guichet.conf:23: tls = none: the url is imaps://",
                      r.stdout)

    def test_secrets_never_printed(self):
        secret(os.path.join(self.dir, "secrets", "two.pass"),
               "line-one-secret\nline-two-secret\n")
        path = self.write(
            "[database]\nconninfo = dbname=guichet\n"
            "password_file = secrets/two.pass\n"
            "[smtp]\nfrom = support@example.com\n")
        r = check(path)
        self.assertEqual(r.returncode, 78)
        self.assertIn("guichet.conf:3: password_file: the file must hold "
                      "the secret on one line", r.stdout)
        self.assertNotIn("secret\n", r.stdout.replace("one line", ""))
        self.assertNotIn("line-one-secret", r.stdout + r.stderr)

    def test_secret_files_open_to_others(self):
        # every key that names a secret file, each file a different mode
        modes = {"hmac.key": 0o644, "db.pass": 0o640, "smtp.pass": 0o604,
                 "support.pass": 0o660, "other.pass": 0o602}
        for name, mode in modes.items():
            secret(os.path.join(self.dir, "secrets", name),
                   "s3cret-%s-0123456789abcdef0123456789abcdef\n" % name,
                   mode)
        path = self.write(
            "[guichet]\n"                                     # 1
            "hmac_key_file = secrets/hmac.key\n"               # 2
            "[database]\n"                                    # 3
            "conninfo = dbname=guichet\n"                      # 4
            "password_file = secrets/db.pass\n"                # 5
            "[smtp]\n"                                        # 6
            "from = support@example.com\n"                     # 7
            "user = guichet\n"                                 # 8
            "password_file = secrets/smtp.pass\n"              # 9
            "[mailbox support]\n"                             # 10
            "url = imaps://127.0.0.1:9993\n"                   # 11
            "user = support\n"                                 # 12
            "password_file = secrets/support.pass\n"           # 13
            "address = support@example.com\n"                  # 14
            "[mailbox other]\n"                               # 15
            "url = imaps://127.0.0.1:9993\n"                   # 16
            "user = other\n"                                   # 17
            "password_file = secrets/other.pass\n"             # 18
            "address = other@example.com\n")                   # 19
        r = check(path)
        self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
        for line, key, name in ((2, "hmac_key_file", "hmac.key"),
                                (5, "password_file", "db.pass"),
                                (9, "password_file", "smtp.pass"),
                                (13, "password_file", "support.pass"),
                                (18, "password_file", "other.pass")):
            self.assertIn("guichet.conf:%d: %s: %s: permissions %04o are "
                          "too open" % (line, key, os.path.join(
                              self.dir, "secrets", name), modes[name]),
                          r.stdout)
        self.assertIn("5 problem(s)", r.stderr)
        self.assertNotIn("s3cret", r.stdout + r.stderr)

        # 0600 and 0400 are fine
        for i, name in enumerate(modes):
            os.chmod(os.path.join(self.dir, "secrets", name),
                     0o400 if i % 2 else 0o600)
        r = check(path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_secret_file_through_a_symlink(self):
        # the mode that counts is the file's, not the link's (0777)
        target = secret(os.path.join(self.dir, "real.pass"), "pw\n", 0o644)
        os.symlink(target, os.path.join(self.dir, "secrets", "link.pass"))
        path = self.write(
            "[database]\nconninfo = dbname=guichet\n"
            "password_file = secrets/link.pass\n"
            "[smtp]\nfrom = support@example.com\n")
        r = check(path)
        self.assertEqual(r.returncode, 78, r.stdout)
        self.assertIn("guichet.conf:3: password_file: ", r.stdout)
        self.assertIn("permissions 0644 are too open", r.stdout)
        os.chmod(target, 0o600)
        self.assertEqual(check(path).returncode, 0)

    def test_hmac_key_too_short(self):
        key = os.path.join(self.dir, "secrets", "hmac.key")
        path = self.write(
            "[guichet]\nhmac_key_file = secrets/hmac.key\n"
            "[database]\nconninfo = dbname=guichet\n"
            "[smtp]\nfrom = support@example.com\n")
        for text in ("x" * 31 + "\n", "short", "x" * 31 + "\r\n"):
            secret(key, text)
            r = check(path)
            self.assertEqual(r.returncode, 78, r.stdout)
            self.assertIn("guichet.conf:2: hmac_key_file: the key is %d "
                          "bytes, at least 32 are needed" %
                          len(text.rstrip()), r.stdout)
            self.assertNotIn(text.rstrip(), r.stdout + r.stderr)
        secret(key, "k" * 32 + "\n")
        r = check(path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_template_with_unknown_variable(self):
        tdir = os.path.join(self.dir, "templates", "en")
        os.makedirs(tdir)
        with open(os.path.join(tdir, "ack.txt"), "w") as f:
            f.write("Subject: {{ticket_tag}} received\n\n"
                    "Hello {{requester_name}},\n"
                    "your number is {{tracking_nummer}}.\n")
        path = self.write(
            "[guichet]\ntemplates_dir = templates\n"
            "[database]\nconninfo = dbname=guichet\n"
            "[smtp]\nfrom = support@example.com\n")
        r = check(path)
        self.assertEqual(r.returncode, 78, r.stdout)
        self.assertRegex(r.stdout, r"templates/en/ack\.txt:4: .*unknown "
                         r"variable \{\{tracking_nummer\}\}")

    def test_bad_rules_file(self):
        with open(os.path.join(self.dir, "my.rules"), "w") as f:
            f.write("[rule outage]\n"
                    "match = subject: (?i)panne\n"
                    "priority = P1\n"
                    "\n"
                    "[rule broken]\n"
                    "match = subject: (unclosed\n"
                    "priority = P2\n")
        path = self.write(
            "[database]\nconninfo = dbname=guichet\n"
            "[smtp]\nfrom = support@example.com\n"
            "[rules]\nfile = my.rules\n")
        r = check(path)
        self.assertEqual(r.returncode, 78, r.stdout)
        self.assertRegex(r.stdout, r"my\.rules:6: ")

    def test_every_problem_in_one_run(self):
        # an unknown section used to hide what the other modules check
        # (the policy's sections, templates, rules), which serve refuses
        tdir = os.path.join(self.dir, "templates", "en")
        os.makedirs(tdir)
        with open(os.path.join(tdir, "ack.txt"), "w") as f:
            f.write("Subject: {{nope_var}}\n\nHello\n")
        with open(os.path.join(self.dir, "my.rules"), "w") as f:
            f.write("[rule broken]\nmatch = subject: (unclosed\n"
                    "priority = P2\n")
        path = self.write(
            "[guichet]\n"                                     # 1
            "templates_dir = templates\n"                     # 2
            "[bogus]\n"                                       # 3
            "x = 1\n"                                         # 4
            "[database]\nconninfo = dbname=guichet\n"         # 5, 6
            "[smtp]\nfrom = support@example.com\n"            # 7, 8
            "helo = me\n"                                     # 9
            "[plan Pro]\n"                                    # 10
            "rnak = 2\n"                                      # 11
            "[rules]\nfile = my.rules\n")                     # 12, 13
        r = check(path)
        self.assertEqual(r.returncode, 78, r.stdout)
        for want in (r"guichet\.conf:3: unknown section \[bogus\]",
                     r"guichet\.conf:9: unknown key \"helo\"",
                     r"guichet\.conf:11: .*rnak",
                     r"templates/en/ack\.txt:1: .*\{\{nope_var\}\}",
                     r"my\.rules:2: "):
            self.assertRegex(r.stdout, want)
        # what check-config finds once the section is gone, serve refuses
        with open(path) as f:
            text = f.read()
        for fixed in ("[bogus]\nx = 1\n", "helo = me\n"):
            path = self.write(text.replace(fixed, ""))
            r = subprocess.run([BIN, "-c", path, "serve", "--once"],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 78, r.stderr)
            text = text.replace(fixed, "")
        self.assertIn("rnak", r.stderr)

    def test_run_from_another_folder(self):
        # the paths of the file are the file's, whatever the folder
        etc = os.path.join(self.dir, "etc")
        os.makedirs(os.path.join(etc, "secrets"))
        secret(os.path.join(etc, "secrets", "db.pass"), "pw-db\n")
        os.makedirs(os.path.join(etc, "templates", "en"))
        with open(os.path.join(etc, "templates", "en", "ack.txt"), "w") as f:
            f.write("Subject: {{ticket_tag}} received\n\nHello\n")
        with open(os.path.join(etc, "my.rules"), "w") as f:
            f.write("[rule outage]\nmatch = subject: (?i)panne\n"
                    "priority = P1\n")
        conf = os.path.join(etc, "guichet.conf")
        with open(conf, "w") as f:
            f.write("[guichet]\ntemplates_dir = templates\n"
                    "[database]\nconninfo = dbname=guichet\n"
                    "password_file = secrets/db.pass\n"
                    "[smtp]\nfrom = support@example.com\n"
                    "[rules]\nfile = my.rules\n")
        elsewhere = os.path.join(self.dir, "elsewhere", "deeper")
        os.makedirs(elsewhere)
        for arg in (conf, os.path.relpath(conf, elsewhere)):
            r = subprocess.run([BIN, "-c", arg, "check-config"],
                               cwd=elsewhere, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # a missing file is named by where it was looked for: beside the
        # config, as an absolute path
        os.unlink(os.path.join(etc, "secrets", "db.pass"))
        r = subprocess.run([BIN, "-c", os.path.relpath(conf, elsewhere),
                            "check-config"], cwd=elsewhere,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 78)
        self.assertIn(os.path.join(etc, "secrets", "db.pass"), r.stdout)

    def test_log_format(self):
        base = ("[database]\nconninfo = dbname=guichet\n"
                "[smtp]\nfrom = support@example.com\n[guichet]\n")
        for value in ("text", "json"):
            r = check(self.write(base + "log_format = %s\n" % value))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for value in ("xml", "JSON", "json text"):
            r = check(self.write(base + "log_format = %s\n" % value))
            self.assertEqual(r.returncode, 78, r.stdout)
            self.assertIn("guichet.conf:6: log_format: \"%s\": expected "
                          "text or json" % value, r.stdout)

    def test_missing_file(self):
        r = check(os.path.join(self.dir, "nope.conf"))
        self.assertEqual(r.returncode, 78)
        self.assertIn("nope.conf: cannot read", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
