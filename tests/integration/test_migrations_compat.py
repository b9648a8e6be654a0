"""test_migrations_compat.py - what doc/operations.md promises of every
migration: an older binary keeps working on the migrated schema, so that
ops migrate first and replace the binaries one daemon at a time.

Through a real PostgreSQL: the migrations of sql/ are applied one by one,
each in its transaction as `guichet migrate` applies them, and after
each the schema is compared with the one before it. An older binary's
statements name tables, columns and functions, bind text parameters to
columns and insert rows without the columns it does not know of; so a
migration may not
- drop or rename a table or a column,
- change a column's type (a domain or an enum in place of text makes
  a statement that binds one parameter to the column and to text fail
  to prepare, and a running daemon's prepared statements fail with
  "cached plan must not change result type"),
- add a NOT NULL column without a default to an existing table, or
  make an existing column NOT NULL without one (older INSERTs omit it),
- drop a function or change its arguments or its result (trigger
  functions aside: no binary calls them).
The changes made before this test existed that break a rule are listed
in KNOWN with what they broke: a new one fails the test. At the end,
`guichet migrate` finds nothing left to apply (the test applied what the
binary embeds) and the schema is the one `migrate` builds on its own.
"""

import glob
import os
import re
import unittest

import guichet_harness as gh

SQL_DIR = os.path.join(os.environ["GUICHET_SOURCE_DIR"], "sql")

COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
       a.attnotnull, a.atthasdef OR a.attgenerated <> '' OR a.attidentity <> ''
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0
  AND NOT a.attisdropped
"""
FUNCTIONS = """
SELECT p.oid::regprocedure::text, pg_get_function_result(p.oid)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.prokind = 'f'
  AND p.prorettype <> 'trigger'::regtype
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid
                  AND d.deptype = 'e')
