"""intake_bench.py - intake throughput: IMAP → PostgreSQL, ack queued.

A benchmark, not a test: it prints figures. It starts the real servers
(PostgreSQL with fsync and synchronous_commit on: durable commits), puts
N customer mails in the support mailbox, and times `guichet serve --once`
taking them all: fetched over IMAPS in batches, parsed, one ticket each,
the acknowledgement composed and queued in the outbox, committed, then
moved to Processed. SMTP points at a closed port so that the time is the
intake's, not the sink's (the outbox worker gives up at the first refused
connection). Several rounds, each on a fresh database and mailbox.

Besides mails/s, each round prints the CPU milliseconds per mail spent by
guichet, by PostgreSQL (every backend, the WAL writer, the checkpointer,
the background writer: the postmaster's process tree, see cpu.py; with
the merge of the pass's search-index entries, see GIN_MERGE) and by
Dovecot, the steal time the machine reported over the round, the WAL
bytes written per mail and guichet's database round trips per mail. Wall-clock figures on a shared machine move
by a factor of two; CPU per mail is the figure to compare.

PostgreSQL is set up as a production server would be: fsync,
synchronous_commit and full_page_writes on, shared_buffers 2GB, WAL
compression off (the defaults otherwise).
--huge-pages puts its shared memory on huge pages, as doc/operations.md
advises (run as root: the benchmark reserves them for its run and gives
them back; without root or pages to give, it runs without and says so).
Off by default, so that the figures compare with those of earlier days;
on December 7 it cut PostgreSQL's CPU per new ticket by a fifth (0.82 ms
against 1.04, two runs of 3 rounds each way, in turn).

The daemon reaches PostgreSQL through its Unix socket, as on one machine;
--tcp makes it use TCP on the loopback interface instead.

Usage: GUICHET_BIN=build/guichet PYTHONPATH=tests/harness:tests/bench \
       /usr/bin/python3 tests/bench/intake_bench.py [N] [ROUNDS] [--tcp]
                                                     [--profile]
                                                     [--new-only]
                                                     [--encryption]
                                                     [--ablate=SQL]...
                                                     [--callgrind]
                                                     [--huge-pages]

Each round has three phases, each timed as one `serve --once` pass over
N mails: new tickets; the customers' follow-ups (a reply to each
acknowledgement); agent alice's replies to her notifications (each
relayed to the customer). --new-only runs the first phase alone.

--encryption alternates the rounds without and with encryption at rest
(`[storage] key_file`: raw mails, texts and the outbox sealed with
AES-256-GCM), the first without, and prints the medians of each apart;
give an even number of rounds.

--ablate=SQL (repeatable) prices a part of the schema: the rounds
alternate without and with the statements run after `guichet migrate`
(DROP TRIGGER messages_search_pairs ON messages, say), the first
without, and the medians of each are printed apart with the ratio of
each pair of rounds; give an even number of rounds. An experiment on the
bench's own database, never a change to recommend as such: what the
dropped part did is lost with it.

--callgrind counts instructions instead of timing: PostgreSQL runs with
each of its processes under valgrind's callgrind, and so does guichet,
and each round also prints the instructions per mail (Ir, in millions)
of guichet and of the PostgreSQL backends that served the pass (the
guichet's connection and the merge of the search index's pending list,
less what a bare connection costs). Unlike CPU time, the count does not
move with the machine's load: two versions compare within a fraction of
a percent. It leaves out the kernel (system calls, fsync) and the WAL
writer and checkpointer, and counts no cache miss; use it beside the CPU
figures, never instead of them. Autovacuum is off in this mode (its
workers would come and go with the slower clock). About 50 times
slower: give a few hundred mails.

--profile loads pg_stat_statements and prints, per round, the statements
that cost the most server time per mail (it adds its own cost).
"""

import os
import re
import shutil
import statistics
import sys
import time

