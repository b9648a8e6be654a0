"""test_remind.py - "#remind WHEN": a ticket comes back to its agent.

Through real IMAP, SMTP and PostgreSQL: "#status pending" with "#remind
2d" keeps the ticket out of the way; when the time comes the scheduler
opens it again and mails the agent who asked, in their thread of the
ticket, and the agent's answer to that mail is proven (its #commands
apply). Not before its time, once with two passes at once, "none"
cancels, a closed ticket is not brought back; an agent gone from the
queue hands the reminder to the assignee, else to the queue. Hostile
values (past, more than a year, garbage, twice in a mail) are refused
with their line and nothing applied.
"""

import os
import re
import threading
import unittest

from desk_case import DeskCase, T0, mail

SECTIONS = {
    "agent alice": {"address": "alice@example.com", "name": "Alice Martin",
                    "queues": "support", "language": "en"},
    "agent bruno": {"address": "bruno@example.com", "name": "Bruno Petit",
                    "queues": "support", "language": "fr"},
}

T2D = "2026-11-28T10:00:00Z"        # T0 + 2 days
BEFORE = "2026-11-28T09:59:00Z"
AFTER = "2026-11-28T10:00:30Z"


class Remind(DeskCase):

    def setUp(self):
        self.start_desk("rm", SECTIONS)
        self.n = 0

    def ticket(self):
        self.n += 1
        return self.open_ticket("Export empty", "The export is empty.\n",
                                "rm-%d@cust.example" % self.n)

    def act(self, number, text, agent="alice", expect=0, now=T0):
        return self.servers.guichet("ticket", "reply", number, "--as",
                                    agent, input=text, expect=expect,
                                    now=now)

    def reminders(self, to=None):
        return [m for m in self.sent(to) if "Reminder" in m["Subject"] or
                "Rappel" in m["Subject"]]

    def test_pending_comes_back_to_its_agent(self):
        s = self.servers
        number = self.ticket()
        self.act(number, "#status pending\n#remind 2d\nWe wait for your "
                 "logs.\n")
        t = self.show(number)
        self.assertEqual((t["status"], t["remind_at"], t["remind_by"]),
                         ("pending", T2D, "alice"))
        self.assertIn("reminder_set", self.kinds(t))
        s.guichet("serve", "--once", now=T0)
        s.smtp.clear()
        # not before its time
        r = s.guichet("sla", "tick", now=BEFORE)
        self.assertNotIn("reminders", r.stdout)
        self.assertEqual(self.show(number)["status"], "pending")
        # then: open again, alice told in her thread, nobody else
        s.guichet("serve", "--once", now=AFTER)
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        self.assertIsNone(t["remind_at"])
        due = [e for e in t["events"] if e["kind"] == "reminder_due"]
        self.assertEqual(len(due), 1)
        self.assertEqual(due[0]["data"]["told"], "alice")
        self.assertEqual(due[0]["data"]["at"], T2D)
        reopened = [e for e in t["events"] if e["kind"] == "status_changed"
                    and e["data"].get("reason") == "reminder"]
        self.assertEqual(len(reopened), 1)
        got = self.reminders()
        self.assertEqual([m["X-RcptTo"] for m in got], ["alice@example.com"])
        self.assertIn("[%s]" % number, got[0]["Subject"])
        self.assertIn("Alice Martin asked (#remind) to be reminded",
                      self.body(got[0]))
        # when, as she reads it: 10:00 UTC is 11:00 in Paris
        self.assertIn("at 2026-11-28 11:00 (Europe/Paris).",
                      self.body(got[0]))
        root = got[0]["In-Reply-To"]
        self.assertTrue(root)
        self.assertEqual(self.sent("claire@cust.example"), [])
        # later passes: nothing more
        s.smtp.clear()
        s.guichet("serve", "--once", now="2026-11-29T10:00:00Z")
        self.assertEqual(self.reminders(), [])
        # alice answers the reminder: proven, her #close applies
        self.deliver(mail("Re: [%s] Reminder" % number, "#close\n",
                          "rm-answer@example.com",
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to=got[0]["Message-ID"]),
                     now="2026-11-29T10:00:00Z")
        self.assertEqual(self.show(number)["status"], "closed")

    def test_cancel_closed_and_handed_on(self):
        s = self.servers
        cancelled, closed, handed, queue = (self.ticket() for _ in range(4))
        self.act(cancelled, "#remind 2d\n")
        self.act(cancelled, "#remind none\n")
        self.act(closed, "#remind 2026-11-28 11:00\n")   # 10:00Z in Paris
        self.act(closed, "#close\n")
        self.act(handed, "#assign alice\n#remind 2d\n", agent="bruno")
        self.act(queue, "#remind 2d\n", agent="bruno")
        self.assertIn("reminder_cancelled", self.kinds(cancelled))
        self.assertEqual(self.show(closed)["remind_at"], T2D)
        # bruno leaves the support queue
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": SECTIONS["agent alice"],
            "agent carla": {"address": "carla@example.com",
                            "queues": "support", "language": "en"},
            "agent bruno": {"address": "bruno@example.com",
                            "queues": "billing"},
            "queue billing": {}})
        s.guichet("serve", "--once", now=T0)
        s.smtp.clear()
        r = s.guichet("sla", "tick", now=AFTER)
        self.assertIn("reminders 2", r.stdout)
        s.guichet("serve", "--once", now=AFTER)
        got = sorted((re.search(r"\[(SUP-\d+-\d+)\]", m["Subject"]).group(1),
                      m["X-RcptTo"]) for m in self.reminders())
        self.assertEqual(got, sorted([(handed, "alice@example.com"),
                                      (queue, "alice@example.com"),
                                      (queue, "carla@example.com")]))
        self.assertNotIn("reminder_due", self.kinds(cancelled))
        due = [e["data"] for e in self.show(closed)["events"]
               if e["kind"] == "reminder_due"]
        self.assertEqual(due, [{"by": "alice", "at": T2D, "told": "nobody",
                                "why": "closed"}])
        self.assertEqual(self.show(closed)["status"], "closed")
        told = [e["data"]["told"] for e in self.show(queue)["events"]
                if e["kind"] == "reminder_due"]
        self.assertEqual(told, ["queue"])

    def test_two_passes_at_once(self):
        s = self.servers
        numbers = [self.ticket() for _ in range(3)]
        for n in numbers:
            self.act(n, "#remind 2d\n")
        s.guichet("serve", "--once", now=T0)
        s.smtp.clear()
        out = []

        def tick():
            out.append(s.guichet("sla", "tick", now=AFTER).stdout)
        threads = [threading.Thread(target=tick) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total = sum(int(m) for o in out for m in
                    re.findall(r"^reminders (\d+)$", o, re.M))
        self.assertEqual(total, 3)
        s.guichet("serve", "--once", now=AFTER)
        self.assertEqual(len(self.reminders("alice@example.com")), 3)
        for n in numbers:
            self.assertEqual(self.kinds(n).count("reminder_due"), 1)

    def test_template_that_does_not_render(self):
        """The reminder waits for the next pass, nothing of it lost."""
        s = self.servers
        tpl, broken = self.broken_template("reminder")
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=dict(SECTIONS, guichet={
                           "templates_dir": tpl}))
        number = self.ticket()
        self.act(number, "#status pending\n#remind 2d\n")
        s.guichet("serve", "--once", now=T0)
        s.smtp.clear()
        r = s.guichet("serve", "--once", now=AFTER)
        self.assertIn("(tried again at the next pass)", r.stderr)
        t = self.show(number)
        self.assertEqual((t["status"], t["remind_at"], t["remind_by"]),
                         ("pending", T2D, "alice"))
        self.assertNotIn("reminder_due", self.kinds(t))
        self.assertEqual(self.reminders(), [])
        os.remove(broken)
        s.guichet("serve", "--once", now="2026-11-28T10:01:00Z")
        self.assertEqual(len(self.reminders("alice@example.com")), 1)
        self.assertEqual(self.show(number)["status"], "open")

    def test_hostile_values(self):
        number = self.ticket()
        before = self.show(number)
        for text, want in (
                ("#remind 2020-01-01 10:00\n", "the time is past"),
                ("#remind 2026-11-26 10:59\n", "the time is past"),
                ("#remind 2028-01-01 10:00\n", "more than a year ahead"),
                ("#remind 400d\n", "expected #remind"),
                ("#remind 0m\n", "expected #remind"),
                ("#remind soon\n", "expected #remind"),
                ("#remind " + "9" * 300 + "d\n", "argument too long"),
                ("#remind 1d\n#remind 2d\n", "one #remind per mail")):
            with self.subTest(text=text[:30]):
                r = self.act(number, text, expect=65)
                self.assertIn(want, r.stderr)
        after = self.show(number)
        self.assertIsNone(after["remind_at"])
        self.assertEqual(self.kinds(after), self.kinds(before))
        # by mail: the agent is told, nothing applied
        self.servers.smtp.clear()
        n = self.notification("alice@example.com", number)
        self.deliver(mail("Re: [%s] Export" % number, "#priority P1\n"
                          "#remind 2020-01-01 10:00\n", "rm-bad@example.com",
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to=n))
        told = self.sent("alice@example.com")
        self.assertEqual(len(told), 1)
        self.assertIn("the time is past", self.body(told[0]))
        self.assertIn("#remind WHEN", self.body(told[0]))
        t = self.show(number)
        self.assertEqual(t["priority"], before["priority"])
        self.assertIsNone(t["remind_at"])


if __name__ == "__main__":
    unittest.main()
