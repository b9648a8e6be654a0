"""test_tls_trust.py - the learned roots of our TLS servers
(notify/trust.h), against real TLS servers.

libcurl reads its whole CA store at each new connection; once a server
verified, the root its chain ends at is learned, and later connections
trust a file holding the learned roots alone. Driven by
tests/tools/smtp_tool.c with --reconnect (a new connection per message,
as after the server closed an idle one) and --step (the test changes the
world between two messages): the system's bundle is SSL_CERT_FILE, the
private directory under TMPDIR.

- the second connection learns the sink's root (the first, nothing: a
  process that makes one connection does not pay for learning): the
  learned file holds it alone; later ones are sent;
- the system's bundle changes and no longer holds that root: the next
  connection is refused, the learned root forgotten (a root distrusted
  by update-ca-certificates is not trusted one connection longer);
- the server's chain now ends at another root of the system: verified
  again with the whole store, sent, both roots learned; a root outside
  the system's store stays refused;
- webhooks learn the same way; the files go with the process.
"""

import glob
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from aiosmtpd.controller import Controller
from guichet_harness import ServersTestCase, _run

TOOL = os.environ.get("GUICHET_TOOL_SMTP_TOOL")
EX_TEMPFAIL = 75
AGAIN = "not the one learned"


def pem_blocks(text):
    return re.findall(r"-----BEGIN CERTIFICATE-----[^-]+"
                      r"-----END CERTIFICATE-----", text)


def read(path):
    with open(path) as f:
        return f.read()


class Sink:
    """An SMTPS server (implicit TLS; or STARTTLS) whose certificate can
    change."""

    def __init__(self, cert, key, idle=300, starttls=False):
        self.lock = threading.Lock()
        self.received = []
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # idle: seconds before the server closes an idle connection
        # (421, as Postfix does after 5 minutes)
        tls = dict(tls_context=self.ctx) if starttls else \
            dict(ssl_context=self.ctx)
        self.ctl = Controller(self, hostname="127.0.0.1", port=port,
                              timeout=idle, **tls)
        self.ctl.start()
        self.url = "%s://127.0.0.1:%d" % ("smtp" if starttls else "smtps",
                                          port)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(envelope.content)
        return "250 OK"

    def count(self):
        with self.lock:
            return len(self.received)


