#!/usr/bin/python3
"""guichet_harness - real servers on loopback for Guichet's integration tests.

Starts, on free loopback ports and inside one temporary directory, the
servers that Guichet talks to, so that tests drive the real `guichet`
binary against real software and read the results back:

  Postgres        a private PostgreSQL 15 cluster (initdb in the temp dir)
  Dovecot         a private Dovecot 2.3 IMAP server (STARTTLS + IMAPS,
                  passwd-file users, Maildir, IDLE)
  SmtpSink        aiosmtpd storing every message it receives in a Maildir
                  (plain/STARTTLS port and an SMTPS port)
  WebhookReceiver an HTTP (and HTTPS) server recording every request
  Servers         a context manager starting all of them (or a subset),
                  writing guichet.conf and running `$GUICHET_BIN`

Typical use in a unittest file:

    from guichet_harness import Servers, ServersTestCase

    class TestIntake(ServersTestCase):
        def test_ack(self):
            s = self.servers
            s.imap.append("support", "INBOX", raw_mail)
            s.guichet("serve", "--once")
            mail, = s.smtp.wait_for(1)

Lifetimes: everything lives under Servers.dir, removed by close() (or at
interpreter exit, on SIGTERM/SIGHUP, and -- through a small watchdog
process -- even when the test process is SIGKILLed) unless
GUICHET_KEEP_TMP=1.  No server outlives its Servers except in the
persistent mode of the command line (`up --state DIR`), meant for demos.

Only the standard library of Debian's /usr/bin/python3 and Debian's
python3-aiosmtpd are used.  As root, PostgreSQL and the mail store run as
an unprivileged system user (created when missing); as a normal user,
everything runs as that user.

Command line (for demo scripts):
    guichet_harness.py up --state DIR [--db NAME]
    guichet_harness.py down --state DIR
    guichet_harness.py status --state DIR
    guichet_harness.py add-user --state DIR NAME [--password PW]
"""

import argparse
import atexit
import base64
import collections
import csv
import datetime
import email
import email.policy
import grp
import hashlib
import http.server
import imaplib
import io
import json
import os
import pwd
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import pg_wire

__all__ = [
    "HarnessError", "GuichetFailed", "Servers", "ServersTestCase",
    "Postgres", "Dovecot", "SmtpSink", "WebhookReceiver", "TLSFiles",
    "GuichetProcess", "IMAPMessage", "WebhookRequest", "wait_until",
    "free_port", "imap_utf7_encode", "imap_utf7_decode",
]

PG_BIN = os.environ.get("GUICHET_PG_BIN", "/usr/lib/postgresql/15/bin")
SYSTEM_PYTHON = "/usr/bin/python3"
TEST_USER = "guichet-test"
PG_SUPERUSER = "guichet"
LOCALHOST = "127.0.0.1"
START_TIMEOUT = 60.0
PORT_TRIES = 8


class HarnessError(RuntimeError):
    """A server could not be set up, started or stopped."""


class GuichetFailed(AssertionError):
    """`guichet` ended with an exit code the test did not expect.

    An AssertionError, so that unittest reports a failure (not an error)
    with the command, its exit code, stdout and stderr.
    """

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


# ---------------------------------------------------------------------------
# Small helpers: waiting, ports, processes, users
# ---------------------------------------------------------------------------

def wait_until(predicate, timeout=30.0, what="condition", interval=0.02):
    """Poll predicate() until it returns a true value, which is returned.

    Raises HarnessError naming `what` after `timeout` seconds.  The poll
    interval grows from `interval` up to 0.2 s.
    """
    deadline = time.monotonic() + timeout
    delay = interval
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise HarnessError("timed out after %.1fs waiting for %s"
                               % (timeout, what))
        time.sleep(delay)
        delay = min(delay * 1.5, 0.2)


_ports_handed_out = set()
_ports_lock = threading.Lock()


def port_is_free(port, host=LOCALHOST):
    """True when nothing listens on host:port and it can be bound (with
    SO_REUSEADDR, as the servers do: old TIME_WAIT connections are fine)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port():
    """A port on 127.0.0.1 that can be bound now.

    Picked at random below the kernel's ephemeral range so that outgoing
    connections do not take it, and never twice in one process.  Another
    process may still take it before the server binds: the servers retry
    with a new port when that happens.
    """
    low, high = 20000, 32700
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            eph_low = int(f.read().split()[0])
        high = min(high, eph_low - 1)
    except (OSError, ValueError, IndexError):
        pass
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(low, high)
        with _ports_lock:
            if port in _ports_handed_out:
                continue
            if port_is_free(port):
                _ports_handed_out.add(port)
                return port
    raise HarnessError("no free port found on %s" % LOCALHOST)


def pid_state(pid):
    """The state letter of a process from /proc, or None when it is gone.

    A zombie ('Z') has exited: callers treat it as gone.
    """
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    try:
        return data[data.rindex(")") + 2]
    except (ValueError, IndexError):
        return None


def pid_alive(pid):
    """True when process pid exists and has not exited (zombies are dead)."""
    if not pid or pid <= 0:
        return False
    state = pid_state(pid)
    return state is not None and state not in ("Z", "X")


def wait_pids_gone(pids, timeout=20.0, what="processes to exit"):
    wait_until(lambda: not any(pid_alive(p) for p in pids), timeout, what)


def _proc_ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
        return int(data[data.rindex(")") + 2:].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def child_pids(pid):
    """The pids whose parent is pid."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit() and _proc_ppid(int(name)) == pid:
            out.append(int(name))
    return out


def pids_under(root):
    """Pids of processes whose working directory or command line is in root.

    Every server process of a harness instance has one or the other (the
    PostgreSQL backends work in their data directory, Dovecot's in its
    base_dir, the sinks are started there), which makes this the last
    sweep against strays.
    """
    root = os.path.realpath(root)
    prefix = root + os.sep
    me = os.getpid()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        if pid == me or not pid_alive(pid):
            continue
        try:
            cwd = os.readlink("/proc/%d/cwd" % pid)
        except OSError:
            cwd = ""
        if cwd == root or cwd.startswith(prefix):
            found.append(pid)
            continue
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if root.encode() in cmdline and b"_watchdog" not in cmdline:
            found.append(pid)
    return found


def kill_pids(pids, sig=signal.SIGKILL):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _listen_inodes(port, host=LOCALHOST):
    """Socket inodes listening on host:port (IPv4), from /proc/net/tcp."""
    want = "%s:%04X" % ("".join("%02X" % int(b) for b in
                                reversed(host.split("."))), port)
    inodes = set()
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                if len(fields) > 9 and fields[1] == want and fields[3] == "0A":
                    inodes.add(fields[9])
    except OSError:
        pass
    return inodes


def pid_listens(pid, port, host=LOCALHOST):
    """True when process pid holds a socket listening on host:port."""
    inodes = _listen_inodes(port, host)
    if not inodes:
        return False
    fd_dir = "/proc/%d/fd" % pid
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return False
    for fd in fds:
        try:
            link = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if link.startswith("socket:[") and link[8:-1] in inodes:
            return True
    return False


class ServiceUser:
    """The unprivileged account that owns the PostgreSQL cluster and the
    mail store: `guichet-test` when running as root (created when missing),
    the current user otherwise."""

    def __init__(self):
        if os.geteuid() == 0:
            self.name = TEST_USER
            self._ensure()
            pw = pwd.getpwnam(self.name)
        else:
            pw = pwd.getpwuid(os.geteuid())
            self.name = pw.pw_name
        self.uid = pw.pw_uid
        self.gid = pw.pw_gid
        self.group = grp.getgrgid(self.gid).gr_name
        self.is_root = os.geteuid() == 0

    def _ensure(self):
        for _ in range(50):
            try:
                pwd.getpwnam(self.name)
                return
            except KeyError:
                pass
            r = subprocess.run(
                ["useradd", "--system", "--user-group", "--no-create-home",
                 "--home-dir", "/nonexistent", "--shell",
                 "/usr/sbin/nologin", self.name],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True)
            if r.returncode == 0:
                return
            # Another test process may be creating it right now (the
            # passwd file is locked): look again.
            time.sleep(0.1)
        raise HarnessError("cannot create user %s: %s"
                           % (self.name, r.stdout.strip()))

    def command(self, argv):
        """argv run as this user (runuser when we are root)."""
        if self.is_root:
            return ["runuser", "-u", self.name, "--"] + list(argv)
        return list(argv)

    def chown(self, path):
        if self.is_root:
            os.chown(path, self.uid, self.gid)


def _run(argv, what, timeout=120, **kw):
    """Run argv, raising HarnessError with its output when it fails."""
    r = subprocess.run(argv, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout, **kw)
    if r.returncode != 0:
        raise HarnessError("%s failed (exit %d): %s\n%s"
                           % (what, r.returncode, shlex.join(argv),
                              r.stdout))
    return r


def _tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def _read_pidfile(path):
    try:
        with open(path) as f:
            return int(f.readline().strip())
    except (OSError, ValueError):
        return None


def _write_atomic(path, data, mode=0o644):
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "w" if isinstance(data, str) else "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# TLS material
# ---------------------------------------------------------------------------

