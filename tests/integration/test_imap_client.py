"""test_imap_client.py - daemon/imap.c against a real Dovecot and against
scripted servers.

Drives tests/tools/imap_tool.c ("imap_tool [OPTIONS] URL USER PASSFILE
COMMAND ...", or "shell" reading commands from stdin) and checks what the
servers hold afterwards:
- the harness's Dovecot (STARTTLS and IMAPS with the harness CA): TLS
  verified with the right CA and refused with another or none, LOGIN
  refused with the server's text and never the password, SELECT,
  1,000 mails searched and fetched in batches byte for byte, oversize
  mails left on the server, MOVE and its COPY/STORE/EXPUNGE fallbacks,
  APPEND, IDLE woken by a mail appended elsewhere, and a server killed
  in mid-session (GC_ETEMP) then restarted (a new connect works);
- small servers written here, for what Dovecot will not do: hang up in
  the middle of each command (also inside a FETCH literal), say nothing
  at all, offer no STARTTLS, send news together with the IDLE
  continuation or before it, present a certificate for another host or
  a chain that ends in an unknown self-signed CA.
"""
import os
import re
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from guichet_harness import ServersTestCase

TOOL = os.environ.get("GUICHET_TOOL_IMAP_TOOL")
PASSWORD = "Pa55-w0rd-never-in-logs"
WRONG_PASSWORD = "Wr0ng-pa55-never-in-logs"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "ERROR: UndefinedBehaviorSanitizer")


def run_tool(*args, input=None, timeout=120):
    r = subprocess.run([TOOL, *args], capture_output=True, text=True,
                       input=input, timeout=timeout)
    for marker in SANITIZER_MARKERS:
        if marker in r.stderr:
            raise AssertionError("sanitizer report from imap_tool %s:\n%s"
                                 % (" ".join(args), r.stderr))
    return r


def mail(i, extra=b""):
    """A small mail with CRLF line ends (what IMAP stores unchanged)."""
    return (b"From: Customer %d <c%d@example.com>\r\n"
            b"To: support@example.com\r\n"
            b"Subject: test %d\r\n"
            b"Message-ID: <m%d@example.com>\r\n"
            b"\r\n"
            b"Hello %d\r\n" % (i, i, i, i, i)
            + (b"x" * (i % 70) + b"\r\n") * (i % 9) + extra)


def require_tool():
    if not TOOL:
        raise unittest.SkipTest("GUICHET_TOOL_IMAP_TOOL is not set "
                                "(run through ctest)")


