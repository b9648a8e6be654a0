"""test_sql_functions_planned.py - migration 027: the two SQL functions
that PostgreSQL parsed and planned again at every mail are planned once,
and answer as before.

Through real IMAP and PostgreSQL:
- ticket_number_take() is PL/pgSQL: numbers follow each other without a
  gap in a batch and across passes, a scope's first number follows the
  sequence used before migration 009, each scope counts on its own, and
  a failed batch gives its numbers back;
- search_blocks() is inlined (EXPLAIN shows its body, not a call), gives
  the lexemes of migration 020's function for every id (0, the block
  edges, the largest bigint, negative ids, NULL), and the index built
  from it before the migration is still the one a search uses: a search
  over stored mails finds them, old and new;
- migration 029: the CHECK constraints of the tables a mail writes hold
  their lists of values as one constant, keep their names, accept every
  value a mail's way through writes and refuse any other, each naming
  itself;
- migration 030: those constraints are casts of their column to an enum
  of the values, a node that PostgreSQL reads back at each statement in
  a fraction of the time the constant array took: the names stay, the
  same values are accepted, any other is refused (by the cast, whose
  error names the enum), through a text parameter as the daemon writes
  them too; the columns stay text, so statements of older binaries (a
  parameter both written and compared as text) still prepare, and the
  migration rewrites no table and loses no row.
"""

import json
import os
import re

import guichet_harness as gh
import test_amplification as amp
from test_amplification import T0, mail

OLD_BLOCKS = ("array_to_tsvector(ARRAY['ZA' || (%(id)s >> 11), "
              "'ZB' || (%(id)s >> 14), 'ZC' || (%(id)s >> 17), "
              "'ZD' || (%(id)s >> 20), 'ZE' || (%(id)s >> 23)])")


# The constraints of migration 029: table, column, the values accepted,
# a value refused.
CHECKS = [("tickets", "status", "new open pending resolved closed",
           "reopened"),
          ("tickets", "priority", "P1 P2 P3", "P0"),
          ("messages", "direction", "in out", "sideways"),
          ("messages", "author", "customer agent system", "robot"),
          ("outbox", "kind", "mail webhook", "fax"),
          ("outbox", "status", "pending sent dead", "lost"),
          ("ticket_participants", "role", "requester cc", "bcc")]
# the enum of each column since migration 030
ENUMS = {("tickets", "status"): "ticket_status",
         ("tickets", "priority"): "ticket_priority",
         ("messages", "direction"): "message_direction",
         ("messages", "author"): "message_author",
         ("outbox", "kind"): "outbox_kind",
         ("outbox", "status"): "outbox_status",
         ("ticket_participants", "role"): "participant_role"}


def undo_030():
    """Migration 030 undone: migration 029 again (it drops the constraints
    by their names and writes its own), then the enums."""
    with open(os.path.join(os.environ["GUICHET_SOURCE_DIR"], "sql",
                           "029_checks_constant.sql")) as f:
        return f.read() + """
DROP TYPE ticket_status, ticket_priority, message_direction,
    message_author, outbox_kind, outbox_status, participant_role;
DELETE FROM schema_migrations WHERE version = 30;
"""


TABLES = ("tickets", "messages", "outbox", "ticket_participants")