class TLSFiles:
    """A throw-away CA, a server certificate it signed (subjectAltName
    DNS:localhost, IP:127.0.0.1) and a second, unrelated CA for negative
    tests, made with the openssl CLI (EC P-256: instant to generate).

    Attributes are paths: ca_file, ca_key, cert_file, key_file,
    other_ca_file, other_ca_key.  Existing files are kept (persistent
    state directories reuse them).
    """

    def __init__(self, directory):
        self.dir = directory
        self.ca_file = os.path.join(directory, "ca.pem")
        self.ca_key = os.path.join(directory, "ca.key")
        self.cert_file = os.path.join(directory, "server.pem")
        self.key_file = os.path.join(directory, "server.key")
        self.other_ca_file = os.path.join(directory, "other-ca.pem")
        self.other_ca_key = os.path.join(directory, "other-ca.key")

    def create(self):
        os.makedirs(self.dir, exist_ok=True)
        if all(os.path.exists(p) for p in (
                self.ca_file, self.cert_file, self.key_file,
                self.other_ca_file)):
            return self
        self._make_ca(self.ca_file, self.ca_key, "Guichet test CA")
        self._make_ca(self.other_ca_file, self.other_ca_key,
                      "Unrelated test CA")
        csr = os.path.join(self.dir, "server.csr")
        ext = os.path.join(self.dir, "server.ext")
        _run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", self.key_file, "-out", csr,
              "-subj", "/CN=localhost"], "openssl req (server)")
        with open(ext, "w") as f:
            f.write("subjectAltName = DNS:localhost, IP:127.0.0.1\n"
                    "basicConstraints = critical, CA:FALSE\n"
                    "keyUsage = critical, digitalSignature, "
                    "keyEncipherment\n"
                    "extendedKeyUsage = serverAuth\n")
        _run(["openssl", "x509", "-req", "-in", csr, "-CA", self.ca_file,
              "-CAkey", self.ca_key, "-set_serial",
              str(random.SystemRandom().randrange(1, 2 ** 62)),
              "-days", "3650", "-sha256", "-extfile", ext,
              "-out", self.cert_file], "openssl x509 (server)")
        os.unlink(csr)
        os.unlink(ext)
        # Readable by the servers' own users (they are throw-away keys).
        for p in (self.ca_file, self.cert_file, self.other_ca_file):
            os.chmod(p, 0o644)
        os.chmod(self.key_file, 0o644)
        return self

    def _make_ca(self, cert, key, cn):
        _run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
              "-out", cert, "-days", "3650", "-sha256", "-subj", "/CN=" + cn,
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
             "openssl req (%s)" % cn)

    def client_context(self, ca_file=None):
        """An ssl.SSLContext that verifies the peer against ca_file (our
        CA by default) and checks the host name."""
        return ssl.create_default_context(cafile=ca_file or self.ca_file)

    def server_context(self):
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx


# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------

_PSQL_NULL = "\x1fNULL\x1f"