@unittest.skipUnless(TOOL, "GUICHET_TOOL_SMTP_TOOL not set")
class LearnedRoots(ServersTestCase):

    servers_options = dict(pg=False, imap=False, smtp=False, http=True)

    def setUp(self):
        tls = self.servers.tls
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        self.tmp = os.path.join(self.dir, "tmp")
        os.mkdir(self.tmp)
        self.ca, self.other = tls.ca_file, tls.other_ca_file
        # a server certificate of the other CA, for the same names
        self.other_cert = os.path.join(self.dir, "other-server.pem")
        csr = os.path.join(self.dir, "server.csr")
        ext = os.path.join(self.dir, "server.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName = DNS:localhost, IP:127.0.0.1\n"
                    "extendedKeyUsage = serverAuth\n")
        _run(["openssl", "req", "-new", "-key", tls.key_file, "-out", csr,
              "-subj", "/CN=localhost"], "openssl req")
        _run(["openssl", "x509", "-req", "-in", csr, "-CA", self.other,
              "-CAkey", tls.other_ca_key, "-set_serial", "7", "-days", "30",
              "-sha256", "-extfile", ext, "-out", self.other_cert],
             "openssl x509")
        self.key = tls.key_file
        self.sink = Sink(tls.cert_file, self.key)
        self.addCleanup(lambda: self.sink.ctl.stop())
        self.tls = tls
        self.bundle = os.path.join(self.dir, "system.pem")

    def system(self, *cas):
        """The system's bundle now holds cas (a new file, as
        update-ca-certificates writes it)."""
        with open(self.bundle + ".new", "w") as f:
            for ca in cas:
                f.write(read(ca))
        os.replace(self.bundle + ".new", self.bundle)

    def start(self, *args):
        p = subprocess.Popen(
            [TOOL, *args, "--timeout", "20", "--step"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, SSL_CERT_FILE=self.bundle,
                     TMPDIR=self.tmp))
        def end():
            p.kill()
            p.wait()
            for f in (p.stdin, p.stdout, p.stderr):
                f.close()
        self.addCleanup(end)
        return p

    def send(self, count):
        return self.start("send", "--url", self.sink.url, "--from",
                          "support@example.com", "--to",
                          "alice@client.example", "--count", str(count),
                          "--reconnect")

    def step(self, p):
        """The next message: its line on stdout ("" when it failed)."""
        p.stdin.write("\n")
        p.stdin.flush()
        return p.stdout.readline()

    def learned(self):
        """The roots of the learned file, as PEM blocks."""
        files = glob.glob(os.path.join(self.tmp, "guichet-ca.*",
                                       "learned", "*.pem"))
        self.assertLessEqual(len(files), 1, files)
        return pem_blocks(read(files[0])) if files else []

    def first_two(self, p):
        """The first message (whole store, nothing learned: a process
        that makes one connection learns nothing), then the second,
        whose root is learned."""
        self.assertTrue(p.stdout.readline().strip())
        self.assertEqual(self.learned(), [])
        self.assertTrue(self.step(p).strip())

    def test_a_root_learned_until_the_bundle_changes(self):
        self.system(self.other, self.ca)
        p = self.send(4)
        self.first_two(p)
        # the sink's root alone, of the two of the system
        self.assertEqual(self.learned(), pem_blocks(read(self.ca)))
        self.assertTrue(self.step(p).strip())
        self.assertEqual(self.sink.count(), 3)
        # update-ca-certificates removes that root: refused at once
        self.system(self.other)
        self.assertEqual(self.step(p), "")
        self.assertEqual(p.wait(30), EX_TEMPFAIL)
        err = p.stderr.read()
        self.assertIn("CA bundle changed", err)
        self.assertIn("certificate", err)
        self.assertEqual(self.sink.count(), 3)
        # the learned file and the private directory went with it
        self.assertEqual(os.listdir(self.tmp), [])

    def test_a_kept_client_sees_the_bundle_change(self):
        # the daemon's SMTP client is kept: when the server closed an
        # idle connection, curl makes the next one by itself, and the
        # bundle's change must reach that client too
        sink = Sink(self.tls.cert_file, self.key, idle=1)
        self.addCleanup(sink.ctl.stop)
        self.system(self.other, self.ca)
        p = self.start("send", "--url", sink.url, "--from",
                       "support@example.com", "--to",
                       "alice@client.example", "--count", "4")

        def after_idle_close():
            time.sleep(3)            # the server closes at 1 s idle
            return self.step(p)
        self.assertTrue(p.stdout.readline().strip())
        line = after_idle_close()
        self.assertTrue(line.strip(), line or p.stderr.read())  # learned
        self.assertEqual(self.learned(), pem_blocks(read(self.ca)))
        self.assertTrue(after_idle_close().strip())     # the learned file
        self.system(self.other)
        self.assertEqual(after_idle_close(), "")
        self.assertEqual(p.wait(30), EX_TEMPFAIL)
        err = p.stderr.read()
        self.assertIn("CA bundle changed", err)
        self.assertIn("certificate", err)
        self.assertEqual(sink.count(), 3)

    def test_a_new_root_is_verified_again(self):
        self.system(self.ca, self.other)
        p = self.send(4)
        self.first_two(p)
        self.assertEqual(self.learned(), pem_blocks(read(self.ca)))
        # the server's certificate now chains to the other root, which
        # the learned file does not hold, the system's store does
        self.sink.ctx.load_cert_chain(self.other_cert, self.key)
        self.assertTrue(self.step(p).strip())
        self.assertEqual(sorted(self.learned()), sorted(
            pem_blocks(read(self.ca)) + pem_blocks(read(self.other))))
        self.assertTrue(self.step(p).strip())
        self.assertEqual(p.wait(30), 0)
        self.assertEqual(self.sink.count(), 4)
        # the whole store asked once, for the new root
        self.assertEqual(p.stderr.read().count(AGAIN), 1)

    def test_a_root_outside_the_system_stays_refused(self):
        self.system(self.ca)
        p = self.send(3)
        self.first_two(p)
        self.sink.ctx.load_cert_chain(self.other_cert, self.key)
        self.assertEqual(self.step(p), "")
        self.assertEqual(p.wait(30), EX_TEMPFAIL)
        err = p.stderr.read()
        self.assertIn(AGAIN, err)
        self.assertIn("certificate", err)
        self.assertEqual(self.sink.count(), 2)

    def test_a_learned_file_removed_is_written_again(self):
        self.system(self.ca)
        p = self.send(4)
        self.first_two(p)
        for f in glob.glob(os.path.join(self.tmp, "guichet-ca.*",
                                        "learned", "*.pem")):
            os.unlink(f)
        self.assertTrue(self.step(p).strip())
        # read while the process waits (its files go when it ends)
        self.assertEqual(self.learned(), pem_blocks(read(self.ca)))
        self.assertTrue(self.step(p).strip())
        self.assertEqual(p.wait(30), 0)
        self.assertEqual(self.sink.count(), 4)

    def test_webhooks_learn_too(self):
        http = self.servers.http
        http.clear()
        self.system(self.other, self.ca)
        p = self.start("webhook", "--url", http.https_url + "/hook",
                       "--json", "{}", "--count", "4")
        self.assertEqual(p.stdout.readline(), "posted\n")
        self.assertEqual(self.step(p), "posted\n")
        # learned from the second, written when the third asked for it
        self.assertEqual(self.step(p), "posted\n")
        self.assertEqual(self.learned(), pem_blocks(read(self.ca)))
        self.assertEqual(self.step(p), "posted\n")
        self.assertEqual(p.wait(30), 0)
        self.assertEqual(len(http.requests()), 4)
        self.assertNotIn(AGAIN, p.stderr.read())


if __name__ == "__main__":
    unittest.main(verbosity=2)
