"""sla_bench.py - the SLA scheduler at scale: one pass over 1,000,000 tickets.

A benchmark, not a test: it prints figures. It starts a private
PostgreSQL (fsync, full_page_writes and synchronous_commit on: durable
commits; shared_buffers 1GB on huge pages), migrates, and fills the database with SQL (generate_series, not
through guichet) with N open tickets as intake would have left them: the
ticket, its requester as participant, the incoming mail (a few hundred
bytes of text and its raw form), the acknowledgement (outbox row, sent,
and outgoing message), three events, and the SLA timers: acknowledge and
resolve for every ticket, workaround for P1 and P2. Seven in ten open
tickets were acknowledged already, one in ten waits on the customer (a
pause, no deadline), the other timers' next instants are spread over the
four weeks after the chosen instant T. Resolved and closed tickets (no
next instant) come on top. Then VACUUM ANALYZE and a checkpoint.

Each round moves 100 timers of fresh tickets, spread over the table, to
the past (50 warnings due, 50 breaches due), checks that exactly 100 are
due at T, runs `guichet sla tick --now T` and reads the time of the pass
that guichet prints ("sla tick: pass took X ms": the pass in its
transaction, COMMIT included, without process start-up and connection).
Each round checks that 50 warnings and 50 breaches were fired, with one
escalation mail (outbox row and message) and one webhook row each, and
that nothing is due any more. Each run also tells how long guichet and
its PostgreSQL backend were on a CPU and how long they waited for one
(/proc/PID/schedstat): on a machine shared with other work the wall time
swings, the CPU time much less. Then passes with nothing due (the cost
every daemon pays every tick). Then the same rounds in a running daemon
(`guichet serve --now T`, woken by a notification as for an operator's
status change), the pass's time as the daemon's /metrics gives it
(guichet_scheduler_pass_seconds): `sla tick` is a new process and a new
connection whose backend plans each statement for the first time and
maps each buffer it touches; a daemon's connection did that long ago.
Then one more round in a daemon, not counted, with auto_explain on: it
prints the plan (ANALYZE, BUFFERS) of the due-timers query as guichet
ran it, and where the pass spends its time in the database, statement
by statement (a function's own statements and the foreign-key checks
included).

--callgrind: at the end, PostgreSQL restarts under valgrind's callgrind
and one more round (not counted) gives the instructions of the pass's
backend and of guichet, and the functions of the backend that cost the
most (inclusive); instructions do not move with the machine's load.

PostgreSQL runs on huge pages (2 MB), as doc/operations.md advises: the
benchmark, run as root, adds them to /proc/sys/vm/nr_hugepages for its
run and gives them back after (--no-huge-pages: without, to compare).
Without them a daemon's backend, long-lived as it is, faults in each 4
KB page of a buffer it had not touched before, and a pass among a
million tickets touches mostly such buffers: on the machine of December
7 that was 1,300 faults and 0.4 of the pass's time (median 60.6 ms
without, 35.4 ms with, alternated).

Usage: GUICHET_BIN=build/guichet PYTHONPATH=tests/harness:tests/bench \
       /usr/bin/python3 tests/bench/sla_bench.py [N] [ROUNDS] [--callgrind]
       [--no-huge-pages]
GUICHET_BIN_VS=OTHER/guichet: each round runs that baseline too, in
turn, and the ratios are given pair by pair (for the daemon's rounds the
baseline must report guichet_scheduler_pass_seconds: 028fc1f or later).
(scripts/bench-sla.sh builds guichet and runs this.)
"""

import collections
import datetime
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import guichet_harness as gh
import intake_bench as ib
import pgload