class Postgres:
    """A private PostgreSQL 15 cluster under `directory`.

    The superuser is `guichet` (trust authentication on 127.0.0.1), the
    data directory is directory/data, the unix socket lives in directory,
    the server log is directory/postgres.log.  fsync is off: this is for
    tests, never for benchmarks that claim durability.
    """

    def __init__(self, directory, owner, port=None):
        self.dir = directory
        self.owner = owner
        self.port = port
        self.datadir = os.path.join(directory, "data")
        self.logfile = os.path.join(directory, "postgres.log")
        self.user = PG_SUPERUSER
        self.host = LOCALHOST
        self._known = set()     # databases seen to exist (has_database)
        self._session = None    # psql()'s, kept open (pg_wire)
        # False: every psql() a psql process and a backend of its own, as
        # the benchmarks want (they count what a backend did when it ends)
        self.keep_session = True
        self._session_lock = threading.Lock()

    def _bin(self, name):
        return os.path.join(PG_BIN, name)

    # -- life cycle ---------------------------------------------------------

    def _initdb_argv(self, datadir):
        return [self._bin("initdb"), "-D", datadir, "--auth=trust",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
                "--no-instructions", "-U", self.user]

    def _pristine(self):
        """A data directory fresh from initdb, made once for every test of
        this machine (for this PostgreSQL, this initdb and this owner)
        and copied for each cluster: initdb costs a second of CPU, a copy
        a fifth. None when it cannot be made (the caller runs initdb)."""
        try:
            st = os.stat(self._bin("postgres"))
        except OSError:
            return None
        key = "%s %d %d %s" % (shlex.join(self._initdb_argv("")),
                               st.st_mtime_ns, st.st_size, self.owner.uid)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        base = os.path.join(tempfile.gettempdir(),
                            "guichet-initdb-%d-%s" % (self.owner.uid, digest))
        done = os.path.join(base, "data")
        if os.path.exists(os.path.join(done, "PG_VERSION")):
            return done
        try:
            os.makedirs(base, mode=0o711, exist_ok=True)
            self.owner.chown(base)
            work = tempfile.mkdtemp(prefix="making-", dir=base)
            self.owner.chown(work)
            _run(self.owner.command(self._initdb_argv(
                os.path.join(work, "data"))), "initdb", cwd=work)
            try:
                # Two test processes may make it at once: the first
                # rename wins, the other's copy goes.
                os.rename(os.path.join(work, "data"), done)
            except OSError:
                pass
            shutil.rmtree(work, ignore_errors=True)
        except OSError:
            return None
        self._forget_other_pristines(base)
        return done if os.path.exists(os.path.join(done, "PG_VERSION")) \
            else None

    def _forget_other_pristines(self, base):
        """Those of another key (an older PostgreSQL, mostly) are never
        copied again: removed, once untouched for a day (a run beside
        this one may still use one)."""
        prefix = os.path.join(tempfile.gettempdir(),
                              "guichet-initdb-%d-" % self.owner.uid)
        for old in os.listdir(tempfile.gettempdir()):
            old = os.path.join(tempfile.gettempdir(), old)
            try:
                if (old.startswith(prefix) and old != base and
                        time.time() - os.stat(old).st_mtime > 86400):
                    shutil.rmtree(old)
            except OSError:
                pass

    def init(self):
        """A data directory when it does not exist yet: a copy of the
        pristine one (_pristine()), else initdb's own."""
        if os.path.exists(os.path.join(self.datadir, "PG_VERSION")):
            return
        os.makedirs(self.dir, exist_ok=True)
        self.owner.chown(self.dir)
        pristine = self._pristine()
        if pristine:
            _run(self.owner.command(["cp", "-a", pristine, self.datadir]),
                 "copy of a pristine data directory")
        else:
            _run(self.owner.command(self._initdb_argv(self.datadir)),
                 "initdb", cwd=self.dir)
        with open(os.path.join(self.datadir, "postgresql.conf"), "a") as f:
            f.write("\n# Guichet test harness\n"
                    "listen_addresses = '%s'\n"
                    "unix_socket_directories = '%s'\n"
                    "fsync = off\n"
                    "full_page_writes = off\n"
                    "shared_buffers = 32MB\n"
                    "max_connections = 100\n"
                    "timezone = 'UTC'\n"
                    "log_timezone = 'UTC'\n"
                    "lc_messages = 'C'\n"
                    "log_line_prefix = '%%m [%%p] %%q%%u@%%d '\n"
                    % (LOCALHOST, self.dir))

    def start(self, postgres=None):
        """Start the server (pg_ctl -w) and return once it accepts
        connections.  Picks another port when the chosen one was taken.
        postgres: another executable to start in its place (a wrapper
        that runs the server under a tool, say)."""
        self.init()
        if self.running():
            return self
        self._known = set()     # its data directory may be another now
        self._remove_stale_pidfile()
        for attempt in range(PORT_TRIES):
            if self.port is None:
                self.port = free_port()
            size = os.path.getsize(self.logfile) \
                if os.path.exists(self.logfile) else 0
            r = subprocess.run(self.owner.command([
                self._bin("pg_ctl"), "-w", "-t", str(int(START_TIMEOUT)),
                "-D", self.datadir, "-l", self.logfile,
                "-o", "-p %d" % self.port] +
                (["-p", postgres] if postgres else []) + ["start"]),
                cwd=self.dir, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode == 0:
                return self
            log = ""
            try:
                with open(self.logfile, errors="replace") as f:
                    f.seek(size)
                    log = f.read()
            except OSError:
                pass
            if "already in use" in log and attempt + 1 < PORT_TRIES:
                self.port = None
                continue
            raise HarnessError("PostgreSQL did not start: %s\n%s"
                               % (r.stdout, log[-3000:]))
        raise HarnessError("PostgreSQL: no usable port")

    def stop(self, mode="fast"):
        """Shut down (pg_ctl stop -m fast by default; 'immediate' too)."""
        self.close_session()
        pid = self.pid()
        if not pid_alive(pid):
            return
        subprocess.run(self.owner.command([
            self._bin("pg_ctl"), "-w", "-D", self.datadir, "-m", mode,
            "stop"]), cwd=self.dir, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_pids_gone([pid], what="PostgreSQL to stop")

    def kill(self):
        """SIGKILL the postmaster and every backend at once, as a crash
        would; the next start() runs crash recovery."""
        self.close_session()
        pid = self.pid()
        if not pid_alive(pid):
            return
        victims = [pid] + child_pids(pid)
        kill_pids(victims)
        wait_pids_gone(victims, what="PostgreSQL processes to die")

    def restart(self):
        self.stop()
        return self.start()

    def pid(self):
        """The postmaster's pid from postmaster.pid, or None."""
        return _read_pidfile(os.path.join(self.datadir, "postmaster.pid"))

    def running(self):
        return pid_alive(self.pid())

    def _remove_stale_pidfile(self):
        path = os.path.join(self.datadir, "postmaster.pid")
        if os.path.exists(path) and not pid_alive(_read_pidfile(path)):
            # The old postmaster is dead, maybe a zombie not yet reaped,
            # which PostgreSQL would take for a running server.
            self._remove_stale_shm(path)
            os.unlink(path)
        for name in os.listdir(self.dir):
            # So is the socket's lock file, same story.
            if name.startswith(".s.PGSQL.") and name.endswith(".lock"):
                lock = os.path.join(self.dir, name)
                if not pid_alive(_read_pidfile(lock)):
                    for p in (lock, lock[:-len(".lock")]):
                        try:
                            os.unlink(p)
                        except FileNotFoundError:
                            pass

    def _remove_stale_shm(self, pidfile):
        # A killed cluster leaves its small System V segment behind; the
        # next start reuses it, but a cluster that is never started again
        # would leak it.  Line 7 of postmaster.pid is "key shmid".
        try:
            with open(pidfile) as f:
                lines = f.read().splitlines()
            shmid = int(lines[6].split()[1])
        except (OSError, ValueError, IndexError):
            return
        subprocess.run(["ipcrm", "-m", str(shmid)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def cleanup(self):
        """Stop at once (immediate shutdown) before the directory goes."""
        self.close_session()
        pid = self.pid()
        if pid_alive(pid):
            self.stop(mode="immediate")
        path = os.path.join(self.datadir, "postmaster.pid")
        if os.path.exists(path):
            self._remove_stale_shm(path)

    # -- clients ------------------------------------------------------------

    def conninfo(self, dbname="guichet", user=None):
        """A libpq conninfo string for dbname over TCP (as user: the
        superuser by default)."""
        return "host=%s port=%d dbname=%s user=%s" % (
            self.host, self.port, dbname, user or self.user)

    def fresh_role(self, name):
        """A login role of that name, without any privilege (dropped
        first if it exists: roles outlive databases)."""
        self.psql("DROP ROLE IF EXISTS %s" % name)
        self.psql("CREATE ROLE %s LOGIN" % name)
        return name

    def url(self, dbname="guichet"):
        return "postgresql://%s@%s:%d/%s" % (self.user, self.host,
                                              self.port, dbname)

    # Besides what names a database, the statements that change what a
    # new session sees: psql() ends its session after them.
    _NEW_SESSION = re.compile(r"\b(ALTER|CREATE|DROP)\s+(ROLE|USER)\b|"
                              r"\bALTER\s+SYSTEM\b|pg_reload_conf", re.I)

    def psql(self, sql, db="postgres", check=True):
        """Run sql (one or more statements, each in its own implicit
        transaction) as psql would and return the rows of every statement
        that returned rows, concatenated, as tuples of str (None for
        NULL).

        A failing statement raises HarnessError with the server's message
        (statements before it stay committed) unless check=False.

        The statements go over a session kept open between calls
        (pg_wire: a psql process and a new backend for each call cost
        the suite minutes of CPU), made new again after each call as a
        new psql's would be; psql itself runs what pg_wire does not
        (backslash commands, COPY with the client's files) and the calls
        made while another thread uses the session, and every call when
        keep_session is False.
        """
        names_database = re.search(r"\bdatabase\b", sql, re.I)
        if names_database:
            self._known = set()
        new_session = names_database or self._NEW_SESSION.search(sql)
        if new_session:
            # a database dropped or copied must have no session on it
            self.close_session()
        statements = pg_wire.split(sql)
        if statements is not None and self.keep_session and \
                self._session_lock.acquire(blocking=False):
            try:
                rows, error = self._session_run(db, statements)
                if new_session:
                    self._close_session()
            finally:
                self._session_lock.release()
            if error and check:
                raise HarnessError("psql failed on %r:\n%s"
                                   % (sql[:500], error))
            return rows
        if not self.keep_session:
            self.close_session()
        return self._psql_process(sql, db, check)

    def _session_run(self, db, statements):
        key = (self.host, self.port, self.user, db)
        s = self._session
        if s is None or s.key != key or not s.usable():
            self._close_session()
            try:
                s = pg_wire.Session(*key)
            except pg_wire.Lost as e:
                raise HarnessError("psql failed: cannot connect to %s: %s"
                                   % (self.conninfo(db), e)) from None
            self._session = s
        try:
            return s.run(statements)
        except pg_wire.Lost as e:
            self._session = None
            raise HarnessError("psql failed: the connection to %s was lost: "
                               "%s" % (self.conninfo(db), e)) from None

    def _close_session(self):
        if self._session is not None:
            self._session.close()
            self._session = None

    def close_session(self):
        """End psql()'s session (the next call opens another)."""
        with self._session_lock:
            self._close_session()

    def _psql_process(self, sql, db, check):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["PGCONNECT_TIMEOUT"] = "10"
        r = subprocess.run(
            [self._bin("psql"), "-X", "-q", "--csv", "-t",
             "-v", "ON_ERROR_STOP=1", "-P", "null=" + _PSQL_NULL,
             "-d", self.conninfo(db), "-f", "-"],
            input=sql.encode(), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, timeout=120)
        out = r.stdout.decode("utf-8", "replace")
        if r.returncode != 0 and check:
            raise HarnessError("psql failed (exit %d) on %r:\n%s"
                               % (r.returncode, sql[:500],
                                  r.stderr.decode("utf-8", "replace")))
        rows = []
        for row in csv.reader(io.StringIO(out, newline="")):
            rows.append(tuple(None if v == _PSQL_NULL else v for v in row))
        return rows

    def _session_left_open(self, db, sql):
        """A psql session on db that runs sql and stays open (as a
        forgotten psql would); returns the function that ends it, and
        what it held with it (calling it again does nothing)."""
        holder = subprocess.Popen(
            [self._bin("psql"), "-X", "-q", "-d", self.conninfo(db)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items()
                 if not k.startswith("PG")})
        holder.stdin.write((sql + "\n").encode())
        holder.stdin.flush()

        def release():
            if holder.poll() is None:
                holder.stdin.close()
                holder.wait()
        return release

    def hold_lock(self, db, table, mode="ACCESS EXCLUSIVE"):
        """Another session holds `LOCK TABLE table IN mode MODE` in a
        transaction left open, granted when this returns; the returned
        function ends that session, and its lock with it. The caller
        registers it as a cleanup too."""
        release = self._session_left_open(
            db, "BEGIN; LOCK TABLE %s IN %s MODE;" % (table, mode))
        lock = "".join(w.capitalize() for w in mode.split()) + "Lock"
        wait_until(lambda: self.scalar(
            "SELECT count(*) FROM pg_locks WHERE relation = '%s'::regclass "
            "AND mode = '%s' AND granted" % (table, lock), db=db) == "1",
            60, "psql to hold %s" % table)
        return release

    def hold_turn(self, db, job, then=""):
        """Another session holds the turn of a scheduler job that one
        process at a time does (the advisory lock "guichet job JOB", as
        a daemon's pass in the middle of that job would), then runs
        `then` (e.g. a BEGIN and a claim left uncommitted); both done
        when this returns. The returned function ends that session, and
        what it held with it; the caller registers it as a cleanup
        too."""
        release = self._session_left_open(
            db, "SET application_name = 'holder';"
            "SELECT pg_advisory_lock(hashtextextended('guichet job %s', "
            "0));%s" % (job, then))
        state = "idle in transaction" if "BEGIN" in then.upper() else "idle"
        wait_until(lambda: self.scalar(
            "SELECT count(*) FROM pg_stat_activity a WHERE application_name "
            "= 'holder' AND state = '%s' AND EXISTS (SELECT 1 FROM pg_locks "
            "l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND "
            "l.granted)" % state, db=db) == "1", 60,
            "psql to hold the turn of %s" % job)
        return release

    def scalar(self, sql, db="postgres"):
        """The first column of the first row of sql, or None."""
        rows = self.psql(sql, db)
        return rows[0][0] if rows and rows[0] else None

    def databases(self):
        names = [r[0] for r in self.psql(
            "SELECT datname FROM pg_database WHERE NOT datistemplate")]
        self._known = set(names)
        return names

    def has_database(self, name):
        """Whether database name exists: known without a query when this
        object has seen it (every write_config() asks, and a query is a
        psql and a backend started); any statement naming DATABASE
        through psql() makes it ask again."""
        return name in self._known or name in self.databases()

    def create_database(self, name, template=None, exist_ok=False):
        """CREATE DATABASE name (from template, e.g. a migrated database
        used as a template to skip migrations).  Returns its conninfo."""
        if exist_ok and self.has_database(name):
            return self.conninfo(name)
        sql = 'CREATE DATABASE %s' % _pg_ident(name)
        if template:
            sql += " TEMPLATE %s" % _pg_ident(template)
        self.psql(sql + ";")
        self._known.add(name)
        return self.conninfo(name)

    def drop_database(self, name):
        self.psql("DROP DATABASE IF EXISTS %s WITH (FORCE);" % _pg_ident(name))


def _pg_ident(name):
    return '"%s"' % name.replace('"', '""')


# ---------------------------------------------------------------------------
# Dovecot
# ---------------------------------------------------------------------------

IMAPMessage = collections.namedtuple("IMAPMessage", "uid flags raw")
IMAPMessage.__doc__ = "A message read back over IMAP: uid, flags, raw bytes."


class _SourceIMAP4(imaplib.IMAP4):
    """imaplib.IMAP4 that can bind its local address (127.0.0.2 for tests
    of wrong passwords: Dovecot slows later logins from a failing IP)."""

    def __init__(self, host, port, timeout=None, source=None):
        self._source = source
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout):
        if timeout is not None and not timeout:
            raise ValueError("non-blocking socket (timeout=0) not supported")
        src = (self._source, 0) if self._source else None
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=src)


class _SourceIMAP4_SSL(imaplib.IMAP4_SSL, _SourceIMAP4):
    def __init__(self, host, port, ssl_context, timeout=None, source=None):
        self._source = source
        imaplib.IMAP4_SSL.__init__(self, host, port, ssl_context=ssl_context,
                                   timeout=timeout)


def imap_quote(name):
    """A mailbox name as an IMAP quoted string (modified UTF-7)."""
    enc = imap_utf7_encode(name)
    return '"%s"' % enc.replace("\\", "\\\\").replace('"', '\\"')


def imap_utf7_encode(text):
    """RFC 3501 modified UTF-7 of a mailbox name."""
    out, run = [], []

    def flush():
        if run:
            b = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(b).decode().rstrip("=")
                       .replace("/", ",") + "-")
            run.clear()
    for ch in text:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def imap_utf7_decode(text):
    """Inverse of imap_utf7_encode."""

    def repl(m):
        s = m.group(1)
        if not s:
            return "&"
        s = s.replace(",", "/")
        s += "=" * (-len(s) % 4)
        return base64.b64decode(s).decode("utf-16-be")
    return re.sub(r"&([^-]*)-", repl, text)


_LIST_RE = re.compile(rb'\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL)'
                      rb' (?P<name>.*)$')


def _imap_unquote(b):
    b = b.strip()
    if b.startswith(b'"') and b.endswith(b'"'):
        b = re.sub(rb'\\(.)', rb'\1', b[1:-1])
    return imap_utf7_decode(b.decode("utf-8", "replace"))


class Dovecot:
    """A private Dovecot 2.3 under `directory`: IMAP with STARTTLS on
    `imap_port`, IMAPS on `imaps_port`, both on 127.0.0.1; users in a
    passwd-file per user (add_user), mail in
    directory/mail/USER/Maildir, log in directory/dovecot.log.

    The anvil authentication penalty is disabled, so a wrong password does
    not slow down the next logins (each failed login still takes ~0.5 s).
    """

    def __init__(self, directory, tls, owner, imap_port=None,
                 imaps_port=None):
        self.dir = directory
        self.tls = tls
        self.owner = owner
        self.imap_port = imap_port
        self.imaps_port = imaps_port
        self.host = LOCALHOST
        self.conf = os.path.join(directory, "dovecot.conf")
        self.passwd_dir = os.path.join(directory, "passwd.d")
        self.mail_root = os.path.join(directory, "mail")
        self.secrets_dir = os.path.join(directory, "secrets")
        self.base_dir = os.path.join(directory, "run")
        self.state_dir = os.path.join(directory, "state")
        self.logfile = os.path.join(directory, "dovecot.log")
        self.outfile = os.path.join(directory, "dovecot.out")
        self.token = secrets.token_hex(8)
        # Appended to dovecot.conf at each start (e.g. "auth_debug = yes\n").
        self.extra_conf = ""
        self._proc = None
        self._lock = threading.Lock()

    @property
    def imap_url(self):
        return "imap://%s:%d" % (self.host, self.imap_port)

    @property
    def imaps_url(self):
        return "imaps://%s:%d" % (self.host, self.imaps_port)

    @property
    def ca_file(self):
        return self.tls.ca_file

    # -- configuration ------------------------------------------------------

    def _prepare(self):
        for d in (self.dir, self.secrets_dir, self.base_dir, self.state_dir):
            os.makedirs(d, exist_ok=True)
        os.chmod(self.dir, 0o755)
        os.makedirs(self.mail_root, exist_ok=True)
        self.owner.chown(self.mail_root)
        os.makedirs(self.passwd_dir, exist_ok=True)
        os.chmod(self.passwd_dir, 0o755)

    def _write_conf(self):
        o = self.owner
        lines = [
            "# Written by the Guichet test harness: a private instance.",
            "base_dir = %s" % self.base_dir,
            "state_dir = %s" % self.state_dir,
            "log_path = %s" % self.logfile,
            "protocols = imap",
            "listen = %s" % self.host,
            "ssl = yes",
            "ssl_cert = <%s" % self.tls.cert_file,
            "ssl_key = <%s" % self.tls.key_file,
            "auth_mechanisms = plain login",
            "disable_plaintext_auth = no",
            "auth_failure_delay = 0",
            "auth_cache_size = 0",
            "mail_fsync = never",
            "mail_location = maildir:~/Maildir",
            "first_valid_uid = 1",
            "login_greeting = Guichet test IMAP %s" % self.token,
            "mail_max_userip_connections = 100",
            "passdb {",
            "  driver = passwd-file",
            "  args = scheme=PLAIN username_format=%%u %s/%%u"
            % self.passwd_dir,
            "}",
            "userdb {",
            "  driver = static",
            "  args = uid=%d gid=%d home=%s/%%u" % (o.uid, o.gid,
                                                  self.mail_root),
            "}",
            # A login process and a mail process serve one connection
            # after another (Dovecot's high-performance mode), rather
            # than one process per connection: a test's hundreds of
            # connections then cost no process start each.
            "service imap {",
            "  service_count = 1000",
            "}",
            "service imap-login {",
            "  service_count = 0",
            "  inet_listener imap {",
            "    address = %s" % self.host,
            "    port = %d" % self.imap_port,
            "  }",
            "  inet_listener imaps {",
            "    address = %s" % self.host,
            "    port = %d" % self.imaps_port,
            "    ssl = yes",
            "  }",
        ]
        if not o.is_root:
            lines.append("  chroot =")
        lines += [
            "}",
            # No authentication penalty: the auth process cannot reach
            # anvil's penalty socket, so it runs without (one error line
            # in the log at start-up).
            "service anvil {",
            "  unix_listener anvil-auth-penalty {",
            "    mode = 0",
            "  }",
        ]
        if not o.is_root:
            lines.append("  chroot =")
        lines.append("}")
        if not o.is_root:
            lines += [
                "default_internal_user = %s" % o.name,
                "default_internal_group = %s" % o.group,
                "default_login_user = %s" % o.name,
                "service auth-worker {",
                "  user = %s" % o.name,
                "}",
            ]
        _write_atomic(self.conf, "\n".join(lines) + "\n" + self.extra_conf)

    # -- life cycle ---------------------------------------------------------

    def master_pid(self):
        return _read_pidfile(os.path.join(self.base_dir, "master.pid"))

    def running(self):
        return pid_alive(self.master_pid())

    def start(self):
        """Start `dovecot -F` and return once it greets on both ports."""
        with self._lock:
            return self._start()

    def _start(self):
        self._prepare()
        if self.running():
            return self
        self._clear_stale()
        for attempt in range(PORT_TRIES):
            if self.imap_port is None:
                self.imap_port = free_port()
            if self.imaps_port is None:
                self.imaps_port = free_port()
            self._write_conf()
            with open(self.outfile, "ab") as out:
                self._proc = subprocess.Popen(
                    ["dovecot", "-F", "-c", self.conf], cwd=self.dir,
                    stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                    start_new_session=True)
            try:
                wait_until(self._ready, START_TIMEOUT, "Dovecot to start")
                return self
            except HarnessError:
                pass
            log = _tail(self.outfile) + _tail(self.logfile)
            self._reap()
            self._kill_all()
            if "in use" in log and attempt + 1 < PORT_TRIES:
                self.imap_port = self.imaps_port = None
                continue
            raise HarnessError("Dovecot did not start:\n" + log)
        raise HarnessError("Dovecot: no usable port")

    def _ready(self):
        if self._proc is not None and self._proc.poll() is not None:
            raise HarnessError("dovecot exited with %d"
                               % self._proc.returncode)
        pid = self._proc.pid if self._proc else self.master_pid()
        if not (pid_listens(pid, self.imap_port)
                and pid_listens(pid, self.imaps_port)):
            return False
        try:
            with socket.create_connection((self.host, self.imap_port),
                                          timeout=5) as s:
                greeting = s.makefile("rb").readline()
        except OSError:
            return False
        return self.token.encode() in greeting

    def _reap(self):
        if self._proc is not None:
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self._proc = None

    def _clear_stale(self):
        # A master that was killed may linger as a zombie for a moment;
        # dovecot would then say "already running".  It is dead: drop the
        # pid file.
        path = os.path.join(self.base_dir, "master.pid")
        if os.path.exists(path) and not pid_alive(_read_pidfile(path)):
            os.unlink(path)

    def _kill_all(self):
        pid = self._proc.pid if self._proc else self.master_pid()
        if pid_alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                kill_pids([pid])
        kill_pids(pids_under(self.base_dir))
        self._reap()
        wait_until(lambda: not pid_alive(pid)
                   and not pids_under(self.base_dir), 20,
                   "Dovecot processes to die")
        self._clear_stale()

    def stop(self):
        """Graceful stop, as systemd stops the service (SIGTERM to every
        process of the instance at once: the master alone leaves a mail
        process serving its client, an IDLE one, for 10 s more); returns
        once every Dovecot process of this instance is gone."""
        with self._lock:
            pid = self._proc.pid if self._proc else self.master_pid()
            if pid_alive(pid):
                kill_pids([pid] + [p for p in pids_under(self.base_dir)
                                   if p != pid], signal.SIGTERM)
                try:
                    wait_until(lambda: self._gone(pid), 20,
                               "Dovecot to stop")
                except HarnessError:
                    self._kill_all()
            self._reap()
            self._clear_stale()

    def _gone(self, pid):
        if self._proc is not None:
            self._proc.poll()
        return not pid_alive(pid) and not pids_under(self.base_dir)

    def kill(self):
        """SIGKILL every Dovecot process of this instance."""
        with self._lock:
            self._kill_all()

    def restart(self):
        self.stop()
        return self.start()

    cleanup = kill

    # -- users --------------------------------------------------------------

    def add_user(self, name, password=None):
        """Create (or update) IMAP user `name` and return the path of a
        file holding its password (no trailing newline; mode 0600).
        Works while the server runs.  A random password when None."""
        if not re.fullmatch(r"[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*", name):
            raise ValueError("unsupported IMAP user name %r" % name)
        if password is None:
            password = secrets.token_urlsafe(12)
        if any(c in password for c in ":\r\n\0"):
            raise ValueError("password must not hold ':', CR, LF or NUL")
        self._prepare()
        old = self._read_user(name)
        # One passwd-file per user: Dovecot re-reads a changed file at
        # most once a second, but opens a new user's file at once.
        _write_atomic(os.path.join(self.passwd_dir, name),
                      "%s:{PLAIN}%s\n" % (name, password))
        path = self.password_file(name)
        _write_atomic(path, password, mode=0o600)
        if old is not None and old != password and self.running():
            wait_until(lambda: self._can_login(name, password), 10,
                       "Dovecot to see the new password of %s" % name)
        return path

    def _can_login(self, name, password):
        c = self.connect("imaps")
        try:
            c.login(name, password)
            c.logout()
            return True
        except imaplib.IMAP4.error:
            c.shutdown()
            return False

    def password_file(self, name):
        return os.path.join(self.secrets_dir, "%s.pass" % name)

    def _read_user(self, name):
        try:
            with open(os.path.join(self.passwd_dir, name)) as f:
                line = f.readline().rstrip("\n")
        except (OSError, ValueError):
            return None
        if ":{PLAIN}" not in line:
            return None
        return line.split(":{PLAIN}", 1)[1]

    def users(self):
        try:
            return sorted(os.listdir(self.passwd_dir))
        except FileNotFoundError:
            return []

    def password(self, name):
        pw = self._read_user(name)
        if pw is None:
            raise HarnessError("no IMAP user %r (add_user first)" % name)
        return pw

    # -- IMAP clients -------------------------------------------------------

    def connect(self, mode="imaps", source=None, timeout=30, ca_file=None,
                host=None):
        """An imaplib connection, not logged in.

        mode: 'imaps' (implicit TLS), 'starttls' (plain port, then
        STARTTLS) or 'plain' (no TLS).  TLS verifies the certificate
        against ca_file (our CA by default) and the host name.  source:
        local address to bind, e.g. '127.0.0.2'.  host: the name to
        connect to ('127.0.0.1' by default; 'localhost' works too).
        """
        host = host or self.host
        ctx = self.tls.client_context(ca_file)
        if mode == "imaps":
            return _SourceIMAP4_SSL(host, self.imaps_port, ctx,
                                    timeout=timeout, source=source)
        if mode not in ("starttls", "plain"):
            raise ValueError("mode must be imaps, starttls or plain")
        c = _SourceIMAP4(host, self.imap_port, timeout=timeout,
                         source=source)
        if mode == "starttls":
            c.starttls(ssl_context=ctx)
        return c

    def client(self, user, mode="imaps", source=None, timeout=30,
               host=None):
        """A logged-in imaplib connection for user (close it with
        logout()); arguments as for connect()."""
        c = self.connect(mode, source=source, timeout=timeout, host=host)
        try:
            c.login(user, self.password(user))
        except BaseException:
            c.shutdown()
            raise
        return c

    def _session(self, user):
        return _Session(self.client(user))

    def append(self, user, folder, raw, flags=None, date=None):
        """APPEND raw (bytes; bare LF become CRLF) to folder; returns the
        new message's UID.  flags: e.g. '\\\\Seen' or ['\\\\Seen',
        '$Label']; date: a datetime for INTERNALDATE."""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        if flags is not None and not isinstance(flags, str):
            flags = " ".join(flags)
        if flags is not None and not flags.startswith("("):
            flags = "(%s)" % flags
        date_time = imaplib.Time2Internaldate(date) if date else None
        with self._session(user) as c:
            typ, data = c.append(imap_quote(folder), flags, date_time, raw)
            _imap_ok(typ, data, "APPEND to %s" % folder)
        m = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        return int(m.group(1)) if m else None

    def fetch(self, user, folder="INBOX"):
        """Every message of folder as IMAPMessage(uid, flags, raw), in UID
        order, without setting \\Seen."""
        with self._session(user) as c:
            typ, data = c.select(imap_quote(folder), readonly=True)
            _imap_ok(typ, data, "EXAMINE %s" % folder)
            if int(data[0] or 0) == 0:
                return []
            typ, data = c.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            _imap_ok(typ, data, "UID FETCH in %s" % folder)
        out = []
        for item in data:
            if not isinstance(item, tuple):
                continue
            head = item[0]
            uid = re.search(rb"UID (\d+)", head)
            flags = re.search(rb"FLAGS \(([^)]*)\)", head)
            out.append(IMAPMessage(
                int(uid.group(1)) if uid else None,
                tuple(flags.group(1).decode().split()) if flags else (),
                item[1]))
        out.sort(key=lambda m: m.uid or 0)
        return out

    def messages(self, user, folder="INBOX"):
        """The raw bytes of every message in folder, in UID order."""
        return [m.raw for m in self.fetch(user, folder)]

    def folders(self, user):
        """Names of every folder of user (decoded from modified UTF-7)."""
        with self._session(user) as c:
            typ, data = c.list('""', "*")
            _imap_ok(typ, data, "LIST")
        names = []
        for item in data:
            if item is None:
                continue
            if isinstance(item, tuple):
                names.append(imap_utf7_decode(
                    item[1].decode("utf-8", "replace")))
                continue
            m = _LIST_RE.match(item)
            if m:
                names.append(_imap_unquote(m.group("name")))
        return names

    def create_folder(self, user, name, exist_ok=True):
        with self._session(user) as c:
            typ, data = c.create(imap_quote(name))
        if typ != "OK" and not (exist_ok and b"ALREADYEXISTS" in
                                b" ".join(d for d in data if d)):
            raise HarnessError("CREATE %s: %s %r" % (name, typ, data))


class _Session:
    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self.conn

    def __exit__(self, *exc):
        try:
            self.conn.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _imap_ok(typ, data, what):
    if typ != "OK":
        raise HarnessError("IMAP %s failed: %s %r" % (what, typ, data))


# ---------------------------------------------------------------------------
# SMTP sink
# ---------------------------------------------------------------------------

def _maildir_key(name):
    # Python's mailbox module names files "SECS.MUSECSPpidQcount.host".
    m = re.match(r"(\d+)\.M(\d+)P(\d+)Q(\d+)", name)
    if not m:
        return (float("inf"), name)
    return (int(m.group(1)), int(m.group(2)), int(m.group(4)), name)


class SmtpSink:
    """aiosmtpd storing every message in directory/Maildir.

    `port` speaks plain SMTP and offers STARTTLS (not required); with
    smtps=True a second process speaks SMTPS (implicit TLS) on
    `smtps_port` into the same Maildir.  aiosmtpd adds X-MailFrom,
    X-RcptTo and X-Peer headers and stores the message re-serialised by
    Python's email package (line ends become LF).  It offers SMTPUTF8
    (RFC 6531) as most relays do, unless smtputf8=False.
    """

    def __init__(self, directory, tls, port=None, smtps_port=None,
                 smtps=True, handler="smtp_sink.Sink", handler_args=(),
                 smtputf8=True):
        self.handler = handler          # e.g. oauth2_sink.OAuth2Sink
        self.smtputf8 = smtputf8
        self.handler_args = list(handler_args)
        self.dir = directory
        self.tls = tls
        self.port = port
        self.smtps_port = smtps_port
        self.smtps = smtps
        self.host = LOCALHOST
        self.maildir = os.path.join(directory, "Maildir")
        self._procs = {}
        self._lock = threading.Lock()

    @property
    def url(self):
        return "smtp://%s:%d" % (self.host, self.port)

    @property
    def smtps_url(self):
        return "smtps://%s:%d" % (self.host, self.smtps_port) \
            if self.smtps_port else None

    @property
    def ca_file(self):
        return self.tls.ca_file

    def _pidfile(self, kind):
        return os.path.join(self.dir, "%s.pid" % kind)

    # -- refusing recipients (smtp_sink.py reads the rules at every RCPT) --

    @property
    def rules_file(self):
        return os.path.join(self.dir, "rcpt_rules")

    def refuse(self, pattern, code=550, text="5.1.1 no such user"):
        """Answer RCPT for addresses matching the fnmatch `pattern`
        (lower case) with `code` and `text` from now on (550 refuses for
        good, 4xx fails for a while); rules added first win."""
        os.makedirs(self.dir, exist_ok=True)
        with open(self.rules_file, "a", encoding="utf-8") as f:
            f.write("%s %d %s\n" % (pattern.lower(), code, text))

    def unrefuse(self, pattern):
        """Forget the rules of `pattern` only, the others staying in force
        without a moment's gap (the file is replaced atomically)."""
        try:
            with open(self.rules_file, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return
        keep = [line for line in lines
                if line.split(None, 1)[:1] != [pattern.lower()]]
        _write_atomic(self.rules_file, "".join(l + "\n" for l in keep))

    def accept_all(self):
        """Forget every refusal rule."""
        try:
            os.unlink(self.rules_file)
        except FileNotFoundError:
            pass

    def refused(self):
        """Every RCPT refused so far, as (code, address) pairs in order."""
        try:
            with open(os.path.join(self.dir, "rcpt_refused.log"),
                      encoding="utf-8") as f:
                return [tuple(line.split(" ", 1)) for line in
                        f.read().splitlines() if line]
        except FileNotFoundError:
            return []

    def _kinds(self):
        return ["smtp", "smtps"] if self.smtps else ["smtp"]

    def start(self):
        """Start the sink process(es); returns once they listen."""
        with self._lock:
            os.makedirs(self.dir, exist_ok=True)
            for kind in self._kinds():
                self._start_one(kind)
            return self

    def _start_one(self, kind):
        if pid_alive(_read_pidfile(self._pidfile(kind))):
            return
        for attempt in range(PORT_TRIES):
            if kind == "smtp" and self.port is None:
                self.port = free_port()
            if kind == "smtps" and self.smtps_port is None:
                self.smtps_port = free_port()
            port = self.port if kind == "smtp" else self.smtps_port
            tls = (["--tlscert", self.tls.cert_file, "--tlskey",
                    self.tls.key_file, "--no-requiretls"] if kind == "smtp"
                   else ["--smtpscert", self.tls.cert_file, "--smtpskey",
                         self.tls.key_file])
            argv = [SYSTEM_PYTHON, "-m", "aiosmtpd", "-n", "-l",
                    "%s:%d" % (self.host, port)] + tls + (
                    ["--smtputf8"] if self.smtputf8 else []) + [
                    "-c", self.handler, self.maildir,
                    self.rules_file] + self.handler_args
            log = os.path.join(self.dir, "%s.log" % kind)
            env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
                       PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
            with open(log, "ab") as out:
                proc = subprocess.Popen(argv, cwd=self.dir, env=env,
                                        stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=out,
                                        start_new_session=True)
            _write_atomic(self._pidfile(kind), "%d\n" % proc.pid)
            self._procs[kind] = proc

            def ready():
                if proc.poll() is not None:
                    return "exited"
                return pid_listens(proc.pid, port)
            try:
                state = wait_until(ready, START_TIMEOUT,
                                   "the SMTP sink (%s) to listen" % kind)
            except HarnessError:
                state = "timeout"
            if state is True:
                return
            self._stop_one(kind, signal.SIGKILL)
            text = _tail(log)
            if "in use" in text and attempt + 1 < PORT_TRIES:
                if kind == "smtp":
                    self.port = None
                else:
                    self.smtps_port = None
                continue
            raise HarnessError("SMTP sink (%s) did not start:\n%s"
                               % (kind, text))
        raise HarnessError("SMTP sink: no usable port")

    def _stop_one(self, kind, sig):
        proc = self._procs.pop(kind, None)
        pid = proc.pid if proc else _read_pidfile(self._pidfile(kind))
        if pid_alive(pid):
            kill_pids([pid], sig)
        if proc is not None:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        elif pid:
            wait_pids_gone([pid], what="the SMTP sink to exit")
        try:
            os.unlink(self._pidfile(kind))
        except FileNotFoundError:
            pass

    def stop(self):
        """Stop the sink (stored messages stay)."""
        with self._lock:
            for kind in self._kinds():
                self._stop_one(kind, signal.SIGTERM)

    def kill(self):
        with self._lock:
            for kind in self._kinds():
                self._stop_one(kind, signal.SIGKILL)

    cleanup = kill

    def restart(self):
        self.stop()
        return self.start()

    def running(self):
        return all(pid_alive(_read_pidfile(self._pidfile(k)))
                   for k in self._kinds())

    # -- reading ------------------------------------------------------------

    def _files(self):
        files = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            try:
                names = os.listdir(d)
            except FileNotFoundError:
                continue
            files += [(name, os.path.join(d, name)) for name in names
                      if not name.startswith(".")]
        files.sort(key=lambda t: _maildir_key(t[0]))
        return [p for _, p in files]

    def raw_messages(self):
        """Every stored message as bytes, in order of arrival."""
        out = []
        for path in self._files():
            try:
                with open(path, "rb") as f:
                    out.append(f.read())
            except FileNotFoundError:
                pass
        return out

    def messages(self):
        """Every stored message as email.message.EmailMessage (policy
        default), in order of arrival."""
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for raw in self.raw_messages()]

    def count(self):
        return len(self._files())

    def wait_for(self, count, timeout=30):
        """Wait until at least count messages are stored; return them all
        (EmailMessage).  Fails the test (AssertionError) on timeout."""
        try:
            wait_until(lambda: self.count() >= count, timeout,
                       "%d message(s) in the SMTP sink" % count)
        except HarnessError as e:
            raise AssertionError("%s; it holds %d" % (e, self.count()))
        return self.messages()

    def clear(self):
        """Forget every stored message."""
        for path in self._files():
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


# ---------------------------------------------------------------------------
# Webhook receiver
# ---------------------------------------------------------------------------

class WebhookRequest:
    """One request received: unpacks as (path, headers, body); also has
    .method.  headers is an http.client.HTTPMessage (case-insensitive
    get), body bytes; json() decodes the body."""

    __slots__ = ("method", "path", "headers", "body")

    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def _triple(self):
        return (self.path, self.headers, self.body)

    def __iter__(self):
        return iter(self._triple())

    def __getitem__(self, i):
        return self._triple()[i]

    def __len__(self):
        return 3

    def __repr__(self):
        return "WebhookRequest(%s %s, %d bytes)" % (self.method, self.path,
                                                    len(self.body))

    def json(self):
        return json.loads(self.body)


class _WebhookHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _handle(self):
        recv = self.server.receiver
        body = b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                body = self.rfile.read(n)
        status, payload, extra = recv._record(WebhookRequest(
            self.command, self.path, self.headers, body))
        self.send_response(status)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _read_chunked(self):
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or 0, 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    do_POST = do_PUT = do_GET = do_PATCH = do_DELETE = _handle

    def do_HEAD(self):
        """Recorded and answered as the others are, without a body."""
        status, payload, extra = self.server.receiver._record(
            WebhookRequest(self.command, self.path, self.headers, b""))
        self.send_response(status)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()


class _WebhookServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, receiver, ssl_context=None):
        self.receiver = receiver
        self.ssl_context = ssl_context
        super().__init__(addr, _WebhookHandler)

    def finish_request(self, request, client_address):
        if self.ssl_context is None:
            return super().finish_request(request, client_address)
        # Handshake in the request's own thread, so that a client that
        # never speaks TLS cannot stall the accept loop.
        try:
            request.settimeout(30)
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()


