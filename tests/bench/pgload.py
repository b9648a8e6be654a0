"""pgload.py - SQL scripts of a benchmark's load, run without time limit.

The harness's psql() stops after two minutes; loading a million rows
takes longer. psql_long() runs a script with psql in one session, stops
at the first error and raises HarnessError with the end of the output.
"""

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
