"""test_ops.py - what an operator runs before any mail: install, the
manual pages, the command line without a config, systemd's notify
protocol.

`cmake --install` into a DESTDIR puts every file in its FHS place, and
the installed binary runs (--version, check-config on the installed
example); both manual pages pass `mandoc -Tlint`, and guichet(8) names
every command of `--help`; `COMMAND --help` and `help COMMAND` work
without a config file, an unknown option or command exits 64 with the
usage; under systemd (NOTIFY_SOCKET), `serve` says READY=1 once
connected, its STATUS= with the mailboxes, RELOADING=1 and READY=1 on
SIGHUP, WATCHDOG=1 from its loop when WatchdogSec is set, and
STOPPING=1.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest

import guichet_harness as gh

BIN = os.environ.get("GUICHET_BIN", "")
BUILD = os.path.dirname(os.path.abspath(BIN)) if BIN else ""
SRC = os.environ.get("GUICHET_SOURCE_DIR", "")


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=120,
                          **kw)


def commands():
    """The command names of `guichet --help`."""
    out = run([BIN, "--help"]).stdout
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return sorted({line.split()[0] for line in block.splitlines()})


class Install(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="guichet-install-")
        self.addCleanup(shutil.rmtree, self.dir)

    def test_install_into_destdir(self):
        dest = os.path.join(self.dir, "root")
        r = run(["cmake", "--install", BUILD, "--prefix", "/usr"],
                env=dict(os.environ, DESTDIR=dest))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        root = os.path.join(dest, "usr")
        for rel in ("bin/guichet", "share/man/man8/guichet.8",
                    "share/man/man5/guichet.conf.5",
                    "share/doc/guichet/guichet.conf.example",
                    "share/guichet/templates/fr/ack.txt",
                    "share/guichet/templates/en/ack.txt",
                    "share/guichet/defaults/rules.conf",
                    "lib/systemd/system/guichet.service"):
            self.assertTrue(os.path.isfile(os.path.join(root, rel)), rel)
        binary = os.path.join(root, "bin", "guichet")
        r = run([binary, "--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^guichet \d+\.\d+\.\d+\n")
        self.assertIn("libpq", r.stdout)

        # the installed example, as ops would start from it
        conf = os.path.join(self.dir, "etc", "guichet.conf")
        os.makedirs(os.path.join(self.dir, "etc", "secrets"))
        shutil.copy(os.path.join(root, "share/doc/guichet/"
                                       "guichet.conf.example"), conf)
        secret = os.path.join(self.dir, "etc", "secrets", "support.pass")
        with open(secret, "w") as f:
            f.write("not-a-real-password\n")
        os.chmod(secret, 0o600)
        r = run([binary, "-c", conf, "check-config"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # the MTA's wrapper runs the guichet beside it: its exits pass,
        # a wrong command line (64) becomes 75
        wrapper = os.path.join(root, "bin", "guichet-pipe")
        self.assertTrue(os.access(wrapper, os.X_OK))
        r = run([wrapper, "--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^guichet \d+\.\d+\.\d+\n")
        r = run([wrapper, "-c", conf, "ingest"])
        self.assertEqual(r.returncode, 75, r.stderr)

        with open(os.path.join(root, "lib/systemd/system/"
                                     "guichet.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/usr/bin/guichet -c "
                      "/etc/guichet/guichet.conf serve\n", unit)
        for line in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID",
                     "ProtectSystem=strict", "NoNewPrivileges=yes",
                     "PrivateTmp=yes", "User=guichet"):
            self.assertIn(line + "\n", unit)
        if shutil.which("systemd-analyze"):
            # verify needs the binary where the unit says it is
            unit_path = os.path.join(self.dir, "guichet.service")
            with open(unit_path, "w") as f:
                f.write(unit.replace("/usr/bin/guichet", binary))
            r = run(["systemd-analyze", "verify", unit_path])
            # (the manual pages are not installed on this system)
            problems = [line for line in r.stderr.splitlines()
                        if "guichet.service:" in line and
                        "Command 'man " not in line]
            self.assertEqual(problems, [], r.stderr)

    def test_manual_pages_lint_and_name_every_command(self):
        conf5 = os.path.join(BUILD, "guichet.conf.5")
        page8 = os.path.join(SRC, "doc", "guichet.8")
        for page in (page8, conf5):
            r = run(["mandoc", "-Tlint", "-W", "warning", page])
            self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""),
                             page)
        with open(page8) as f:
            text = f.read()
        for name in commands():
            self.assertRegex(text, r"\n\.It Cm %s\b" % re.escape(name),
                             "guichet(8) does not document %s" % name)
        # guichet.conf(5) has every key the example sets or shows
        with open(conf5) as f:
            man5 = f.read()
        with open(os.path.join(SRC, "conf", "guichet.conf.example")) as f:
            keys = set(re.findall(r"^#?([a-z][a-z0-9_]*) = ", f.read(),
                                  re.M))
        self.assertGreater(len(keys), 50)
        for key in keys:
            self.assertIn(".It Cm %s No = " % key, man5, key)


class CommandLine(unittest.TestCase):
    NOCONF = "/nonexistent/guichet.conf"

    def test_help_without_config(self):
        names = commands()
        self.assertIn("serve", names)
        self.assertIn("outbox", names)
        for name in names:
            for argv in ([BIN, "-c", self.NOCONF, name, "--help"],
                         [BIN, "-c", self.NOCONF, "help", name]):
                r = run(argv)
                self.assertEqual(r.returncode, 0, (argv, r.stderr))
                self.assertIn("usage:\n  guichet %s" % name, r.stdout)
                self.assertEqual(r.stderr, "")

    def test_version(self):
        r = run([BIN, "--version"])
        self.assertEqual(r.returncode, 0)
        for lib in ("libpq", "libcurl", "OpenSSL", "PCRE2", "libxml2",
                    "jansson", "libetpan"):
            self.assertIn(lib, r.stdout)

    def test_unknown_options_and_commands_exit_64(self):
        for argv in (["serve", "--bogus"], ["ticket", "list", "--jsn"],
                     ["outbox", "list", "-x"], ["ingest", "--mbox", "a"],
                     ["quarantine", "release", "1", "--into", "2"]):
            r = run([BIN, "-c", self.NOCONF] + argv)
            # ingest answers an MTA, which would bounce the mail at 64:
            # 75 keeps it queued until the command line is mended
            self.assertEqual(r.returncode, 75 if argv[0] == "ingest"
                             else 64, (argv, r.stderr))
            self.assertIn("unknown option", r.stderr)
            self.assertIn("usage:", r.stderr)
        for argv in (["frobnicate"], ["--frobnicate"], []):
            r = run([BIN, "-c", self.NOCONF] + argv)
            self.assertEqual(r.returncode, 64, (argv, r.stderr))
            self.assertIn("usage:", r.stderr)
        r = run([BIN, "help", "frobnicate"])
        self.assertEqual(r.returncode, 64)


class Systemd(gh.ServersTestCase):
    servers_options = dict(http=False)

    def listen(self):
        path = os.path.join(tempfile.mkdtemp(prefix="guichet-notify-"),
                            "notify.sock")
        self.addCleanup(shutil.rmtree, os.path.dirname(path))
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(0.2)
        self.addCleanup(sock.close)
        self.got = []

        def drain():
            while True:
                try:
                    self.got.append(sock.recv(4096).decode())
                except socket.timeout:
                    return
        self.drain = drain
        return path

    def wait_for(self, pattern, timeout=30):
        rx = re.compile(pattern, re.M)

        def seen():
            self.drain()
            return any(rx.search(m) for m in self.got)
        gh.wait_until(seen, timeout, "%r from the daemon (got %r)"
                      % (pattern, self.got))

    def test_notify_protocol(self):
        s = self.servers
        s.write_config(dbname="sdnotify", mailbox_user="sdnotify")
        s.guichet("migrate")
        path = self.listen()
        d = s.spawn("serve", env={"NOTIFY_SOCKET": path,
                                  "WATCHDOG_USEC": "2000000"})
        self.wait_for(r"^READY=1$")
        ready = [m for m in self.got if "READY=1" in m][0]
        self.assertRegex(ready, r"STATUS=serving 1 mailbox\(es\): support")
        self.wait_for(r"^WATCHDOG=1$")
        n = sum("WATCHDOG=1" in m for m in self.got)
        self.wait_for(r"^WATCHDOG=1$")
        gh.wait_until(lambda: (self.drain(), sum(
            "WATCHDOG=1" in m for m in self.got))[1] > n, 10,
            "a second watchdog ping")

        self.got.clear()
        d.send_signal(signal.SIGHUP)
        self.wait_for(r"^RELOADING=1$")
        self.wait_for(r"^READY=1$")

        # the database away: the status says so
        s.pg.stop()
        self.wait_for(r"waiting for the database", timeout=60)
        s.pg.start()

        self.got.clear()
        d.stop(signal.SIGTERM)
        self.drain()
        self.assertIn("STOPPING=1", self.got)


if __name__ == "__main__":
    unittest.main()
