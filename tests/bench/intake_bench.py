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
the background writer: the postmaster's process tree, see cpu.py) and by
Dovecot, the steal time the machine reported over the round, the WAL
bytes written per mail and guichet's database round trips per mail. Wall-clock figures on a shared machine move
by a factor of two; CPU per mail is the figure to compare.

PostgreSQL is set up as a production server would be: fsync,
synchronous_commit and full_page_writes on, shared_buffers 2GB, WAL
compression off (the defaults otherwise).

The daemon reaches PostgreSQL through its Unix socket, as on one machine;
--tcp makes it use TCP on the loopback interface instead.

Usage: GUICHET_BIN=build/guichet PYTHONPATH=tests/harness:tests/bench \
       /usr/bin/python3 tests/bench/intake_bench.py [N] [ROUNDS] [--tcp]
                                                     [--profile]

--profile loads pg_stat_statements and prints, per round, the statements
that cost the most server time per mail (it adds its own cost).
"""

import os
import re
import statistics
import sys
import time

import guichet_harness as gh
from cpu import run_cpu, steal, tree_cpu

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
TCP = "--tcp" in sys.argv
PROFILE = "--profile" in sys.argv
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
    pg.restart()
    for k, v in PG_SETTINGS.items():
        assert pg.scalar("SHOW " + k) == v, k


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


def main():
    rates, rows = [], []
    with gh.Servers(http=False) as s:
        pg = s.pg
        production(pg)
        for r in range(ROUNDS):
            db, user = "bench%d" % r, "bench%d" % r
            sections = {
                "guichet": {"fetch_batch": 500, "log_level": "warn"},
                "smtp": {"url": "smtp://127.0.0.1:1"}}
            if not TCP:
                # PostgreSQL on the same machine: its Unix socket
                pg.create_database(db, exist_ok=True)
                sections["database"] = {
                    "conninfo": "host=%s port=%d dbname=%s user=%s"
                                % (pg.dir, pg.port, db, pg.user)}
            s.write_config(dbname=db, mailbox_user=user,
                           sections=sections)
            s.guichet("migrate")
            c = s.imap.client(user)
            for i in range(N):
                c.append("INBOX", None, None, mail(r * N + i))
            c.logout()
            if PROFILE:
                pg.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
                        db=db)
                pg.psql("SELECT pg_stat_statements_reset()", db=db)
            pg.psql("CHECKPOINT")
            wal0, st0 = lsn(pg, db), steal()
            pg0, dc0 = tree_cpu(pg.pid()), tree_cpu(s.imap.master_pid())
            dt, g_cpu, log = run_cpu(
                s._guichet_argv(("serve", "--once"), None, None),
                env=dict(os.environ, GUICHET_DB_STATS="1"))
            trips = sum(int(m) for m in re.findall(
                r"(\d+) database round trips", log))
            pg_cpu = tree_cpu(pg.pid()) - pg0
            dc_cpu = tree_cpu(s.imap.master_pid()) - dc0
            st, wal = steal() - st0, lsn(pg, db) - wal0
            tickets = int(pg.scalar("SELECT count(*) FROM tickets", db=db))
            queued = int(pg.scalar("SELECT count(*) FROM outbox WHERE "
                                   "purpose = 'ack'", db=db))
            left = len(s.imap.messages(user, "INBOX"))
            assert tickets == N and queued == N and left == 0, \
                (tickets, queued, left)
            if PROFILE:
                profile(pg, db)
            rates.append(N / dt)
            row = (N / dt, g_cpu * 1e3 / N, pg_cpu * 1e3 / N,
                   (g_cpu + pg_cpu) * 1e3 / N, dc_cpu * 1e3 / N,
                   st, wal / N, trips / N)
            rows.append(row)
            print("round %d: %d mails in %.2f s = %.0f mails/s; CPU ms/mail:"
                  " guichet %.3f + PostgreSQL %.3f = %.3f, Dovecot %.3f;"
                  " steal %.2f s; WAL %.0f B/mail; %.2f round trips/mail"
                  % ((r + 1, N, dt) + row), flush=True)
    med = [statistics.median(col) for col in zip(*rows)]
    print("\nintake, IMAPS -> PostgreSQL over %s, ack queued; PostgreSQL: "
          "%s:" % ("TCP loopback" if TCP else "its Unix socket",
                   ", ".join("%s=%s" % kv for kv in PG_SETTINGS.items())))
    print("  median %.0f mails/s over %d rounds of %d mails (best %.0f)"
          % (statistics.median(rates), ROUNDS, N, max(rates)))
    print("  median CPU ms per mail: guichet %.3f + PostgreSQL %.3f = %.3f"
          " (Dovecot %.3f); WAL %.0f bytes and %.2f database round trips"
          " per mail; steal %.2f s a round"
          % (med[1], med[2], med[3], med[4], med[6], med[7], med[5]))
    print("  machine: %d cores, %s" % (os.cpu_count(), cpu_model()))


if __name__ == "__main__":
    main()