class WebhookReceiver:
    """An HTTP server (and an HTTPS one with our certificate) on loopback,
    in threads of this process, recording every request.

    status / response_body: what it answers (200 "ok" by default);
    fail_next(n, status) answers the next n requests with status (e.g. to
    test retries).
    """

    def __init__(self, tls=None):
        self.tls = tls
        self.status = 200
        self.response_body = b"ok"
        self.limit_after = None
        self.limit_headers = {}
        self.limit_status = 429
        self._failures = []
        self._requests = []
        self._cond = threading.Condition()
        self._servers = []
        self.port = None
        self.https_port = None
        self.host = LOCALHOST

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    @property
    def https_url(self):
        return "https://%s:%d" % (self.host, self.https_port) \
            if self.https_port else None

    def start(self):
        if self._servers:
            return self
        srv = _WebhookServer((self.host, 0), self)
        self.port = srv.server_address[1]
        self._servers.append(srv)
        if self.tls is not None:
            tsrv = _WebhookServer((self.host, 0), self,
                                  self.tls.server_context())
            self.https_port = tsrv.server_address[1]
            self._servers.append(tsrv)
        for s in self._servers:
            threading.Thread(target=s.serve_forever, name="webhook",
                             kwargs={"poll_interval": 0.1},
                             daemon=True).start()
        return self

    def stop(self):
        for s in self._servers:
            s.shutdown()
            s.server_close()
        self._servers = []

    cleanup = stop

    def _record(self, req):
        with self._cond:
            self._requests.append(req)
            self._cond.notify_all()
            if self._failures:
                status, headers = self._failures.pop(0)
                return status, b"failing on purpose", headers
            if self.limit_after is not None and self.limit_after <= 0:
                return self.limit_status, b"slow down", dict(
                    self.limit_headers)
            if self.limit_after is not None:
                self.limit_after -= 1
            return self.status, self.response_body, {}

    def fail_next(self, n=1, status=500, headers=None):
        """Answer the next n requests with status, and headers (e.g.
        {"Retry-After": "2"})."""
        with self._cond:
            self._failures += [(status, dict(headers or {}))] * n

    def limit(self, after, headers=None, status=429):
        """As a rate-limited service: take `after` more requests, then
        answer status (429; with headers) to each until limit(None)."""
        with self._cond:
            self.limit_after = after
            self.limit_headers = dict(headers or {})
            self.limit_status = status

    def requests(self):
        """Every request so far: WebhookRequest (path, headers, body)."""
        with self._cond:
            return list(self._requests)

    def wait_for(self, count, timeout=30):
        """Wait until count requests arrived; return them all.  Fails the
        test (AssertionError) on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        "timed out after %.1fs waiting for %d webhook "
                        "request(s); got %d" % (timeout, count,
                                                len(self._requests)))
                self._cond.wait(left)
            return list(self._requests)

    def clear(self):
        with self._cond:
            self._requests = []
            self._failures = []
            self.limit_after = None


# ---------------------------------------------------------------------------
# Cleanup guards: atexit, signals, watchdog
# ---------------------------------------------------------------------------

_live = []
_live_lock = threading.Lock()
_handlers_installed = False


def _cleanup_all():
    with _live_lock:
        servers = list(_live)
    for s in reversed(servers):
        try:
            s.close()
        except Exception as e:   # keep cleaning the others
            print("guichet_harness: cleanup: %s" % e, file=sys.stderr)


def _on_signal(signum, frame):
    _cleanup_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_cleanup_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, None):
            signal.signal(sig, _on_signal)


def _start_watchdog(root, keep):
    """A detached process that kills what lives under root (and removes
    root unless keep) if this process dies without saying goodbye."""
    p = subprocess.Popen(
        [SYSTEM_PYTHON, "-B", os.path.abspath(__file__), "_watchdog", root,
         "1" if keep else "0"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    # The first process forks the watchdog proper and exits at once, so
    # that the watchdog is nobody's child (test runners kill process
    # trees on timeout).
    p.wait()
    return p.stdin


def _watchdog_main(root, keep):
    if os.fork() != 0:
        os._exit(0)
    os.setsid()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    data = b""
    while True:
        chunk = os.read(0, 64)
        if not chunk:
            break
        data += chunk
    if b"done" in data:
        os._exit(0)
    for _ in range(3):
        pids = pids_under(root)
        if not pids:
            break
        for pid in pids:
            # PostgreSQL: SIGQUIT to the postmaster is an immediate
            # shutdown that also frees its shared memory.
            is_pg = False
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    is_pg = b"postgres" in f.read().split(b"\0")[0]
            except OSError:
                pass
            kill_pids([pid], signal.SIGQUIT if is_pg else signal.SIGKILL)
        try:
            wait_until(lambda: not pids_under(root), 5, "processes")
        except HarnessError:
            kill_pids(pids_under(root))
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    os._exit(0)


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------

def _fmt_now(now):
    if isinstance(now, datetime.datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=datetime.timezone.utc)
        return now.astimezone(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
    return str(now)


_SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                      "runtime error:", "ERROR: UndefinedBehaviorSanitizer")


def _check_sanitizers(args, result):
    for marker in _SANITIZER_MARKERS:
        if marker in (result.stderr or ""):
            raise GuichetFailed("sanitizer report from %s:\n%s"
                                % (shlex.join(args), result.stderr), result)


def _describe(args, rc, stdout, stderr):
    return ("%s exited %s\n--- stdout ---\n%s\n--- stderr ---\n%s"
            % (shlex.join(args), rc, stdout.rstrip(), stderr.rstrip()))


class GuichetProcess:
    """A `guichet` run in the background (e.g. `serve`), its output going
    to files.  stop() signals it and returns a CompletedProcess."""

    def __init__(self, args, proc, out_path, err_path):
        self.args = args
        self.proc = proc
        self.pid = proc.pid
        self.out_path = out_path
        self.err_path = err_path

    def stdout(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def poll(self):
        return self.proc.poll()

    def send_signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait_for_output(self, pattern, timeout=30, stream="stderr"):
        """Wait until stdout or stderr matches the regex pattern; returns
        the match.  Fails the test if the process exits first."""
        rx = re.compile(pattern)
        read = self.stderr if stream == "stderr" else self.stdout

        def probe():
            m = rx.search(read())
            if m:
                return m
            if self.proc.poll() is not None:
                raise AssertionError(
                    "guichet exited (%d) before printing %r:\n%s"
                    % (self.proc.returncode, pattern,
                       self.stdout() + self.stderr()))
            return None
        try:
            return wait_until(probe, timeout, "guichet to print %r" % pattern)
        except HarnessError as e:
            raise AssertionError("%s\n--- stdout ---\n%s\n--- stderr ---\n%s"
                                 % (e, self.stdout(), self.stderr()))

    def wait(self, timeout=60, expect=0, check=True):
        """Wait for exit; return a CompletedProcess (raise GuichetFailed
        when check and the exit code is not in expect)."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise GuichetFailed("timed out after %ss: %s" % (
                timeout, _describe(self.args, "(killed)", self.stdout(),
                                   self.stderr())))
        result = subprocess.CompletedProcess(self.args, rc, self.stdout(),
                                             self.stderr())
        _check_sanitizers(self.args, result)
        expected = (expect,) if isinstance(expect, int) else tuple(expect)
        if check and rc not in expected:
            raise GuichetFailed(_describe(self.args, rc, result.stdout,
                                          result.stderr), result)
        return result

    def stop(self, sig=signal.SIGTERM, timeout=30, expect=0, check=True):
        self.send_signal(sig)
        return self.wait(timeout=timeout, expect=expect, check=check)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Servers:
    """The test servers, in one temporary directory.

        with Servers() as s:                 # all of them
        with Servers(http=False) as s:       # a subset
        s = Servers(imap=False).start(); ...; s.close()

    Attributes: dir (the temp dir), tls (TLSFiles), ca_file,
    other_ca_file, pg (Postgres), imap (Dovecot), smtp (SmtpSink), http
    (WebhookReceiver) -- None for those not started -- and config_path
    once write_config() ran.

    root: use this directory instead of a new temp dir; persistent=True
    keeps it and leaves the servers running on close (used by `up`).
    keep: keep the directory after close (default: GUICHET_KEEP_TMP=1).
    smtps: also run the SMTPS sink.  ports: preferred ports, e.g.
    {"pg": 5433, "imap": 1143, "imaps": 1993, "smtp": 2525, "smtps":
    2465}; one that is taken is replaced by a free one.
    """

    def __init__(self, pg=True, imap=True, smtp=True, http=True, *,
                 root=None, persistent=False, keep=None, smtps=True,
                 ports=None):
        self.want = {"pg": pg, "imap": imap, "smtp": smtp, "http": http}
        self.persistent = persistent
        if keep is None:
            keep = os.environ.get("GUICHET_KEEP_TMP", "") not in ("", "0")
        self.keep = keep or persistent
        self._root_arg = root
        self._smtps = smtps
        self._ports = dict(ports or {})
        self.dir = None
        self.tls = None
        self.owner = None
        self.pg = self.imap = self.smtp = self.http = None
        self.config_path = None
        self._watchdog = None
        self._procs = []
        self._closed = False
        self._started = False
        self._counter = 0

    # -- life cycle ---------------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    def path(self, *parts):
        """A path inside the harness directory."""
        return os.path.join(self.dir, *parts)

    def _setup(self):
        if self.dir is not None:
            return
        if self._root_arg:
            self.dir = os.path.abspath(self._root_arg)
            os.makedirs(self.dir, exist_ok=True)
        else:
            self.dir = tempfile.mkdtemp(prefix="guichet-test-")
        # Servers running as other users must be able to reach their
        # subdirectories.
        os.chmod(self.dir, 0o711)
        self.owner = ServiceUser()
        self.tls = TLSFiles(self.path("tls"))
        p = self._ports
        if self.want["pg"]:
            self.pg = Postgres(self.path("pg"), self.owner,
                               port=p.get("pg"))
        if self.want["imap"]:
            self.imap = Dovecot(self.path("dovecot"), self.tls, self.owner,
                                imap_port=p.get("imap"),
                                imaps_port=p.get("imaps"))
        if self.want["smtp"]:
            self.smtp = SmtpSink(self.path("smtp"), self.tls,
                                 port=p.get("smtp"),
                                 smtps_port=p.get("smtps"),
                                 smtps=self._smtps)
        if self.want["http"]:
            self.http = WebhookReceiver(self.tls)

    def start(self):
        """Start every wanted server (in parallel) and return self once
        all are ready.  On failure everything is cleaned up and the error
        raised."""
        if self._started:
            return self
        self._setup()
        if not self.persistent:
            with _live_lock:
                _live.append(self)
            _install_handlers()
            self._watchdog = _start_watchdog(self.dir, self.keep)
        self._started = True
        errors = []

        def run(fn):
            try:
                fn()
            except BaseException as e:   # reported below
                errors.append(e)
        try:
            threads = []
            if self.pg:
                threads.append(threading.Thread(target=run,
                                                args=(self.pg.start,)))
                threads[-1].start()
            self.tls.create()
            for srv in (self.imap, self.smtp):
                if srv:
                    threads.append(threading.Thread(target=run,
                                                    args=(srv.start,)))
                    threads[-1].start()
            if self.http:
                self.http.start()
            for t in threads:
                t.join()
            if errors:
                raise errors[0]
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        """Stop everything and remove the directory (unless kept).  In
        persistent mode, leave the servers running."""
        if self._closed:
            return
        self._closed = True
        with _live_lock:
            if self in _live:
                _live.remove(self)
        for gp in self._procs:
            try:
                gp.kill()
            except OSError:
                pass
        if self.http:
            self.http.stop()
        if not self.persistent and self.dir:
            for srv in (self.imap, self.smtp, self.pg):
                if srv:
                    try:
                        srv.cleanup()
                    except Exception as e:   # keep going
                        print("guichet_harness: %s" % e, file=sys.stderr)
            stray = pids_under(self.dir)
            if stray:
                kill_pids(stray)
                try:
                    wait_pids_gone(stray, 10)
                except HarnessError:
                    pass
            if self.keep:
                print("guichet_harness: kept %s" % self.dir, file=sys.stderr)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
        if self._watchdog is not None:
            try:
                self._watchdog.write(b"done\n")
                self._watchdog.close()
            except OSError:
                pass
            self._watchdog = None

    @property
    def ca_file(self):
        return self.tls.ca_file

    @property
    def other_ca_file(self):
        return self.tls.other_ca_file

    # -- guichet.conf -------------------------------------------------------

    def config_sections(self, dbname="guichet", mailbox="support",
                        mailbox_user=None, imap="imaps", smtp="smtp",
                        queue="support", agent="alice"):
        """The default configuration as an ordered dict of sections (each
        an ordered dict of key -> value), for the servers running.

        Side effects, so that the configuration works as written: creates
        database dbname and IMAP user mailbox_user (default: the mailbox
        name) when missing.
        """
        mailbox_user = mailbox_user or mailbox
        sections = collections.OrderedDict()
        if self.pg:
            if not self.pg.has_database(dbname):
                self.pg.create_database(dbname)
            conninfo = self.pg.conninfo(dbname)
        else:
            conninfo = "host=%s port=1 dbname=%s user=%s" % (
                LOCALHOST, dbname, PG_SUPERUSER)
        sections["database"] = {"conninfo": conninfo}

        if self.smtp:
            url = self.smtp.smtps_url if smtp == "smtps" else self.smtp.url
        else:
            url = "smtp://%s:1" % LOCALHOST
        sections["smtp"] = collections.OrderedDict([
            ("url", url),
            ("from", "Support <support@example.com>"),
            ("tls_ca_file", self.tls.ca_file),
        ])

        if self.imap:
            if mailbox_user not in self.imap.users():
                self.imap.add_user(mailbox_user)
            pwfile = self.imap.password_file(mailbox_user)
            url = self.imap.imap_url if imap in ("imap", "starttls") \
                else self.imap.imaps_url
        else:
            pwfile = self.path("%s.pass" % mailbox_user)
            if not os.path.exists(pwfile):
                _write_atomic(pwfile, "unused", 0o600)
            url = "imaps://%s:1" % LOCALHOST
        sections["mailbox " + mailbox] = collections.OrderedDict([
            ("url", url),
            ("user", mailbox_user),
            ("password_file", pwfile),
            ("folder", "INBOX"),
            ("processed_folder", "Processed"),
            ("quarantine_folder", "Quarantine"),
            ("address", "%s@example.com" % mailbox),
            ("queue", queue),
            ("tls_ca_file", self.tls.ca_file),
        ])
        sections["agent " + agent] = collections.OrderedDict([
            ("address", "%s@example.com" % agent),
            ("queues", queue),
        ])
        q = collections.OrderedDict([
            ("escalation_to", "oncall@example.com"),
        ])
        if self.http:
            q["webhook_url"] = "%s/hooks/%s" % (self.http.url, queue)
        sections["queue " + queue] = q
        return sections

    def write_config(self, path=None, sections=None, raw=None, **overrides):
        """Write a guichet.conf for the running servers; return its path
        (also kept as self.config_path for guichet()).

        path: where (default DIR/guichet.conf).
        sections: {"section name": {key: value}} merged over the
          defaults; a value None removes the key, a section None removes
          the section; lists become "a, b".
        raw: INI text appended as is.
        overrides: keyword arguments of config_sections() (dbname,
          mailbox, mailbox_user, imap='imaps'|'imap', smtp='smtp'|'smtps',
          queue, agent).
        """
        conf = self.config_sections(**overrides)
        for name, keys in (sections or {}).items():
            if keys is None:
                conf.pop(name, None)
                continue
            sect = conf.setdefault(name, collections.OrderedDict())
            for k, v in keys.items():
                if v is None:
                    sect.pop(k, None)
                else:
                    sect[k] = v
        lines = ["# guichet.conf written by the test harness", ""]
        for name, keys in conf.items():
            lines.append("[%s]" % name)
            for k, v in keys.items():
                if isinstance(v, (list, tuple)):
                    v = ", ".join(str(x) for x in v)
                lines.append("%s = %s" % (k, v))
            lines.append("")
        text = "\n".join(lines)
        if raw:
            text += raw if raw.endswith("\n") else raw + "\n"
        path = os.path.abspath(path or self.path("guichet.conf"))
        _write_atomic(path, text)
        self.config_path = path
        return path

    # -- running guichet ----------------------------------------------------

    def _guichet_argv(self, args, now, config):
        binary = os.environ.get("GUICHET_BIN")
        if not binary:
            raise HarnessError("GUICHET_BIN is not set (run through ctest)")
        if config is None:
            config = self.config_path or self.write_config()
        argv = [binary, "-c", config]
        if now is not None:
            argv += ["--now", _fmt_now(now)]
        return argv + [str(a) for a in args]

    def guichet(self, *args, input=None, check=True, expect=0, now=None,
                timeout=60, config=None, env=None, cwd=None):
        """Run `$GUICHET_BIN -c CONFIG [--now NOW] ARGS...` and return a
        subprocess.CompletedProcess with text stdout/stderr.

        input: bytes or str for standard input (empty otherwise).
        check/expect: raise GuichetFailed (an AssertionError printing the
          command, stdout and stderr) unless the exit code is expect (an
          int or a collection of ints).  A sanitizer report always fails.
        now: ISO-8601 string or datetime (naive = UTC) for --now.
        config: another config file (default: self.config_path, written
          with defaults if needed).  env: extra environment variables.
        """
        argv = self._guichet_argv(args, now, config)
        if isinstance(input, str):
            input = input.encode("utf-8")
        full_env = dict(os.environ, **(env or {}))
        try:
            r = subprocess.run(argv, input=input or b"",
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, env=full_env, cwd=cwd)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            err = (e.stderr or b"").decode("utf-8", "replace")
            raise GuichetFailed("timed out after %ss: %s" % (
                timeout, _describe(argv, "(killed)", out, err)))
        result = subprocess.CompletedProcess(
            argv, r.returncode, r.stdout.decode("utf-8", "replace"),
            r.stderr.decode("utf-8", "replace"))
        _check_sanitizers(argv, result)
        expected = (expect,) if isinstance(expect, int) else tuple(expect)
        if check and result.returncode not in expected:
            raise GuichetFailed(_describe(argv, result.returncode,
                                          result.stdout, result.stderr),
                                result)
        return result

    def spawn(self, *args, now=None, config=None, env=None, cwd=None):
        """Start `guichet ... ARGS` in the background (e.g. 'serve');
        returns a GuichetProcess, killed at close() if still running."""
        argv = self._guichet_argv(args, now, config)
        self._counter += 1
        base = self.path("guichet-%d" % self._counter)
        with open(base + ".out", "wb") as out, \
                open(base + ".err", "wb") as err:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err,
                                    env=dict(os.environ, **(env or {})),
                                    cwd=cwd)
        gp = GuichetProcess(argv, proc, base + ".out", base + ".err")
        self._procs.append(gp)
        return gp

    # -- persistent state (command line) ------------------------------------

    def env_vars(self):
        """Shell variables describing the servers (for servers.env)."""
        v = collections.OrderedDict()
        v["GUICHET_STATE_DIR"] = self.dir
        v["GUICHET_CA_FILE"] = self.tls.ca_file
        v["GUICHET_OTHER_CA_FILE"] = self.tls.other_ca_file
        v["GUICHET_TLS_CERT_FILE"] = self.tls.cert_file
        v["GUICHET_TLS_KEY_FILE"] = self.tls.key_file
        if self.pg:
            v["GUICHET_PG_HOST"] = self.pg.host
            v["GUICHET_PG_PORT"] = self.pg.port
            v["GUICHET_PG_USER"] = self.pg.user
            v["GUICHET_PG_SOCKET_DIR"] = self.pg.dir
            v["GUICHET_PG_DATA"] = self.pg.datadir
            v["GUICHET_PG_CONNINFO"] = self.pg.conninfo("guichet")
        if self.imap:
            v["GUICHET_IMAP_PORT"] = self.imap.imap_port
            v["GUICHET_IMAPS_PORT"] = self.imap.imaps_port
            v["GUICHET_IMAP_URL"] = self.imap.imap_url
            v["GUICHET_IMAPS_URL"] = self.imap.imaps_url
            v["GUICHET_IMAP_SECRETS_DIR"] = self.imap.secrets_dir
            v["GUICHET_IMAP_MAIL_DIR"] = self.imap.mail_root
        if self.smtp:
            v["GUICHET_SMTP_PORT"] = self.smtp.port
            v["GUICHET_SMTP_URL"] = self.smtp.url
            if self.smtp.smtps:
                v["GUICHET_SMTPS_PORT"] = self.smtp.smtps_port
                v["GUICHET_SMTPS_URL"] = self.smtp.smtps_url
            v["GUICHET_SMTP_MAILDIR"] = self.smtp.maildir
        return v

    def write_env(self, path=None):
        path = path or self.path("servers.env")
        text = "# Written by guichet_harness.py up: source it from sh.\n"
        text += "".join("%s=%s\n" % (k, shlex.quote(str(v)))
                        for k, v in self.env_vars().items())
        _write_atomic(path, text)
        return path