class Planned(amp.AmpCase):
    db_prefix, user_prefix = "pl_", "p"

    def test_checks_are_constants(self):
        self.configure()
        self.new_ticket(mail("Export", "It fails.\n", "k0@cust.example"))
        pg = self.servers.pg
        ids = {"t": self.sql("SELECT min(id) FROM tickets"),
               "m": self.sql("SELECT min(id) FROM messages"),
               "o": self.sql("SELECT min(id) FROM outbox")}
        where = {"tickets": "id = %(t)s" % ids,
                 "messages": "id = %(m)s" % ids,
                 "outbox": "id = %(o)s" % ids,
                 "ticket_participants": "ticket_id = %(t)s" % ids}
        for table, col, good, bad in CHECKS:
            name = "%s_%s_check" % (table, col)
            enum = ENUMS[(table, col)]
            definition = self.sql("SELECT pg_get_constraintdef(oid) FROM "
                                  "pg_constraint WHERE conname = '%s'"
                                  % name)
            # a cast to the enum of the values (migration 030), neither a
            # tree of constants folded at every statement nor one array
            # read back byte by byte
            self.assertEqual(definition, "CHECK (((%s)::%s IS NOT NULL))"
                             % (col, enum), name)
            self.assertEqual(self.sql(
                "SELECT string_agg(enumlabel, ' ' ORDER BY enumsortorder) "
                "FROM pg_enum WHERE enumtypid = '%s'::regtype" % enum), good)
            # the column is still text: what older binaries write
            self.assertEqual(self.sql(
                "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE "
                "attrelid = '%s'::regclass AND attname = '%s'"
                % (table, col)), "text")
            for v in good.split():
                pg.psql("BEGIN; UPDATE %s SET %s = '%s' WHERE %s; ROLLBACK"
                        % (table, col, v, where[table]), db=self.db)
            for v in (bad, "", good.split()[0].swapcase(), good.split()[0] +
                      " ", "x" * 100000):
                refused = 'invalid input value for enum %s: "%s%s' % (
                    enum, v[:50], '"' if len(v) <= 50 else "")
                r = self.psql_fails("UPDATE %s SET %s = '%s' WHERE %s"
                                    % (table, col, v, where[table]))
                self.assertIn(refused, r, (name, v[:50]))
                # as the daemon writes: a text parameter, also compared as
                # text (a domain would have refused the statement itself)
                r = self.psql_fails(
                    "PREPARE w(text) AS UPDATE %s SET %s = $1 WHERE %s AND "
                    "$1::text IS NOT NULL; EXECUTE w('%s')"
                    % (table, col, where[table], v))
                self.assertIn(refused, r, (name, v[:50]))
        # a NULL is still refused by NOT NULL, not let through by the cast
        r = self.psql_fails("UPDATE tickets SET status = NULL WHERE %s"
                            % where["tickets"])
        self.assertIn("not-null", r)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets WHERE "
                                  "status = 'new'"), "1")

    def psql_fails(self, sql):
        """psql's error output for `sql`, which must fail."""
        with self.assertRaises(gh.HarnessError) as cm:
            self.servers.pg.psql(sql, db=self.db)
        return str(cm.exception)

    def test_migration_030_rewrites_nothing(self):
        # migration 030 over stored mail: no table rewritten (each keeps
        # its file), every row kept, and mail flows on
        self.configure()
        for i in range(3):
            self.new_ticket(mail("D %d" % i, "x\n", "d%d@cust.example" % i))
        self.servers.pg.psql(undo_030(), db=self.db)
        files = "SELECT string_agg(relname || '=' || relfilenode, ',' " \
            "ORDER BY relname) FROM pg_class WHERE relname = ANY " \
            "(ARRAY[%s])" % ",".join("'%s'" % t for t in TABLES)
        rows = "SELECT (SELECT count(*) FROM tickets) || '/' || (SELECT " \
            "count(*) FROM messages) || '/' || (SELECT count(*) FROM outbox)"
        before, nrows = self.sql(files), self.sql(rows)
        self.assertEqual(nrows, "3/6/6")
        self.servers.guichet("migrate")
        self.assertEqual(self.sql(files), before)
        self.assertEqual(self.sql(rows), nrows)
        self.assertEqual(self.sql(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE "
            "conname = 'tickets_status_check'"),
            "CHECK (((status)::ticket_status IS NOT NULL))")
        self.new_ticket(mail("D 3", "x\n", "d3@cust.example"))
        self.assertEqual(self.sql(rows), "4/8/8")

    def numbers(self):
        return [r[0] for r in self.servers.pg.psql(
            "SELECT number FROM tickets ORDER BY id", db=self.db)]

    def test_ticket_numbers(self):
        self.configure()
        self.assertEqual(self.sql("SELECT l.lanname FROM pg_proc p JOIN "
                                  "pg_language l ON l.oid = p.prolang "
                                  "WHERE p.proname = 'ticket_number_take'"),
                         "plpgsql")
        s = self.servers
        for i in range(3):
            s.imap.append(self.user, "INBOX", mail("N %d" % i, "x\n",
                                                   "n%d@cust.example" % i))
        s.guichet("serve", "--once", now=T0)
        s.imap.append(self.user, "INBOX", mail("N 3", "x\n",
                                               "n3@cust.example"))
        s.guichet("serve", "--once", now=T0)
        nums = self.numbers()
        self.assertEqual([int(n.rsplit("-", 1)[1]) for n in nums],
                         [1, 2, 3, 4])
        # a number taken in a transaction that rolls back is given back
        self.servers.pg.psql("BEGIN; SELECT ticket_number_take('SUP-2026'); "
                             "ROLLBACK", db=self.db)
        self.assertEqual(self.sql("SELECT ticket_number_take('other') || "
                                  "'/' || ticket_number_take('other')"),
                         "1/2")
        last = self.sql("SELECT last FROM ticket_counters WHERE scope LIKE "
                        "'SUP%'")
        self.assertEqual(last, "4")
        # a new scope starts after the sequence of before migration 009
        self.sql("SELECT setval('ticket_number_seq', 41)")
        self.assertEqual(self.sql("SELECT ticket_number_take('fresh')"),
                         "42")
        # hostile scopes are only keys
        self.assertEqual(self.sql("SELECT ticket_number_take("
                                  "$$'); DROP TABLE tickets; --$$)"), "42")
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "4")

    def test_search_blocks(self):
        self.configure()
        s = self.servers
        self.assertEqual(self.sql("SELECT proisstrict FROM pg_proc WHERE "
                                  "proname = 'search_blocks'"), "f")
        for v in ("0", "1", "2047", "2048", "16383", "16384",
                  "8388607", "8388608", "9223372036854775807",
                  "-1", "-9223372036854775808"):
            self.assertEqual(self.sql(
                "SELECT search_blocks((%s)::bigint) = %s" %
                (v, OLD_BLOCKS % {"id": "(%s)::bigint" % v})), "t", v)
        self.assertIsNone(self.sql("SELECT search_blocks(NULL)"))
        # inlined: the plan computes the body, it calls no function
        plan = "\n".join(r[0] for r in s.pg.psql(
            "EXPLAIN VERBOSE SELECT search_blocks(id) FROM messages",
            db=self.db))
        self.assertIn("array_to_tsvector", plan)
        self.assertNotIn("search_blocks", plan)
        # mails stored, then the index of migration 020 over them as it
        # was, then 027 again: the search uses the index, finds them all
        for i in range(3):
            s.imap.append(self.user, "INBOX", mail(
                "Export %d" % i, "Quixotic export failure %d.\n" % i,
                "b%d@cust.example" % i))
        s.guichet("serve", "--once", now=T0)
        s.pg.psql("DROP INDEX messages_search_recent; "
                  "CREATE OR REPLACE FUNCTION search_blocks(id bigint) "
                  "RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE "
                  "STRICT RETURN " + OLD_BLOCKS % {"id": "id"} + "; "
                  "CREATE INDEX messages_search_recent ON messages USING "
                  "gin (search_tsv, search_blocks(id)) WHERE search_tsv "
                  "IS NOT NULL; DELETE FROM schema_migrations WHERE "
                  "version = 27", db=self.db)
        s.guichet("migrate")
        s.imap.append(self.user, "INBOX", mail(
            "Export 3", "Quixotic export failure 3.\n", "b3@cust.example"))
        s.guichet("serve", "--once", now=T0)
        plan = "\n".join(r[0] for r in s.pg.psql(
            "SET enable_seqscan = off; EXPLAIN SELECT id FROM messages "
            "WHERE search_tsv @@ 'quixot'::tsquery AND search_blocks(id) "
            "@@ 'ZA0'::tsquery", db=self.db))
        self.assertIn("messages_search_recent", plan)
        self.assertEqual(self.sql(
            "SELECT count(*) FROM messages WHERE search_tsv @@ "
            "to_tsquery('french', 'quixotic') AND search_blocks(id) @@ "
            "'ZA0'::tsquery"), "4")
        r = s.guichet("ticket", "search", "quixotic failure", "--json")
        self.assertEqual(len(json.loads(r.stdout)), 4)
        r = s.guichet("ticket", "search", "quixotic", "--json")
        self.assertEqual(len(json.loads(r.stdout)), 4)
        self.assertTrue(all(re.match(r"SUP-", h["number"])
                            for h in json.loads(r.stdout)))


if __name__ == "__main__":
    import unittest
    unittest.main()