class DovecotTest(ServersTestCase):
    servers_options = dict(pg=False, smtp=False, http=False)

    @classmethod
    def setUpClass(cls):
        require_tool()
        super().setUpClass()
        imap = cls.servers.imap
        cls.passfile = imap.add_user("support", PASSWORD)
        cls.wrongfile = os.path.join(cls.servers.dir, "wrong.pass")
        with open(cls.wrongfile, "w") as f:
            f.write(WRONG_PASSWORD + "\n")
        cls.ca = cls.servers.ca_file
        cls.other_ca = cls.servers.other_ca_file

    def tool(self, *args, url=None, user="support", passfile=None,
             ca=True, opts=(), input=None, timeout=120):
        url = url or self.servers.imap.imaps_url
        head = list(opts)
        if ca:
            head += ["--ca", self.ca if ca is True else ca]
        return run_tool(*head, url, user, passfile or self.passfile,
                        *args, input=input, timeout=timeout)

    def assertOk(self, r):
        self.assertEqual(r.returncode, 0, "stdout:\n%s\nstderr:\n%s"
                         % (r.stdout, r.stderr))
        return r.stdout

    def assertError(self, r, code, text=None):
        self.assertEqual(r.returncode, 1, "stdout:\n%s\nstderr:\n%s"
                         % (r.stdout, r.stderr))
        self.assertIn("error %s:" % code, r.stderr)
        if text is not None:
            self.assertIn(text, r.stderr)

    def fresh_user(self, name):
        return self.servers.imap.add_user(name, PASSWORD)

    def bulk_append(self, user, folder, raws, flags=None):
        """APPEND over one session; returns the UIDs."""
        c = self.servers.imap.client(user)
        try:
            if folder.upper() != "INBOX":
                c.create(folder)
            uids = []
            for raw in raws:
                typ, data = c.append(folder, flags, None, raw)
                self.assertEqual(typ, "OK", data)
                m = re.search(rb"APPENDUID \d+ (\d+)", data[0])
                uids.append(int(m.group(1)))
            return uids
        finally:
            c.logout()

    # -- TLS and login ------------------------------------------------------

    def test_starttls_with_the_right_ca(self):
        out = self.assertOk(self.tool("login",
                                      url=self.servers.imap.imap_url))
        self.assertIn("idle=1 move=1 uidplus=1", out)

    def test_imaps_with_the_right_ca(self):
        out = self.assertOk(self.tool("login"))
        self.assertIn("idle=1 move=1 uidplus=1", out)

    def test_localhost_name_is_checked_too(self):
        url = "imaps://localhost:%d" % self.servers.imap.imaps_port
        self.assertOk(self.tool("login", url=url))

    def test_wrong_ca_is_refused(self):
        for url in (self.servers.imap.imaps_url, self.servers.imap.imap_url):
            with self.subTest(url=url):
                r = self.tool("login", url=url, ca=self.other_ca)
                self.assertError(r, "GC_ETLS", "certificate verify failed")

    def test_no_ca_file_means_system_store_only(self):
        r = self.tool("login", ca=False)
        self.assertError(r, "GC_ETLS", "certificate verify failed")

    def test_unreadable_ca_file_is_a_config_error(self):
        r = self.tool("login", ca=os.path.join(self.servers.dir, "nope.pem"))
        self.assertError(r, "GC_ECONFIG", "nope.pem")

    def test_wrong_password_is_an_auth_error_without_the_password(self):
        for url in (self.servers.imap.imaps_url, self.servers.imap.imap_url):
            with self.subTest(url=url):
                r = self.tool("login", url=url, passfile=self.wrongfile)
                self.assertError(r, "GC_EAUTH", "login as support")
                self.assertIn("Authentication failed", r.stderr)
                self.assertNotIn(WRONG_PASSWORD, r.stderr + r.stdout)
                self.assertNotIn(PASSWORD, r.stderr + r.stdout)

    def test_connection_refused_is_temporary(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        r = self.tool("login", url="imaps://127.0.0.1:%d" % port)
        self.assertError(r, "GC_ETEMP", "Connection refused")

    def test_plain_imap_on_the_imaps_port_times_out(self):
        url = "imap://127.0.0.1:%d" % self.servers.imap.imaps_port
        r = self.tool("login", url=url, opts=["--timeout", "1"])
        self.assertError(r, "GC_ETEMP")

    def test_imaps_on_the_plain_port_fails_the_handshake(self):
        url = "imaps://127.0.0.1:%d" % self.servers.imap.imap_port
        r = self.tool("login", url=url, opts=["--timeout", "5"])
        self.assertError(r, "GC_ETLS", "TLS handshake")

    # -- folders and messages ----------------------------------------------

    def test_select_gives_uidvalidity(self):
        pw = self.fresh_user("sel")
        self.bulk_append("sel", "INBOX", [mail(1), mail(2)])
        out = self.assertOk(self.tool("select", "INBOX", user="sel",
                                      passfile=pw))
        c = self.servers.imap.client("sel")
        try:
            typ, data = c.status("INBOX", "(UIDVALIDITY UIDNEXT)")
        finally:
            c.logout()
        uv = re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1).decode()
        un = re.search(rb"UIDNEXT (\d+)", data[0]).group(1).decode()
        self.assertIn("uidvalidity=%s uidnext=%s exists=2" % (uv, un), out)
        r = self.tool("select", "No-Such-Folder", user="sel", passfile=pw)
        self.assertError(r, "GC_ENOTFOUND", "No-Such-Folder")

    def test_search_and_fetch_1000_mails_in_batches(self):
        pw = self.fresh_user("bulk")
        raws = [mail(i) for i in range(1000)]
        # Every byte value but NUL, CR and LF, in the body of one of them.
        raws[500] = mail(500, bytes(b for b in range(1, 256)
                                    if b not in (10, 13)) + b"\r\n")
        uids = self.bulk_append("bulk", "INBOX", raws)
        out_dir = tempfile.mkdtemp(dir=self.servers.dir)
        out = self.assertOk(self.tool("fetchall", "INBOX", "300", "0",
                                      out_dir, user="bulk", passfile=pw))
        self.assertIn("found 1000 fetched 1000 batches 4", out)
        for uid, raw in zip(uids, raws):
            with open(os.path.join(out_dir, "%d.eml" % uid), "rb") as f:
                self.assertEqual(f.read(), raw, "UID %d" % uid)
        # The search is "UID >= min": min:* must not bring back the last.
        out = self.assertOk(self.tool("search", "INBOX", str(uids[-1] + 1),
                                      user="bulk", passfile=pw))
        self.assertEqual(out.split(), [])
        out = self.assertOk(self.tool("search", "INBOX", str(uids[-3]),
                                      user="bulk", passfile=pw))
        self.assertEqual(out.split(), [str(u) for u in uids[-3:]])
        # Fetching leaves the mails unread and in place.
        msgs = self.servers.imap.fetch("bulk", "INBOX")
        self.assertEqual(len(msgs), 1000)
        self.assertFalse(any("\\Seen" in m.flags for m in msgs))

    def test_fetch_scattered_uids_and_oversize_mails(self):
        pw = self.fresh_user("sizes")
        raws = [mail(i, b"y" * (2000 if i % 3 == 0 else 10) + b"\r\n")
                for i in range(1, 40)]
        uids = self.bulk_append("sizes", "INBOX", raws)
        want = uids[::2] + [999999]         # a UID that does not exist
        spec = ",".join(str(u) for u in reversed(want))
        out_dir = tempfile.mkdtemp(dir=self.servers.dir)
        out = self.assertOk(self.tool("fetch", "INBOX", spec, "1000",
                                      out_dir, user="sizes", passfile=pw))
        lines = out.splitlines()
        self.assertEqual(len(lines), len(uids[::2]))    # 999999 left out
        got = [int(line.split()[0]) for line in lines]
        self.assertEqual(got, sorted(uids[::2]))        # ascending
        for line in lines:
            uid = int(line.split()[0])
            raw = raws[uids.index(uid)]
            if len(raw) > 1000:
                self.assertEqual(line, "%d oversize %d" % (uid, len(raw)))
                self.assertFalse(os.path.exists(
                    os.path.join(out_dir, "%d.eml" % uid)))
            else:
                self.assertEqual(line, "%d %d" % (uid, len(raw)))
                with open(os.path.join(out_dir, "%d.eml" % uid), "rb") as f:
                    self.assertEqual(f.read(), raw)

    def test_search_skips_deleted_mails(self):
        pw = self.fresh_user("deleted")
        kept = self.bulk_append("deleted", "INBOX", [mail(1), mail(2)])
        self.bulk_append("deleted", "INBOX", [mail(3)], flags="(\\Deleted)")
        out = self.assertOk(self.tool("search", "INBOX", "1",
                                      user="deleted", passfile=pw))
        self.assertEqual(out.split(), [str(u) for u in kept])

    def check_move(self, user, opts):
        pw = self.fresh_user(user)
        raws = [mail(i) for i in range(10)]
        uids = self.bulk_append(user, "INBOX", raws)
        self.assertOk(self.tool("ensure", "Processed", user=user,
                                passfile=pw, opts=opts))
        moved = uids[2:7] + [uids[9]]
        spec = ",".join(str(u) for u in moved)
        self.assertOk(self.tool("move", "INBOX", spec, "Processed",
                                user=user, passfile=pw, opts=opts))
        inbox = self.servers.imap.messages(user, "INBOX")
        processed = self.servers.imap.messages(user, "Processed")
        self.assertEqual(inbox, [raws[i] for i in (0, 1, 7, 8)])
        self.assertEqual(processed, [raws[i] for i in (2, 3, 4, 5, 6, 9)])
        # Moving again what is gone is not an error.
        self.assertOk(self.tool("move", "INBOX", spec, "Processed",
                                user=user, passfile=pw, opts=opts))
        r = self.tool("move", "INBOX", str(uids[0]), "No-Such-Folder",
                      user=user, passfile=pw, opts=opts)
        self.assertError(r, "GC_EPROTO", "No-Such-Folder")

    def test_move_with_move(self):
        self.check_move("mover", [])

    def test_move_with_copy_store_uid_expunge(self):
        self.check_move("copier", ["--no-move"])

    def test_move_with_copy_store_expunge(self):
        self.check_move("oldschool", ["--no-move", "--no-uidplus"])

    def test_ensure_folder_creates_once(self):
        pw = self.fresh_user("folders")
        for _ in range(2):
            self.assertOk(self.tool("ensure", "Quarantine", user="folders",
                                    passfile=pw))
        self.assertOk(self.tool("ensure", "INBOX", user="folders",
                                passfile=pw))
        self.assertIn("Quarantine", self.servers.imap.folders("folders"))

    def test_append(self):
        pw = self.fresh_user("appender")
        raw = mail(7, "Accents: é à ü\r\n".encode())
        path = os.path.join(self.servers.dir, "append.eml")
        with open(path, "wb") as f:
            f.write(raw)
        self.assertOk(self.tool("ensure", "Quarantine", user="appender",
                                passfile=pw))
        self.assertOk(self.tool("append", "Quarantine", path,
                                user="appender", passfile=pw))
        self.assertEqual(self.servers.imap.messages("appender", "Quarantine"),
                         [raw])

    # -- IDLE ---------------------------------------------------------------

    def test_idle_reports_a_mail_appended_elsewhere(self):
        pw = self.fresh_user("idler")
        self.bulk_append("idler", "INBOX", [mail(1)])
        p = subprocess.Popen([TOOL, "--ca", self.ca,
                              self.servers.imap.imap_url, "idler", pw,
                              "idle", "INBOX", "3600"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        try:
            self.assertEqual(p.stdout.readline(), "idling\n")
            self.servers.imap.append("idler", "INBOX", mail(2))
            # Without a wake-up the tool would sleep for an hour.
            out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(out, "new_mail=1\n")

    def test_idle_without_news(self):
        pw = self.fresh_user("quiet")
        out = self.assertOk(self.tool("idle", "INBOX", "1", user="quiet",
                                      passfile=pw))
        self.assertEqual(out, "idling\nnew_mail=0\n")

    # -- a server that dies -------------------------------------------------

    def test_zz_server_killed_mid_session_then_restarted(self):
        # Named to run last: it restarts the class's Dovecot.
        pw = self.fresh_user("survivor")
        uids = self.bulk_append("survivor", "INBOX", [mail(1), mail(2)])
        imap = self.servers.imap
        port = imap.imaps_port
        p = subprocess.Popen([TOOL, "--ca", self.ca, "--timeout", "10",
                              imap.imaps_url, "survivor", pw, "shell"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, bufsize=1)

        def ask(line):
            p.stdin.write(line + "\n")
            p.stdin.flush()
            lines = []
            while True:
                got = p.stdout.readline()
                self.assertTrue(got, "imap_tool ended early")
                lines.append(got.rstrip("\n"))
                if got.startswith(("ok", "error ")):
                    return lines

        try:
            self.assertEqual(ask("select INBOX")[-1], "ok")
            self.assertEqual(ask("search 1"),
                             [str(u) for u in uids] + ["ok"])
            imap.kill()
            last = ask("search 1")[-1]
            self.assertTrue(last.startswith("error GC_ETEMP:"), last)
            last = ask("fetch %d" % uids[0])[-1]
            self.assertTrue(last.startswith("error GC_ETEMP:"), last)
            self.assertEqual(ask("close"), ["ok"])
            last = ask("connect")[-1]
            self.assertTrue(last.startswith("error GC_ETEMP:"), last)
            imap.start()
            self.assertEqual(imap.imaps_port, port)
            self.assertEqual(ask("connect")[-1], "ok")
            self.assertEqual(ask("select INBOX")[-1], "ok")
            out = ask("fetch %d" % uids[1])
            self.assertEqual(out[-1], "ok")
            self.assertEqual(out[0], "%d %d" % (uids[1], len(mail(2))))
            p.stdin.close()
            self.assertEqual(p.wait(timeout=60), 0)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            try:
                p.stdin.close()
            except OSError:
                pass
            err = p.stderr.read()
            p.stdout.close()
            p.stderr.close()
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, err)


# ---------------------------------------------------------------------------
# Scripted servers
# ---------------------------------------------------------------------------

class FakeIMAP:
    """An IMAP server that follows a script: hangs up at a chosen point
    (hangup="greeting", or a command keyword such as "FETCH"), stays
    silent, offers chosen capabilities, answers IDLE with chosen bytes
    ("{tag}" stands for the command's tag).
    Records the commands it received. TLS from the first byte when
    tls_context is given."""

    BODY = b"Subject: hi\r\n\r\nhello\r\n"

    def __init__(self, hangup=None, caps="IMAP4rev1 IDLE MOVE UIDPLUS",
                 silent=False, idle_reply=b"+ idling\r\n", tls_context=None):
        self.hangup = hangup
        self.caps = caps
        self.silent = silent
        self.idle_reply = idle_reply
        self.tls_context = tls_context
        self.commands = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def close(self):
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self.serve, args=(c,),
                             daemon=True).start()

    def serve(self, c):
        try:
            if self.tls_context is not None:
                c = self.tls_context.wrap_socket(c, server_side=True)
                self.conns.append(c)
            self.session(c)
        except (OSError, ValueError, ssl.SSLError):
            pass
        finally:
            c.close()

    def cut(self, c, point, partial):
        if self.hangup == point:
            c.sendall(partial)
            c.close()
            return True
        return False

    def session(self, c):
        if self.silent:
            time.sleep(30)
            return
        f = c.makefile("rb")
        if self.cut(c, "greeting", b"* OK fake IMAP serv"):
            return
        c.sendall(b"* OK fake IMAP server ready\r\n")
        while True:
            line = f.readline()
            if not line:
                return
            parts = line.rstrip(b"\r\n").split(b" ")
            self.commands.append(line)
            tag = parts[0]
            words = [w.upper() for w in parts[1:3]]
            cmd = words[1] if words[:1] == [b"UID"] and len(words) > 1 \
                else words[0] if words else b""
            name = cmd.decode()
            if cmd == b"CAPABILITY":
                if self.cut(c, name, b"* CAPABILITY IMAP4"):
                    return
                c.sendall(b"* CAPABILITY %s\r\n%s OK done\r\n"
                          % (self.caps.encode(), tag))
            elif cmd == b"LOGIN":
                if self.cut(c, name, b""):
                    return
                c.sendall(tag + b" OK logged in\r\n")
            elif cmd == b"SELECT":
                if self.cut(c, name, b"* 3 EXISTS\r\n* OK [UIDVALIDITY 7"):
                    return
                c.sendall(b"* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n"
                          b"* OK [UIDNEXT 4] ok\r\n%s OK [READ-WRITE] done\r\n"
                          % tag)
            elif cmd == b"SEARCH":
                if self.cut(c, name, b"* SEARCH 1 2"):
                    return
                c.sendall(b"* SEARCH 1 2 3\r\n%s OK done\r\n" % tag)
            elif cmd == b"FETCH":
                body = self.BODY
                head = b"* 1 FETCH (UID 1 BODY[] {%d}\r\n" % len(body)
                if self.cut(c, name, head + body[:5]):
                    return
                out = b""
                for uid in (1, 2, 3):
                    if b"RFC822.SIZE" in line.upper():
                        out += b"* %d FETCH (UID %d RFC822.SIZE %d)\r\n" % (
                            uid, uid, len(body))
                    else:
                        out += b"* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n" % (
                            uid, uid, len(body), body)
                c.sendall(out + tag + b" OK done\r\n")
            elif cmd == b"MOVE":
                if self.cut(c, name, b"* 1 EXPUN"):
                    return
                c.sendall(tag + b" OK moved\r\n")
            elif cmd == b"IDLE":
                if self.cut(c, name, b"+ idling\r\n"):
                    return
                reply = self.idle_reply.replace(b"{tag}", tag)
                c.sendall(reply)
                if reply.startswith(tag + b" "):
                    continue
                done = f.readline()
                if not done:
                    return
                if self.cut(c, "DONE", b"* 4 EXIS"):
                    return
                c.sendall(tag + b" OK idle done\r\n")
            elif cmd == b"LOGOUT":
                c.sendall(b"* BYE bye\r\n%s OK bye\r\n" % tag)
                return
            else:
                c.sendall(tag + b" OK whatever\r\n")


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


class ScriptedServerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        require_tool()
        cls.dir = tempfile.TemporaryDirectory(prefix="imap-client-")
        d = cls.dir.name
        cls.passfile = os.path.join(d, "pass")
        with open(cls.passfile, "w") as f:
            f.write(PASSWORD)
        # A CA, a server certificate for another host that it signed, and
        # an unrelated CA.
        cls.ca = os.path.join(d, "ca.pem")
        cls.other_ca = os.path.join(d, "other-ca.pem")
        for name, cn in (("ca", "Scripted CA"), ("other-ca", "Other CA")):
            openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", os.path.join(d, name + ".key"),
                    "-out", os.path.join(d, name + ".pem"), "-days", "30",
                    "-subj", "/CN=" + cn,
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        cls.key = os.path.join(d, "server.key")
        cls.cert = os.path.join(d, "server.pem")
        csr = os.path.join(d, "server.csr")
        ext = os.path.join(d, "server.ext")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", cls.key,
                "-out", csr, "-subj", "/CN=mail.example.org")
        with open(ext, "w") as f:
            f.write("subjectAltName = DNS:mail.example.org\n"
                    "extendedKeyUsage = serverAuth\n")
        openssl("x509", "-req", "-in", csr, "-CA", cls.ca, "-CAkey",
                os.path.join(d, "ca.key"), "-set_serial", "7", "-days", "30",
                "-extfile", ext, "-out", cls.cert)
        cls.chain = os.path.join(d, "chain.pem")
        with open(cls.chain, "w") as out:
            for p in (cls.cert, cls.ca):
                with open(p) as f:
                    out.write(f.read())

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def serve(self, **kw):
        s = FakeIMAP(**kw)
        self.addCleanup(s.close)
        return s

    def tls_context(self, chain):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(chain, self.key)
        return ctx

    def shell(self, server, script, opts=("--plaintext",), scheme="imap"):
        url = "%s://127.0.0.1:%d" % (scheme, server.port)
        r = run_tool(*opts, "--timeout", "5", url, "support", self.passfile,
                     "shell", input=script, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(PASSWORD, r.stdout + r.stderr)
        return r.stdout.splitlines()

    def first_error(self, lines):
        for line in lines:
            if line.startswith("error "):
                return line
        self.fail("no error in %r" % lines)

    def test_the_script_works_when_nobody_hangs_up(self):
        s = self.serve()
        out = self.shell(s, "select INBOX\nsearch 1\nfetch 1:3 1000\n"
                            "move 1:3 Done\nidle 1\n")
        self.assertEqual(out, [
            "uidvalidity=7 uidnext=4 exists=3", "ok",
            "1", "2", "3", "ok",
            "1 %d" % len(FakeIMAP.BODY), "2 %d" % len(FakeIMAP.BODY),
            "3 %d" % len(FakeIMAP.BODY), "ok",
            "ok",
            "idling", "new_mail=0", "ok"])
        # The password was sent once, over the plaintext we allowed.
        self.assertEqual(sum(b" LOGIN " in c for c in s.commands), 1)

    def test_hangup_in_the_middle_of_each_command(self):
        script = ("select INBOX\nsearch 1\nfetch 1:3 1000\nmove 1:3 Done\n"
                  "idle 2\nsearch 1\n")
        for point in ("greeting", "CAPABILITY", "LOGIN", "SELECT", "SEARCH",
                      "FETCH", "MOVE", "IDLE", "DONE"):
            with self.subTest(point=point):
                s = self.serve(hangup=point)
                out = self.shell(s, script)
                self.assertTrue(self.first_error(out).startswith(
                    "error GC_ETEMP:"), out)
                # Every later command says the connection is gone.
                self.assertTrue(out[-1].startswith("error GC_ETEMP:"), out)

    def test_a_silent_server_times_out(self):
        s = self.serve(silent=True)
        out = self.shell(s, "select INBOX\n", opts=("--plaintext",
                                                    "--timeout", "1"))
        self.assertEqual(len(out), 1)
        self.assertTrue(out[0].startswith("error GC_ETEMP:"), out)
        self.assertIn("timed out", out[0])

    def test_no_starttls_means_no_login(self):
        s = self.serve(caps="IMAP4rev1 IDLE")
        out = self.shell(s, "select INBOX\n", opts=())
        self.assertTrue(out[0].startswith("error GC_ETLS:"), out)
        self.assertIn("STARTTLS", out[0])
        self.assertFalse(any(b"LOGIN" in c.upper() for c in s.commands))

    def test_logindisabled_is_respected(self):
        s = self.serve(caps="IMAP4rev1 LOGINDISABLED")
        out = self.shell(s, "select INBOX\n")
        self.assertTrue(out[0].startswith("error GC_EAUTH:"), out)
        self.assertFalse(any(b"LOGIN" in c.upper() for c in s.commands))

    def test_news_sent_with_the_idle_continuation(self):
        # Both in one packet: the news sit in the client's buffer, where a
        # poll() on the socket would never see them.
        s = self.serve(idle_reply=b"+ idling\r\n* 4 EXISTS\r\n")
        # Waiting an hour would make the run time out.
        out = self.shell(s, "select INBOX\nidle 3600\n")
        self.assertEqual(out[-3:], ["idling", "new_mail=1", "ok"])

    def test_news_sent_before_the_idle_continuation(self):
        s = self.serve(idle_reply=b"* 4 EXISTS\r\n* 1 RECENT\r\n+ idling\r\n")
        out = self.shell(s, "select INBOX\nidle 3600\n")
        self.assertEqual(out[-3:], ["idling", "new_mail=1", "ok"])

    def test_idle_refused(self):
        s = self.serve(idle_reply=b"{tag} NO not now\r\n")
        out = self.shell(s, "select INBOX\nidle 1\nsearch 1\n")
        self.assertTrue(self.first_error(out).startswith(
            "error GC_EPROTO: IDLE refused"), out)
        # The session goes on.
        self.assertEqual(out[-4:], ["1", "2", "3", "ok"])

    def test_certificate_for_another_host_is_refused(self):
        s = self.serve(tls_context=self.tls_context(self.cert))
        out = self.shell(s, "select INBOX\n", opts=("--ca", self.ca),
                         scheme="imaps")
        self.assertTrue(out[0].startswith("error GC_ETLS:"), out)
        self.assertIn("host name mismatch", out[0])
        self.assertFalse(s.commands)

    def test_chain_to_an_unknown_self_signed_ca_is_refused(self):
        s = self.serve(tls_context=self.tls_context(self.chain))
        out = self.shell(s, "select INBOX\n", opts=("--ca", self.other_ca),
                         scheme="imaps")
        self.assertTrue(out[0].startswith("error GC_ETLS:"), out)
        self.assertIn("certificate verify failed: self-signed certificate "
                      "in certificate chain", out[0])
        self.assertFalse(s.commands)


class URLTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        require_tool()

    def test_good_urls(self):
        for url, want in (
                ("imaps://mail.example.com", "tls=1 host=mail.example.com "
                 "port=993"),
                ("imap://127.0.0.1:1143", "tls=0 host=127.0.0.1 port=1143"),
                ("IMAPS://[::1]:9993/", "tls=1 host=::1 port=9993"),
                ("imap://localhost", "tls=0 host=localhost port=143")):
            with self.subTest(url=url):
                r = run_tool("url", url)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.strip(), want)

    def test_bad_urls(self):
        for url, why in (
                ("pop3://mail.example.com", "unsupported scheme 'pop3'"),
                ("mail.example.com", "imap:// or imaps://"),
                ("imap://", "no host"),
                ("imap://host:0", "bad port"),
                ("imap://host:65536", "bad port"),
                ("imap://host:12a", "unexpected"),
                ("imap://host/INBOX", "unexpected 'INBOX'"),
                ("imap://[::1", "without ']'"),
                ("imap://[nope]", "not an IPv6 address"),
                ("imap://300.1.1.1", "not an IPv4 address"),
                ("imap://bad_host!", "bad character"),
                ("imap://user:secret@host", "user info")):
            with self.subTest(url=url):
                r = run_tool("url", url)
                self.assertEqual(r.returncode, 1)
                self.assertIn("error GC_EINVAL:", r.stderr)
                self.assertIn(why, r.stderr)
                self.assertNotIn("secret", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
