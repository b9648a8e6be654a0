"""test_postfix.py - Postfix itself delivers to Guichet, as the operations
guide tells an operator to set it up.

The LMTP tests speak to the daemon with our own client and Python's; this
one puts a real MTA in front of it: a Postfix instance of its own (its
configuration, queue and log under the harness's directory, its SMTP
server on a loopback port, its bounces relayed to the SMTP sink), whose
transport for example.com is `lmtp:unix:` the daemon's socket, reached
through the socket's group as `doc/operations.md` says (0660, the MTA's
user in the daemon's group). A customer's mail goes in by SMTP to Postfix
and must come out as one ticket, acknowledged; what Guichet refuses must
come back to the sender as a bounce; what Guichet cannot take now (the
database away, the daemon stopped) must stay in Postfix's queue and be
delivered once when it can, never twice. The pipe to `guichet ingest`
is run the same way. And the loop that every desk meets: our
acknowledgement, bounced by Postfix to our envelope sender, comes back to
the desk, which files Postfix's report on the ticket and answers nothing.

Postfix's master runs as root: without root (or without Postfix, which
scripts/deps.sh installs) the tests are skipped and say why.
"""

import grp
import json
import os
import pwd
import shutil
import signal
import smtplib
import subprocess
import time
import unittest

import guichet_harness as gh

POSTFIX = "/usr/sbin/postfix"
POSTQUEUE = "/usr/sbin/postqueue"
NO_AGENT = {"agent alice": None}

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.example
mydestination = local.example
alias_maps = hash:{dir}/aliases
alias_database = hash:{dir}/aliases
local_recipient_maps = $alias_maps
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = example.com, pipe.example.com
transport_maps = inline:{{example.com=lmtp:unix:{sock},
    pipe.example.com=guichet:}}
guichet_destination_recipient_limit = 1
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG
    ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
export_environment = TZ MAIL_CONFIG LANG
    ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
default_transport = smtp:[127.0.0.1]:{sink}
maillog_file_prefixes = {dir}
maillog_file = {dir}/maillog
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 1s
message_size_limit = 10240000
"""

# Only the services this test needs, none chrooted.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
lmtp      unix  - - n - - lmtp
local     unix  - n n - - local
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
guichet   unix  - n n - - pipe
  flags=R user={user} argv={bin} -c {conf} ingest --mailbox support
"""


