"""test_smtp_send.py - notify/smtp.c against real SMTP and HTTP servers.

Drives tests/tools/smtp_tool.c (compose_message + smtp_send, or
webhook_post) and reads what the servers received:
- the harness's SMTP sink (aiosmtpd offering STARTTLS, and SMTPS, with
  the harness CA's certificate) and its HTTP/HTTPS webhook receiver:
  TLS verified with the right CA, refused with another or none, the
  webhook POST and how its answers are classified;
- small aiosmtpd servers started here, for what the sink cannot do: no
  TLS at all, refusals with chosen reply codes, AUTH.
The tool exits 0 when sent, 75 for GC_ETEMP, 65 for GC_EINVAL.
"""
import email
import email.policy
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from guichet_harness import ServersTestCase

# aiosmtpd itself still sets the attribute it deprecates.
warnings.filterwarnings("ignore", message="Session.login_data")

TOOL = os.environ.get("GUICHET_TOOL_SMTP_TOOL")
EX_TEMPFAIL = 75
EX_DATAERR = 65
PASSWORD = "s3cret-Pa55word"
SUBJECT = "[SUP-2026-000042] Problème à l'écran — ça chauffe 🔥"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool(*args, env=None, cwd=None):
    """The SMTP tool run with args; env adds to the environment."""
    return subprocess.run([TOOL, *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd,
                          env=dict(os.environ, **env) if env else None)


class Recorder:
    """aiosmtpd handler: refuses some recipients, records the rest."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []     # (peer, mail_from, rcpts, bytes)
        self.logins = []

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 <%s>: no such user here" % address
        if address.startswith("later"):
            return "451 4.3.0 mailbox busy, try again later"
        if address.startswith("crowd") and len(envelope.rcpt_tos) >= 2:
            return "452 4.5.3 too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if b"REFUSE-THIS-CONTENT" in envelope.content:
            return "554 5.6.0 content refused by policy"
        if b"DEFER-THIS-CONTENT" in envelope.content:
            return "452 4.3.1 insufficient system storage"
        with self.lock:
            self.received.append((session.peer, envelope.mail_from,
                                  list(envelope.rcpt_tos),
                                  envelope.content))
        return "250 OK queued"

    def authenticate(self, server, session, envelope, mechanism, data):
        with self.lock:
            self.logins.append(data.login)
        ok = data.login == b"guichet" and data.password == PASSWORD.encode()
        # handled=False: aiosmtpd answers 235 or 535 itself.
        return AuthResult(success=ok, handled=False)

    def messages(self):
        with self.lock:
            return list(self.received)


def start_smtp(recorder, auth=False):
    kw = {}
    if auth:
        kw = dict(authenticator=recorder.authenticate,
                  auth_require_tls=False)
    c = Controller(recorder, hostname="127.0.0.1", port=free_port(), **kw)
    c.start()
    return c


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def non_loopback_address():
    """An IPv4 address of this machine off the loopback, or None (a
    datagram socket connected to a documentation address sends
    nothing, and says which address the route would leave from)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            a = s.getsockname()[0]
    except OSError:
        return None
    return None if a.startswith("127.") or a == "0.0.0.0" else a


@unittest.skipUnless(TOOL, "GUICHET_TOOL_SMTP_TOOL not set")
class PlainOffLoopback(unittest.TestCase):
    """A server without TLS on this machine's own address, off the
    loopback, as another machine would be: no mail goes in clear to it
    unless tls = none says so."""

    @classmethod
    def setUpClass(cls):
        cls.addr = non_loopback_address()
        if cls.addr is None:
            raise unittest.SkipTest("this machine has no address off the "
                                    "loopback")
        cls.rec = Recorder()
        cls.server = Controller(cls.rec, hostname=cls.addr,
                                port=free_port())
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_mail_never_in_clear_to_another_machine(self):
        url = "smtp://%s:%d" % (self.addr, self.server.port)
        argv = ["send", "--url", url, "--from", "support@example.com",
                "--to", "a@b.example", "--body", "SECRET-CONTENT\n",
                "--timeout", "10"]
        r = tool(*argv)
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertIn("offers no STARTTLS", r.stderr)
        self.assertIn("off this machine's loopback", r.stderr)
        self.assertIn("tls = none", r.stderr)
        self.assertEqual(self.rec.messages(), [])
        # told so in so many words: sent in clear
        r = tool(*argv, "--tls-none")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.rec.messages()), 1)
        self.assertIn(b"SECRET-CONTENT", self.rec.messages()[0][3])


