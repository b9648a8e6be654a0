"""test_planned_once.py - the intake's statements are planned once, not
at every mail.

A named prepared statement is planned again at each execution as long as
PostgreSQL finds a plan made for the values cheaper than the generic
one. On a young database (no statistics yet: every installation at its
start, every benchmark round) the UPDATE of a ticket's changed SLA
timers was: joined with the unnest() of its arrays, its generic plan
cost three times a custom one, and each agent's answer paid a planning
(about 70 µs, twice what the statement took to run).

Through real IMAP and PostgreSQL, with pg_stat_statements counting the
plans: new tickets, their customers' follow-ups and agent alice's
answers, each kind taken in one pass; every statement run at least a
dozen times was planned at most half as many times as it ran.
"""

import test_amplification as amp
from test_amplification import at, mail

N = 12


class PlannedOnce(amp.AmpCase):
    db_prefix, user_prefix = "po_", "p"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        pg = cls.servers.pg
        pg.psql("ALTER SYSTEM SET shared_preload_libraries = "
                "'pg_stat_statements'")
        pg.restart()
        pg.psql("ALTER SYSTEM SET pg_stat_statements.track_planning = on")
        pg.restart()

    def first_ids(self, purpose):
        return [tuple(r) for r in self.servers.pg.psql(
            "SELECT t.number, min(o.message_id) FROM outbox o JOIN tickets "
            "t ON t.id = o.ticket_id WHERE o.purpose = '%s' GROUP BY "
            "t.id, t.number ORDER BY t.id" % purpose, db=self.db)]

    def one_pass(self, mails, minutes):
        for raw in mails:
            self.servers.imap.append(self.user, "INBOX", raw)
        self.servers.guichet("serve", "--once", now=at(minutes))
        self.assertEqual(self.servers.imap.messages(self.user, "INBOX"), [])

    def test_intake_statements_planned_once(self):
        self.configure()
        pg = self.servers.pg
        pg.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
                db=self.db)
        # a desk at its start: a thousand tickets, no statistics yet
        pg.psql("ALTER TABLE sla_timers SET (autovacuum_enabled = off); "
                "ALTER TABLE tickets SET (autovacuum_enabled = off); "
                "INSERT INTO tickets (number, queue, mailbox, requester, "
                "created_at, updated_at) SELECT 'OLD-' || g, 'support', "
                "'support', 'old@cust.example', now(), now() FROM "
                "generate_series(1, 1000) AS g; "
                "INSERT INTO sla_timers (ticket_id, kind, start_at, "
                "target_seconds, calendar) SELECT t.id, k, now(), 3600, "
                "'24x7' FROM tickets t, unnest('{acknowledge,workaround,"
                "resolve}'::text[]) AS k", db=self.db)
        pg.psql("SELECT pg_stat_statements_reset()", db=self.db)
        # a customer each: the loop breaker caps acknowledgements per
        # address
        self.one_pass([mail("Export %d" % i, "It fails.\n",
                            "n%d@cust.example" % i,
                            sender="c%d@cust.example" % i)
                       for i in range(N)], 0)
        self.one_pass([mail("Re: [%s] Export" % num, "Still failing.\n",
                            "f%d@cust.example" % i, in_reply_to=mid,
                            sender="c%d@cust.example" % i)
                       for i, (num, mid) in
                       enumerate(self.first_ids("ack"))], 5)
        self.one_pass([mail("Re: [%s] Export" % num, "Fixed now.\n",
                            "a%d@example.com" % i,
                            sender="Alice Martin <alice@example.com>",
                            in_reply_to=mid)
                       for i, (num, mid) in
                       enumerate(self.first_ids("notify_agent"))], 10)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets WHERE "
                                  "first_response_at IS NOT NULL"), str(N))
        self.assertEqual(self.sql("SELECT count(*) FROM pg_stats WHERE "
                                  "tablename = 'sla_timers'"), "0")
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in'"), str(3 * N))
        rows = pg.psql("SELECT calls, plans, left(regexp_replace(query, "
                       "'\\s+', ' ', 'g'), 100) FROM pg_stat_statements "
                       "WHERE dbid = (SELECT oid FROM pg_database WHERE "
                       "datname = current_database()) AND calls >= %d "
                       "ORDER BY calls DESC" % N, db=self.db)
        # the test sees the statements it means to watch (a new ticket's
        # timers are written by the ticket's own statement)
        texts = " ".join(r[2] for r in rows)
        for what in ("INSERT INTO messages", "UPDATE sla_timers",
                     "ticket_number_take", "intake_claim"):
            self.assertIn(what, texts)
        replanned = ["%s plans for %s calls: %s" % (p, c, q)
                     for c, p, q in rows if int(p) * 2 > int(c)]
        self.assertEqual(replanned, [])


if __name__ == "__main__":
    import unittest
    unittest.main()