class Postfix:
    """A Postfix instance of its own under directory: SMTP on a loopback
    port, example.com delivered by LMTP to the Unix socket sock, any other
    domain (the bounces) relayed to the SMTP sink's port; pipe.example.com
    piped to `guichet ingest` (pipe=(user, binary, config))."""

    def __init__(self, directory, sock, sink_port, pipe):
        self.dir = directory
        self.pipe = pipe
        self.conf = os.path.join(directory, "etc")
        self.port = gh.free_port()
        self.sock = sock
        self.sink_port = sink_port
        self.log_file = os.path.join(directory, "maillog")

    def _run(self, *argv, check=True):
        r = subprocess.run(list(argv), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60)
        if check and r.returncode != 0:
            raise gh.HarnessError("%s exited %d:\n%s\n--- maillog ---\n%s"
                                  % (" ".join(argv), r.returncode, r.stdout,
                                     self.log()))
        return r.stdout

    def start(self):
        queue = os.path.join(self.dir, "spool")
        data = os.path.join(self.dir, "data")
        for d in (self.conf, queue, data):
            os.makedirs(d, exist_ok=True)
        os.chmod(self.dir, 0o711)
        pw = pwd.getpwnam("postfix")
        os.chown(data, pw.pw_uid, pw.pw_gid)
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(queue=queue, data=data, sock=self.sock,
                                   sink=self.sink_port, dir=self.dir))
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(port=self.port, user=self.pipe[0],
                                     bin=self.pipe[1], conf=self.pipe[2]))
        # The alias of the guide: Postfix runs an alias's command as the
        # owner of the alias database (root's: nobody), so the daemon's
        # user owns this one.
        aliases = os.path.join(self.dir, "aliases")
        with open(aliases, "w") as f:
            f.write('support: "|%s -c %s ingest --mailbox support"\n'
                    % (self.pipe[1], self.pipe[2]))
        self._run("/usr/sbin/postalias", "-c", self.conf, aliases)
        pw = pwd.getpwnam(self.pipe[0])
        for p in (aliases, aliases + ".db"):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        self._run(POSTFIX, "-c", self.conf, "check")
        self._run(POSTFIX, "-c", self.conf, "start")
        gh.wait_until(lambda: not gh.port_is_free(self.port), 20,
                      "Postfix's SMTP port")
        return self

    def stop(self):
        self._run(POSTFIX, "-c", self.conf, "stop", check=False)

    def running(self, service):
        """Whether a process of the service (lmtp, pipe...) runs."""
        try:
            with open(os.path.join(self.dir, "spool", "pid",
                                   "master.pid")) as f:
                master = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return False
        for pid in gh.child_pids(master):
            try:
                with open("/proc/%d/comm" % pid) as f:
                    if f.read().strip() == service:
                        return True
            except OSError:
                pass
        return False

    def log(self):
        try:
            with open(self.log_file, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def send(self, sender, rcpts, raw):
        """Hand a mail to Postfix's SMTP server; return its queue id."""
        with smtplib.SMTP(gh.LOCALHOST, self.port, timeout=30) as c:
            c.ehlo("client.customer.example.org")
            c.mail(sender, (["BODY=8BITMIME"] if any(b > 127 for b in raw)
                            else []) + (["SMTPUTF8"] if not sender.isascii()
                                        else []))
            for r in rcpts:
                code, text = c.rcpt(r)
                if code != 250:
                    raise AssertionError("Postfix refused %s: %d %s"
                                         % (r, code, text))
            code, text = c.data(raw)
            if code != 250:
                raise AssertionError("Postfix refused the mail: %d %s"
                                     % (code, text))
        # "250 2.0.0 Ok: queued as 4Fq2k31Xyz"
        return text.decode().rsplit(" ", 1)[-1]

    def queue(self):
        """The mails in Postfix's queue (postqueue -j), as dicts."""
        out = self._run(POSTQUEUE, "-c", self.conf, "-j")
        return [json.loads(line) for line in out.splitlines() if line]

    def flush(self):
        self._run(POSTQUEUE, "-c", self.conf, "-f")

    def lines(self, qid):
        """The log lines of one queued mail."""
        return [line for line in self.log().splitlines()
                if " %s: " % qid in line]

    def wait_status(self, qid, status, timeout=30, rcpt=None):
        """Wait until the log says qid reached status (sent, deferred,
        bounced) for rcpt (any recipient when None); return that line."""
        found = []

        def seen():
            for line in self.lines(qid):
                if "status=" + status in line and (
                        rcpt is None or "to=<%s>" % rcpt in line):
                    found.append(line)
                    return True
            return False
        try:
            gh.wait_until(seen, timeout, "%s: status=%s" % (qid, status))
        except gh.HarnessError:
            raise AssertionError("no status=%s for %s; its log:\n%s"
                                 % (status, qid, "\n".join(self.lines(qid))))
        return found[0]


def mail(n, body="The export gives an empty file since this morning.\r\n",
         extra="", to="support@example.com"):
    return ("From: Customer %d <c%d@customer.example.org>\r\n"
            "To: %s\r\nSubject: Postfix %d\r\n"
            "Message-ID: <postfix-%d@customer.example.org>\r\n%s"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8"
            "\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s"
            % (n, n, to, n, n, extra, body)).encode()


@unittest.skipUnless(os.path.exists(POSTFIX), "Postfix is not installed "
                     "(scripts/deps.sh installs it)")
@unittest.skipUnless(os.geteuid() == 0, "Postfix's master runs as root")
class PostfixDelivers(gh.ServersTestCase):
    servers_options = dict(http=False)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.servers
        cls.sock = s.path("lmtp.sock")
        # The pipe runs `guichet ingest` as an unprivileged user (Postfix
        # refuses root), the harness's, from a copy of the binary that
        # user can reach, with a configuration of its own.
        pipe = s.path("pipe")
        os.makedirs(pipe, mode=0o755, exist_ok=True)
        os.chmod(pipe, 0o755)
        # Postfix runs guichet-pipe, which runs the guichet beside it (as
        # installed) and keeps the mail in the queue on any exit of a
        # guichet that could not run
        cls.binary = os.path.join(pipe, "guichet")
        shutil.copy(os.environ["GUICHET_BIN"], cls.binary)
        os.chmod(cls.binary, 0o755)
        wrapper = os.path.join(pipe, "guichet-pipe")
        shutil.copy(os.path.join(os.path.dirname(os.environ["GUICHET_BIN"]),
                                 "guichet-pipe"), wrapper)
        os.chmod(wrapper, 0o755)
        cls.pipe_conf = os.path.join(pipe, "guichet.conf")
        cls.postfix = Postfix(s.path("postfix"), cls.sock, s.smtp.port,
                              (s.owner.name, wrapper, cls.pipe_conf))
        # stopped before the servers close (cleanups run last in, first
        # out), even when it failed half-way through its start
        cls.addClassCleanup(cls.postfix.stop)
        cls.postfix.start()

    def setUp(self):
        s = self.servers
        self.db = "pf_" + self._testMethodName[5:][:40].lower()
        s.smtp.clear()
        self.configure()
        s.guichet("migrate")
        self.write_pipe_config()
        self.d = None

    def configure(self, general=None, sections=None):
        """The daemon's configuration: polling an hour away (mail comes
        by LMTP), its socket, no agent; general adds to [guichet],
        sections to the others."""
        g = {"poll_interval": "1h", "reconnect_max": "1s"}
        g.update(general or {})
        sect = {"guichet": g, "lmtp": {"listen": "unix:" + self.sock}}
        sect.update(sections or {})
        sect.update(NO_AGENT)
        self.servers.write_config(dbname=self.db,
                                  mailbox_user=self.db[:30], sections=sect)

    def write_pipe_config(self):
        """The configuration `ingest` reads under Postfix's pipe: the
        daemon's, its secret files owned by the pipe's user, as an
        installation would have them."""
        s = self.servers
        with open(s.config_path) as f:
            text = f.read()
        for line in text.splitlines():
            if line.startswith("password_file = "):
                src = line.split(" = ", 1)[1]
                dst = os.path.join(os.path.dirname(self.pipe_conf),
                                   os.path.basename(src))
                shutil.copy(src, dst)
                os.chmod(dst, 0o600)
                s.owner.chown(dst)
                text = text.replace(src, dst)
        with open(self.pipe_conf, "w") as f:
            f.write(text)
        os.chmod(self.pipe_conf, 0o644)

    def tearDown(self):
        if self.d is not None and self.d.poll() is None:
            self.d.stop(signal.SIGTERM)

    def serve(self):
        self.d = self.servers.spawn("serve")
        self.d.wait_for_output(r"lmtp: listening on")
        # The socket is 0660, the daemon's user and group; the guide has
        # the MTA's user join that group: here the group is Postfix's.
        os.chown(self.sock, -1, grp.getgrnam("postfix").gr_gid)
        return self.d

    def sql(self, q):
        v = self.servers.pg.scalar(q, db=self.db)
        return int(v) if v.isdigit() else v

    def to(self, addr):
        return [m for m in self.servers.smtp.messages()
                if m["To"] and addr in m["To"]]

    def assert_queue_empty(self):
        self.assertEqual(self.postfix.queue(), [], "left in Postfix's queue")

    def stored_once_after_flush(self, qid, customer):
        """The kept mail delivered again (postqueue -f): stored as one
        ticket with one incoming message, acknowledged, nothing left in
        the queue; returns Postfix's line for it."""
        self.postfix.flush()
        line = self.postfix.wait_status(qid, "sent", timeout=60)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in'"), 1)
        gh.wait_until(lambda: self.to(customer), 20, "the acknowledgement")
        self.assert_queue_empty()
        return line

    # -- the path -------------------------------------------------------

    def test_delivered_stored_acknowledged(self):
        self.serve()
        body = ("Bonjour,\r\n\r\nL'export échoue depuis ce matin : le "
                "fichier est vide.\r\n")
        qid = self.postfix.send("c1@customer.example.org",
                                ["support@example.com"], mail(1, body))
        line = self.postfix.wait_status(qid, "sent")
        self.assertIn("[%s]" % self.sock, line)
        self.assertRegex(line, r"250 2\.0\.0 .*stored: new ticket "
                               r"SUP-\d{4}-\d+")
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        # the 8-bit text went through Postfix as it was written
        self.assertIn("L'export échoue depuis ce matin",
                      self.sql("SELECT text FROM messages WHERE direction "
                               "= 'in'"))
        # the envelope's sender, written by the daemon from Postfix's MAIL
        self.assertIn(b"Return-Path: <c1@customer.example.org>",
                      self.servers.pg.scalar(
                          "SELECT encode(raw, 'escape') FROM messages "
                          "WHERE direction = 'in'", db=self.db).encode())
        gh.wait_until(lambda: self.to("c1@customer.example.org"), 20,
                      "the acknowledgement")
        self.assert_queue_empty()

    def test_unknown_recipient_bounced_the_other_stored(self):
        self.serve()
        qid = self.postfix.send("c2@customer.example.org",
                                ["support@example.com",
                                 "nobody@example.com"], mail(2))
        self.postfix.wait_status(qid, "sent", rcpt="support@example.com")
        line = self.postfix.wait_status(qid, "bounced",
                                        rcpt="nobody@example.com")
        self.assertIn("550", line)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        # the sender hears of it from Postfix, and gets our ack besides
        gh.wait_until(lambda: len(self.to("c2@customer.example.org")) >= 2,
                      30, "the bounce and the acknowledgement")
        bounces = [m for m in self.to("c2@customer.example.org")
                   if "MAILER-DAEMON" in str(m["From"])]
        self.assertEqual(len(bounces), 1)
        report = bounces[0].as_string()
        self.assertIn("nobody@example.com", report)
        self.assertIn("5.1.1", report)
        self.assert_queue_empty()

    def test_database_away_kept_then_stored_once(self):
        s = self.servers
        self.serve()
        s.pg.stop()
        try:
            qid = self.postfix.send("c3@customer.example.org",
                                    ["support@example.com"], mail(3))
            line = self.postfix.wait_status(qid, "deferred")
            self.assertIn("451 4.3.0", line)
            queued = self.postfix.queue()
            self.assertEqual([q["queue_id"] for q in queued], [qid])
        finally:
            s.pg.start()
        line = self.stored_once_after_flush(qid, "c3@customer.example.org")
        self.assertIn("new ticket", line)

    def test_daemon_stopped_kept_then_stored_once(self):
        # no daemon: no socket; Postfix keeps the mail
        qid = self.postfix.send("c4@customer.example.org",
                                ["support@example.com"], mail(4))
        self.postfix.wait_status(qid, "deferred")
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 0)
        self.serve()
        self.stored_once_after_flush(qid, "c4@customer.example.org")

    def test_daemon_hung_then_killed_kept_then_stored_once(self):
        # the daemon hangs (stopped) with Postfix's connection waiting in
        # its socket's backlog, then is killed: Postfix loses the
        # connection before any answer, keeps the mail, and delivers it
        # once to the next daemon (the cut in the middle of a mail is
        # test_lmtp's, with a client that can stop there)
        self.serve()
        self.d.proc.send_signal(signal.SIGSTOP)
        try:
            qid = self.postfix.send("c14@customer.example.org",
                                    ["support@example.com"], mail(14))
            gh.wait_until(lambda: self.postfix.running("lmtp"), 30,
                          "Postfix's LMTP client")
            time.sleep(0.5)               # it connects and waits
        finally:
            self.d.proc.kill()
            self.d.proc.wait()
        line = self.postfix.wait_status(qid, "deferred")
        self.assertRegex(line, r"lost connection|Connection refused")
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 0)
        self.serve()
        self.stored_once_after_flush(qid, "c14@customer.example.org")

    def test_same_mail_twice_one_ticket(self):
        # the sender's MUA or an upstream MTA sends the mail again: two
        # queue ids in Postfix, one ticket in Guichet
        self.serve()
        ids = [self.postfix.send("c5@customer.example.org",
                                 ["support@example.com"], mail(5))
               for _ in range(2)]
        # Postfix may deliver them in either order, even at once
        lines = [self.postfix.wait_status(q, "sent") for q in ids]
        self.assertEqual(sorted("new ticket" in line for line in lines),
                         [False, True], lines)
        self.assertEqual(sum("duplicate" in line for line in lines), 1,
                         lines)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in'"), 1)

    def test_pipe_to_ingest_kept_while_database_away(self):
        # the other documented way: a pipe transport to `guichet ingest`,
        # which exits 75 when the database is away
        s = self.servers
        self.serve()                      # sends the acknowledgements
        qid = self.postfix.send("c7@customer.example.org",
                                ["support@pipe.example.com"], mail(7))
        line = self.postfix.wait_status(qid, "sent")
        self.assertIn("relay=guichet", line)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        self.assertEqual(self.sql("SELECT mailbox FROM tickets"), "support")
        s.pg.stop()
        try:
            qid = self.postfix.send("c8@customer.example.org",
                                    ["support@pipe.example.com"], mail(8))
            line = self.postfix.wait_status(qid, "deferred")
            self.assertIn("temporary failure", line)
            self.assertEqual([q["queue_id"] for q in self.postfix.queue()],
                             [qid])
        finally:
            s.pg.start()
        self.postfix.flush()
        self.postfix.wait_status(qid, "sent", timeout=60)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 2)
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in'"), 2)
        # the envelope's sender, from the pipe's Return-Path (flags=R)
        self.assertIn(b"Return-Path: <c8@customer.example.org>",
                      s.pg.scalar("SELECT encode(raw, 'escape') FROM "
                                  "messages WHERE direction = 'in' AND "
                                  "from_addr LIKE 'c8@%'",
                                  db=self.db).encode())
        for n in (7, 8):
            gh.wait_until(lambda: self.to("c%d@customer.example.org" % n),
                          20, "the acknowledgement of %d" % n)
        self.assert_queue_empty()

    def test_pipe_when_guichet_cannot_run_keeps_the_mail(self):
        # what never reaches guichet's main(): a library that does not
        # load after an upgrade (the loader exits 127), a crash. Postfix's
        # pipe would bounce the mail to the customer on either; through
        # guichet-pipe it stays in the queue, and is stored once when
        # guichet runs again
        self.serve()
        saved = self.binary + ".saved"
        os.rename(self.binary, saved)
        self.addCleanup(lambda: os.path.exists(saved) and
                        os.replace(saved, self.binary))
        qids = []
        for n, fake in ((15, "echo 'guichet: error while loading shared "
                         "libraries: libpq.so.5: cannot open shared object "
                         "file' >&2; exit 127"),
                        (16, "kill -SEGV $$")):
            with open(self.binary, "w") as f:
                f.write("#!/bin/sh\ncat >/dev/null\n%s\n" % fake)
            os.chmod(self.binary, 0o755)
            qid = self.postfix.send("c%d@customer.example.org" % n,
                                    ["support@pipe.example.com"], mail(n))
            line = self.postfix.wait_status(qid, "deferred")
            self.assertIn("dsn=4.3.0", line)
            self.assertIn("the mail is not stored; exit 75", line)
            qids.append(qid)
        self.assertIn("exited 127", "\n".join(self.postfix.lines(qids[0])))
        self.assertIn("exited 139", "\n".join(self.postfix.lines(qids[1])))
        self.assertEqual(sorted(q["queue_id"] for q in self.postfix.queue()),
                         sorted(qids))
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 0)
        # guichet mended: each mail stored once, nobody got a bounce
        os.replace(saved, self.binary)
        self.postfix.flush()
        for n, qid in zip((15, 16), qids):
            self.postfix.wait_status(qid, "sent", timeout=60)
            gh.wait_until(lambda: self.to("c%d@customer.example.org" % n),
                          20, "the acknowledgement of %d" % n)
            self.assertFalse([m for m in self.to("c%d@customer.example.org"
                                                 % n)
                              if "MAILER-DAEMON" in str(m["From"])])
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 2)
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in'"), 2)
        self.assert_queue_empty()

    def test_internationalised_sender(self):
        # an address in UTF-8 (RFC 6531): Postfix passes it on because our
        # LHLO offers SMTPUTF8, and the ticket is the customer's. Our
        # acknowledgement goes back through Postfix with SMTPUTF8, the
        # address as written in To (RFC 6532), and Postfix relays it to a
        # next hop that offers SMTPUTF8 too
        self.serve()
        sender = self.send_from_utf8(13)
        self.assertEqual(self.sql("SELECT requester FROM tickets"), sender)
        ack, = gh.wait_until(lambda: self.to(sender), 30,
                             "the acknowledgement")
        self.assertEqual(ack["X-SmtpUtf8"], "yes")
        # Postfix writes the domain of the envelope as an A-label; the
        # local part stays UTF-8
        self.assertIn(ack["X-RcptTo"], (sender,
                                        "clïent13@xn--exmple-cua.org"))
        self.assertEqual(self.sql("SELECT count(*) FROM events WHERE kind "
                                  "IN ('mail_not_sent', 'delivery_refused',"
                                  " 'delivery_failed')"), 0)
        self.assert_queue_empty()

    def test_alias_to_ingest(self):
        # the third way of the guide: an alias piping to ingest
        self.serve()
        qid = self.postfix.send("c11@customer.example.org",
                                ["support@local.example"], mail(11))
        line = self.postfix.wait_status(qid, "sent")
        self.assertIn("relay=local", line)
        self.assertIn("delivered to command", line)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        self.assertEqual(self.sql("SELECT mailbox FROM tickets"), "support")
        gh.wait_until(lambda: self.to("c11@customer.example.org"), 20,
                      "the acknowledgement")
        # a local name without an alias is refused by Postfix at RCPT
        with self.assertRaises(AssertionError) as e:
            self.postfix.send("c12@customer.example.org",
                              ["nobody@local.example"], mail(12))
        self.assertIn("550", str(e.exception))
        self.assert_queue_empty()

    def test_pipe_with_a_broken_config_keeps_the_mail(self):
        # an operator's typo in the configuration the pipe reads: Postfix
        # keeps the mail (75), it does not bounce it to the customer; once
        # the configuration is mended, the mail is stored once
        self.serve()
        with open(self.pipe_conf, "a") as f:
            f.write("\n[guichet\n")
        qid = self.postfix.send("c10@customer.example.org",
                                ["support@pipe.example.com"], mail(10))
        line = self.postfix.wait_status(qid, "deferred")
        self.assertIn("dsn=4.3.0", line)
        self.assertIn("guichet.conf:", line)
        self.assertEqual([q["queue_id"] for q in self.postfix.queue()],
                         [qid])
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 0)
        self.write_pipe_config()
        self.stored_once_after_flush(qid, "c10@customer.example.org")
        # the customer heard from us, never from Postfix
        self.assertFalse([m for m in self.to("c10@customer.example.org")
                          if "MAILER-DAEMON" in str(m["From"])])
        self.assertNotIn("status=bounced", "\n".join(
            self.postfix.lines(qid)))

    def test_acknowledgement_bounced_by_postfix_no_loop(self):
        # the customer's address does not take mail: our acknowledgement,
        # sent through Postfix, comes back as Postfix's bounce to our
        # envelope sender, delivered to the desk by LMTP; it must be
        # taken as automatic and answered by nothing
        s = self.servers
        self.configure(sections={"smtp": {"url": "smtp://%s:%d" % (
            gh.LOCALHOST, self.postfix.port)}})
        s.smtp.refuse("c9@customer.example.org", 550,
                      "5.1.1 mailbox unavailable")
        self.addCleanup(s.smtp.accept_all)
        self.serve()
        qid = self.postfix.send("c9@customer.example.org",
                                ["support@example.com"], mail(9))
        self.postfix.wait_status(qid, "sent")
        # the ack left through Postfix, which the next hop refused: Postfix
        # bounced it to our envelope sender, by LMTP, to the desk
        ack = self.postfix.wait_status(
            self.queue_id_from("support@example.com"), "bounced")
        self.assertIn("550 5.1.1", ack)
        dsn = self.postfix.wait_status(self.queue_id_from(""), "sent")
        number = self.sql("SELECT number FROM tickets")
        self.assertIn("stored: follow-up " + number, dsn)
        self.d.wait_for_output(r"follow-up %s <[^>]*mx\.test\.example>: "
                               r"delivery report \(failed 5\.1\.1\)"
                               % number)
        # taken as automatic: on the ticket, answered by nothing
        self.assertEqual(self.sql(
            "SELECT count(*) FROM messages WHERE direction = 'in' AND "
            "author = 'system' AND from_addr LIKE 'MAILER-DAEMON@%'"), 1)
        time.sleep(2)                     # room for a wrong answer
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        self.assertEqual(self.sql("SELECT count(*) FROM outbox"), 1)
        self.assertEqual(self.postfix.log().count("from=<support@example"
                                                  ".com>"), 1)
        self.assert_queue_empty()

    def test_acknowledgement_to_utf8_address_bounced(self):
        # the same with a customer whose address is in UTF-8: Postfix's
        # bounce of a SMTPUTF8 mail is a message/global-delivery-status
        # report (RFC 6533), filed on the ticket as a delivery report
        s = self.servers
        self.configure(sections={"smtp": {"url": "smtp://%s:%d" % (
            gh.LOCALHOST, self.postfix.port)}})
        s.smtp.refuse("clïent14@*", 550, "5.1.1 mailbox unavailable")
        self.addCleanup(s.smtp.accept_all)
        self.serve()
        self.send_from_utf8(14)
        ack = self.postfix.wait_status(
            self.queue_id_from("support@example.com"), "bounced")
        self.assertIn("550 5.1.1", ack)
        number = self.sql("SELECT number FROM tickets")
        self.d.wait_for_output(r"follow-up %s <[^>]*>: delivery report "
                               r"\(failed 5\.1\.1\)" % number)
        raw_dsn = s.pg.scalar("SELECT encode(raw, 'escape') FROM messages "
                              "WHERE author = 'system' AND direction = "
                              "'in'", db=self.db)
        self.assertIn("message/global-delivery-status", raw_dsn)
        time.sleep(2)                     # room for a wrong answer
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 1)
        self.assertEqual(self.sql("SELECT count(*) FROM outbox"), 1)
        self.assert_queue_empty()

    def send_from_utf8(self, n):
        """Mail n, from "clïent<n>@exämple.org", handed to Postfix and
        delivered to the desk; returns that sender."""
        sender = "clïent%d@exämple.org" % n
        raw = mail(n).replace(b"c%d@customer.example.org" % n,
                              sender.encode())
        qid = self.postfix.send(sender, ["support@example.com"], raw)
        self.postfix.wait_status(qid, "sent")
        return sender

    def queue_id_from(self, sender):
        """The queue id of the first mail Postfix took from sender."""
        found = []

        def seen():
            for line in self.postfix.log().splitlines():
                if "from=<%s>," % sender in line and "qmgr" in line:
                    found.append(line.split(": ")[1])
                    return True
            return False
        gh.wait_until(seen, 30, "a mail from <%s> in Postfix" % sender)
        return found[0]

    def test_mail_over_the_cap_bounced_nothing_stored(self):
        self.configure(general={"max_mail_size": "64KB"})
        self.serve()
        big = "x" * 76 + "\r\n"
        qid = self.postfix.send("c6@customer.example.org",
                                ["support@example.com"],
                                mail(6, big * 4000))
        # Postfix reads the cap from our LHLO's SIZE (four times
        # max_mail_size) and sends nothing past it
        line = self.postfix.wait_status(qid, "bounced")
        self.assertIn("dsn=5.3.4", line)
        self.assertIn("exceeds size limit 262144", line)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), 0)
        self.assertEqual(self.sql("SELECT count(*) FROM quarantine"), 0)
        gh.wait_until(lambda: self.to("c6@customer.example.org"), 30,
                      "the bounce")
        self.assert_queue_empty()


if __name__ == "__main__":
    unittest.main()
