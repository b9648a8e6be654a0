"""pgload.py - what the benchmarks at scale share about their PostgreSQL:
SQL scripts of a load run without time limit, and huge pages.

The harness's psql() stops after two minutes; loading a million rows
takes longer. psql_long() runs a script with psql in one session, stops
at the first error and raises HarnessError with the end of the output.

huge_pages() reserves 2 MB pages for a server's shared memory, as a
production server with a large shared_buffers has them (see
doc/operations.md): without them each PostgreSQL process faults in each
4 KB page of shared memory the first time it touches it, a new backend
for every page it reads, a daemon's long-lived backend for every buffer
it had not met before (on a million tickets, most of what a scheduler
pass reads).
"""

import contextlib
import os
import subprocess

import guichet_harness as gh


def psql_long(pg, db, sql):
    """Run sql in database db of the harness's PostgreSQL pg."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    r = subprocess.run([os.path.join(gh.PG_BIN, "psql"), "-X", "-q",
                        "-v", "ON_ERROR_STOP=1", "-d", pg.conninfo(db),
                        "-f", "-"], input=sql.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, timeout=4 * 3600)
    if r.returncode != 0:
        raise gh.HarnessError("psql failed: %s" % r.stdout.decode(
            "utf-8", "replace")[-3000:])


NR_HUGEPAGES = "/proc/sys/vm/nr_hugepages"


def _set_huge_pages(count):
    with open(NR_HUGEPAGES, "w") as f:
        f.write(str(count))
    with open(NR_HUGEPAGES) as f:
        return int(f.read())


@contextlib.contextmanager
def huge_pages(mb, wanted=True):
    """Within it, enough more 2 MB huge pages for mb of shared memory (and
    a tenth more for PostgreSQL's other shared structures), given back
    after. Yields whether they are there: False when not wanted, not root,
    or the kernel had not that many to give (the server then runs without:
    say so, and set its huge_pages = 'off')."""
    before = None
    if wanted:
        want = mb // 2 + mb // 20
        try:
            with open(NR_HUGEPAGES) as f:
                before = int(f.read())
            if _set_huge_pages(before + want) < before + want:
                _set_huge_pages(before)
                before = None
        except (OSError, ValueError):
            before = None
    try:
        yield before is not None
    finally:
        if before is not None:
            try:
                _set_huge_pages(before)
            except (OSError, ValueError):
                pass
