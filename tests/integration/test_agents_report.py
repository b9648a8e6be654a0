"""test_agents_report.py - `guichet report agents`: what each agent did.

Through real IMAP, SMTP and PostgreSQL: three agents answer, note,
resolve, log time and move tickets in November, a customer rates one of
them, December's work stays out; the report counts each agent's mails,
notes, tickets, first answers (with their median time), resolutions,
time and ratings, the agents of the config first and an agent since
removed after them; --queue keeps one queue's tickets. Bad periods,
options and queues are refused before anything is read.
"""

import json
import re
import unittest

from desk_case import DeskCase, mail

AGENTS = {
    "agent alice": {"address": "alice@example.com", "name": "Alice Martin",
                    "queues": "support, billing", "language": "en"},
    "agent bruno": {"address": "bruno@example.com", "name": "Bruno Petit",
                    "queues": "support", "language": "en"},
    "agent carla": {"address": "carla@example.com", "name": "Carla Diaz",
                    "queues": "billing", "language": "en"},
    "queue billing": {},
}


def at(hhmm, day=26, month=11):
    return "2026-%02d-%02dT%s:00Z" % (month, day, hhmm)


class AgentsReport(DeskCase):

    def setUp(self):
        self.start_desk("ar", AGENTS)
        self.n = 0

    def ticket(self):
        self.n += 1
        r = self.deliver(mail("Export empty", "The export is empty.\n",
                              "ar-%d@cust.example" % self.n))
        return re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)

    def act(self, number, text, agent, now):
        self.servers.guichet("ticket", "reply", number, "--as", agent,
                             input=text, now=now)

    def report(self, *args, expect=0):
        return self.servers.guichet("report", "agents", *args,
                                    now="2026-12-02T10:00:00Z",
                                    expect=expect)

    def rows(self, *args):
        j = json.loads(self.report(*args, "--json").stdout)
        return j, {r["agent"]: r for r in j["agents"]}

    def test_what_each_agent_did(self):
        s = self.servers
        t1, t2, t3, t4 = (self.ticket() for _ in range(4))
        self.act(t1, "We look at it.\n", "alice", at("10:30"))
        self.act(t2, "#internal\nProbably the cron.\n", "bruno", at("10:05"))
        self.act(t2, "#time 45m\nFixed the cron.\n", "alice", at("11:00"))
        self.act(t3, "#assign me\n#time 1h\nOn it.\n", "bruno", at("10:20"))
        self.act(t3, "#resolve\nFixed in 4.2.\n", "bruno", at("12:00"))
        self.act(t4, "#queue billing\n", "alice", at("10:10"))
        self.act(t4, "Your invoice is corrected.\n", "carla", at("10:40"))
        # a second answer is no first answer; December is out
        self.act(t1, "Still looking.\n", "bruno", at("14:00"))
        self.act(t1, "#time 2h\nDone.\n", "alice", at("09:00", 1, 12))
        s.guichet("serve", "--once", now=at("12:01"))
        # the customer rates bruno's resolution
        self.deliver(mail("Re: [%s] Export empty" % t3, "5\n",
                          "ar-r3@cust.example"), now=at("13:00"))

        j, r = self.rows("--month", "2026-11")
        self.assertEqual(j["period"], "2026-11")
        self.assertEqual([x["agent"] for x in j["agents"]],
                         ["alice", "bruno", "carla"])
        self.assertEqual(r["alice"], {
            "agent": "alice", "mails": 3, "notes": 0, "tickets": 3,
            "first_answers": 2, "first_answer_median_seconds": 2700,
            "resolved": 0, "time_minutes": 45, "ratings": 0,
            "rating_average": None})
        self.assertEqual(r["bruno"], {
            "agent": "bruno", "mails": 4, "notes": 1, "tickets": 3,
            "first_answers": 1, "first_answer_median_seconds": 1200,
            "resolved": 1, "time_minutes": 60, "ratings": 1,
            "rating_average": 5})
        # t4's first answer is carla's: alice's #queue said nothing to
        # the customer
        self.assertEqual((r["carla"]["mails"], r["carla"]["first_answers"],
                          r["carla"]["first_answer_median_seconds"]),
                         (1, 1, 2400))
        # December: alice's last answer and time only
        _, d = self.rows("--month", "2026-12")
        self.assertEqual((d["alice"]["mails"], d["alice"]["time_minutes"],
                          d["bruno"]["mails"]), (1, 120, 0))
        # the quarter holds both months
        _, q = self.rows("--quarter", "2026-Q4")
        self.assertEqual(q["alice"]["time_minutes"], 165)
        # one queue: the billing ticket as it stands now
        _, b = self.rows("--month", "2026-11", "--queue", "billing")
        self.assertEqual((b["alice"]["mails"], b["carla"]["mails"],
                          b["bruno"]["mails"], b["alice"]["first_answers"],
                          b["carla"]["first_answers"]), (1, 1, 0, 0, 1))
        # text: one line an agent
        text = self.report("--month", "2026-11").stdout
        self.assertIn("Agents, 2026-11\n", text)
        self.assertRegex(text, r"\nalice +3 +0 +3 +2 +45 min +0 +45 min "
                         r"+- *\n")
        self.assertRegex(text, r"\nbruno +4 +1 +3 +1 +20 min +1 +1 h 00 "
                         r"+5\.00 \(1\)\n")
        # an agent removed from the config still shows, after the others
        sections = dict(AGENTS)
        del sections["agent bruno"]
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        j, r = self.rows("--month", "2026-11")
        self.assertEqual([x["agent"] for x in j["agents"]],
                         ["alice", "carla", "bruno"])
        self.assertEqual(r["bruno"]["resolved"], 1)

    def test_bad_calls(self):
        for args, code, want in (
                ([], 64, "usage"),
                (["--month", "2026-13"], 64, "--month"),
                (["--month", "2026-11", "--quarter", "2026-Q4"], 64,
                 "usage"),
                (["--month", "2027-01"], 64, "not begun"),
                (["--month"], 64, "usage"),
                (["--month", "2026-11", "--month", "2026-10"], 64, "usage"),
                (["--month", "2026-11", "--queue", "nope"], 65,
                 "no queue of that name"),
                (["--month", "2026-11", "--org", "acme"], 64, "")):
            with self.subTest(args=args):
                r = self.report(*args, expect=code)
                self.assertIn(want, r.stderr)
        # nothing done: every agent, all zeros
        j = json.loads(self.report("--month", "2026-11", "--json").stdout)
        self.assertEqual([(x["agent"], x["mails"], x["rating_average"])
                          for x in j["agents"]],
                         [("alice", 0, None), ("bruno", 0, None),
                          ("carla", 0, None)])
        self.assertIsNone(j["queue"])


if __name__ == "__main__":
    unittest.main()
