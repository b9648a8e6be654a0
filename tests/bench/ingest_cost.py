"""ingest_cost.py - the instructions one mail costs on the MTA path
(`guichet ingest`: one process and one database connection per mail),
beside those of the daemon's per-mail cost (scripts/bench-intake.sh
--callgrind). Prints figures; not a test.

Usage: scripts/bench-ingest.sh [MAILS]   (default 5)

guichet runs under valgrind's callgrind, and PostgreSQL's postmaster
too, with the intake benchmark's production settings (as intake_bench.py
--callgrind runs it: autovacuum off), so that every backend writes its
count when it exits. For each mail: guichet's instructions, from
its start to its exit, and the instructions of the backend that served
it, split into what a bare connection that runs SELECT 1 costs (start
and end of a backend) and the rest.
"""

import os
import statistics
import subprocess
import sys

import guichet_harness as gh
import intake_bench as ib


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with gh.Servers(http=False) as s:
        s.write_config(sections={"agent alice": {
            "address": "alice@example.com", "name": "Alice",
            "queues": "support"}})
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
        print("\nMTA path (guichet ingest), median of %d mails, "
              "instructions per mail:" % n)
        print("  guichet %.1f M (process start to exit)" % (med(g_ir) / 1e6))
        print("  PostgreSQL %.1f M: %.1f M for a bare connection "
              "(SELECT 1), %.1f M for the mail"
              % (med(pg_ir) / 1e6, ib.BARE_IR / 1e6,
                 (med(pg_ir) - ib.BARE_IR) / 1e6))


if __name__ == "__main__":
    main()