import guichet_harness as gh
import pgload
from cpu import run_cpu, steal, tree_cpu

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
TCP = "--tcp" in sys.argv
PROFILE = "--profile" in sys.argv
FOLLOWUPS = "--new-only" not in sys.argv
ENCRYPTION = "--encryption" in sys.argv
ABLATE = [a[len("--ablate="):] for a in sys.argv[1:]
          if a.startswith("--ablate=")]
CALLGRIND = "--callgrind" in sys.argv
HUGE = "--huge-pages" in sys.argv
N = int(ARGS[0]) if len(ARGS) > 0 else 5000
ROUNDS = int(ARGS[1]) if len(ARGS) > 1 else 3


def mail(i):
    return ("From: Customer %d <customer%d@example.org>\r\n"
            "To: support@example.com\r\n"
            "Subject: Export fails for account %d\r\n"
            "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
            "Message-ID: <bench-%d@example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Hello,\r\n\r\nSince this morning the export of account %d "
            "fails with an error 500.\r\nCould you have a look?\r\n\r\n"
            "Thanks,\r\nCustomer %d\r\n" % (i, i, i, i, i, i)).encode()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


PG_SETTINGS = {"fsync": "on", "synchronous_commit": "on",
               "full_page_writes": "on", "shared_buffers": "2GB",
               "wal_compression": "off"}


def production(pg):
    for k, v in PG_SETTINGS.items():
        pg.psql("ALTER SYSTEM SET %s = '%s'" % (k, v))
    if PROFILE:
        pg.psql("ALTER SYSTEM SET shared_preload_libraries = "
                "'pg_stat_statements'")
    if CALLGRIND:
        pg.psql("ALTER SYSTEM SET autovacuum = off")
        callgrind_start(pg)
    else:
        pg.restart()
    for k, v in PG_SETTINGS.items():
        assert pg.scalar("SHOW " + k) == v, k


# --- --callgrind: instructions counted, not timed ---------------------------

CG_DIR = None     # where PostgreSQL's processes leave their counts
BARE_IR = 0       # the instructions of a connection that runs SELECT 1


def callgrind_start(pg):
    """Restart PostgreSQL with its postmaster (and so every process it
    forks) under callgrind, each process writing its count at its exit."""
    global CG_DIR, BARE_IR
    if shutil.which("valgrind") is None:
        sys.exit("--callgrind needs valgrind (apt-get install valgrind)")
    CG_DIR = os.path.join(pg.dir, "callgrind")
    os.makedirs(CG_DIR, exist_ok=True)
    pg.owner.chown(CG_DIR)
    wrap = os.path.join(pg.dir, "postgres-callgrind.sh")
    # Counted only inside PostgresMain, a backend's life once forked: a
    # forked process inherits its parent's counts, so each backend's
    # total would also hold what the postmaster had done before the
    # fork (tens of millions of instructions, more with a larger
    # shared_buffers), however little the backend did.
    with open(wrap, "w") as f:
        f.write("#!/bin/sh\nexec valgrind --tool=callgrind "
                "--collect-atstart=no --toggle-collect=PostgresMain "
                "--callgrind-out-file=%s/pg.%%p %s \"$@\"\n"
                % (CG_DIR, pg._bin("postgres")))
    os.chmod(wrap, 0o755)
    pg.stop()
    pg.start(postgres=wrap)
    before = cg_files()
    pg.psql("SELECT 1")
    BARE_IR = sum(cg_new_ir(before).values())


def cg_files():
    return set(os.listdir(CG_DIR))


