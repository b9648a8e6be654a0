"""test_soak.py - the fault suite at scale: nothing lost, nothing doubled
while the daemon is killed and every server it talks to goes away.

Customer mails are appended to the support mailbox while `guichet serve`
runs: new requests, a tenth of them follow-ups to earlier tickets (the
customer answering in the thread of their first mail), and about one in
ten with Cc recipients, whom the ticket's later mails go to. An agent
answers each ticket that has Cc recipients (by replying to the
notification, as an agent's mail client does), so that mails with
several recipients go out: to the requester and the participants. Some
of those participants are temp-failed (451) by the SMTP sink for a
while, and must be retried alone; others are refused for good (550),
which must not stop the copies of the others (per-recipient delivery).

Meanwhile, at random moments drawn from a seed (printed), the test kills
the daemon with SIGKILL and starts it again, restarts PostgreSQL once (a
crash: every process SIGKILLed, so that a commit in flight may be lost
or not and the start recovers; further restarts alternate with graceful
ones) and Dovecot once, and stops the SMTP sink for a while. In the end:

- every customer and agent mail is exactly one message, on the right
  ticket; exactly one ticket per new request; INBOX and the quarantine
  are empty, Processed holds every mail once;
- the outbox holds exactly the expected rows (an acknowledgement to the
  requester per ticket, a notification to the agent per customer mail, an
  update to the requester and the participants per agent reply), every
  one delivered to every recipient but those refused for good, who are
  recorded (their status, an event on the ticket); nothing is left
  pending;
- no mail reached a recipient more than twice, and a second copy only
  where the daemon died (or the database or the sink went away) between
  the SMTP server's acceptance and the database update that records it:
  after each kill the test looks for deliveries that the database does
  not know as sent, and those are the only mails allowed twice; a
  restart of PostgreSQL or a stop of the sink may also catch a mail in
  that window (one per daemon). With several daemons, where another may
  be in its window at the moment of a kill, each second copy must have
  a fault of its own between its two copies.

The counts are printed at the end. Parameters (environment;
scripts/soak.sh sets them for longer runs):

  GUICHET_SOAK_MAILS       customer mails (default 1000)
  GUICHET_SOAK_KILLS       SIGKILLs of the daemon (default 10)
  GUICHET_SOAK_SECONDS     how long the faults go on (default 100)
  GUICHET_SOAK_SEED        the seed (default: a new one, printed)
  GUICHET_SOAK_PG_RESTARTS restarts of PostgreSQL (default 1; the odd
                           ones crashes, the even ones graceful)
  GUICHET_SOAK_DAEMONS     daemons sharing the mailbox and the outbox
                           (default 1); each kill hits one at random,
                           the others take over
  GUICHET_SOAK_REFUSED_CC  0: no recipient is refused for good, and a
                           temp-failing one need not be retried alone
                           (for a sender without per-recipient delivery;
                           default 1)
"""

import email.parser
import email.policy
import email.utils
import imaplib
import json
import os
import random
import re
import signal
import sys
import threading
import time
import unittest

import guichet_harness as gh


def env_int(name, default, minimum=0, maximum=2**32 - 1):
    v = os.environ.get(name, "").strip()
    if v == "":
        return default
    if not v.isdigit() or len(v) > 10:
        raise SystemExit("%s: not a whole number: %r" % (name, v))
    n = int(v)
    if not minimum <= n <= maximum:
        raise SystemExit("%s: %d is not between %d and %d"
                         % (name, n, minimum, maximum))
    return n


MAILS = env_int("GUICHET_SOAK_MAILS", 1000, 20, 10**6)
SECONDS = env_int("GUICHET_SOAK_SECONDS", 100, 10, 10**6)
KILLS = env_int("GUICHET_SOAK_KILLS", 10, 0, SECONDS * 2)
SEED = env_int("GUICHET_SOAK_SEED", int.from_bytes(os.urandom(4), "big"))
REFUSED_CC = env_int("GUICHET_SOAK_REFUSED_CC", 1, 0, 1) == 1
DAEMONS = env_int("GUICHET_SOAK_DAEMONS", 1, 1, 8)
PG_RESTARTS = env_int("GUICHET_SOAK_PG_RESTARTS", 1, 0, SECONDS)

