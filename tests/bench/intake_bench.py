"""intake_bench.py - intake throughput: IMAP → PostgreSQL, ack queued.

A benchmark, not a test: it prints figures. It starts the real servers
(PostgreSQL with fsync and synchronous_commit on: durable commits), puts
N customer mails in the support mailbox, and times `guichet serve --once`
taking them all: fetched over IMAPS in batches, parsed, one ticket each,
the acknowledgement composed and queued in the outbox, committed, then
moved to Processed. SMTP points at a closed port so that the time is the
intake's, not the sink's (the outbox worker gives up at the first refused
connection). Several rounds, each on a fresh database and mailbox.

The daemon reaches PostgreSQL through its Unix socket, as on one machine;
--tcp makes it use TCP on the loopback interface instead.

Usage: GUICHET_BIN=build/guichet PYTHONPATH=tests/harness \
       /usr/bin/python3 tests/bench/intake_bench.py [N] [ROUNDS] [--tcp]
"""

import os
import statistics
import sys
import time

import guichet_harness as gh

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
TCP = "--tcp" in sys.argv
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


def main():
    rates = []
    with gh.Servers(http=False) as s:
        pg = s.pg
        pg.psql("ALTER SYSTEM SET fsync = on")
        pg.psql("ALTER SYSTEM SET synchronous_commit = on")
        pg.psql("SELECT pg_reload_conf()")
        time.sleep(0.5)
        assert pg.scalar("SHOW fsync") == "on"
        assert pg.scalar("SHOW synchronous_commit") == "on"
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
            t0 = time.perf_counter()
            s.guichet("serve", "--once", timeout=600)
            dt = time.perf_counter() - t0
            tickets = int(pg.scalar("SELECT count(*) FROM tickets", db=db))
            queued = int(pg.scalar("SELECT count(*) FROM outbox WHERE "
                                   "purpose = 'ack'", db=db))
            left = len(s.imap.messages(user, "INBOX"))
            assert tickets == N and queued == N and left == 0, \
                (tickets, queued, left)
            rates.append(N / dt)
            print("round %d: %d mails in %.2f s = %.0f mails/s "
                  "(%d tickets, %d acks queued, INBOX empty)"
                  % (r + 1, N, dt, N / dt, tickets, queued), flush=True)
    print("\nintake, IMAPS -> PostgreSQL over %s (fsync on, "
          "synchronous_commit on), ack queued:"
          % ("TCP loopback" if TCP else "its Unix socket"))
    print("  median %.0f mails/s over %d rounds of %d mails (best %.0f)"
          % (statistics.median(rates), ROUNDS, N, max(rates)))
    print("  machine: %d cores, %s" % (os.cpu_count(), cpu_model()))


if __name__ == "__main__":
    main()
