"""test_assign.py - new tickets assigned in turn, agents away.

Through real IMAP, SMTP and PostgreSQL: with `[queue support] assign =
round_robin`, each new ticket of the queue gets the next of its agents
(never one of another queue), its notification says who, an "assigned"
event says by whom; `guichet agent away` takes an agent out of the turn
(for good or until a time), `agent back` puts them back; everybody away
leaves the ticket unassigned with an event; a queue without it assigns
nobody. Each queue has a turn of its own. Ten ingests at once share the
turn evenly. Bad names, times and
values are refused.
"""

import json
import re
import threading
import unittest

from desk_case import DeskCase, T0, mail

SECTIONS = {
    "agent alice": {"address": "alice@example.com", "name": "Alice Martin",
                    "queues": "support", "language": "en"},
    "agent bruno": {"address": "bruno@example.com", "name": "Bruno Petit",
                    "queues": "support, billing", "language": "en"},
    "agent carla": {"address": "carla@example.com", "name": "Carla Diaz",
                    "queues": "billing", "language": "en"},
    "queue support": {"assign": "round_robin"},
    "queue billing": {},
}


class Assign(DeskCase):

    def setUp(self):
        self.start_desk("as", SECTIONS)
        self.n = 0

    def ticket(self, now=T0):
        self.n += 1
        r = self.deliver(mail("Export empty", "The export is empty.\n",
                              "as-%d@cust.example" % self.n), now=now)
        return re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)

    def owner(self, number):
        return self.show(number)["assignee"]

    def test_in_turn_and_away(self):
        s = self.servers
        owners = [self.owner(self.ticket()) for _ in range(4)]
        self.assertEqual(sorted(owners), ["alice", "alice", "bruno",
                                          "bruno"])
        self.assertTrue(all(a != b for a, b in zip(owners, owners[1:])),
                        owners)
        number = self.ticket()
        ev = [e for e in self.show(number)["events"]
              if e["kind"] == "assigned"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["data"]["by"], "round_robin")
        who = ev[0]["data"]["assignee"]
        self.assertIsNone(ev[0]["actor"])
        # the notification says who owns it
        notes = [m for m in self.sent() if number in m["Subject"] and
                 m["X-RcptTo"] in ("alice@example.com", "bruno@example.com")]
        self.assertEqual(len(notes), 2)
        for m in notes:
            self.assertIn("Assigned to: %s\n" % who, self.body(m))
        # bruno away for good: alice gets them all
        r = s.guichet("agent", "away", "bruno")
        self.assertIn("bruno is away", r.stdout)
        self.assertEqual({self.owner(self.ticket()) for _ in range(3)},
                         {"alice"})
        # alice away until noon too: nobody, the ticket says why
        s.guichet("agent", "away", "alice", "--until",
                  "2026-11-26T12:00:00Z", now=T0)
        lone = self.ticket()
        self.assertIsNone(self.owner(lone))
        self.assertIn("assign_skipped", self.kinds(lone))
        listed = json.loads(s.guichet("agent", "list", "--json",
                                      now=T0).stdout)
        self.assertEqual([(a["agent"], a["away"], a["away_until"])
                          for a in listed],
                         [("alice", True, "2026-11-26T12:00:00Z"),
                          ("bruno", True, None), ("carla", False, None)])
        # after noon alice is back by herself
        self.assertEqual(self.owner(self.ticket(now="2026-11-26T12:00:01Z")),
                         "alice")
        s.guichet("agent", "back", "bruno")
        owners = [self.owner(self.ticket(now="2026-11-26T13:00:00Z"))
                  for _ in range(4)]
        self.assertEqual(sorted(owners), ["alice", "alice", "bruno",
                                          "bruno"])
        # a queue without assign: nobody; carla never gets support's
        s.guichet("ticket", "reply", lone, "--as", "bruno",
                  input="#queue billing\n")
        self.assertIsNone(self.owner(lone))
        self.assertNotIn("carla", [self.owner("SUP-2026-%06d" % i)
                                   for i in range(1, self.n + 1)])
        text = s.guichet("agent", "list").stdout
        self.assertRegex(text, r"alice +alice@example\.com +support\n")
        self.assertRegex(text, r"bruno +bruno@example\.com +support,billing"
                         r"\n")

    def test_moved_into_a_queue_that_assigns(self):
        """#queue into a round-robin queue: an owner who does not work
        on it is replaced in turn by one who does; one who does stays; an
        #assign of the same mail wins; a move into a queue without it
        changes nobody."""
        s = self.servers
        sections = dict(SECTIONS)
        sections["queue billing"] = {"assign": "round_robin"}
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        tickets = {}
        while set(tickets) != {"alice", "bruno"}:
            n = self.ticket()
            tickets[self.owner(n)] = n
        s.smtp.clear()
        s.guichet("ticket", "reply", tickets["alice"], "--as", "alice",
                  input="#queue billing\n", now=T0)
        now_owner = self.owner(tickets["alice"])
        self.assertIn(now_owner, ("bruno", "carla"))
        ev = [e["data"] for e in self.show(tickets["alice"])["events"]
              if e["kind"] == "assigned"]
        self.assertEqual(ev[-1], {"assignee": now_owner,
                                  "by": "round_robin"})
        # the billing agents are told, with the owner
        s.guichet("serve", "--once", now=T0)
        told = [m for m in self.sent("carla@example.com")
                if tickets["alice"] in m["Subject"]]
        self.assertEqual(len(told), 1)
        self.assertIn("Assigned to: %s\n" % now_owner, self.body(told[0]))
        # bruno works on billing: he keeps his ticket
        s.guichet("ticket", "reply", tickets["bruno"], "--as", "bruno",
                  input="#queue billing\n", now=T0)
        self.assertEqual(self.owner(tickets["bruno"]), "bruno")
        # an explicit #assign in the same mail wins
        third = self.ticket()
        s.guichet("ticket", "reply", third, "--as", "bruno",
                  input="#assign carla\n#queue billing\n", now=T0)
        self.assertEqual(self.owner(third), "carla")
        # everybody of billing away: the owner it had stays
        s.guichet("agent", "away", "bruno", now=T0)
        s.guichet("agent", "away", "carla", now=T0)
        fourth = self.ticket()
        before = self.owner(fourth)
        s.guichet("ticket", "reply", fourth, "--as", before,
                  input="#queue billing\n", now=T0)
        self.assertEqual(self.owner(fourth), before)
        self.assertIn("assign_skipped", self.kinds(fourth))
        # back to support, no turn there for a ticket with an owner of it
        s.guichet("agent", "back", "carla", now=T0)
        s.guichet("ticket", "reply", third, "--as", "carla",
                  input="#queue support\n", now=T0)
        self.assertIn(self.owner(third), ("alice", "bruno"))

    def test_ten_at_once_share_the_turn(self):
        s = self.servers
        raws = [mail("Export %d" % i, "Empty.\n", "as-c%d@cust.example" % i)
                for i in range(10)]
        out = []

        def ingest(raw):
            r = s.guichet("ingest", "--mailbox", "support", input=raw,
                          now=T0)
            out.append(r.returncode)

        threads = [threading.Thread(target=ingest, args=(r,)) for r in raws]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(out, [0] * 10)
        got = s.pg.scalar("SELECT string_agg(assignee || ':' || n, ',' "
                          "ORDER BY assignee) FROM (SELECT assignee, "
                          "count(*) AS n FROM tickets GROUP BY assignee) x",
                          db=self.db)
        self.assertEqual(got, "alice:5,bruno:5")

    def test_each_queue_its_own_turn(self):
        """Two queues of two agents each, their tickets arriving turn
        about: each queue's agents alternate (one turn for all queues
        gave every ticket of one queue to the same agent). A queue made
        round-robin after the daemon connected shares the common turn
        until the next connection, which makes its own."""
        s = self.servers
        sections = {
            "agent alice": SECTIONS["agent alice"],
            "agent bruno": {"address": "bruno@example.com",
                            "queues": "support"},
            "agent carla": SECTIONS["agent carla"],
            "agent dora": {"address": "dora@example.com",
                           "queues": "billing"},
            "queue support": {"assign": "round_robin"},
            "queue billing": {"assign": "round_robin"},
            "mailbox billing": {
                "url": s.imap.imaps_url, "user": self.user,
                "password_file": s.imap.password_file(self.user),
                "address": "billing@example.com",
                "queue": "billing", "tls_ca_file": s.tls.ca_file},
        }
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        s.guichet("migrate")
        owners = {"support": [], "billing": []}
        for i in range(8):
            queue = ("support", "billing")[i % 2]
            r = s.guichet("ingest", "--mailbox", queue, now=T0, input=mail(
                "Case %d" % i, "Hello.\n", "q-%d@cust.example" % i))
            number = re.search(r"new ticket (\S+)", r.stderr).group(1)
            owners[queue].append(self.owner(number))
        self.assertEqual(owners["support"][:2] * 2, owners["support"])
        self.assertEqual(sorted(owners["support"][:2]), ["alice", "bruno"])
        self.assertEqual(owners["billing"][:2] * 2, owners["billing"])
        self.assertEqual(sorted(owners["billing"][:2]), ["carla", "dora"])
        # the turns are the queues' own sequences, not the common one
        seq = "SELECT to_regclass(assign_turn_name('%s')) IS NOT NULL"
        self.assertEqual(s.pg.scalar(seq % "billing", db=self.db), "t")
        self.assertEqual(s.pg.scalar("SELECT last_value FROM assign_turn",
                                     db=self.db), "1")
        # a third queue turned round-robin: the common turn, then its own
        # once serve connects
        sections["queue ventes-été"] = {"assign": "round_robin"}
        sections["agent erin"] = {"address": "erin@example.com",
                                  "queues": "ventes-été"}
        sections["mailbox billing"]["queue"] = "ventes-été"
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        r = s.guichet("ingest", "--mailbox", "billing", now=T0,
                      input=mail("Quote", "Hello.\n", "q-s@cust.example"))
        number = re.search(r"new ticket (\S+)", r.stderr).group(1)
        self.assertEqual(self.owner(number), "erin")
        self.assertEqual(s.pg.scalar(seq % "ventes-été", db=self.db),
                         "f")
        s.guichet("serve", "--once", now=T0)
        self.assertEqual(s.pg.scalar(seq % "ventes-été", db=self.db),
                         "t")

    def test_bad_calls_and_values(self):
        s = self.servers
        for args, code, want in (
                (["away", "dora"], 65, "no [agent] of that name"),
                (["back", "dora"], 65, "no [agent] of that name"),
                (["back", "alice"], 66, "alice was not away"),
                (["away", "alice", "--until", "2020-01-01"], 65,
                 "the time is past"),
                (["away", "alice", "--until", "soon"], 64, "not an ISO"),
                (["away", "alice", "--until"], 64, "usage"),
                (["away"], 64, "usage"),
                (["away", "alice", "bruno"], 64, "usage"),
                (["list", "--all"], 64, "unknown option"),
                ([], 64, "usage")):
            with self.subTest(args=args):
                r = s.guichet("agent", *args, expect=code, now=T0)
                self.assertIn(want, r.stderr)
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM agents_away",
                                     db=self.db), "0")
        for queue, want in (({"assign": "random"}, "round_robin or none"),
                            ({"assign": "round_robin"},
                             "no agent works on it")):
            sections = dict(SECTIONS)
            sections["queue empty"] = queue
            s.write_config(dbname=self.db, mailbox_user=self.user,
                           sections=sections)
            r = s.guichet("check-config", expect=78)
            self.assertRegex(r.stdout, r"guichet\.conf:\d+: queue empty: "
                             r"assign.*" + re.escape(want))


if __name__ == "__main__":
    unittest.main()