"""

# {migration: [what it broke for an older binary]}: changes made before
# this test existed. A binary older than the migration, still running
# while ops migrate, fails on these calls until it is replaced; they are
# told in doc/operations.md's upgrade section, and kept here so that the
# history is explicit.
KNOWN = {
    # the SLA pass's functions took the timer rules' results from C
    # (migration 011): a binary before it calls the old signatures
    11: ["function sla_fire(timestamp with time zone,bigint[],text[],"
         "integer[],text[],jsonb[],integer[],text[],text[],text[],text[],"
         "text[],jsonb[],integer[],text[],text[],text[]) dropped or its "
         "arguments changed",
         "function timers_set(bigint,text[],timestamp with time zone[],"
         "timestamp with time zone[],timestamp with time zone[],timestamp "
         "with time zone[],bigint[],text[],boolean) dropped or its "
         "arguments changed"],
    # the send cap's slot is taken with the mail (migration 026): a
    # binary before it calls ticket_send_slot() to queue a capped mail
    26: ["function ticket_send_slot(bigint,text,timestamp with time zone,"
         "bigint) dropped or its arguments changed"],
}


def schema(pg, db):
    cols = {(t, c): (typ, nn == "t", d == "t")
            for t, c, typ, nn, d in pg.psql(COLUMNS, db=db)}
    funcs = {sig: res for sig, res in pg.psql(FUNCTIONS, db=db)}
    return cols, funcs


def broken(before, after):
    """What `after` breaks for a binary written against `before`."""
    (bc, bf), (ac, af) = before, after
    tables = {t for t, _ in bc}
    out = []
    for t in sorted(tables - {t for t, _ in ac}):
        out.append("table %s dropped" % t)
    for (t, c), (typ, nn, d) in sorted(bc.items()):
        if t not in {x for x, _ in ac}:
            continue
        if (t, c) not in ac:
            out.append("column %s.%s dropped" % (t, c))
            continue
        atyp, ann, ad = ac[(t, c)]
        if atyp != typ:
            out.append("column %s.%s: %s became %s" % (t, c, typ, atyp))
        if ann and not nn and not ad:
            out.append("column %s.%s made NOT NULL without a default"
                       % (t, c))
    for (t, c), (typ, nn, d) in sorted(ac.items()):
        if t in tables and (t, c) not in bc and nn and not d:
            out.append("column %s.%s added NOT NULL without a default"
                       % (t, c))
    for sig, res in sorted(bf.items()):
        if sig not in af:
            out.append("function %s dropped or its arguments changed" % sig)
        elif af[sig] != res:
            out.append("function %s: result %s became %s"
                       % (sig, res, af[sig]))
    return out


class MigrationsCompat(gh.ServersTestCase):
    servers_options = dict(imap=False, smtp=False, http=False)

    def test_each_migration_keeps_older_binaries_working(self):
        s = self.servers
        pg = s.pg
        pg.create_database("mc_steps")
        pg.psql("CREATE TABLE schema_migrations (version integer PRIMARY "
                "KEY, name text NOT NULL, applied_at timestamptz NOT NULL "
                "DEFAULT now())", db="mc_steps")
        files = sorted(glob.glob(os.path.join(SQL_DIR, "[0-9]*.sql")))
        self.assertGreaterEqual(len(files), 27)
        found = {}
        before = schema(pg, "mc_steps")
        for path in files:
            base = os.path.basename(path)
            version = int(re.match(r"(\d+)_", base).group(1))
            with open(path) as f:
                sql = f.read()
            pg.psql("BEGIN;\n%s\n;INSERT INTO schema_migrations (version, "
                    "name) VALUES (%d, '%s');\nCOMMIT;"
                    % (sql, version, base[:-4].split("_", 1)[1]),
                    db="mc_steps")
            after = schema(pg, "mc_steps")
            # the first migration creates the schema: nothing before it
            if version > 1:
                for what in broken(before, after):
                    found.setdefault(version, []).append(what)
            before = after
        self.assertEqual(found, KNOWN,
                         "a migration breaks older binaries: %s" % found)
        # what the binary embeds is what was applied, and it builds the
        # same schema on its own
        s.write_config(dbname="mc_steps")
        r = s.guichet("migrate")
        self.assertIn("up to date", r.stdout)
        pg.create_database("mc_whole")
        s.write_config(dbname="mc_whole")
        s.guichet("migrate")
        self.assertEqual(schema(pg, "mc_whole"), before)

    def test_rules_catch_what_they_name(self):
        # the comparison itself, on the changes it must refuse
        pg = self.servers.pg
        pg.create_database("mc_rules")
        pg.psql("CREATE TABLE t (id bigint PRIMARY KEY, a text, "
                "b text NOT NULL DEFAULT 'x'); CREATE TABLE gone (x int); "
                "CREATE FUNCTION f(p text) RETURNS text LANGUAGE sql "
                "RETURN p; CREATE FUNCTION g() RETURNS int LANGUAGE sql "
                "RETURN 1", db="mc_rules")
        before = schema(pg, "mc_rules")
        pg.psql("CREATE DOMAIN d AS text; ALTER TABLE t ALTER COLUMN a "
                "TYPE d; ALTER TABLE t DROP COLUMN b; ALTER TABLE t ADD "
                "COLUMN c int NOT NULL; ALTER TABLE t ADD COLUMN e int NOT "
                "NULL DEFAULT 0; DROP TABLE gone; DROP FUNCTION f(text); "
                "CREATE FUNCTION f(p text, q int) RETURNS text LANGUAGE "
                "sql RETURN p; DROP FUNCTION g(); CREATE FUNCTION g() "
                "RETURNS bigint LANGUAGE sql RETURN 1; CREATE TABLE new "
                "(x int NOT NULL)", db="mc_rules")
        self.assertEqual(broken(before, schema(pg, "mc_rules")), [
            "table gone dropped",
            "column t.a: text became d",
            "column t.b dropped",
            "column t.c added NOT NULL without a default",
            "function f(text) dropped or its arguments changed",
            "function g(): result integer became bigint"])
        pg.psql("ALTER TABLE t ALTER COLUMN c DROP NOT NULL", db="mc_rules")
        before = schema(pg, "mc_rules")
        pg.psql("ALTER TABLE t ALTER COLUMN c SET NOT NULL", db="mc_rules")
        self.assertEqual(broken(before, schema(pg, "mc_rules")),
                         ["column t.c made NOT NULL without a default"])


if __name__ == "__main__":
    unittest.main()
