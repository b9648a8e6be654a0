"""ingest_cost.py - the instructions one mail costs on the MTA's two
paths: `guichet ingest` (one process and one database connection per
mail) and LMTP to the running daemon ([lmtp], daemon/lmtp.h), beside
the daemon's per-mail cost from IMAP (scripts/bench-intake.sh
--callgrind). Prints figures; not a test.

Usage: scripts/bench-ingest.sh [MAILS [LMTP_MAILS]] [--imap-only]
(default 5, 300; --imap-only: the daemon's runs by IMAP alone, for a
version without LMTP, run with GUICHET_BIN set to its binary)

LMTP: `guichet serve` runs under callgrind twice, once to take one new
ticket over LMTP and once to take 1 + LMTP_MAILS over one session (as
an MTA that keeps its connection); then the same by IMAP (the mails put
in INBOX at once, taken by IDLE), for comparison; after each run the
search index's pending entries are merged (as the intake benchmark
does). Per mail:
the difference of the two runs' counts, divided by LMTP_MAILS, for
guichet and for PostgreSQL, so that what happens once per process (its
start, loading the system's CA certificates for the first TLS
connection: 0.2 G instructions) is not counted. Each run ends when the
sink has the acknowledgement and the agent's notification of every
mail: the figure includes sending them (which the intake benchmark,
whose SMTP server is away, does not count).
"""

import os
import signal
import statistics
import subprocess
import sys
import time

import guichet_harness as gh
import intake_bench as ib
from lmtp_client import Client

# an agent, so that each new ticket also queues a notification
AGENT = {"agent alice": {"address": "alice@example.com", "name": "Alice",
                         "queues": "support"}}


def serve_run(s, sock, first, n, path):
    """(guichet, PostgreSQL) instructions of one `serve` under callgrind
    that takes n new tickets (mails first .. first + n - 1) by path
    ("lmtp": one session; "imap": all put in INBOX at once, taken by
    IDLE) and sends their mails."""
    sections = dict(AGENT, guichet={"poll_interval": "1h"})
    if path == "lmtp":
        sections["lmtp"] = {"listen": "unix:" + sock}
    s.write_config(sections=sections)
    out = os.path.join(s.pg.dir, "serve.%d.callgrind" % first)
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out
            ] + list(s._guichet_argv(("serve",), None, None))
    s.smtp.clear()
    before = ib.cg_files()
    log = os.path.join(s.pg.dir, "serve.%d.log" % first)

    def listening():
        with open(log) as f:
            return ((path != "lmtp" or os.path.exists(sock)) and
                    "serving 1 mailbox" in f.read())
    with open(log, "w") as err:
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
    try:
        gh.wait_until(listening, 300, "serve to listen")
        if path == "imap":
            c = s.imap.client("support")
            for i in range(first, first + n):
                c.append("INBOX", None, None, ib.mail(i))
            c.logout()
        else:
            c = Client(sock, timeout=600)
            c.cmd("LHLO bench.example.com")
            for i in range(first, first + n):
                _, final = c.deliver(["support@example.com"], ib.mail(i))
                if final[0][0] != 250:
                    sys.exit("LMTP: %r" % (final,))
            c.cmd("QUIT")
            c.close()
        gh.wait_until(lambda: len(s.smtp.messages()) >= 2 * n, 600,
                      "the acknowledgements and notifications")
        time.sleep(1)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=600)
    s.pg.psql(ib.GIN_MERGE, db="guichet")
    pg_ir = sum(ib.cg_new_ir(before).values()) - ib.BARE_IR
    return ib.cg_total(out), pg_ir


PATHS = [("lmtp", "LMTP, one session"),
         ("imap", "IMAP, all in INBOX at once (IDLE)")]
if "--imap-only" in sys.argv:
    # an earlier version, without LMTP (scripts/bench-ingest.sh 0 300
    # --imap-only, GUICHET_BIN set to its binary)
    PATHS = PATHS[1:]


def lmtp_cost(s, n):
    sock = os.path.join(s.pg.dir, "lmtp.sock")
    serve_run(s, sock, 100000, 1, PATHS[0][0])   # warms the database
    print("\nThe running daemon, %d new tickets stored, queued and sent "
          "(ack + agent notification), instructions per mail (a run of "
          "1 + %d mails less one of 1):" % (n, n))
    for path, what in PATHS:
        base = 200000 if path == "lmtp" else 400000
        g0, p0 = serve_run(s, sock, base, 1, path)
        g1, p1 = serve_run(s, sock, base + 1000, 1 + n, path)
        print("  %-34s guichet %.2f M, PostgreSQL %.2f M, both %.2f M"
              % (what + ":", (g1 - g0) / n / 1e6, (p1 - p0) / n / 1e6,
                 (g1 - g0 + p1 - p0) / n / 1e6), flush=True)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if len(args) > 0 else 5
    n_lmtp = int(args[1]) if len(args) > 1 else 300
    with gh.Servers(http=False) as s:
        s.pg.keep_session = False   # a backend per psql(), as counted
        s.write_config(sections=AGENT)
        s.guichet("migrate")
        # the intake benchmark's production settings, autovacuum off (no
        # other backend ends while a mail is counted), under callgrind
        ib.CALLGRIND = True
        ib.production(s.pg)
        # the first mail of a database warms its files; not counted
        s.guichet("ingest", "--mailbox", "support", input=ib.mail(0))
        argv = list(s._guichet_argv(("ingest", "--mailbox", "support"),
                                    None, None))
        g_ir, pg_ir = [], []
        for i in range(1, n + 1):
            out = os.path.join(s.pg.dir, "ingest.%d.callgrind" % i)
            before = ib.cg_files()
            r = subprocess.run(["valgrind", "--tool=callgrind",
                                "--callgrind-out-file=" + out] + argv,
                               input=ib.mail(i), capture_output=True,
                               timeout=600)
            if r.returncode != 0 or b"new ticket" not in r.stderr:
                sys.exit("ingest failed: %s" % r.stderr.decode()[-500:])
            g_ir.append(ib.cg_total(out))
            pg_ir.append(sum(ib.cg_new_ir(before).values()))
            print("mail %d: guichet %.1f M, PostgreSQL %.1f M instructions"
                  % (i, g_ir[-1] / 1e6, pg_ir[-1] / 1e6), flush=True)
        med = statistics.median
        if n > 0:
            print("\nMTA path (guichet ingest), median of %d mails, "
                  "instructions per mail:" % n)
            print("  guichet %.1f M (process start to exit)"
                  % (med(g_ir) / 1e6))
            print("  PostgreSQL %.1f M: %.1f M for a bare connection "
                  "(SELECT 1), %.1f M for the mail"
                  % (med(pg_ir) / 1e6, ib.BARE_IR / 1e6,
                     (med(pg_ir) - ib.BARE_IR) / 1e6))
        if n_lmtp > 0:
            lmtp_cost(s, n_lmtp)


if __name__ == "__main__":
    main()