def cg_total(path):
    """The instructions a callgrind file counts, None while it is being
    written (its totals line comes last)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("totals:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cg_new_ir(before, timeout=300):
    """{file: instructions} of the processes that ended since `before`,
    once their counts are written and no other one comes."""
    deadline, last = time.time() + timeout, None
    while time.time() < deadline:
        now = {n: cg_total(os.path.join(CG_DIR, n))
               for n in cg_files() - before}
        if now and now == last and None not in now.values():
            return now
        last = now
        time.sleep(1)
    raise RuntimeError("callgrind counts not written: %s" % last)


def lsn(pg, db):
    return int(pg.scalar("SELECT pg_current_wal_lsn() - '0/0'", db=db))


def profile(pg, db):
    """The statements that cost the most in the round, per mail."""
    out = pg.psql(
        "SELECT round((total_exec_time / %d)::numeric, 4) AS ms_per_mail,"
        " round((calls::numeric / %d), 2) AS calls_per_mail,"
        " round((wal_bytes / %d)::numeric) AS wal_per_mail,"
        " left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query"
        " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM"
        " pg_database WHERE datname = current_database())"
        " ORDER BY total_exec_time DESC LIMIT 25" % (N, N, N), db=db)
    print("  ms/mail  calls/mail  WAL B/mail  statement")
    for row in out:
        print("  %7s  %10s  %10s  %s" % row, flush=True)


def followup(number, ack_id, i):
    """A customer's answer to the acknowledgement of ticket `number`."""
    return ("From: Customer %d <customer%d@example.org>\r\n"
            "To: support@example.com\r\n"
            "Subject: Re: [%s] Export fails for account %d\r\n"
            "Date: Thu, 26 Nov 2026 11:00:00 +0000\r\n"
            "Message-ID: <bench-fu-%d@example.org>\r\n"
            "In-Reply-To: <%s>\r\nReferences: <%s>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Here is the error message: HTTP 500 at 10:42.\r\n\r\n"
            "> Your request has been received.\r\n"
            % (i, i, number, i, i, ack_id, ack_id)).encode()


def agent_reply(number, notify_id, i):
    """Agent alice's answer to her notification of ticket `number`: it is
    relayed to the customer."""
    return ("From: Alice <alice@example.com>\r\n"
            "To: support@example.com\r\n"
            "Subject: Re: [%s] Export fails for account %d\r\n"
            "Date: Thu, 26 Nov 2026 12:00:00 +0000\r\n"
            "Message-ID: <bench-ag-%d@example.com>\r\n"
            "In-Reply-To: <%s>\r\nReferences: <%s>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Hello,\r\n\r\nThe export works again: a full disk on the "
            "export server. Sorry for the trouble.\r\n\r\nAlice\r\n"
            % (number, i, i, notify_id, notify_id)).encode()


def first_mail_ids(pg, db, purpose):
    """(ticket number, Message-ID) of each ticket's first mail of ours of
    that purpose, in ticket order."""
    return pg.psql("SELECT t.number, min(o.message_id) FROM outbox o "
                   "JOIN tickets t ON t.id = o.ticket_id WHERE o.purpose = "
                   "'%s' GROUP BY t.id, t.number ORDER BY t.id" % purpose,
                   db=db)


# GIN keeps new entries in a pending list that it merges into the index
# when the list passes gin_pending_list_limit (4 MB), or at VACUUM: the
# pass that crossed the limit paid for the entries of the passes before
# it (the agents' answers, after new tickets and follow-ups: about 0.1 ms
# a mail). Each pass has its own merged after it, and counted with it.
GIN_MERGE = ("SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
             "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON "
             "a.oid = c.relam WHERE a.amname = 'gin'")