@unittest.skipUnless(TOOL, "GUICHET_TOOL_SMTP_TOOL not set")
class PlainSmtp(unittest.TestCase):
    """A server without TLS: plain smtp://, refusals, connection reuse."""

    @classmethod
    def setUpClass(cls):
        cls.rec = Recorder()
        cls.server = start_smtp(cls.rec)
        cls.url = "smtp://127.0.0.1:%d" % cls.server.port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def send(self, *args, to=("alice@client.example",)):
        argv = ["send", "--url", self.url, "--from", "support@example.com"]
        for t in to:
            argv += ["--to", t]
        return tool(*argv, *args)

    def test_plain_send(self):
        before = len(self.rec.messages())
        r = self.send("--subject", SUBJECT, "--body",
                      "Bonjour,\nvotre demande est enregistrée.\n",
                      to=("alice@client.example", "bob@client.example"))
        self.assertEqual(r.returncode, 0, r.stderr)
        msgs = self.rec.messages()[before:]
        self.assertEqual(len(msgs), 1)
        _, mail_from, rcpts, raw = msgs[0]
        self.assertEqual(mail_from, "support@example.com")
        self.assertEqual(rcpts, ["alice@client.example",
                                 "bob@client.example"])
        m = parse(raw)
        self.assertEqual(m["Subject"], SUBJECT)
        self.assertEqual(m["Auto-Submitted"], "auto-replied")
        self.assertEqual(m["Message-ID"], "<%s>" % r.stdout.strip())
        self.assertEqual(m.get_content().replace("\r\n", "\n"),
                         "Bonjour,\nvotre demande est enregistrée.\n")
        for line in raw.split(b"\r\n"):
            self.assertNotIn(b"\n", line)

    def test_two_messages_one_connection(self):
        before = len(self.rec.messages())
        r = self.send("--count", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.split()), 3)
        msgs = self.rec.messages()[before:]
        self.assertEqual(len(msgs), 3)
        # Same client address and port: one TCP connection.
        self.assertEqual(len({peer for peer, _, _, _ in msgs}), 1)
        ids = {parse(raw)["Message-ID"] for _, _, _, raw in msgs}
        self.assertEqual(len(ids), 3)

    def test_permanent_refusal_of_recipient(self):
        before = len(self.rec.messages())
        r = self.send(to=("reject-me@client.example",))
        self.assertEqual(r.returncode, EX_DATAERR, r.stderr)
        self.assertIn("550", r.stderr)
        self.assertIn("no such user here", r.stderr)
        self.assertEqual(len(self.rec.messages()), before)

    def test_temporary_refusal_of_recipient(self):
        r = self.send(to=("later@client.example",))
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertIn("451", r.stderr)
        self.assertIn("try again later", r.stderr)

    def test_each_recipient_its_own_answer(self):
        # one refused for good, one for a while: the others get the mail
        # in the same transaction, and each recipient knows its answer
        before = len(self.rec.messages())
        to = ("alice@client.example", "reject-me@client.example",
              "later@client.example", "bob@client.example")
        r = self.send("--each", to=to)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        out = {a: line[len(a) + 1:] for a, line in zip(to, lines)}
        self.assertTrue(out[to[0]].startswith("sent"), out)
        self.assertTrue(out[to[1]].startswith("refused"), out)
        self.assertIn("550", out[to[1]])
        self.assertIn("no such user here", out[to[1]])
        self.assertTrue(out[to[2]].startswith("tempfail"), out)
        self.assertIn("451", out[to[2]])
        self.assertTrue(out[to[3]].startswith("sent"), out)
        msgs = self.rec.messages()[before:]
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0][2], ["alice@client.example",
                                      "bob@client.example"])

    def test_each_all_refused_and_content_refused(self):
        before = len(self.rec.messages())
        r = self.send("--each", to=("reject-1@client.example",
                                    "later@client.example"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([line.split()[1] for line in r.stdout.splitlines()
                          [:2]], ["refused", "tempfail"])
        r = self.send("--each", "--body", "REFUSE-THIS-CONTENT\n",
                      to=("alice@client.example", "later@client.example"))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith("alice@client.example refused"))
        self.assertIn("554", lines[0])
        self.assertIn("later@client.example tempfail", lines[1])
        self.assertEqual(len(self.rec.messages()), before)

    def test_each_content_deferred(self):
        # a 4xx to DATA: the recipients taken at RCPT try again later,
        # the one refused at RCPT stays refused
        before = len(self.rec.messages())
        r = self.send("--each", "--body", "DEFER-THIS-CONTENT\n",
                      to=("alice@client.example", "reject-me@client.example"))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith("alice@client.example tempfail"))
        self.assertIn("452 4.3.1 insufficient system storage", lines[0])
        self.assertTrue(lines[1].startswith("reject-me@client.example "
                                            "refused"))
        self.assertEqual(len(self.rec.messages()), before)

    def test_each_server_limit_of_recipients(self):
        # 452 after others were taken: the server's limit per
        # transaction, no failure of the recipient ("again")
        r = self.send("--each", to=("crowd1@client.example",
                                    "crowd2@client.example",
                                    "crowd3@client.example"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([line.split()[1] for line in r.stdout.splitlines()
                          [:3]], ["sent", "sent", "again"])
        # the first one refused with 452: a temporary failure
        r = self.send("--each", to=("later@client.example",
                                    "crowd1@client.example"))
        self.assertEqual([line.split()[1] for line in r.stdout.splitlines()
                          [:2]], ["tempfail", "sent"])

    def test_each_server_down(self):
        r = tool("send", "--url", "smtp://127.0.0.1:%d" % free_port(),
                 "--from", "support@example.com", "--to", "a@b.example",
                 "--to", "c@d.example", "--timeout", "5", "--each")
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertEqual([line.split()[1] for line in r.stdout.splitlines()],
                         ["tempfail", "tempfail"])

    def test_permanent_refusal_of_content(self):
        r = self.send("--body", "REFUSE-THIS-CONTENT\n")
        self.assertEqual(r.returncode, EX_DATAERR, r.stderr)
        self.assertIn("554", r.stderr)
        self.assertIn("content refused by policy", r.stderr)

    def test_require_tls_without_starttls(self):
        before = len(self.rec.messages())
        r = self.send("--require-tls")
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertEqual(len(self.rec.messages()), before)

    def test_server_down(self):
        r = tool("send", "--url", "smtp://127.0.0.1:%d" % free_port(),
                 "--from", "support@example.com", "--to", "a@b.example",
                 "--timeout", "5")
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertEqual(r.stdout, "")

    def test_bad_url_and_address(self):
        r = tool("send", "--url", "http://127.0.0.1:1", "--from",
                 "support@example.com", "--to", "a@b.example")
        self.assertEqual(r.returncode, 78, r.stderr)
        r = tool("send", "--url", "smtp://user:%s@127.0.0.1:1" % PASSWORD,
                 "--from", "support@example.com", "--to", "a@b.example")
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertNotIn(PASSWORD, r.stderr)
        r = self.send(to=("a@b.example\r\nRCPT TO:<evil@x.example>",))
        self.assertEqual(r.returncode, EX_DATAERR, r.stderr)


class Utf8Recorder(Recorder):
    """Records, besides, every MAIL FROM with its parameters, and whether
    the transaction declared SMTPUTF8."""

    def __init__(self):
        super().__init__()
        self.mails = []         # (address, parameters)
        self.utf8 = []          # envelope.smtp_utf8 of each message

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        with self.lock:
            self.mails.append((address, list(mail_options)))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.utf8.append(envelope.smtp_utf8)
        return await super().handle_DATA(server, session, envelope)


@unittest.skipUnless(TOOL, "GUICHET_TOOL_SMTP_TOOL not set")
class Utf8Smtp(unittest.TestCase):
    """Addresses in UTF-8 (RFC 6531): sent with SMTPUTF8 to a server that
    offers it, never sent to one that does not."""

    ZOE = "zoë@exämple.org"

    @classmethod
    def setUpClass(cls):
        cls.rec = Utf8Recorder()
        cls.server = Controller(cls.rec, hostname="127.0.0.1",
                                port=free_port(), enable_SMTPUTF8=True)
        cls.server.start()
        cls.old_rec = Utf8Recorder()
        cls.old = Controller(cls.old_rec, hostname="127.0.0.1",
                             port=free_port(), enable_SMTPUTF8=False)
        cls.old.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.old.stop()

    def send(self, port, *args, to=(ZOE,)):
        argv = ["send", "--url", "smtp://127.0.0.1:%d" % port, "--from",
                "support@example.com", "--each"]
        for t in to:
            argv += ["--to", t]
        return tool(*argv, *args)

    def test_sent_with_smtputf8_over_one_connection(self):
        before = len(self.rec.messages())
        r = self.send(self.server.port, "--count", "2",
                      to=(self.ZOE, "bob@client.example"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([line.split()[1] for line in r.stdout.splitlines()
                          if "@" in line.split()[0] and len(line.split()) > 1
                          and line.split()[1] in ("sent", "refused")],
                         ["sent", "sent"] * 2)
        msgs = self.rec.messages()[before:]
        self.assertEqual(len(msgs), 2)
        # one connection: the second transaction had no EHLO of its own,
        # and still declared SMTPUTF8
        self.assertEqual(len({m[0] for m in msgs}), 1)
        self.assertEqual(self.rec.utf8[-2:], [True, True])
        for m in msgs:
            self.assertEqual(m[2], [self.ZOE, "bob@client.example"])
            head = m[3].split(b"\r\n\r\n", 1)[0]
            self.assertIn(b"\r\nTo: " + self.ZOE.encode() +
                          b", bob@client.example\r\n", head)
            # the address is the one thing past ASCII in the header
            self.assertEqual(len([b for b in head if b >= 0x80]),
                             len([b for b in self.ZOE.encode()
                                  if b >= 0x80]))

    def test_ascii_mail_does_not_ask_for_smtputf8(self):
        before = len(self.rec.mails)
        r = self.send(self.server.port, "--subject", SUBJECT,
                      to=("bob@client.example",))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("SMTPUTF8", self.rec.mails[before][1])

    def test_server_without_smtputf8_gets_nothing(self):
        # not even MAIL FROM: the mail needs SMTPUTF8 and the server does
        # not offer it, so every recipient of it is refused for good,
        # the ASCII one too (its copy would carry the other's address)
        r = self.send(self.old.port, to=(self.ZOE, "bob@client.example"))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()[:2]
        for a, line in zip((self.ZOE, "bob@client.example"), lines):
            self.assertTrue(line.startswith(a + " refused "), line)
            self.assertIn("offers no SMTPUTF8", line)
        self.assertEqual(self.old_rec.mails, [])
        self.assertEqual(self.old_rec.messages(), [])
        # the same client, an ASCII mail afterwards: sent as before
        r = self.send(self.old.port, to=("bob@client.example",))
        self.assertTrue(r.stdout.startswith("bob@client.example sent"),
                        r.stdout)
        self.assertEqual(len(self.old_rec.messages()), 1)
        # without --each: a refusal for good (65), saying why
        r = tool("send", "--url", "smtp://127.0.0.1:%d" % self.old.port,
                 "--from", "support@example.com", "--to", self.ZOE)
        self.assertEqual(r.returncode, EX_DATAERR, r.stderr)
        self.assertIn("offers no SMTPUTF8", r.stderr)

    def test_addresses_that_hide_what_they_are_refused(self):
        # a right-to-left override, a zero width space, a no-break space,
        # U+FFFD, a byte that is not UTF-8: not sent, nothing on the wire
        before = len(self.rec.mails)
        for bad in ("ab\u202e@exämple.org", "a\u200bb@exämple.org",
                    "a\u00a0b@exämple.org", "a\ufffd@exämple.org"):
            r = self.send(self.server.port, to=(bad,))
            self.assertEqual(r.returncode, EX_DATAERR, (bad, r.stderr))
            self.assertIn("invisible or control character", r.stderr)
        r = subprocess.run([TOOL.encode(), b"send", b"--url",
                            b"smtp://127.0.0.1:%d" % self.server.port,
                            b"--from", b"support@example.com", b"--to",
                            b"a\xff@example.org"], capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, EX_DATAERR, r.stderr)
        self.assertIn(b"not UTF-8", r.stderr)
        self.assertEqual(len(self.rec.mails), before)


@unittest.skipUnless(TOOL, "GUICHET_TOOL_SMTP_TOOL not set")
class AuthSmtp(unittest.TestCase):
    """AUTH: a good login sends; a refused one is temporary and the
    password never shows."""

    @classmethod
    def setUpClass(cls):
        cls.rec = Recorder()
        cls.server = start_smtp(cls.rec, auth=True)
        cls.url = "smtp://127.0.0.1:%d" % cls.server.port
        cls.tmp = tempfile.TemporaryDirectory()
        cls.good = os.path.join(cls.tmp.name, "good.pass")
        cls.bad = os.path.join(cls.tmp.name, "bad.pass")
        with open(cls.good, "w") as f:
            f.write(PASSWORD + "\n")
        with open(cls.bad, "w") as f:
            f.write("wrong-" + PASSWORD + "\n")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def send(self, pwfile, *args):
        # this server offers no STARTTLS: clear text only when told so
        return tool("send", "--url", self.url, "--from",
                    "support@example.com", "--to", "a@b.example",
                    "--user", "guichet", "--password-file", pwfile,
                    *(args or ("--tls-none",)))

    def test_credentials_never_in_clear_by_default(self):
        before = len(self.rec.messages())
        logins = len(self.rec.logins)
        r = self.send(self.good, "--timeout", "10")
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertIn("offers no STARTTLS", r.stderr)
        self.assertIn("tls = none", r.stderr)
        self.assertNotIn(PASSWORD, r.stderr + r.stdout)
        # no AUTH was said, no mail went
        self.assertEqual(len(self.rec.logins), logins)
        self.assertEqual(len(self.rec.messages()), before)

    def test_login_accepted(self):
        before = len(self.rec.messages())
        r = self.send(self.good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.rec.messages()), before + 1)
        self.assertIn(b"guichet", self.rec.logins)

    def test_login_refused_is_temporary_and_secret(self):
        before = len(self.rec.messages())
        r = self.send(self.bad)
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertIn("login refused", r.stderr)
        self.assertNotIn(PASSWORD, r.stderr + r.stdout)
        self.assertEqual(len(self.rec.messages()), before)


@unittest.skipUnless(TOOL, "GUICHET_TOOL_SMTP_TOOL not set")
class SinkTls(ServersTestCase):
    """STARTTLS and SMTPS against the harness sink: verified with the
    harness CA, refused with an unrelated CA or with none."""

    servers_options = dict(pg=False, imap=False, smtp=True, http=False)

    def setUp(self):
        self.sink = self.servers.smtp
        self.sink.clear()

    def send(self, url, *args, env=None, cwd=None):
        return tool("send", "--url", url, "--from", "support@example.com",
                    "--to", "alice@client.example", "--timeout", "20",
                    *args, env=env, cwd=cwd)

    def test_starttls_verified_with_ca(self):
        r = self.send(self.sink.url, "--ca", self.servers.ca_file,
                      "--require-tls", "--count", "2",
                      "--subject", SUBJECT)
        self.assertEqual(r.returncode, 0, r.stderr)
        msgs = self.sink.wait_for(2)
        self.assertEqual(len(msgs), 2)
        self.assertEqual(msgs[0]["Subject"], SUBJECT)
        self.assertEqual(msgs[0]["X-RcptTo"], "alice@client.example")
        # Two messages, one (TLS) connection: the same client port.
        self.assertEqual(msgs[0]["X-Peer"], msgs[1]["X-Peer"])
        ids = r.stdout.split()
        self.assertEqual([m["Message-ID"] for m in msgs],
                         ["<%s>" % i for i in ids])

    def test_smtps_verified_with_ca(self):
        self.assertIsNotNone(self.sink.smtps_url)
        r = self.send(self.sink.smtps_url, "--ca", self.servers.ca_file)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.sink.wait_for(1)), 1)

    def test_wrong_ca_refused(self):
        for url in (self.sink.url, self.sink.smtps_url):
            r = self.send(url, "--ca", self.servers.other_ca_file)
            self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
            self.assertIn("certificate", r.stderr)
        self.assertEqual(self.sink.count(), 0)

    def test_ca_file_trusted_besides_the_system_store(self):
        # --ca (tls_ca_file) adds a CA to the system's, which is read from
        # SSL_CERT_FILE when it is set (as OpenSSL does for IMAP): the
        # sink's CA trusted either way, by neither refused
        ca, other = self.servers.ca_file, self.servers.other_ca_file
        tmp = tempfile.mkdtemp()
        self.addCleanup(os.rmdir, tmp)
        for system, own, ok in ((ca, other, True), (other, ca, True),
                                (other, other, False)):
            for url in (self.sink.url, self.sink.smtps_url):
                r = self.send(url, "--ca", own, env=dict(
                    SSL_CERT_FILE=system, TMPDIR=tmp))
                self.assertEqual(r.returncode, 0 if ok else EX_TEMPFAIL,
                                 (system, own, url, r.stderr))
                if not ok:
                    self.assertIn("certificate", r.stderr)
        # SSL_CERT_FILE relative to the working directory, as OpenSSL
        # reads it
        r = self.send(self.sink.smtps_url, "--ca", other,
                      cwd=os.path.dirname(ca),
                      env=dict(TMPDIR=tmp,
                               SSL_CERT_FILE=os.path.basename(ca)))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.sink.wait_for(5)), 5)
        # a SSL_CERT_FILE that is not there trusts nothing (libcurl says
        # "Problem with the SSL CA cert")
        r = self.send(self.sink.smtps_url, env=dict(
            TMPDIR=tmp, SSL_CERT_FILE=os.path.join(tmp, "no.pem")))
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertIn("CA cert", r.stderr)
        self.assertEqual(self.sink.count(), 5)
        # the private directory holding the link to the system's bundle
        # went with each process
        self.assertEqual(os.listdir(tmp), [])

    def test_no_ca_refused_not_downgraded(self):
        # STARTTLS is offered, so it is used even without --require-tls,
        # and its certificate is checked against the system CAs: no
        # silent fall back to plain text.
        r = self.send(self.sink.url)
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertIn("certificate", r.stderr)
        self.assertEqual(self.sink.count(), 0)


