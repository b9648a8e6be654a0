"""scale_bench.py - several daemons over one PostgreSQL.

A benchmark, not a test: it prints figures. Four mailboxes of N customer
mails each are taken by 1, 2, then 4 `guichet serve` daemons sharing one
PostgreSQL (each mailbox is polled by one daemon at a time: an advisory
lock; the others take what is left). For each count of daemons, on a
fresh database and fresh mailboxes: the time until every INBOX is empty
and every mail is a ticket, the CPU milliseconds per mail of all the
daemons together and of PostgreSQL, and the check that each mail was
processed once (tickets = messages = acknowledgements queued = 4 N).

PostgreSQL is set up as in intake_bench.py (fsync, synchronous_commit,
full_page_writes on; shared_buffers 2GB); SMTP points at a closed port
so that the figures are the intake's.

Usage: GUICHET_BIN=build/guichet PYTHONPATH=tests/harness:tests/bench \
       /usr/bin/python3 tests/bench/scale_bench.py [N] [DAEMONS...]
"""

import os
import sys
import time

import guichet_harness as gh
from cpu import steal, tree_cpu
from intake_bench import PG_SETTINGS, mail, production

ARGS = [int(a) for a in sys.argv[1:]]
N = ARGS[0] if ARGS else 2000
COUNTS = ARGS[1:] or [1, 2, 4]
BOXES = 4


def config(s, db, tag):
    sections = {"guichet": {"fetch_batch": 500, "log_level": "warn",
                            "poll_interval": "1s"},
                "smtp": {"url": "smtp://127.0.0.1:1"},
                "database": {"conninfo": "host=%s port=%d dbname=%s user=%s"
                             % (s.pg.dir, s.pg.port, db, s.pg.user)}}
    users = []
    for b in range(BOXES):
        user = "%s_mb%d" % (tag, b)
        users.append(user)
        s.imap.add_user(user)
        sections["mailbox mb%d" % b] = {
            "url": s.imap.imaps_url, "user": user,
            "password_file": s.imap.password_file(user),
            "folder": "INBOX", "processed_folder": "Processed",
            "quarantine_folder": "Quarantine",
            "address": "mb%d@example.com" % b, "queue": "support",
            "tls_ca_file": s.tls.ca_file}
    s.pg.create_database(db, exist_ok=True)
    s.write_config(dbname=db, mailbox_user=users[0], sections=sections)
    return users


def count(s, db, q):
    return int(s.pg.scalar("SELECT count(*) FROM " + q, db=db))


def round_(s, k):
    db = tag = "scale%d" % k
    users = config(s, db, tag)
    s.guichet("migrate")
    for b, user in enumerate(users):
        c = s.imap.client(user)
        for i in range(N):
            c.append("INBOX", None, None, mail(k * 10**6 + b * N + i))
        c.logout()
    s.pg.psql("CHECKPOINT")
    pg0, st0 = tree_cpu(s.pg.pid()), steal()
    t0 = time.perf_counter()
    daemons = [s.spawn("serve") for _ in range(k)]
    gh.wait_until(lambda: count(s, db, "tickets") >= BOXES * N, 1200,
                  "every mail a ticket", interval=0.05)
    gh.wait_until(lambda: all(not s.imap.messages(u, "INBOX")
                              for u in users), 120, "INBOXes empty")
    wall = time.perf_counter() - t0
    g_cpu = sum(tree_cpu(d.pid) for d in daemons)
    pg_cpu = tree_cpu(s.pg.pid()) - pg0
    st = steal() - st0
    for d in daemons:
        d.stop()
    total = BOXES * N
    tickets = count(s, db, "tickets")
    messages = count(s, db, "messages WHERE direction = 'in'")
    acks = count(s, db, "outbox WHERE purpose = 'ack'")
    once = tickets == messages == acks == total
    print("%d daemon(s): %d mails in %.2f s = %.0f mails/s; CPU ms/mail: "
          "guichet %.3f + PostgreSQL %.3f = %.3f; steal %.2f s; each mail "
          "once: %s (%d tickets, %d messages, %d acks)"
          % (k, total, wall, total / wall, g_cpu * 1e3 / total,
             pg_cpu * 1e3 / total, (g_cpu + pg_cpu) * 1e3 / total, st,
             "yes" if once else "NO", tickets, messages, acks), flush=True)
    return once


def main():
    ok = True
    with gh.Servers(http=False) as s:
        s.pg.keep_session = False   # a backend per psql(), as counted
        production(s.pg)
        for k in COUNTS:
            ok = round_(s, k) and ok
    print("\n%d mailboxes of %d mails; PostgreSQL: %s; machine: %d cores"
          % (BOXES, N, ", ".join("%s=%s" % kv for kv in PG_SETTINGS.items()),
             os.cpu_count()))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