def measure(s, db, user, mails):
    """Put mails in INBOX, run one `serve --once` pass, return its figures:
    (mails/s, guichet, PostgreSQL, both, Dovecot CPU ms per mail, steal s,
    WAL bytes per mail, round trips per mail, statements per mail)."""
    pg, n = s.pg, len(mails)
    c = s.imap.client(user)
    for raw in mails:
        c.append("INBOX", None, None, raw)
    c.logout()
    if PROFILE:
        pg.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", db=db)
        pg.psql("SELECT pg_stat_statements_reset()", db=db)
    pg.psql("CHECKPOINT")
    wal0, st0 = lsn(pg, db), steal()
    pg0, dc0 = tree_cpu(pg.pid()), tree_cpu(s.imap.master_pid())
    argv = s._guichet_argv(("serve", "--once"), None, None)
    if CALLGRIND:
        g_out = os.path.join(CG_DIR, "..", "guichet.callgrind")
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" +
                g_out] + list(argv)
        cg0 = cg_files()
    dt, g_cpu, log = run_cpu(argv, timeout=3600 if CALLGRIND else 600,
                             env=dict(os.environ, GUICHET_DB_STATS="1"))
    trips = sum(int(m) for m in re.findall(r"(\d+) database round trips",
                                           log))
    stmts = sum(int(m) for m in re.findall(r"(\d+) statements", log))
    if CALLGRIND:
        g_ir = cg_total(g_out)
        pg_ir = sum(cg_new_ir(cg0).values())
        cg0 = cg_files()
    # the pass's own entries of the search index merged into it, less
    # what a bare connection costs
    pg.psql(GIN_MERGE, db=db)
    if CALLGRIND:
        pg_ir += sum(cg_new_ir(cg0).values()) - BARE_IR
    pg_cpu = tree_cpu(pg.pid()) - pg0
    bare = tree_cpu(pg.pid())
    pg.psql("SELECT 1", db=db)
    pg_cpu -= tree_cpu(pg.pid()) - bare
    dc_cpu = tree_cpu(s.imap.master_pid()) - dc0
    st, wal = steal() - st0, lsn(pg, db) - wal0
    assert not s.imap.messages(user, "INBOX"), "INBOX not emptied"
    if PROFILE:
        profile(pg, db)
    return (n / dt, g_cpu * 1e3 / n, pg_cpu * 1e3 / n,
            (g_cpu + pg_cpu) * 1e3 / n, dc_cpu * 1e3 / n, st, wal / n,
            trips / n, stmts / n) + ((g_ir / n / 1e6, pg_ir / n / 1e6,
                                      (g_ir + pg_ir) / n / 1e6)
                                     if CALLGRIND else ())


def count(pg, db, q):
    return int(pg.scalar("SELECT count(*) FROM " + q, db=db))


KINDS = [("new", "new tickets (ack + agent notification queued)"),
         ("followup", "customer follow-ups (agent notification queued)"),
         ("agent", "agent replies (relayed to the customer)")]


def sealed(r):
    return ENCRYPTION and r % 2 == 1


def ablated(r):
    return bool(ABLATE) and r % 2 == 1


def one_round(s, r):
    pg = s.pg
    db, user = "bench%d" % r, "bench%d" % r
    sections = {"guichet": {"fetch_batch": 500, "log_level": "warn"},
                "smtp": {"url": "smtp://127.0.0.1:1"}}
    if sealed(r):
        keys = s.path("bench.keys")
        with open(keys, "w") as f:
            f.write("1 %s current\n" % os.urandom(32).hex())
        os.chmod(keys, 0o600)
        sections["storage"] = {"key_file": keys}
    if not TCP:
        # PostgreSQL on the same machine: its Unix socket
        pg.create_database(db, exist_ok=True)
        sections["database"] = {
            "conninfo": "host=%s port=%d dbname=%s user=%s"
                        % (pg.dir, pg.port, db, pg.user)}
    s.write_config(dbname=db, mailbox_user=user, sections=sections)
    s.guichet("migrate")
    if ablated(r):
        for sql in ABLATE:
            pg.psql(sql, db=db)
    out = {}
    base = r * N
    out["new"] = measure(s, db, user, [mail(base + i) for i in range(N)])
    assert count(pg, db, "tickets") == N
    assert count(pg, db, "outbox WHERE purpose = 'ack'") == N
    if FOLLOWUPS:
        acks = first_mail_ids(pg, db, "ack")
        out["followup"] = measure(s, db, user, [
            followup(num, mid, base + i) for i, (num, mid) in
            enumerate(acks)])
        assert count(pg, db, "messages WHERE direction = 'in'") == 2 * N
        assert count(pg, db, "tickets") == N
        notes = first_mail_ids(pg, db, "notify_agent")
        relayed = count(pg, db, "outbox WHERE purpose <> 'notify_agent'")
        out["agent"] = measure(s, db, user, [
            agent_reply(num, mid, base + i) for i, (num, mid) in
            enumerate(notes)])
        assert count(pg, db, "messages WHERE direction = 'in'") == 3 * N
        assert count(pg, db, "outbox WHERE purpose <> 'notify_agent'") \
            >= relayed + N, "agent replies not relayed"
    for kind, _ in KINDS:
        if kind in out:
            print("round %d%s, %-8s %d mails, %.0f mails/s; CPU ms/mail: "
                  "guichet %.3f + PostgreSQL %.3f = %.3f, Dovecot %.3f; "
                  "steal %.2f s; WAL %.0f B/mail; %.2f round trips/mail; "
                  "%.2f statements/mail%s"
                  % ((r + 1, " (encrypted)" if sealed(r) else
                      " (ablated)" if ablated(r) else "", kind,
                      N) + out[kind][:9] + (ir_text(out[kind]),)),
                  flush=True)
    return out