USER = "soak"
AGENT = "alice@example.com"
SLOW = "*@slow.example.net"          # 451 for a while
REFUSED = "*@refused.example.net"    # 550 for good (REFUSED_CC)
SETTLE_TIMEOUT = max(400, MAILS // 4)    # after the faults, to drain
BURST = 50                                # mails appended at once

WORDS = ("printer", "invoice", "login", "export", "report", "password",
         "dashboard", "upload", "calendar", "backup", "licence", "screen",
         "account", "search", "mobile", "sync", "import", "timeout")


def say(fmt, *args):
    sys.stderr.write("soak: " + (fmt % args if args else fmt) + "\n")
    sys.stderr.flush()


def strip_id(v):
    v = (v or "").strip()
    return v[1:-1] if v.startswith("<") and v.endswith(">") else v


# ----- What is sent --------------------------------------------------------

class Mail:
    """One mail the test appends, and what it should become."""

    def __init__(self, i, kind, sender, subject, mid, cc=(), target=None,
                 in_reply_to=None, body=""):
        self.i = i
        self.kind = kind            # "new", "followup", "agent"
        self.sender = sender        # address
        self.subject = subject
        self.mid = mid              # without <>
        self.cc = list(cc)          # addresses
        self.target = target        # the "new" Mail it belongs to
        self.in_reply_to = in_reply_to
        self.body = body

    def raw(self):
        h = ["From: %s" % self.sender, "To: support@example.com"]
        if self.cc:
            h.append("Cc: %s" % ", ".join(self.cc))
        h += ["Subject: %s" % self.subject,
              "Date: %s" % email.utils.formatdate(),
              "Message-ID: <%s>" % self.mid]
        if self.in_reply_to:
            h += ["In-Reply-To: <%s>" % self.in_reply_to,
                  "References: <%s>" % self.in_reply_to]
        h += ["MIME-Version: 1.0",
              "Content-Type: text/plain; charset=utf-8"]
        return ("\r\n".join(h) + "\r\n\r\n" +
                self.body.replace("\n", "\r\n")).encode()


def plan_mails(rng, n):
    """The customer mails in the order they are appended: n - n/10 new
    requests and n/10 follow-ups, each after the request it follows."""
    nfollow = n // 10
    follow_at = set(rng.sample(range(10, n), nfollow))
    mails, news = [], []
    ncc = 0
    for i in range(n):
        if i in follow_at:
            t = rng.choice(news)
            m = Mail(i, "followup", t.sender, "Re: " + t.subject,
                     "f%d.soak@customer.example.org" % i, cc=t.cc,
                     target=t, in_reply_to=t.mid,
                     body="More about request %d (mail %d): it happens "
                          "again.\n" % (t.i, i))
        else:
            cc = []
            if i < 3 or rng.random() < 0.1:
                cc.append("p%d@partner.example.net" % i)
                # the first ones have every kind, then at random
                if ncc < 3 or rng.random() < 0.5:
                    cc.append("s%d@slow.example.net" % i)
                if REFUSED_CC and (ncc < 3 or rng.random() < 0.5):
                    cc.append("r%d@refused.example.net" % i)
                ncc += 1
            words = " ".join(rng.sample(WORDS, 2))
            m = Mail(i, "new", "c%d@customer.example.org" % i,
                     "Request %d: %s" % (i, words),
                     "n%d.soak@customer.example.org" % i, cc=cc,
                     body="Hello,\n\nrequest %d: the %s does not work.\n"
                          "\nRegards\n" % (i, words))
            news.append(m)
        mails.append(m)
    return mails


def agent_reply(t, root, subject):
    return Mail(t.i, "agent", "Alice Martin <%s>" % AGENT,
                subject if subject.startswith("Re:") else "Re: " + subject,
                "a%d.soak@example.com" % t.i, target=t, in_reply_to=root,
                body="Hello,\n\nwe are on request %d.\n\nAlice\n" % t.i)


# ----- The SMTP sink's Maildir, read incrementally --------------------------

class SinkIndex:
    """What the sink stored: per (Message-ID, recipient) the copies, each
    (file name, time stored, recipients of that SMTP transaction)."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.seen = set()
        self.copies = {}          # (mid, rcpt) -> [(name, t, rcpts)]
        self.by_mid = {}          # mid -> headers of the first copy
        self.parser = email.parser.BytesHeaderParser(
            policy=email.policy.compat32)

    def update(self):
        new = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            try:
                names = os.listdir(d)
            except FileNotFoundError:
                continue
            for name in names:
                if name.startswith(".") or name in self.seen:
                    continue
                new.append((gh._maildir_key(name), name,
                            os.path.join(d, name)))
        new.sort()
        for key, name, path in new:
            with open(path, "rb") as f:
                h = self.parser.parse(f)
            self.seen.add(name)
            mid = strip_id(h["Message-ID"])
            rcpts = [a.strip().lower() for a in
                     re.sub(r"\s+", " ", h["X-RcptTo"] or "").split(",")
                     if a.strip()]
            t = key[0] + key[1] / 1e6 if key[0] != float("inf") else 0
            self.by_mid.setdefault(mid, h)
            for r in rcpts:
                self.copies.setdefault((mid, r), []).append((name, t,
                                                             rcpts))
        return len(new)

    def settle(self):
        """Once no client is left: wait until the sink has stored what it
        was storing (a mail whose end of data it had when the client
        died is stored all the same)."""
        quiet = 0
        deadline = time.monotonic() + 30
        while quiet < 3 and time.monotonic() < deadline:
            quiet = 0 if self.update() or self.storing() else quiet + 1
            time.sleep(0.1)

    def storing(self):
        """Whether a mail is being written (a file left in tmp/ by a sink
        stopped in the middle is old: it is not)."""
        d = os.path.join(self.maildir, "tmp")
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            return False
        for name in names:
            try:
                if time.time() - os.stat(os.path.join(d, name)).st_mtime < 5:
                    return True
            except FileNotFoundError:
                pass
        return False

    def pairs(self):
        return set(self.copies)

    def count(self):
        return len(self.seen)


# ----- The test --------------------------------------------------------------

class Soak(gh.ServersTestCase):
    servers_options = dict(http=False)

    # -- database --------------------------------------------------------

    def sql(self, q):
        return self.servers.pg.psql(q, db="soak")

    def scalar(self, q):
        return int(self.servers.pg.scalar(q, db="soak"))

    def outbox_rows(self):
        """Every outbox row: {message_id: (purpose, ticket_id, status,
        {address: status})}, from `guichet outbox list --json` where the
        command exists (per-recipient status), else from the table."""
        tickets = {mid: (purpose, int(tid) if tid else 0) for
                   mid, purpose, tid in self.sql(
                       "SELECT message_id, purpose, ticket_id FROM outbox "
                       "WHERE kind = 'mail'")}
        rows = {}
        if self.outbox_cli:
            r = self.servers.guichet("outbox", "list", "--json",
                                     "--limit", "1000000", timeout=300)
            for o in json.loads(r.stdout):
                mid = strip_id(o.get("message_id"))
                if mid not in tickets:
                    continue          # a webhook
                rows[mid] = (o["purpose"], tickets[mid][1], o["status"],
                             {x["address"].lower(): x["status"]
                              for x in o["recipients"]})
            return rows
        for mid, status, rcpts in self.sql(
                "SELECT message_id, status, array_to_string(rcpts, ' ') "
                "FROM outbox WHERE kind = 'mail'"):
            st = "sent" if status == "sent" else "pending"
            rows[mid] = (tickets[mid][0], tickets[mid][1], status,
                         {a.lower(): st for a in rcpts.split()})
        return rows

    # -- IMAP ------------------------------------------------------------

    def imap_client(self):
        return self.servers.imap.client(USER)

    def folder_count(self, folder):
        c = self.imap_client()
        try:
            typ, data = c.select(folder, readonly=True)
            return int(data[0]) if typ == "OK" else -1
        finally:
            c.logout()

    def append(self, conn_holder, m):
        """Append under the lock that a Dovecot restart takes, on a
        connection opened again after each restart."""
        with self.imap_lock:
            gen, c = conn_holder.get("gen"), conn_holder.get("c")
            if c is None or gen != self.imap_gen:
                if c is not None:
                    try:
                        c.shutdown()
                    except (OSError, imaplib.IMAP4.error):
                        pass
                c = self.imap_client()
                conn_holder.update(c=c, gen=self.imap_gen)
            typ, data = c.append("INBOX", None, None, m.raw())
            if typ != "OK":
                raise AssertionError("APPEND %s: %s %r" % (m.mid, typ, data))

    @staticmethod
    def close_conn(conn):
        if conn.get("c") is not None:
            try:
                conn["c"].logout()
            except (OSError, imaplib.IMAP4.error):
                pass
            conn["c"] = None

    def feed(self, mails, arrivals):
        conn = {}
        start = time.monotonic()
        try:
            for k, m in enumerate(mails):
                due = start + arrivals[k]
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if self.feed_error:
                    return
                self.append(conn, m)
                self.appended += 1
        except BaseException as e:       # reported by the main thread
            self.feed_error = "%s: %s" % (type(e).__name__, e)
        finally:
            self.close_conn(conn)

    # -- the daemon ------------------------------------------------------

    def start_daemon(self, k):
        self.daemons[k] = self.servers.spawn("serve")
        self.starts += 1

    def check_alive(self):
        for d in self.daemons:
            if d.poll() is not None:
                r = d.wait(expect=[], check=False)
                self.fail("guichet serve exited by itself (%s), seed %d:\n"
                          "%s" % (r.returncode, SEED, r.stderr[-6000:]))

    def kill(self):
        self.check_alive()
        k = self.rng.randrange(DAEMONS)
        self.daemons[k].kill()
        self.daemons[k].wait(expect=-signal.SIGKILL)
        self.kills += 1
        try:
            if not self.imap_down.is_set() and self.folder_count("INBOX"):
                self.kills_inbox += 1       # mails waiting to be taken
        except (OSError, imaplib.IMAP4.error, gh.HarnessError):
            pass                            # Dovecot restarting
        if DAEMONS > 1:
            # another daemon may be between an acceptance and its update
            # right now: the kill's window is told at the end, by time
            self.note_fault(time.time(), "kill %d" % self.kills, 1)
            say("kill %d (daemon %d) at %.1fs", self.kills, k + 1,
                self.elapsed())
            time.sleep(self.rng.uniform(0, 0.5))
            self.start_daemon(k)
            return
        # what the sink holds and the database does not know as sent
        # was accepted by SMTP when the daemon died, before its update
        self.sink.settle()
        sent = set()
        for mid, (_, _, _, rcpts) in self.outbox_rows().items():
            sent |= {(mid, a) for a, st in rcpts.items() if st == "sent"}
        unsent = {mid for mid, a in self.sink.pairs() - sent}
        new = unsent - self.window_mids
        allowed = 1 + self.other_faults - self.other_used
        self.assertLessEqual(
            len(new), allowed, "kill %d (seed %d): %d mails delivered and "
            "not recorded as sent: %s" % (self.kills, SEED, len(new),
                                          sorted(new)))
        if new:
            self.window_kills += 1
            self.other_used += len(new) - 1
            self.window_mids |= new
            say("kill %d at %.1fs: landed between SMTP acceptance and the "
                "update of %s", self.kills, self.elapsed(), sorted(new))
        else:
            say("kill %d at %.1fs", self.kills, self.elapsed())
        time.sleep(self.rng.uniform(0, 0.5))
        self.start_daemon(k)

    def elapsed(self):
        return time.monotonic() - self.t0

    # -- agents ----------------------------------------------------------

    def answer_tickets(self):
        """An agent answers each ticket with Cc recipients once its first
        notification is in the sink (the reply names it: the token)."""
        if not self.to_answer or self.imap_down.is_set():
            return          # (not while Dovecot restarts)
        self.sink.update()
        roots = {}
        for mid, h in self.sink.by_mid.items():
            if AGENT not in (h["X-RcptTo"] or "").lower():
                continue
            m = re.search(r"Request (\d+):", h["Subject"] or "")
            if m:
                root = strip_id(h["In-Reply-To"]) or mid
                roots.setdefault(int(m.group(1)),
                                 (root, re.sub(r"\s+", " ", h["Subject"])))
        for t in list(self.to_answer):
            if t.i in roots:
                root, subject = roots[t.i]
                m = agent_reply(t, root, subject)
                self.append(self.main_conn, m)
                self.agent_mails.append(m)
                self.to_answer.remove(t)

    def idle(self, until):
        while self.elapsed() < until:
            self.check_alive()
            if self.feed_error:
                self.fail("appending mails failed: %s" % self.feed_error)
            if time.monotonic() >= self.next_answer:
                self.answer_tickets()
                self.next_answer = time.monotonic() + 1
            time.sleep(min(0.1, max(0, until - self.elapsed())))

    # -- the run ---------------------------------------------------------

    def test_soak(self):
        s = self.servers
        self.rng = rng = random.Random(SEED)
        say("seed %d: %d mails, %d kills, %ds of faults, %d daemon(s), "
            "refused Cc %s (GUICHET_SOAK_SEED=%d to run it again)", SEED,
            MAILS, KILLS, SECONDS, DAEMONS, "on" if REFUSED_CC else "off",
            SEED)
        s.write_config(dbname="soak", mailbox_user=USER, sections={
            "agent alice": {"address": AGENT, "name": "Alice Martin",
                            "queues": "support", "language": "en"},
            "guichet": {"fetch_batch": 25, "poll_interval": "1s",
                        "reconnect_max": "1s", "outbox_retry_base": "1s",
                        "outbox_retry_max": "2s",
                        "outbox_max_attempts": 100000}})
        s.guichet("migrate")
        r = s.guichet("outbox", "list", "--json", "--limit", "1000000",
                      check=False)
        self.outbox_cli = r.returncode == 0
        self.sink = SinkIndex(s.smtp.maildir)

        mails = plan_mails(rng, MAILS)
        news = [m for m in mails if m.kind == "new"]
        self.to_answer = [m for m in news if m.cc]
        self.agent_mails = []
        s.smtp.refuse(SLOW, 451, "4.2.0 try later")
        if REFUSED_CC:
            s.smtp.refuse(REFUSED, 550, "5.1.1 no such user")

        # the faults, at moments drawn from the seed; the mails come at
        # a steady pace with bursts (a mailing gone out, a bad morning),
        # and half the kills come just after a burst, while the daemon
        # takes it in
        feed_s = SECONDS * 0.8
        arrivals = [feed_s * k / len(mails) for k in range(len(mails))]
        burst = min(BURST, len(mails) // 4)
        bursts = sorted(rng.sample(range(len(mails) - burst),
                                   min((KILLS + 1) // 2,
                                       len(mails) - burst)))
        for j in bursts:
            for k in range(j, j + burst):
                arrivals[k] = arrivals[j]
        events = [(arrivals[j] + rng.uniform(0.2, 1.5), "kill")
                  for j in bursts]
        events += [(rng.uniform(1, SECONDS), "kill")
                   for _ in range(KILLS - len(bursts))]
        events += [(rng.uniform(2, SECONDS), "postgresql")
                   for _ in range(PG_RESTARTS)]
        events.append((rng.uniform(2, SECONDS), "dovecot"))
        stop_at = rng.uniform(2, SECONDS * 0.7)
        events.append((stop_at, "smtp-stop"))
        events.append((stop_at + rng.uniform(3, 8), "smtp-start"))
        events.append((rng.uniform(SECONDS / 3, SECONDS * 2 / 3),
                       "slow-recovers"))
        events.sort()

        self.imap_lock = threading.Lock()
        self.imap_gen = 0
        self.restart_error = None
        self.imap_down = threading.Event()
        self.main_conn = {}
        self.addCleanup(self.close_conn, self.main_conn)
        self.appended = 0
        self.feed_error = None
        self.kills = self.starts = self.window_kills = self.pg_restarts = 0
        self.kills_inbox = 0
        self.window_mids = set()
        self.other_faults = self.other_used = 0
        self.next_answer = 0

        self.fault_times = []     # (start, end, name): faults not kills

        self.t0, self.wall0 = time.monotonic(), time.time()
        self.daemons = [None] * DAEMONS
        for k in range(DAEMONS):
            self.start_daemon(k)
        feeder = threading.Thread(target=self.feed, args=(mails, arrivals),
                                  daemon=True)
        feeder.start()
        slow_until = sink_stopped = port = None
        for at, what in events:
            self.idle(at)
            if what == "kill":
                self.kill()
                continue
            say("%s at %.1fs", what, self.elapsed())
            if what == "postgresql":
                # the first a crash (every process SIGKILLed: commits in
                # flight lost or not, crash recovery at the start), the
                # next a graceful restart, and so on
                t = time.time()
                if self.pg_restarts % 2 == 0:
                    s.pg.kill()
                    s.pg.start()
                else:
                    s.pg.restart()
                self.pg_restarts += 1
                self.note_fault(t, "PostgreSQL restart")
            elif what == "dovecot":
                # in the background (a graceful stop waits for the
                # sessions), the kills going on meanwhile
                restart = threading.Thread(target=self.restart_dovecot,
                                           daemon=True)
                restart.start()
            elif what == "smtp-stop":
                sink_stopped, port = time.time(), s.smtp.port
                s.smtp.stop()
            elif what == "smtp-start":
                s.smtp.start()
                self.assertEqual(s.smtp.port, port,
                                 "the sink came back on another port")
                self.note_fault(sink_stopped, "SMTP sink stop")
            elif what == "slow-recovers":
                s.smtp.unrefuse(SLOW)
                slow_until = self.elapsed()
            if what != "dovecot":
                say("%s done at %.1fs", what, self.elapsed())
        restart.join(timeout=120)
        self.assertFalse(restart.is_alive(), "Dovecot's restart hangs")
        self.assertIsNone(self.restart_error)
        feeder.join(timeout=SECONDS * 4)
        self.assertFalse(feeder.is_alive(), "appending mails hangs")
        self.assertIsNone(self.feed_error)
        self.assertEqual(self.appended, len(mails))
        faults_end = self.elapsed()
        say("faults over at %.1fs; letting it drain", faults_end)

        nrows = len(news) + len(mails) + sum(1 for m in news if m.cc)
        self.settle(nrows, len(news))
        self.check_alive()
        for d in self.daemons:
            # a daemon restarted just before the end may still be
            # starting (slow under ASan): SIGTERM before its handler is
            # installed would kill it, not stop it
            d.wait_for_output(r"serving \d+ mailbox", timeout=120)
            d.stop(signal.SIGTERM, timeout=120)
        say("drained at %.1fs", self.elapsed())
        self.verify(mails, news, slow_until)

    def restart_dovecot(self):
        self.imap_down.set()
        try:
            with self.imap_lock:
                self.imap_gen += 1
                self.servers.imap.restart()
            say("dovecot back at %.1fs", self.elapsed())
        except BaseException as e:       # reported by the main thread
            self.restart_error = "%s: %s" % (type(e).__name__, e)
        finally:
            self.imap_down.clear()

    def daemon_lines(self, text):
        """The lines of every daemon's log that name text, and the kills
        between them."""
        out = []
        for k, d in enumerate(self.servers._procs):
            if d.args[-1:] != ["serve"]:
                continue
            out.append("--- daemon %d (%s)" % (k + 1, d.poll()))
            out += [line for line in d.stderr().splitlines()
                    if text in line]
        return "\n".join(out)

    def note_fault(self, start, name, daemons=DAEMONS):
        """A fault that may have caught `daemons` daemons each between an
        SMTP acceptance and its update (PostgreSQL or the sink going away
        catches them all; a kill one)."""
        self.other_faults += daemons
        self.fault_times += [(start, time.time(), name)] * daemons

    def settle(self, nrows, ntickets):
        """Wait (generously) until every agent reply is appended, INBOX is
        empty and the outbox holds every expected row, none pending."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        state = None
        while time.monotonic() < deadline:
            self.check_alive()
            self.answer_tickets()
            state = dict(
                to_answer=len(self.to_answer),
                inbox=self.folder_count("INBOX"),
                tickets=self.scalar("SELECT count(*) FROM tickets"),
                rows=self.scalar("SELECT count(*) FROM outbox "
                                 "WHERE kind = 'mail'"),
                pending=self.scalar("SELECT count(*) FROM outbox "
                                    "WHERE status = 'pending'"))
            if (state["to_answer"] == 0 and state["inbox"] == 0 and
                    state["tickets"] >= ntickets and
                    state["rows"] >= nrows and state["pending"] == 0):
                return
            time.sleep(1)
        pending = self.sql("SELECT id, purpose, attempts, last_error FROM "
                           "outbox WHERE status = 'pending' ORDER BY id "
                           "LIMIT 10")
        self.fail("seed %d: not drained after %ds: %s (expected %d rows, "
                  "%d tickets); pending rows: %s\n--- daemon ---\n%s"
                  % (SEED, SETTLE_TIMEOUT, state, nrows, ntickets, pending,
                     self.daemons[-1].stderr()[-4000:]))

    # -- the verdict -----------------------------------------------------

    def verify(self, mails, news, slow_until):
        agents = self.agent_mails
        everything = mails + agents

        # every mail is one message, on the right ticket
        inbound = {}
        for mid, tid, author in self.sql(
                "SELECT message_id, ticket_id, author FROM messages "
                "WHERE direction = 'in'"):
            inbound.setdefault(mid, []).append((int(tid), author))
        doubled = {k: v for k, v in inbound.items() if len(v) > 1}
        self.assertEqual(doubled, {}, "messages stored twice")
        self.assertEqual(set(inbound), {m.mid for m in everything},
                         "the messages are not the mails sent")
        ticket_of = {}
        for m in news:
            tid, author = inbound[m.mid][0]
            self.assertEqual(author, "customer")
            self.assertNotIn(tid, ticket_of.values(),
                             "two requests on one ticket")
            ticket_of[m.mid] = tid
        self.assertEqual(self.scalar("SELECT count(*) FROM tickets"),
                         len(news))
        requesters = dict((int(i), r) for i, r in self.sql(
            "SELECT id, requester FROM tickets"))
        for m in news:
            self.assertEqual(requesters[ticket_of[m.mid]], m.sender)
        for m in everything:
            if m.kind != "new":
                tid, author = inbound[m.mid][0]
                self.assertEqual(tid, ticket_of[m.target.mid],
                                 "%s is not on its ticket" % m.mid)
                self.assertEqual(author, "agent" if m.kind == "agent"
                                 else "customer")
        out = dict((p, int(n)) for p, n in self.sql(
            "SELECT purpose, count(*) FROM messages WHERE direction = "
            "'out' GROUP BY purpose"))
        self.assertEqual(out, {k: v for k, v in (("ack", len(news)),
                                                 ("update", len(agents)))
                               if v})
        self.assertEqual(self.scalar(
            "SELECT count(*) - count(DISTINCT message_id) FROM messages"),
            0, "a Message-ID twice among the messages")

        # each ticket's history: created once, its Cc as participants,
        # each mail of ours queued once, each follow-up and reply once
        created = [int(n) for tid, n in self.sql(
            "SELECT ticket_id, count(*) FROM events WHERE kind = 'created' "
            "GROUP BY ticket_id")]
        self.assertEqual((len(created), set(created)), (len(news), {1}),
                         "tickets created once each")
        parts = {}
        for tid, a in self.sql("SELECT ticket_id, address FROM "
                               "ticket_participants WHERE role = 'cc'"):
            parts.setdefault(int(tid), set()).add(a.lower())
        self.assertEqual(parts, {ticket_of[m.mid]: set(m.cc)
                                 for m in news if m.cc}, "participants")
        kinds = dict((k, (int(n), int(d))) for k, n, d in self.sql(
            "SELECT kind, count(*), count(DISTINCT coalesce("
            "data->>'message_id', id::text)) FROM events WHERE kind IN "
            "('mail_queued', 'message_received', 'agent_reply', "
            "'auto_reply_capped') GROUP BY kind"))
        nfollow = len(mails) - len(news)
        want = {"mail_queued": (len(news) * 2 + nfollow + len(agents),) * 2,
                "message_received": (nfollow, nfollow),
                "agent_reply": (len(agents), len(agents))}
        self.assertEqual(kinds, {k: v for k, v in want.items() if v[0]},
                         "events (count, distinct Message-IDs)")
        numbers = sorted(int(n.rsplit("-", 1)[-1]) for n, in self.sql(
            "SELECT number FROM tickets"))
        gaps = numbers[-1] - numbers[0] + 1 - len(numbers) if numbers else 0

        # the mailbox: nothing left, everything processed once
        self.assertEqual(self.folder_count("INBOX"), 0)
        self.assertEqual(self.folder_count("Processed"), len(everything))
        self.assertLessEqual(self.folder_count("Quarantine"), 0)
        self.assertEqual(self.scalar("SELECT count(*) FROM quarantine"), 0)

        # the outbox: exactly the expected rows and recipients
        rows = self.outbox_rows()
        expect = {}               # (ticket, purpose) -> [recipient sets]
        for m in news:
            t = ticket_of[m.mid]
            expect.setdefault((t, "ack"), []).append({m.sender})
        for m in mails:
            t = ticket_of[(m.target or m).mid]
            expect.setdefault((t, "notify_agent"), []).append({AGENT})
        for m in agents:
            t = ticket_of[m.target.mid]
            expect.setdefault((t, "update"), []).append(
                {m.target.sender} | set(m.target.cc))
        got, mids = {}, {}
        for mid, (purpose, tid, status, rcpts) in rows.items():
            got.setdefault((tid, purpose), []).append(set(rcpts))
            mids.setdefault((tid, purpose), []).append(mid)
        for k in set(expect) | set(got):
            self.assertEqual(sorted(map(sorted, got.get(k, []))),
                             sorted(map(sorted, expect.get(k, []))),
                             "outbox rows of ticket %s, %s" % k)

        # every recipient served, refused ones recorded, nothing pending
        self.sink.update()
        refused_addr = re.compile(r".*@refused\.example\.net$")
        delivered = duplicates = refused = 0
        dup_mids = {}
        for mid, (purpose, tid, status, rcpts) in rows.items():
            self.assertNotEqual(status, "pending", mid)
            for a, st in rcpts.items():
                copies = self.sink.copies.get((mid, a), [])
                if refused_addr.match(a):
                    self.assertEqual(copies, [], "%s reached %s" % (mid, a))
                    self.assertEqual(st, "refused", "%s to %s" % (mid, a))
                    refused += 1
                    continue
                self.assertEqual(st, "sent", "%s to %s" % (mid, a))
                self.assertGreaterEqual(len(copies), 1,
                                        "%s never reached %s" % (mid, a))
                self.assertLessEqual(len(copies), 2,
                                     "%s reached %s %d times"
                                     % (mid, a, len(copies)))
                delivered += 1
                if len(copies) == 2:
                    duplicates += 1
                    dup_mids[mid] = copies
        strays = {p for p in self.sink.pairs() if p[0] not in rows or
                  p[1] not in rows[p[0]][3]}
        self.assertEqual(strays, set(), "mails in the sink that are "
                         "not the outbox's (Message-ID, recipient)")
        if REFUSED_CC:
            want = sorted((mid, a) for mid, row in rows.items()
                          for a in row[3] if refused_addr.match(a))
            events = sorted((strip_id(mid), a.lower()) for mid, a in
                            self.sql("SELECT data->>'message_id', "
                                     "data->>'address' FROM events WHERE "
                                     "kind = 'delivery_refused'"))
            self.assertEqual(events, want, "refusals recorded on tickets")

        # a second copy only where a fault fell between the SMTP
        # acceptance and the update that records it
        self.assertLessEqual(self.window_mids, set(dup_mids),
                             "found in a kill's window, never sent again")
        # one fault for one mail: the mails by their second copy, each
        # taking the fault between its copies that ends first
        unexplained = sorted(set(dup_mids) - self.window_mids,
                             key=lambda mid: dup_mids[mid][1][1])
        faults = sorted(self.fault_times, key=lambda f: f[1])
        used = [False] * len(faults)
        cause = {mid: "a kill" for mid in self.window_mids}
        for mid in unexplained:
            first, second = dup_mids[mid][0][1], dup_mids[mid][1][1]
            for k, (start, end, name) in enumerate(faults):
                if not used[k] and first <= end + 1 and second >= start - 1:
                    used[k] = True
                    cause[mid] = "the " + name
                    break
            else:
                self.fail("seed %d: %s delivered twice (at %.1fs and "
                          "%.1fs) with no fault in between left (faults: "
                          "%s; second copies: %s); the daemons said:\n%s"
                          % (SEED, mid, first - self.wall0,
                             second - self.wall0,
                             ", ".join("%s %.1fs-%.1fs" % (n, a - self.wall0,
                                                           b - self.wall0)
                                       for a, b, n in faults),
                             ", ".join("%s %.1fs-%.1fs (%s)" % (
                                 m, c[0][1] - self.wall0,
                                 c[1][1] - self.wall0, cause.get(m, "?"))
                                 for m, c in dup_mids.items()),
                             self.daemon_lines(mid)))
        self.assertLessEqual(len(dup_mids), self.window_kills +
                             self.other_faults)

        # a temp-failing Cc is retried alone: the others' copies did not
        # wait for it (per-recipient delivery)
        alone = 0
        for m in agents:
            slow = [a for a in m.target.cc if "@slow." in a]
            if not slow:
                continue
            mid, = mids[(ticket_of[m.target.mid], "update")]
            mine = self.sink.copies.get((mid, m.target.sender), [])
            theirs = self.sink.copies.get((mid, slow[0]), [])
            if mine and theirs and mine[0][0] != theirs[0][0]:
                alone += 1
        if REFUSED_CC:
            self.assertGreater(alone, 0, "no temp-failing Cc was retried "
                               "alone")

        say("seed %d: %d customer mails (%d new tickets, %d follow-ups), "
            "%d agent replies, %d with Cc", SEED, len(mails), len(news),
            len(mails) - len(news), len(agents),
            sum(1 for m in news if m.cc))
        say("faults: %d SIGKILLs (%d with mail waiting in INBOX, %s "
            "between an SMTP acceptance and its update), %d starts of %d "
            "daemon(s), PostgreSQL restarted %d time(s) (%d crash(es)), Dovecot "
            "once, the "
            "SMTP sink stopped once, 451 for slow Cc until %s", self.kills,
            self.kills_inbox, self.window_kills if DAEMONS == 1 else
            "those of the second copies below", self.starts, DAEMONS,
            PG_RESTARTS, (PG_RESTARTS + 1) // 2,
            "%.1fs" % slow_until if slow_until else "the end")
        purposes = {}
        for purpose, _, _, _ in rows.values():
            purposes[purpose] = purposes.get(purpose, 0) + 1
        say("tickets %d (numbers %d to %d, %d unused), messages in %d, "
            "out %d; outbox rows %s", len(news), numbers[0], numbers[-1],
            gaps, len(inbound), sum(out.values()),
            ", ".join("%s %d" % kv for kv in sorted(purposes.items())))
        say("deliveries %d (in %d SMTP transactions), refused %d, "
            "temp-failing Cc retried alone %d; second copies: %d, of %d "
            "mails (at most one mail per kill that fell in the window: %d, "
            "and per other fault%s: %d)", delivered, self.sink.count(),
            refused, alone, duplicates, len(dup_mids), self.window_kills,
            " or kill" if DAEMONS > 1 else "", self.other_faults)
        for mid in sorted(dup_mids, key=lambda mid: dup_mids[mid][0][1]):
            say("twice: %s to %s (%s between its SMTP acceptance and its "
                "update)", mid, ", ".join(dup_mids[mid][0][2]), cause[mid])



class DatabaseAwayWhileIdle(gh.ServersTestCase):
    """Found by the soak (seed 3709607063 under ASan, after the PostgreSQL
    restart): a daemon that learned the database was gone (from the
    outbox) while its mailbox was in IDLE took the next IMAP notification
    with no database connection at all (a NULL one): a crash."""

    servers_options = dict(http=False)

    def test_mail_arrives_while_the_database_is_away(self):
        s = self.servers
        s.write_config(dbname="away", mailbox_user="away", sections={
            "agent alice": None,
            # the mailbox is polled seldom: IDLE tells of new mail, and
            # the outbox's look every few seconds finds the database gone
            "guichet": {"poll_interval": "60s", "reconnect_max": "2s"}})
        s.guichet("migrate")
        d = s.spawn("serve")
        d.wait_for_output(r"this daemon polls it now")
        time.sleep(1)                       # IDLE begins
        s.pg.stop()
        d.wait_for_output(r"database connection lost", timeout=30)
        s.imap.append("away", "INBOX", Mail(
            1, "new", "c1@customer.example.org", "Request 1: away",
            "away-1@customer.example.org", body="Hello\n").raw())
        time.sleep(3)
        self.assertIsNone(d.poll(), "the daemon died:\n" + d.stderr())
        s.pg.start()
        d.send_signal(signal.SIGHUP)        # poll at once, not in 60 s
        gh.wait_until(lambda: s.pg.scalar("SELECT count(*) FROM tickets",
                                          db="away") == "1", 60,
                      "the mail to become a ticket")
        d.stop(signal.SIGTERM)
        self.assertEqual(s.imap.messages("away", "INBOX"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