CALLGRIND = "--callgrind" in sys.argv
HUGE = "--no-huge-pages" not in sys.argv
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(ARGS[0]) if ARGS else 1000000
ROUNDS = int(ARGS[1]) if len(ARGS) > 1 else 7
DUE = 100                      # timers due in each round
RESOLVED = max(N // 50, 1)     # resolved tickets, not yet auto-closed
CLOSED = max(N // 10, 1)       # closed tickets, no timer left
IDLE_PASSES = 5
DB = "slabench"
T = datetime.datetime(2026, 12, 1, 10, 0, 0)   # the chosen instant (UTC)
T_ISO = T.strftime("%Y-%m-%dT%H:%M:%SZ")
T_SQL = "timestamptz '%s'" % T_ISO
PASS_RE = re.compile(r"sla tick: pass took ([0-9.]+) ms")
# GUICHET_BIN_VS: a baseline build whose rounds alternate with this one's
VS = os.environ.get("GUICHET_BIN_VS")
vs_rounds = []

# PostgreSQL settings of the run: durable, and sized as a small
# production server would be rather than as the harness's tests are.
SHARED_MB = 1024
PG_SETTINGS = collections.OrderedDict([
    ("fsync", "on"),
    ("synchronous_commit", "on"),
    ("full_page_writes", "on"),
    ("shared_buffers", "1GB"),          # SHARED_MB
    ("max_wal_size", "4GB"),
    ("checkpoint_timeout", "30min"),
    ("maintenance_work_mem", "256MB"),
])


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


# ---------------------------------------------------------------------------
# The load: every table a ticket touches, filled by set-based SQL
# ---------------------------------------------------------------------------

# One row per ticket with everything the other tables derive from it.
# Classes by id g: 1..N open (g % 10 = 9 pending, 7 and 8 new, i.e. not
# acknowledged yet, else open), then RESOLVED resolved, then CLOSED closed.
# The multiplications by primes scatter priorities, plans and instants.
GEN_SQL = """
CREATE UNLOGGED TABLE gen AS
SELECT g, status, priority, plan, created,
       CASE priority WHEN 'P1' THEN 900 WHEN 'P2' THEN 3600
            ELSE 14400 END AS ack_target,
       CASE priority WHEN 'P1' THEN 7200 WHEN 'P2' THEN 14400
            END AS wa_target,
       CASE priority WHEN 'P1' THEN 28800 WHEN 'P2' THEN 64800
            ELSE 162000 END AS res_target,
       CASE WHEN plan = 'Enterprise' AND priority = 'P1' THEN '24x7'
            ELSE 'business' END AS calendar,
       CASE WHEN status = 'resolved' THEN {t} - (g % 432000) * interval '1 s'
            WHEN status = 'closed' THEN created + interval '1 day'
            END AS resolved,
       'customer' || g || '@org' || (g % 5000) || '.example' AS requester,
       'Customer ' || g AS rname,
       'Export fails for account ' || g AS subject,
       CASE WHEN g % 4 = 0 THEN 'en' ELSE 'fr' END AS language,
       format(E'Hello,\\n\\nSince this morning the export of account %s '
              'fails with an error 500 as soon as we select more than one '
              'month of data. We tried from two browsers and from the API '
              '(request id %s), with the same result. Our month-end '
              'closing depends on it: could you have a look?\\n\\n'
              'Thanks,\\nCustomer %s\\nOrganisation %s, +33 1 23 45 67 89\\n',
              g, md5(g::text), g, g % 5000) AS text
FROM (
    SELECT g,
           CASE WHEN g > {n} + {r} THEN 'closed'
                WHEN g > {n} THEN 'resolved'
                WHEN g % 10 = 9 THEN 'pending'
                WHEN g % 10 IN (7, 8) THEN 'new'
                ELSE 'open' END AS status,
           CASE WHEN (g * 7907) % 100 < 5 THEN 'P1'
                WHEN (g * 7907) % 100 < 30 THEN 'P2'
                ELSE 'P3' END AS priority,
           CASE WHEN (g * 31) % 10 < 1 THEN 'Enterprise'
                WHEN (g * 31) % 10 < 4 THEN 'Pro'
                ELSE 'Basic' END AS plan,
           {t} - (60 + (g * 104729) % 2592000) * interval '1 s' AS created
    FROM generate_series(1::bigint, {total}::bigint) AS g
) AS s;
"""

LOAD_SQL = {}

LOAD_SQL["tickets"] = """
INSERT INTO tickets (id, number, status, priority, plan, queue, mailbox,
    requester, requester_name, subject, language, assignee, created_at,
    updated_at, resolved_at, closed_at, first_response_at, last_update_at)
SELECT g, 'SUP-2026-' || lpad(g::text, 7, '0'), status, priority, plan,
       'support', 'support', requester, rname, subject, language,
       CASE WHEN status <> 'new' THEN 'alice' END, created,
       coalesce(resolved, created + interval '10 min'), resolved,
       CASE WHEN status = 'closed' THEN created + interval '2 days' END,
       CASE WHEN status <> 'new' THEN created + interval '10 min' END,
       CASE WHEN status <> 'new' THEN created + interval '10 min' END
FROM gen;
SELECT setval('tickets_id_seq', {total});
SELECT setval('ticket_number_seq', {total});
"""

LOAD_SQL["ticket_participants"] = """
INSERT INTO ticket_participants (ticket_id, address, name, role, added_at)
SELECT g, requester, rname, 'requester', created FROM gen;
INSERT INTO ticket_pauses (ticket_id, start_at, end_at)
SELECT g, created + interval '10 min', NULL FROM gen
WHERE status = 'pending';
"""

LOAD_SQL["messages"] = """
INSERT INTO messages (id, ticket_id, direction, author, mailbox, from_addr,
    from_name, to_addrs, subject, message_id, sent_date, received_at, text,
    new_text, raw, raw_size, raw_sha256, dedup_key, imap_uid)
SELECT g, g, 'in', 'customer', 'support', requester, rname,
       '{{support@example.com}}', subject, 'm' || g || '@customer.example',
       created, created, text, text, raw, length(raw), sha256(raw),
       encode(sha256(('in:' || g)::bytea), 'hex'), g
FROM (SELECT *, convert_to(format(
        E'From: %s <%s>\\r\\nTo: support@example.com\\r\\nSubject: %s\\r\\n'
        'Message-ID: <m%s@customer.example>\\r\\nMIME-Version: 1.0\\r\\n'
        'Content-Type: text/plain; charset=utf-8\\r\\n\\r\\n', rname,
        requester, subject, g) || text, 'UTF8') AS raw FROM gen) AS m;
INSERT INTO messages (id, ticket_id, direction, author, from_addr, from_name,
    to_addrs, subject, message_id, in_reply_to, refs, sent_date,
    received_at, text, dedup_key, outbox_id, internal, purpose)
SELECT {total} + g, g, 'out', 'system', 'support@example.com', 'Support',
       ARRAY[requester], '[SUP-2026-' || lpad(g::text, 7, '0') || '] ' ||
       subject, 'ack.' || md5(g::text) || '@example.com',
       'm' || g || '@customer.example',
       ARRAY['m' || g || '@customer.example'], created, created,
       format(E'Bonjour %s,\\n\\nNous avons bien recu votre demande et '
              'ouvert le ticket SUP-2026-%s.\\n\\nPriorite : %s\\n', rname,
              lpad(g::text, 7, '0'), priority),
       'out:ack.' || md5(g::text) || '@example.com', g, false, 'ack'
FROM gen;
SELECT setval('messages_id_seq', 2 * {total});
"""

LOAD_SQL["outbox"] = """
INSERT INTO outbox (id, kind, purpose, ticket_id, message_id, mail_from,
    rcpts, data, status, attempts, next_attempt_at, created_at, sent_at)
SELECT g, 'mail', 'ack', g, 'ack.' || md5(g::text) || '@example.com',
       'support@example.com', ARRAY[requester],
       convert_to(format(E'From: Support <support@example.com>\\r\\n'
              'To: %s <%s>\\r\\nSubject: [SUP-2026-%s] %s\\r\\n'
              'Auto-Submitted: auto-replied\\r\\n\\r\\nBonjour %s,\\r\\n\\r\\n'
              'Nous avons bien recu votre demande.\\r\\n', rname, requester,
              lpad(g::text, 7, '0'), subject, rname), 'UTF8'),
       'sent', 1, created, created, created + interval '2 s'
FROM gen;
SELECT setval('outbox_id_seq', {total});
"""

LOAD_SQL["events"] = """
INSERT INTO events (ticket_id, at, kind, actor, data)
SELECT g, created, e.kind, CASE WHEN e.kind = 'created' THEN requester END,
       CASE e.kind
       WHEN 'created' THEN jsonb_build_object('from', requester, 'mailbox',
           'support', 'subject', subject, 'message_id',
           'm' || g || '@customer.example')
       WHEN 'qualified' THEN jsonb_build_object('plan', plan, 'queue',
           'support', 'priority', priority)
       ELSE jsonb_build_object('to', jsonb_build_array(requester),
           'purpose', 'ack', 'message_id',
           'ack.' || md5(g::text) || '@example.com') END
FROM gen, (VALUES (1, 'created'), (2, 'qualified'), (3, 'mail_queued'))
    AS e (ord, kind)
ORDER BY g, e.ord;
"""

# Open tickets: acknowledge met unless new; resolve and workaround running
# (their next instant spread over the weeks after T) unless pending.
# Resolved and closed tickets: every timer met, nothing left to do.
LOAD_SQL["sla_timers"] = """
INSERT INTO sla_timers (ticket_id, kind, start_at, due_at, warn_at, met_at,
    target_seconds, calendar, next_at)
SELECT g, 'acknowledge', created, due, warn, met, ack_target, calendar,
       CASE WHEN met IS NULL THEN warn END
FROM (SELECT *,
      CASE WHEN status = 'new' THEN w
           ELSE created + ack_target * interval '0.8 s' END AS warn,
      CASE WHEN status = 'new' THEN w + ack_target * interval '0.2 s'
           ELSE created + ack_target * interval '1 s' END AS due,
      CASE WHEN status <> 'new' THEN created + interval '10 min' END AS met
      FROM (SELECT *, {t} + (60 + (g * 613) % 1814400) * interval '1 s'
            AS w FROM gen) AS a) AS b
UNION ALL
SELECT g, k.kind, created, due, warn, met, target, calendar,
       CASE WHEN met IS NULL THEN warn END
FROM (SELECT g, created, calendar, k.kind, k.target,
      CASE WHEN status = 'pending' THEN NULL
           WHEN resolved IS NOT NULL THEN created + k.target *
                interval '0.8 s'
           ELSE w END AS warn,
      CASE WHEN status = 'pending' THEN NULL
           WHEN resolved IS NOT NULL THEN created + k.target * interval '1 s'
           ELSE w + k.target * interval '0.2 s' END AS due,
      resolved AS met
      FROM gen,
      LATERAL (VALUES
          ('resolve', res_target,
           {t} + (120 + (g * 7577) % 2419200) * interval '1 s'),
          ('workaround', wa_target,
           {t} + (90 + (g * 3571) % 1209600) * interval '1 s'))
          AS k (kind, target, w)
      WHERE k.target IS NOT NULL) AS k;
"""


def psql_long(pg, sql):
    """Run sql in the benchmark's database, without the harness's
    two-minute limit (the load takes longer)."""
    pgload.psql_long(pg, DB, sql)


def load(pg):
    """Fill the database, one table after the other; prints the times."""
    fmt = dict(n=N, r=RESOLVED, total=N + RESOLVED + CLOSED, t=T_SQL)
    # Triggers (the foreign key checks) are off while loading: the rows
    # are consistent by construction, and checking ten million references
    # one by one would take longer than the load itself.
    head = "SET session_replication_role = replica;\nSET work_mem = '256MB';\n"
    steps = [("gen", GEN_SQL)] + list(LOAD_SQL.items()) + \
        [("drop gen", "DROP TABLE gen;")]
    spent = []
    t0 = time.perf_counter()
    for name, sql in steps:
        t1 = time.perf_counter()
        psql_long(pg, head + sql.format(**fmt))
        spent.append("%s %.0f s" % (name, time.perf_counter() - t1))
        print("  %s" % spent[-1], flush=True)
    print("  loaded in %.0f s" % (time.perf_counter() - t0), flush=True)


# ---------------------------------------------------------------------------
# The rounds
# ---------------------------------------------------------------------------

class Picker:
    """Hands out, round after round, tickets spread over the whole table
    (a stride prime to N) with a running timer, never the same twice."""

    STRIDE = 7919

    def __init__(self, pg):
        self.pg = pg
        self.k = 0

    def pick(self, count):
        chosen = []
        while len(chosen) < count:
            ids = []
            while len(ids) < 4 * count:
                ids.append(1 + (self.k * self.STRIDE) % N)
                self.k += 1
            rows = self.pg.psql(
                "SELECT ticket_id, kind FROM sla_timers WHERE ticket_id IN "
                "(%s) AND met_at IS NULL AND due_at IS NOT NULL AND "
                "warned_at IS NULL AND breached_at IS NULL "
                "ORDER BY ticket_id, kind" % ",".join(map(str, ids)), db=DB)
            by_ticket = collections.OrderedDict()
            for tid, kind in rows:
                by_ticket.setdefault(int(tid), []).append(kind)
            for i, tid in enumerate(ids):
                kinds = by_ticket.get(tid)
                if kinds and len(chosen) < count:
                    # vary the kind: acknowledge, resolve, workaround
                    chosen.append((tid, kinds[i % len(kinds)]))
        return chosen


def arm(pg, timers):
    """Make these timers due at T: even ones a warning (warn_at just past,
    deadline ahead), odd ones a breach (warned 40 min ago, deadline 5 min
    ago), as intake and earlier passes would have left them."""
    rows = []
    for i, (tid, kind) in enumerate(timers):
        if i % 2 == 0:
            warn, due, warned = "-3 min", "+2 hours", None
        else:
            warn, due, warned = "-40 min", "-5 min", "-40 min"
        nxt = warn if warned is None else due
        rows.append("(%d, '%s', %s + interval '%s', %s + interval '%s', %s, "
                    "%s + interval '%s')" % (
                        tid, kind, T_SQL, warn, T_SQL, due,
                        "%s + interval '%s'" % (T_SQL, warned)
                        if warned else "NULL::timestamptz", T_SQL, nxt))
    pg.psql("UPDATE sla_timers AS s SET met_at = NULL, warn_at = v.warn, "
            "due_at = v.due, warned_at = v.warned, breached_at = NULL, "
            "next_at = v.next FROM (VALUES %s) AS v (ticket_id, kind, warn, "
            "due, warned, next) WHERE s.ticket_id = v.ticket_id AND "
            "s.kind = v.kind" % ", ".join(rows), db=DB)


def due_count(pg):
    return int(pg.scalar("SELECT count(*) FROM sla_timers WHERE next_at <= "
                         "%s" % T_SQL, db=DB))


def counts(pg):
    row = pg.psql(
        "SELECT (SELECT count(*) FROM outbox WHERE kind = 'mail' AND "
        "purpose LIKE 'escalation_%'), (SELECT count(*) FROM outbox WHERE "
        "kind = 'webhook'), (SELECT count(*) FROM messages WHERE purpose "
        "LIKE 'escalation_%'), (SELECT count(*) FROM events WHERE kind IN "
        "('sla_warning', 'sla_breach'))", db=DB)[0]
    return tuple(int(v) for v in row)


def schedstat(pid):
    """(ms on a CPU, ms runnable but waiting for one) of a process."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            run, wait = f.read().split()[:2]
        return int(run) / 1e6, int(wait) / 1e6
    except (OSError, ValueError):
        return None


def our_backends(pg, known):
    """Backends of the guichet user on our database not in known."""
    found = []
    for pid in gh.child_pids(pg.pid()):
        if pid in known:
            continue
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if cmd.startswith(b"postgres: %s %s " % (
                gh.PG_SUPERUSER.encode(), DB.encode())):
            found.append(pid)
    return found


Tick = collections.namedtuple(
    "Tick", "ms wall run_guichet wait_guichet run_pg wait_pg out wal fpi",
    defaults=(0, 0))


def wal(pg):
    """(WAL bytes written so far, full-page images so far): a page
    changed for the first time since the last checkpoint goes to the WAL
    whole (full_page_writes), 8 kB."""
    row = pg.psql("SELECT pg_current_wal_lsn() - '0/0', wal_fpi FROM "
                  "pg_stat_wal", db=DB)[0]
    return int(row[0]), int(row[1])


def tick(s, env=None, binary=None):
    """One `sla tick --now T`, its pass time as guichet prints it, and
    how long guichet and its PostgreSQL backend were on a CPU or waiting
    for one (from /proc/PID/schedstat, sampled every 2 ms until each
    process is gone): on a machine shared with other work, the pass time
    alone does not tell its cost."""
    argv = [binary or os.environ["GUICHET_BIN"], "-c", s.config_path, "sla",
            "tick", "--now", T_ISO]
    known = set(gh.child_pids(s.pg.pid()))
    last = {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            env=dict(os.environ, **(env or {})))
    sampled = [proc.pid]
    while True:
        if len(sampled) == 1:      # its connection, once it is there
            sampled += our_backends(s.pg, known)[:1]
        alive = False
        for pid in sampled:
            v = schedstat(pid)
            if v is not None and gh.pid_alive(pid):
                last[pid] = v
                alive = True
        if not alive and proc.poll() is not None:
            break
        time.sleep(0.002)
    stdout, stderr = proc.communicate()
    wall = (time.perf_counter() - t0) * 1e3
    stdout, stderr = stdout.decode(), stderr.decode()
    assert proc.returncode == 0, (proc.returncode, stdout, stderr)
    m = PASS_RE.search(stderr)
    assert m, stderr
    me = last.get(proc.pid, (0.0, 0.0))
    pg = [v for pid, v in last.items() if pid != proc.pid]
    return Tick(float(m.group(1)), wall, me[0], me[1],
                sum(v[0] for v in pg), sum(v[1] for v in pg),
                dict(line.rsplit(None, 1) for line in stdout.splitlines()))


def one_round(s, picker, label, env=None, binary=None):
    pg = s.pg
    timers = picker.pick(DUE)
    arm(pg, timers)
    due = due_count(pg)
    assert due == DUE, "%d timers due at T, expected %d" % (due, DUE)
    before = counts(pg)
    wal0 = wal(pg)
    t = tick(s, env, binary)
    wal1 = wal(pg)
    t = t._replace(wal=wal1[0] - wal0[0], fpi=wal1[1] - wal0[1])
    out = t.out
    after = counts(pg)
    got = tuple(a - b for a, b in zip(after, before))
    assert (out["warnings"], out["breaches"]) == (str(DUE // 2),
                                                  str(DUE - DUE // 2)), out
    # escalation mails go to staff: no message on the ticket
    assert got == (DUE, DUE, 0, DUE), \
        "new escalation mails, webhooks, messages, events: %s" % (got,)
    fired = pg.scalar(
        "SELECT count(*) FROM sla_timers WHERE (ticket_id, kind) IN (%s) "
        "AND coalesce(breached_at, warned_at) = %s" % (
            ", ".join("(%d, '%s')" % t for t in timers), T_SQL), db=DB)
    assert int(fired) == DUE, fired
    assert due_count(pg) == 0
    print("%s: pass %.1f ms (process %.0f ms; on a CPU: guichet %.1f ms, "
          "PostgreSQL %.1f ms; waiting for one %.1f ms): warnings %s, "
          "breaches %s; +%d escalation mails, +%d webhooks; WAL %.0f kB, "
          "%d full-page images" % (
              label, t.ms, t.wall, t.run_guichet, t.run_pg,
              t.wait_guichet + t.wait_pg, out["warnings"], out["breaches"],
              got[0], got[1], t.wal / 1024, t.fpi), flush=True)
    return t


# ---------------------------------------------------------------------------
# auto_explain: the plans of the pass as guichet ran it
# ---------------------------------------------------------------------------

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
PLAN_HEAD = re.compile(r"duration: ([0-9.]+) ms\s+plan:")


def explained_round(s, picker):
    """One more round, in a daemon (after its warm-up round), with
    auto_explain logging the plan of every statement of its session,
    those inside functions and the foreign-key checks included (loaded
    through PGOPTIONS, which libpq sends at connection: we connect as a
    superuser); returns [(duration ms, query text, plan text)] of the
    pass, up to the daemon's next question after it (when the next timer
    is due)."""
    pg = s.pg
    env = {"PGOPTIONS": "-c session_preload_libraries=auto_explain "
           "-c auto_explain.log_min_duration=0 "
           "-c auto_explain.log_analyze=on -c auto_explain.log_buffers=on "
           "-c auto_explain.log_nested_statements=on"}
    d = Daemon(s, picker, env=env)
    try:
        size = os.path.getsize(pg.logfile)
        ms = d.round()
    finally:
        d.stop()
    print("explained round in a daemon (not counted): pass %.1f ms" % ms,
          flush=True)
    with open(pg.logfile, errors="replace") as f:
        f.seek(size)
        lines = f.read().splitlines()
    entries, cur = [], None
    for line in lines:
        if LOG_LINE.match(line):
            m = PLAN_HEAD.search(line)
            cur = [float(m.group(1)), []] if m else None
            if cur:
                entries.append(cur)
        elif cur is not None:
            cur[1].append(line.lstrip("\t"))
    plans = []
    for ms, body in entries:
        text = body[0][len("Query Text: "):] if body and \
            body[0].startswith("Query Text: ") else "?"
        if text.startswith("SELECT extract(epoch FROM min(next_at))"):
            break
        plans.append((ms, text, "\n".join(body[1:])))
    return plans


def statement_profile(plans):
    """Durations summed by statement (the server's side of the pass)."""
    agg = collections.OrderedDict()
    for ms, text, _ in plans:
        key = re.sub(r"\s+", " ", text)[:70]
        n, tot = agg.get(key, (0, 0.0))
        agg[key] = (n + 1, tot + ms)
    return agg


# ---------------------------------------------------------------------------
# The same pass in a running daemon: its connection, its prepared plans
# ---------------------------------------------------------------------------

PASS_SUM = re.compile(r"^guichet_scheduler_pass_seconds_sum (\S+)$", re.M)
PASS_COUNT = re.compile(r"^guichet_scheduler_pass_seconds_count (\S+)$",
                        re.M)
PASS_CPU = re.compile(r"^guichet_scheduler_pass_cpu_seconds_total (\S+)$",
                      re.M)


class Daemon:
    """`guichet serve --now T` on the benchmark's database, its clock
    standing still, woken for each round by the notification an
    operator's status change sends: the pass as every daemon runs it, on
    a connection whose statements are prepared and planned already
    (`sla tick` pays a new connection and the first planning of each
    statement). The pass's time is the one the daemon reports in
    /metrics (guichet_scheduler_pass_seconds), and so is guichet's CPU
    time for it, its thread's (guichet_scheduler_pass_cpu_seconds_total;
    None for a build that does not report it). PostgreSQL's CPU for the
    pass is not given: the backend also reads the database's figures for
    the scrapes and the outbox for the mails the pass queued, which
    cannot be told apart from outside; the `sla tick` rounds give the
    CPU of a pass. The first round
    after the start plans the statements that fire: a warm-up, not
    counted."""

    def __init__(self, s, picker, binary=None, env=None):
        self.s, self.picker = s, picker
        self.port = gh.free_port()
        sections = sections_base()
        sections["guichet"]["poll_interval"] = "1h"
        sections["http"] = {"listen": "%s:%d" % (gh.LOCALHOST, self.port)}
        conf = s.write_config(path=s.path("daemon.conf"), dbname=DB,
                              sections=sections)
        saved = os.environ["GUICHET_BIN"]
        os.environ["GUICHET_BIN"] = binary or saved
        try:
            self.d = s.spawn("serve", config=conf, now=T, env=env)
        finally:
            os.environ["GUICHET_BIN"] = saved
        gh.wait_until(lambda: self.answers() and self.passes()[0] >= 1, 60,
                      "the daemon's first pass")
        self.round()

    def passes(self):
        """(count, seconds summed, CPU seconds summed or None) of its
        scheduler passes."""
        c = http.client.HTTPConnection(gh.LOCALHOST, self.port, timeout=10)
        try:
            c.request("GET", "/metrics")
            body = c.getresponse().read().decode()
        finally:
            c.close()
        cpu = PASS_CPU.search(body)
        return (int(float(PASS_COUNT.search(body).group(1))),
                float(PASS_SUM.search(body).group(1)),
                float(cpu.group(1)) if cpu else None)

    def answers(self):
        try:
            self.passes()
            return True
        except (OSError, AttributeError):
            return False

    def round(self):
        """One round: the pass's ms; self.cpu_ms, guichet's ms on a CPU
        for it (None: not reported)."""
        pg = self.s.pg
        arm(pg, self.picker.pick(DUE))
        assert due_count(pg) == DUE
        before = counts(pg)
        n0, sum0, cpu0 = self.passes()
        pg.psql("NOTIFY guichet_status", db=DB)
        gh.wait_until(lambda: self.passes()[0] > n0, 60, "the woken pass",
                      interval=0.05)
        n1, sum1, cpu1 = self.passes()
        self.cpu_ms = (cpu1 - cpu0) * 1e3 if cpu0 is not None else None
        assert n1 == n0 + 1, (n0, n1)
        assert due_count(pg) == 0
        time.sleep(1)      # its outbox flush, out of the next round
        got = tuple(a - b for a, b in zip(counts(pg), before))
        assert got == (DUE, DUE, 0, DUE), got
        return (sum1 - sum0) * 1e3

    def stop(self):
        self.d.stop()


def daemon_rounds(s, picker, rounds):
    """rounds in a daemon of this build; with GUICHET_BIN_VS, in turn with
    a daemon of the baseline, each started anew for its round. Returns
    ([ms] of this build, [ms] of the baseline, [guichet's CPU ms] of this
    build)."""
    mine, theirs, cpu = [], [], []
    if not VS:
        d = Daemon(s, picker)
        try:
            for r in range(rounds):
                mine.append(d.round())
                cpu.append(d.cpu_ms)
                print("daemon round %d: pass %.1f ms (guichet on a CPU %s)"
                      % (r + 1, mine[-1], cpu_said(d.cpu_ms)), flush=True)
        finally:
            d.stop()
        return mine, theirs, cpu
    for r in range(rounds):
        for who in (("vs", "this") if r % 2 else ("this", "vs")):
            d = Daemon(s, picker, binary=VS if who == "vs" else None)
            try:
                got = d.round()
            finally:
                d.stop()
            (theirs if who == "vs" else mine).append(got)
            if who == "this":
                cpu.append(d.cpu_ms)
            print("daemon round %d (%s): pass %.1f ms (guichet on a CPU %s)"
                  % (r + 1, who, got, cpu_said(d.cpu_ms)), flush=True)
    return mine, theirs, cpu


def cpu_said(ms):
    return "%.1f ms" % ms if ms is not None else "not reported"


# ---------------------------------------------------------------------------
# --callgrind: the pass's instructions, and where the backend spends them
# ---------------------------------------------------------------------------

def sections_base():
    """The configuration of the rounds: every escalation a mail of its
    own, as a storm's first ones are (the pass's whole work), to two
    addresses, and a webhook; the SMTP server and the webhook's receiver
    on a loopback port where nothing listens, so that a daemon's attempt
    to send them is refused at once (no name to resolve)."""
    return {"guichet": {"escalation_burst": "0"},
            "smtp": {"url": "smtp://%s:1" % gh.LOCALHOST},
            "queue support": {
                "escalation_to": "oncall@example.com, lead@example.com",
                "webhook_url": "https://%s:1/hooks/support" % gh.LOCALHOST}}


def callgrind_start(s):
    # valgrind maps the server's shared memory itself: no huge pages
    # (instructions do not count page faults either way)
    s.pg.psql("ALTER SYSTEM SET autovacuum = off")
    s.pg.psql("ALTER SYSTEM SET huge_pages = 'off'")
    ib.callgrind_start(s.pg)


def callgrind_round(s, picker, binary, label):
    """One more round, `sla tick` under callgrind, with PostgreSQL under
    it (callgrind_start()); returns (guichet instructions, backend
    instructions, the backend's top functions as callgrind_annotate
    gives them)."""
    pg = s.pg
    wrap = os.path.join(pg.dir, "guichet-callgrind-%s.sh" % label)
    g_out = os.path.join(pg.dir, "guichet-%s.callgrind" % label)
    with open(wrap, "w") as f:
        f.write("#!/bin/sh\nexec valgrind --tool=callgrind "
                "--callgrind-out-file=%s %s \"$@\"\n" % (g_out, binary))
    os.chmod(wrap, 0o755)
    # a pass to bring the pages it reads into the buffers, not counted
    # (no counting of rows after it: under valgrind, a count of millions
    # of rows takes minutes)
    arm(s.pg, picker.pick(DUE))
    tick(s, binary=wrap)
    timers = picker.pick(DUE)
    before = ib.cg_files()
    arm(s.pg, timers)
    # the counts of the backends of arm()'s statements are written after
    # their clients are gone: waited for, so as not to count them
    ib.cg_new_ir(before)
    before = ib.cg_files()
    t = tick(s, binary=wrap)
    assert (t.out["warnings"], t.out["breaches"]) == (
        str(DUE // 2), str(DUE - DUE // 2)), t.out
    backends = ib.cg_new_ir(before)
    # the pass's connection is the largest; any other (a bare
    # connection costs about 20 M) is counted in the total
    name = max(backends, key=backends.get)
    pg_ir = sum(backends.values())
    print("  backends of the counted tick: %s" % ", ".join(
        "%.1f M" % (v / 1e6) for v in sorted(backends.values())), flush=True)
    # kept for callgrind_annotate --tree=caller and the like
    kept = os.path.join(tempfile.gettempdir(),
                        "sla-pass-backend-%s.callgrind" % label)
    shutil.copyfile(os.path.join(ib.CG_DIR, name), kept)
    print("  the backend's count kept in %s" % kept, flush=True)
    ann = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=99", kept],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True).stdout
    top = [line for line in ann.splitlines()
           if re.match(r"^\s*[0-9,]+ \(", line)][1:41]
    return ib.cg_total(g_out), pg_ir, top


def callgrind_report(s, picker):
    s.write_config(dbname=DB, sections=sections_base())
    callgrind_start(s)
    g_ir, pg_ir, top = callgrind_round(s, picker, os.environ["GUICHET_BIN"],
                                       "this")
    print("\ninstructions of a pass with %d due (callgrind, one round, "
          "process start-up and connection included): guichet %.1f M, "
          "its PostgreSQL backend %.1f M; the backend's costliest "
          "functions (inclusive):" % (DUE, g_ir / 1e6, pg_ir / 1e6))
    for line in top:
        print("  " + line.strip()[:150])
    if VS:
        g_vs, pg_vs, _ = callgrind_round(s, picker, VS, "vs")
        print("  GUICHET_BIN_VS, a round after it: guichet %.1f M, its "
              "backend %.1f M" % (g_vs / 1e6, pg_vs / 1e6))


# ---------------------------------------------------------------------------

def main():
    with pgload.huge_pages(SHARED_MB, HUGE) as huge:
        PG_SETTINGS["huge_pages"] = "on" if huge else "off"
        run()


def run():
    total = N + RESOLVED + CLOSED
    with gh.Servers(imap=False, smtp=False, http=False) as s:
        s.pg.keep_session = False   # a backend per psql(), as counted
        pg = s.pg
        for k, v in PG_SETTINGS.items():
            pg.psql("ALTER SYSTEM SET %s = '%s'" % (k, v))
        pg.restart()
        for k, v in PG_SETTINGS.items():
            assert pg.scalar("SHOW %s" % k) == v, (k, pg.scalar("SHOW " + k))
        s.write_config(dbname=DB, sections=sections_base())
        s.guichet("migrate")

        print("loading %d open tickets (+%d resolved, +%d closed) at T = %s"
              % (N, RESOLVED, CLOSED, T_ISO), flush=True)
        load(pg)
        t0 = time.perf_counter()
        psql_long(pg, "VACUUM ANALYZE;\nCHECKPOINT;")
        print("  VACUUM ANALYZE + CHECKPOINT in %.0f s"
              % (time.perf_counter() - t0))
        stats = pg.psql(
            "SELECT (SELECT count(*) FROM tickets WHERE status NOT IN "
            "('resolved', 'closed')), (SELECT count(*) FROM tickets), "
            "(SELECT count(*) FROM sla_timers), (SELECT count(*) FROM "
            "sla_timers WHERE next_at IS NOT NULL), (SELECT count(*) FROM "
            "messages), (SELECT count(*) FROM events), "
            "pg_size_pretty(pg_database_size(current_database()))",
            db=DB)[0]
        assert int(stats[0]) == N and int(stats[1]) == total, stats
        print("  %s open tickets of %s, %s timers (%s with a next instant), "
              "%s messages, %s events; database %s" % stats, flush=True)
        assert due_count(pg) == 0

        picker = Picker(pg)
        load0 = loadavg()
        rounds = []
        for r in range(ROUNDS):
            if VS:
                # the baseline and this build in turn, each round the
                # other first: their ratio holds on a drifting machine
                pair = {}
                for who in (("vs", "this") if r % 2 else ("this", "vs")):
                    pair[who] = one_round(
                        s, picker, "round %d (%s)" % (r + 1, who),
                        binary=VS if who == "vs" else None)
                vs_rounds.append(pair["vs"])
                rounds.append(pair["this"])
            else:
                rounds.append(one_round(s, picker, "round %d" % (r + 1)))
        idle = []
        for _ in range(IDLE_PASSES):
            t = tick(s)
            assert (t.out["warnings"], t.out["breaches"],
                    t.out["closed"]) == ("0", "0", "0"), t.out
            idle.append(t)
        load1 = loadavg()
        in_daemon, in_daemon_vs, in_daemon_cpu = daemon_rounds(s, picker,
                                                               ROUNDS)

        plans = explained_round(s, picker)
        due_plans = [p for p in plans if "sla_timers" in p[1] and
                     "SKIP LOCKED" in p[1]]

        # the agents' digest at this scale: a pass that makes the
        # digests of five agents (and the harness's own), then one that
        # finds them done
        sections = dict(sections_base(), digest={"at": "00:00"})
        for i in range(5):
            sections["agent a%d" % i] = {"address": "a%d@example.com" % i,
                                         "queues": "support"}
        s.write_config(dbname=DB, sections=sections)
        digest = tick(s)
        # the five, and the harness's own agent
        assert int(digest.out.get("digests", "0")) >= 5, digest.out
        digest_done = tick(s)
        assert "digests" not in digest_done.out, digest_done.out

        # [sla] pending_remind_after and pending_close_after on: every
        # wait under way (N / 10) reminded a day before T, nothing due:
        # what the keys cost a pass; then 100 waits due for their
        # reminder and 100 for their closing, in one pass
        psql_long(pg, "UPDATE ticket_pauses SET reminded_at = %s - "
                  "interval '1 day' WHERE end_at IS NULL;\nVACUUM ANALYZE "
                  "ticket_pauses;" % T_SQL)
        sections["sla"] = {"pending_remind_after": "3d",
                           "pending_close_after": "10d"}
        s.write_config(dbname=DB, sections=sections)
        pend_idle = [tick(s) for _ in range(IDLE_PASSES)]
        for t in pend_idle:
            assert "pending reminded" not in t.out, t.out
            assert "pending closed" not in t.out, t.out
        waits = "SELECT ticket_id FROM ticket_pauses WHERE end_at IS " \
            "NULL ORDER BY ticket_id %s LIMIT 100"
        pg.psql("UPDATE ticket_pauses SET reminded_at = NULL, start_at = "
                "%s - interval '30 days' WHERE ticket_id IN (%s)"
                % (T_SQL, waits % "ASC"), db=DB)
        pg.psql("UPDATE ticket_pauses SET reminded_at = %s - interval "
                "'8 days' WHERE ticket_id IN (%s)" % (T_SQL, waits % "DESC"),
                db=DB)
        pend = tick(s)
        assert (pend.out.get("pending reminded"),
                pend.out.get("pending closed")) == ("100", "100"), pend.out

        print("\nSLA scheduler pass, %d open tickets (%d tickets, PostgreSQL "
              "fsync/synchronous_commit/full_page_writes on, shared_buffers "
              "%s, huge pages %s):" % (N, total, PG_SETTINGS["shared_buffers"],
                                      PG_SETTINGS["huge_pages"]))
        figures = [t.ms for t in rounds]
        med = lambda ticks, f: statistics.median(f(t) for t in ticks)
        print("  %d due (%d warnings + %d breaches, each a mail and a webhook "
              "queued): median %.1f ms over %d rounds (min %.1f, max %.1f)"
              % (DUE, DUE // 2, DUE - DUE // 2, statistics.median(figures),
                 ROUNDS, min(figures), max(figures)))
        print("    rounds: %s ms" % ", ".join("%.1f" % f for f in figures))
        print("    WAL per pass: median %.0f kB, of which %d full-page images "
              "(%.0f kB at most): pages the pass changed first since the "
              "last checkpoint" % (med(rounds, lambda t: t.wal) / 1024,
                               med(rounds, lambda t: t.fpi),
                               med(rounds, lambda t: t.fpi) * 8.0))
        if vs_rounds:
            ratio = lambda f: statistics.median(
                f(a) / f(b) for a, b in zip(rounds, vs_rounds))
            print("  against GUICHET_BIN_VS (%s), rounds in turn: its median "
                  "%.1f ms; this one / it, pair by pair: pass %.3f, guichet "
                  "on a CPU %.3f (%.1f ms / %.1f ms), PostgreSQL on a CPU %.3f"
                  % (VS, statistics.median(t.ms for t in vs_rounds),
                     ratio(lambda t: t.ms), ratio(lambda t: t.run_guichet),
                     statistics.median(t.run_guichet for t in rounds),
                     statistics.median(t.run_guichet for t in vs_rounds),
                     ratio(lambda t: t.run_pg)))
        print("  the same in a running daemon (`serve`, woken by a "
              "notification; its connection's statements prepared already), "
              "as its /metrics tells: median %.1f ms over %d rounds (%s ms)"
              % (statistics.median(in_daemon), len(in_daemon),
                 ", ".join("%.1f" % ms for ms in in_daemon)))
        if None not in in_daemon_cpu:
            print("    guichet on a CPU for it (its thread, as /metrics "
                  "tells): median %.1f ms"
                  % statistics.median(in_daemon_cpu))
        if in_daemon_vs:
            print("    against GUICHET_BIN_VS (which must report "
                  "guichet_scheduler_pass_seconds), each round a daemon "
                  "started anew, in turn: its median %.1f ms; this one / "
                  "it, pair by pair: %.3f"
                  % (statistics.median(in_daemon_vs),
                     statistics.median(a / b for a, b in
                                       zip(in_daemon, in_daemon_vs))))
        print("  0 due (idle tick): median %.2f ms over %d passes (%s ms)"
              % (med(idle, lambda t: t.ms), IDLE_PASSES,
                 ", ".join("%.2f" % t.ms for t in idle)))
        print("  on a CPU, whole process and backend (start-up and connection "
              "included), medians:\n"
              "    100 due: guichet %.1f ms + PostgreSQL %.1f ms; waiting for "
              "a CPU %.1f ms\n"
              "    0 due:   guichet %.1f ms + PostgreSQL %.1f ms; waiting for "
              "a CPU %.1f ms"
              % (med(rounds, lambda t: t.run_guichet),
                 med(rounds, lambda t: t.run_pg),
                 med(rounds, lambda t: t.wait_guichet + t.wait_pg),
                 med(idle, lambda t: t.run_guichet),
                 med(idle, lambda t: t.run_pg),
                 med(idle, lambda t: t.wait_guichet + t.wait_pg)))
        print("  with [digest]: the pass that makes %s agents' digests (one "
              "read of the %d open tickets of their queue: counted, the first "
              "50 listed) %.0f ms (guichet %.1f ms + PostgreSQL %.1f ms on a "
              "CPU); the next, all done, %.2f ms"
              % (digest.out["digests"], N, digest.ms, digest.run_guichet,
                 digest.run_pg, digest_done.ms))
        print("  with [sla] pending_remind_after and pending_close_after, %d "
              "tickets waiting on their customer, all reminded: a pass with "
              "nothing due median %.2f ms over %d passes (%s ms); the pass "
              "that reminds 100 customers and closes 100 tickets (a mail "
              "each) %.0f ms (guichet %.1f ms + PostgreSQL %.1f ms on a CPU)"
              % (N // 10, med(pend_idle, lambda t: t.ms), IDLE_PASSES,
                 ", ".join("%.2f" % t.ms for t in pend_idle), pend.ms,
                 pend.run_guichet, pend.run_pg))
        print("  machine: %d cores, %s; load average %s before the rounds, "
              "%s after" % (os.cpu_count(), cpu_model(), load0, load1))
        print("\nplan of the due-timers query, as guichet ran it "
              "(auto_explain, ANALYZE, BUFFERS):")
        for ms, text, plan in due_plans:
            print("  " + re.sub(r"\s+", " ", text))
            print("\n".join("    " + line for line in plan.splitlines()))
        print("\nwhere the explained pass spent its time in PostgreSQL "
              "(with auto_explain's own overhead; a function's statements, "
              "and the foreign-key checks of its inserts, also on lines of "
              "their own):")
        for key, (n, tot) in statement_profile(plans).items():
            print("  %4d x %8.2f ms  %s" % (n, tot, key))
        # last: PostgreSQL restarts under valgrind
        if CALLGRIND:
            callgrind_report(s, picker)


if __name__ == "__main__":
    main()