@unittest.skipUnless(TOOL, "GUICHET_TOOL_SMTP_TOOL not set")
@unittest.skipUnless(TOOL, "GUICHET_TOOL_SMTP_TOOL not set")
class IdleClosed(ServersTestCase):
    """A server closes a connection idle for a second (Postfix: 5
    minutes; libcurl keeps one for 118 s): the next mail, on the
    connection kept, fails before any recipient is named; it goes at
    once on a new one, and once. libcurl with TLS writes to the closed
    connection before it sees it closed."""

    servers_options = dict(pg=False, imap=False, smtp=False, http=False)

    def test_the_next_mail_goes_on_a_new_connection(self):
        from test_tls_trust import Sink
        tls = self.servers.tls
        for starttls in (False, True):
            sink = Sink(tls.cert_file, tls.key_file, idle=1,
                        starttls=starttls)
            self.addCleanup(sink.ctl.stop)
            p = subprocess.Popen(
                [TOOL, "send", "--url", sink.url, "--from",
                 "support@example.com", "--to", "alice@client.example",
                 "--count", "2", "--step", "--ca", tls.ca_file,
                 "--timeout", "20"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            first = p.stdout.readline().strip()
            time.sleep(3)            # the server closes at 1 s idle
            out, err = p.communicate("\n", timeout=60)
            self.assertEqual(p.returncode, 0, err)
            self.assertTrue(first and out.strip(), (first, out, err))
            self.assertIn("closed under us", err)
            self.assertEqual(sink.count(), 2)     # each mail once


class Webhook(ServersTestCase):
    """webhook_post against the harness's HTTP(S) receiver."""

    servers_options = dict(pg=False, imap=False, smtp=False, http=True)

    def setUp(self):
        self.http = self.servers.http
        self.http.clear()
        self.http.status = 200

    def tearDown(self):
        self.http.status = 200

    def post(self, url, payload='{"ticket":"SUP-2026-000042"}', *args):
        return tool("webhook", "--url", url, "--json", payload,
                    "--timeout", "10", *args)

    def test_post_received_with_json_body(self):
        payload = json.dumps({"ticket": "SUP-2026-000042",
                              "event": "sla_breach",
                              "text": "échéance dépassée"})
        r = self.post(self.http.url + "/hooks/support", payload)
        self.assertEqual(r.returncode, 0, r.stderr)
        req, = self.http.wait_for(1)
        self.assertEqual(req.method, "POST")
        self.assertEqual(req.path, "/hooks/support")
        self.assertEqual(req.headers.get("Content-Type"), "application/json")
        self.assertEqual(req.json(), json.loads(payload))

    def test_https_verified_with_ca(self):
        r = self.post(self.http.https_url + "/hook", "{}",
                      "--ca", self.servers.ca_file)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.http.requests()), 1)
        r = self.post(self.http.https_url + "/hook", "{}",
                      "--ca", self.servers.other_ca_file)
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)
        self.assertEqual(len(self.http.requests()), 1)

    def test_5xx_408_429_are_temporary(self):
        for code in (500, 502, 503, 408, 429):
            self.http.status = code
            r = self.post(self.http.url + "/hook")
            self.assertEqual(r.returncode, EX_TEMPFAIL, (code, r.stderr))
            self.assertIn("HTTP %d" % code, r.stderr)

    def test_other_4xx_are_permanent_and_url_path_stays_secret(self):
        for code in (400, 401, 403, 404, 410):
            self.http.fail_next(1, code)
            r = self.post(self.http.url + "/hooks/T0KEN-s3cret")
            self.assertEqual(r.returncode, EX_DATAERR, (code, r.stderr))
            self.assertIn("HTTP %d" % code, r.stderr)
            self.assertIn("failing on purpose", r.stderr)
            # A webhook URL's path often is the secret: never shown.
            self.assertNotIn("T0KEN-s3cret", r.stderr)

    def test_a_redirect_is_permanent_and_said(self):
        """A POST is not redirected (its body would go where the URL did
        not say): refused for good, the error naming the place by its
        scheme, host and port only, so that the operator writes that
        URL."""
        for code in (301, 302, 307, 308):
            self.http.clear()
            self.http.fail_next(1, code, {
                "Location": self.http.https_url + "/hooks/T0KEN-moved"})
            r = self.post(self.http.url + "/hooks/T0KEN-s3cret")
            self.assertEqual(r.returncode, EX_DATAERR, (code, r.stderr))
            self.assertIn("HTTP %d, a redirect to %s: a POST is not "
                          "redirected" % (code, self.http.https_url),
                          r.stderr)
            self.assertNotIn("T0KEN", r.stderr)
            self.assertEqual(len(self.http.requests()), 1)

    def test_2xx_are_success(self):
        for code in (200, 201, 202):
            self.http.status = code
            r = self.post(self.http.url + "/hook")
            self.assertEqual(r.returncode, 0, (code, r.stderr))

    def test_closed_port_is_temporary(self):
        r = self.post("http://127.0.0.1:%d/hook" % free_port())
        self.assertEqual(r.returncode, EX_TEMPFAIL, r.stderr)

    def test_bad_urls_are_permanent(self):
        for url in ("ftp://127.0.0.1/x", "not a url",
                    "http://user:pw@127.0.0.1:1/x"):
            r = self.post(url)
            self.assertEqual(r.returncode, EX_DATAERR, (url, r.stderr))


if __name__ == "__main__":
    unittest.main(verbosity=2)