def main():
    if ENCRYPTION and ABLATE:
        sys.exit("--encryption and --ablate each alternate the rounds: "
                 "give one of them")
    results = []
    with pgload.huge_pages(2048, HUGE and not CALLGRIND) as huge, \
            gh.Servers(http=False) as s:
        s.pg.keep_session = False   # a backend per psql(), as counted
        PG_SETTINGS["huge_pages"] = "on" if huge else "off"
        production(s.pg)
        for r in range(ROUNDS):
            results.append(one_round(s, r))
    print("\nintake, IMAPS -> PostgreSQL over %s; PostgreSQL: %s"
          % ("TCP loopback" if TCP else "its Unix socket",
             ", ".join("%s=%s" % kv for kv in PG_SETTINGS.items())))
    split = sealed if ENCRYPTION else ablated
    modes = [(False, "")] + ([(True, " (encrypted)")] if ENCRYPTION else
                             [(True, " (ablated: %s)" % "; ".join(ABLATE))]
                             if ABLATE else [])
    for enc, label in modes:
        mine = [res for r, res in enumerate(results) if split(r) == enc]
        print("medians over %d rounds of %d mails%s:" % (len(mine), N,
                                                          label))
        summary(mine)
    if ABLATE:
        pairs(results)
    print("  machine: %d cores, %s" % (os.cpu_count(), cpu_model()))


def ir_text(row):
    """The instructions per mail of a measure() row, when counted."""
    if len(row) < 12:
        return ""
    return ("; Ir/mail: guichet %.2f M + PostgreSQL %.2f M = %.2f M"
            % tuple(row[9:12]))


def summary(results):
    for kind, what in KINDS:
        rows = [res[kind] for res in results if kind in res]
        if not rows:
            continue
        med = [statistics.median(col) for col in zip(*rows)]
        print("  %s: %.0f mails/s (best %.0f); CPU ms per mail: guichet "
              "%.3f + PostgreSQL %.3f = %.3f (Dovecot %.3f); WAL %.0f bytes, "
              "%.2f database round trips and %.2f statements per mail; "
              "steal %.2f s a round%s"
              % (what, med[0], max(r[0] for r in rows), med[1], med[2],
                 med[3], med[4], med[6], med[7], med[8], med[5],
                 ir_text(med)))


def pairs(results):
    """Each ablated round against the round before it, total CPU (total
    instructions with --callgrind)."""
    col = 11 if CALLGRIND else 3
    for kind, what in KINDS:
        ratios = ["%.3f" % (results[r][kind][col] /
                            results[r - 1][kind][col])
                  for r in range(1, len(results), 2) if kind in results[r]]
        if ratios:
            print("  %s, ablated / not, round by round: %s (median %.3f)"
                  % (kind, ", ".join(ratios),
                     statistics.median(float(x) for x in ratios)))


if __name__ == "__main__":
    main()