class ServersTestCase(unittest.TestCase):
    """A TestCase whose class shares one Servers (started in setUpClass,
    closed after the last test).  Set servers_options = dict(http=False,
    ...) to choose the servers."""

    servers_options = {}
    servers = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.servers = cls.enterClassContext(Servers(**cls.servers_options))


# ---------------------------------------------------------------------------
# Command line: persistent servers for demos
# ---------------------------------------------------------------------------

def read_env(path):
    """The variables of a servers.env file as a dict of str."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#") or "=" not in line:
                    continue
                k, v = line.split("=", 1)
                parts = shlex.split(v)
                out[k] = parts[0] if parts else ""
    except FileNotFoundError:
        pass
    return out


def _state_servers(state, db=None):
    env = read_env(os.path.join(state, "servers.env"))
    ports = {}
    for key, name in (("GUICHET_PG_PORT", "pg"), ("GUICHET_IMAP_PORT", "imap"),
                      ("GUICHET_IMAPS_PORT", "imaps"),
                      ("GUICHET_SMTP_PORT", "smtp"),
                      ("GUICHET_SMTPS_PORT", "smtps")):
        if env.get(key, "").isdigit():
            port = int(env[key])
            ports[name] = port
    s = Servers(http=False, root=state, persistent=True, ports=ports)
    s._setup()
    return s, env


def _cmd_up(args):
    s, env = _state_servers(args.state)
    # A saved port that something else took meanwhile: pick another.
    checks = ((s.pg, "port", "pg"), (s.imap, "imap_port", "imap"),
              (s.imap, "imaps_port", "imaps"), (s.smtp, "port", "smtp"),
              (s.smtp, "smtps_port", "smtps"))
    running = {"pg": s.pg.running(), "imap": s.imap.running(),
               "imaps": s.imap.running(), "smtp": s.smtp.running(),
               "smtps": s.smtp.running()}
    for srv, attr, name in checks:
        port = getattr(srv, attr)
        if port and not running[name] and not port_is_free(port):
            setattr(srv, attr, None)
    s.start()
    # These servers run the product (scripts/demo.sh), not a test: its
    # PostgreSQL writes its commits to disk, as guichet asks of any
    # (doc/operations.md); the tests' servers keep fsync off for speed.
    if (s.pg.scalar("SHOW fsync"), s.pg.scalar("SHOW full_page_writes")) \
            != ("on", "on"):
        s.pg.psql("ALTER SYSTEM SET fsync = on")
        s.pg.psql("ALTER SYSTEM SET full_page_writes = on")
        s.pg.restart()
    s.pg.create_database(args.db, exist_ok=True)
    path = s.write_env()
    print(path)
    return 0


def _cmd_down(args):
    s, env = _state_servers(args.state)
    if not env:
        print("nothing to stop in %s" % args.state, file=sys.stderr)
        return 0
    for srv in (s.smtp, s.imap, s.pg):
        srv.stop()
    return 0


def _cmd_status(args):
    s, env = _state_servers(args.state)
    ok = True
    rows = [("postgresql", s.pg.running(), env.get("GUICHET_PG_PORT")),
            ("dovecot", s.imap.running(), "%s,%s" % (
                env.get("GUICHET_IMAP_PORT"), env.get("GUICHET_IMAPS_PORT"))),
            ("smtp-sink", s.smtp.running(), "%s,%s" % (
                env.get("GUICHET_SMTP_PORT"), env.get("GUICHET_SMTPS_PORT")))]
    for name, up, port in rows:
        print("%-11s %-8s port %s" % (name, "running" if up else "stopped",
                                      port))
        ok = ok and up
    return 0 if ok else 3


def _cmd_add_user(args):
    s, env = _state_servers(args.state)
    print(s.imap.add_user(args.name, args.password))
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_watchdog"]:
        _watchdog_main(argv[1], argv[2] == "1")
        return 0
    ap = argparse.ArgumentParser(
        prog="guichet_harness.py",
        description="Private PostgreSQL, Dovecot and SMTP sink for Guichet.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("up", help="start the servers persistently, write "
                       "STATE/servers.env")
    p.add_argument("--state", required=True)
    p.add_argument("--db", default="guichet",
                   help="database to create (default guichet)")
    p.set_defaults(fn=_cmd_up)
    p = sub.add_parser("down", help="stop the servers of STATE")
    p.add_argument("--state", required=True)
    p.set_defaults(fn=_cmd_down)
    p = sub.add_parser("status", help="exit 0 when all servers run")
    p.add_argument("--state", required=True)
    p.set_defaults(fn=_cmd_status)
    p = sub.add_parser("add-user", help="add an IMAP user; prints the path "
                       "of its password file")
    p.add_argument("--state", required=True)
    p.add_argument("name")
    p.add_argument("--password")
    p.set_defaults(fn=_cmd_add_user)
    args = ap.parse_args(argv)
    args.state = os.path.abspath(args.state)
    try:
        return args.fn(args)
    except HarnessError as e:
        print("guichet_harness: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
