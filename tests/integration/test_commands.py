"""test_commands.py - agents' newer #commands, end to end.

Through real IMAP, SMTP and PostgreSQL: #cc/#uncc change who is in copy
of our mails (never one of our addresses or an agent's), #queue moves a
ticket to a queue the config knows and tells its agents, #tag/#untag,
#split makes a new ticket of a customer mail (its own number and
acknowledgement, related to the first), #eta shows in the next update
and in `ticket show`, #reply sends a canned reply of the templates
folder, #help answers with the list. Each is an event; a bad one (and
hostile values: 10,000 characters, 1900 or 9999, a path, a queue that
does not exist) is answered with its line and the list, and nothing of
the mail is applied; a forged agent's commands are ignored.
"""

import json
import os
import unittest

from desk_case import DeskCase, T0, mail


class Commands(DeskCase):

    def setUp(self):
        s = self.servers
        self.db = "cm_" + self._testMethodName[5:][:40].lower()
        self.user = ("m" + self._testMethodName[5:])[:30].lower()
        self.tpl = s.path("tpl_" + self._testMethodName)
        for lang, text in (("en", "Thanks for your patience"),
                           ("fr", "Merci de votre patience")):
            os.makedirs(os.path.join(self.tpl, lang, "replies"),
                        exist_ok=True)
            with open(os.path.join(self.tpl, lang, "replies",
                                   "thanks.txt"), "w") as f:
                f.write("Subject: {{ticket_tag}} {{subject}}\n\n%s, "
                        "{{requester_name}} ({{ticket_number}}).\n"
                        "{{message_text}}\n" % text)
        with open(os.path.join(self.tpl, "passwd"), "w") as f:
            f.write("Subject: secret\n\nroot:x:0:0\n")
        sections = {
            "guichet": {"templates_dir": self.tpl},
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support",
                            "language": "en"},
            "agent bruno": {"address": "bruno@example.com",
                            "name": "Bruno Petit", "queues": "support"},
            "agent carla": {"address": "carla@example.com",
                            "name": "Carla Rossi", "queues": "billing",
                            "language": "en"},
            "queue billing": {"escalation_to": "billing-lead@example.com"},
        }
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        s.guichet("migrate")
        s.smtp.clear()
        self.n = 0

    # -- the steps of a test ------------------------------------------

    def open_ticket(self, subject="Question sur l export",
                    text="Hello,\n\nThe export gives an empty file.\n"):
        self.n += 1
        return DeskCase.open_ticket(self, subject, text,
                                    "open-%d@cust.example" % self.n)

    def customer_reply(self, number, body):
        self.n += 1
        return self.deliver(mail("RE: [%s] Question" % number, body,
                                 "cust-%d@cust.example" % self.n))

    def agent_reply(self, number, body, agent="alice@example.com",
                    name="Alice Martin", proven=True, now=T0):
        self.n += 1
        n = self.notification(agent, number) if proven else None
        return self.deliver(mail("Re: [%s] Question" % number, body,
                                 "agent-%d@example.com" % self.n,
                                 sender="%s <%s>" % (name, agent),
                                 in_reply_to=n), now=now)

    def refused(self, number, commands, want, agent="alice@example.com"):
        """commands are refused with want in the answer, the list of
        commands with it, and nothing of the mail is applied."""
        before = self.show(number)
        self.servers.smtp.clear()
        self.agent_reply(number, "#priority P1\n" + commands +
                         "\nSome text.\n", agent=agent)
        got = self.sent(agent)
        self.assertEqual(len(got), 1, [m["Subject"] for m in got])
        body = self.body(got[0])
        self.assertIn(want, body)
        self.assertIn("#reply NAME", body)           # the list
        self.assertIn("#help", body)
        self.assertEqual(self.sent("claire@cust.example"), [])
        after = self.show(number)
        self.assertEqual(after["priority"], before["priority"])
        for k in ("queue", "tags", "eta", "status"):
            self.assertEqual(after[k], before[k])
        self.assertEqual(self.kinds(after).count("command_rejected"),
                         self.kinds(before).count("command_rejected") + 1)
        return body

    # -- the commands ---------------------------------------------------

    def test_a_french_agent_is_answered_in_french(self):
        # bruno reads French (the support's language): what is refused
        # is said to him in French, the list of commands too; what the
        # same mistakes say to alice (English) is unchanged
        number = self.open_ticket()
        cases = [
            ("#prio P2", "ligne 2 : « #prio P2 » : commande inconnue",
             'line 2: "#prio P2": unknown command'),
            ("#cc alice@example.com", "ligne 2 : « #cc alice@example.com » "
             ": l'adresse d'un agent (les agents sont prévenus par leur "
             "file)", "an agent's address (agents are told through their "
             "queue)"),
            ("#merge SUP-2026-999999", "ligne 2 : « #merge SUP-2026-999999 "
             "» : ticket inconnu", "no such ticket"),
            ("#status later", "attendu : #status open, pending, resolved "
             "ou closed", "expected #status open, pending, resolved or "
             "closed"),
            ("#incident Panne", "ligne 2 : #incident : il n'y a pas de "
             "page d'état", "there is no status page"),
            ("#send", "#send s'emploie seul", "#send goes alone"),
        ]
        for commands, fr, en in cases:
            for agent, name, want, lst in (
                    ("bruno@example.com", "Bruno Petit", fr,
                     "#internal     (le mail reste entre agents)"),
                    ("alice@example.com", "Alice Martin", en,
                     "#internal     (the mail stays among agents)")):
                self.servers.smtp.clear()
                self.agent_reply(number, "#priority P1\n" + commands +
                                 "\nSome text.\n", agent=agent, name=name)
                got, = self.sent(agent)
                body = self.body(got)
                self.assertIn(want, body, commands)
                self.assertIn(lst, body)
                self.assertEqual(self.sent("claire@cust.example"), [])
        self.assertEqual(self.show(number)["priority"], "P3")


    def test_cc_and_uncc(self):
        number = self.open_ticket()
        self.servers.smtp.clear()
        self.agent_reply(number, "#cc <Bob@Cust.example>\nBob will follow "
                         "this.\n")
        t = self.show(number)
        self.assertIn("participant_added", self.kinds(t))
        # ticket show --json names them, the requester first
        self.assertEqual([(p["address"], p["role"])
                          for p in t["participants"]],
                         [("claire@cust.example", "requester"),
                          ("bob@cust.example", "cc")])
        self.assertRegex(t["participants"][1]["added_at"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        listed = json.loads(self.servers.guichet(
            "ticket", "list", "--json").stdout)
        self.assertEqual(len(listed[0]["participants"]), 2)
        upd, = self.sent("claire@cust.example")
        self.assertIn("bob@cust.example", upd["X-RcptTo"])
        self.assertIn("Bob will follow", self.body(upd))
        self.servers.smtp.clear()
        self.agent_reply(number, "#uncc bob@cust.example\nOnly you now.\n")
        self.assertIn("participant_removed", self.kinds(self.show(number)))
        upd, = self.sent("claire@cust.example")
        self.assertNotIn("bob@cust.example", upd["X-RcptTo"])
        # hostile: ours, an agent, not an address, 10,000 characters,
        # someone not in copy
        self.refused(number, "#cc support@example.com", "our own")
        self.refused(number, "#cc bruno@example.com", "an agent's address")
        self.refused(number, "#cc bob@", "expected #cc ADDRESS")
        self.refused(number, "#cc " + "a" * 10000 + "@x.example",
                     "argument too long")
        self.refused(number, "#cc \"a b\"@x.example", "unexpected text")
        self.refused(number, "#uncc eve@other.example", "not in copy")
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM ticket_participants", db=self.db), "1")

    def test_queue(self):
        number = self.open_ticket()
        self.servers.smtp.clear()
        self.agent_reply(number, "#queue billing\n#internal\nFor billing: "
                         "an invoice question.\n")
        t = self.show(number)
        self.assertEqual(t["queue"], "billing")
        ev = [e for e in t["events"] if e["kind"] == "queue_changed"][0]
        self.assertEqual(ev["data"], {"from": "support", "to": "billing"})
        note = self.sent("carla@example.com")
        self.assertTrue(note)
        self.assertIn("an invoice question", self.body(note[-1]))
        # the timers were recomputed for the ticket as it is now
        self.assertTrue(t["sla"])
        # and carla, of the new queue, can now act on it
        self.servers.smtp.clear()
        self.agent_reply(number, "#priority P2\nWe look at the invoice.\n",
                         agent="carla@example.com", name="Carla Rossi")
        self.assertEqual(self.show(number)["priority"], "P2")
        self.refused(number, "#queue nowhere", "no queue of that name",
                     agent="carla@example.com")
        self.refused(number, "#queue ../support", "expected #queue NAME",
                     agent="carla@example.com")

    def test_tags(self):
        number = self.open_ticket()
        self.agent_reply(number, "#tag vip\n#tag export:csv\n")
        t = self.show(number)
        self.assertIn("vip", t["tags"])
        self.assertIn("export:csv", t["tags"])
        self.assertEqual(self.kinds(t).count("tagged"), 2)
        self.agent_reply(number, "#untag vip\n")
        t = self.show(number)
        self.assertNotIn("vip", t["tags"])
        self.assertIn("untagged", self.kinds(t))
        self.refused(number, "#untag vip", "not a tag of this ticket")
        self.refused(number, "#tag a;b", "unexpected text")
        self.refused(number, "#tag " + "x" * 70, "expected #tag WORD")
        self.refused(number, "\n".join("#tag t%d" % i for i in range(15)) +
                     "\n#tag last", "too many commands")

    def test_eta(self):
        number = self.open_ticket()
        self.servers.smtp.clear()
        # the support's calendar is Europe/Paris: 14:00 there is 13:00Z
        self.agent_reply(number, "#eta 2026-12-05 14:00\nWe are on it.\n")
        t = self.show(number)
        self.assertEqual(t["eta"], "2026-12-05T13:00:00Z")
        self.assertIn("eta_set", self.kinds(t))
        upd, = self.sent("claire@cust.example")
        self.assertIn("2026-12-05 14:00 (Europe/Paris)", self.body(upd))
        text = self.servers.guichet("ticket", "show", number).stdout
        self.assertIn("ETA:       2026-12-05T13:00:00Z", text)
        # an offset is taken as written
        self.agent_reply(number, "#eta 2026-12-06T09:30:00-05:00\n")
        self.assertEqual(self.show(number)["eta"], "2026-12-06T14:30:00Z")
        # a later update without #eta still names the one announced
        self.servers.smtp.clear()
        self.agent_reply(number, "Still on it.\n")
        upd, = self.sent("claire@cust.example")
        self.assertIn("2026-12-06 15:30 (Europe/Paris)", self.body(upd))
        for bad, want in (("1900-01-01 10:00", "the time is past"),
                          ("9999-12-31 23:59", "more than a year ahead"),
                          ("2026-11-26 09:00", "the time is past"),
                          ("2026-02-30 10:00", "expected #eta"),
                          ("tomorrow", "expected #eta")):
            self.refused(number, "#eta " + bad, want)

    def test_reply(self):
        number = self.open_ticket()
        self.servers.smtp.clear()
        self.agent_reply(number, "#reply thanks\nThe fix comes Monday.\n")
        r, = self.sent("claire@cust.example")
        body = self.body(r)
        self.assertIn(number, body)
        self.assertRegex(body, "(Merci de votre|Thanks for your) patience, "
                         "Claire Dupont")
        self.assertIn("The fix comes Monday.", body)
        t = self.show(number)
        self.assertIn("canned_reply", self.kinds(t))
        # the canned words are in no mail we received: the copy we sent
        # is where search finds them (with encryption at rest too)
        found = self.servers.guichet("ticket", "search", "patience",
                                     "--json")
        self.assertEqual([h["number"] for h in json.loads(found.stdout)],
                         [number])
        # and a blind index only beside a sealed text
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM messages WHERE sealed_tsv IS NOT NULL "
            "AND sealed_text IS NULL", db=self.db), "0")
        self.refused(number, "#reply ../../etc/passwd",
                     "expected #reply NAME")
        self.refused(number, "#reply ../passwd", "expected #reply NAME")
        self.refused(number, "#reply passwd", "no canned reply")
        self.refused(number, "#reply nosuch", "no canned reply")
        self.refused(number, "#reply thanks\n#resolve", "goes alone")
        # a canned reply written in French only, to a customer who
        # wrote in English: refused, saying why and how
        with open(os.path.join(self.tpl, "fr", "replies", "seulement.txt"),
                  "w") as f:
            f.write("Subject: {{ticket_tag}} {{subject}}\n\nRéponse "
                    "type.\n{{message_text}}\n")
        self.assertEqual(t["language"], "en")
        self.refused(number, "#reply seulement",
                     "no canned reply of that name in the customer's "
                     "language, en (en/replies/seulement.txt; #language fr "
                     "answers in the other)")
        # with #language fr in the same mail: checked and sent in French
        self.servers.smtp.clear()
        self.agent_reply(number, "#language fr\n#reply seulement\n"
                         "Le correctif arrive lundi.\n")
        r, = self.sent("claire@cust.example")
        self.assertIn("Réponse type.", self.body(r))
        self.assertEqual(self.show(number)["language"], "fr")

    def test_check_config_reads_canned_replies(self):
        s = self.servers
        self.assertEqual(s.guichet("check-config").returncode, 0)
        with open(os.path.join(self.tpl, "en", "replies", "bad.txt"),
                  "w") as f:
            f.write("Subject: x\n\n{{nope}}\n")
        with open(os.path.join(self.tpl, "fr", "replies", "a.b.txt"),
                  "w") as f:
            f.write("Subject: x\n\ny\n")
        r = s.guichet("check-config", expect=78)
        self.assertIn("bad.txt:3: unknown variable {{nope}}", r.stdout +
                      r.stderr)
        self.assertIn("a.b.txt: a canned reply's name", r.stdout + r.stderr)

    def test_split(self):
        number = self.open_ticket()
        self.customer_reply(number, "Also, unrelated: my invoice of "
                            "November is wrong.\n")
        split_mid = "<cust-%d@cust.example>" % self.n
        self.servers.smtp.clear()
        # alice answers the notification of that second mail
        r = self.agent_reply(number, "#split\n")
        t = self.show(number)
        ev = [e for e in t["events"] if e["kind"] == "split"][0]
        other = ev["data"]["new_ticket"]
        self.assertNotEqual(other, number)
        o = self.show(other)
        self.assertEqual(o["requester"], "claire@cust.example")
        self.assertIn("related", self.kinds(o))
        self.assertNotIn("[%s]" % number, o["subject"])
        self.assertIn("invoice of November",
                      o["messages"][0]["text"])
        ack = [m for m in self.sent("claire@cust.example")
               if "[%s]" % other in m["Subject"]]
        self.assertTrue(ack, "no acknowledgement of %s" % other)
        # the same mail is not split twice
        self.refused(number, "#split", "split already")
        # the customer answering the mail that was split (from the
        # thread of her own mail, without a number) stays on the ticket
        # that received it; answering the new ticket's acknowledgement
        # reaches the new ticket
        self.n += 1
        self.deliver(mail("Re: invoice", "Any news?\n",
                          "cust-%d@cust.example" % self.n,
                          in_reply_to=split_mid))
        self.assertIn("Any news?", [m["text"].strip()
                                    for m in self.show(number)["messages"]])
        self.assertNotIn("Any news?", [m["text"].strip()
                                       for m in self.show(other)["messages"]])
        self.n += 1
        self.deliver(mail("Re: acknowledgement", "Thanks.\n",
                          "cust-%d@cust.example" % self.n,
                          in_reply_to=ack[0]["Message-ID"]))
        self.assertIn("Thanks.", [m["text"].strip()
                                  for m in self.show(other)["messages"]])
        # a ticket without a customer mail kept whole
        n2 = self.open_ticket(subject="Other")
        self.refused(n2, "#split\n#split", "one #split per mail")
        self.servers.pg.psql(
            "UPDATE messages SET raw = NULL WHERE ticket_id = (SELECT id "
            "FROM tickets WHERE number = '%s')" % n2, db=self.db)
        self.refused(n2, "#split", "no customer mail to split")
        self.assertEqual(r.returncode, 0)

    def test_help_and_forged(self):
        number = self.open_ticket()
        self.servers.smtp.clear()
        self.agent_reply(number, "#priority P1\n#help\nHello customer\n")
        h, = self.sent("alice@example.com")
        self.assertIn("#eta YYYY-MM-DD HH:MM", self.body(h))
        self.assertIn("nothing of your mail", self.body(h))
        self.assertEqual(self.sent("claire@cust.example"), [])
        t = self.show(number)
        self.assertEqual(t["priority"], "P3")
        self.assertIn("commands_help", self.kinds(t))
        # From: alice without proof: a stranger; nothing applied
        self.servers.smtp.clear()
        self.agent_reply(number, "#cc eve@evil.example\n#queue billing\n"
                         "#tag pwned\n#eta 2026-12-01 10:00\n", proven=False)
        t = self.show(number)
        self.assertEqual(t["queue"], "support")
        self.assertEqual(t["tags"], [])
        self.assertIsNone(t["eta"])
        self.assertIn("agent_unauthenticated", self.kinds(t))
        self.assertEqual(self.sent("eve@evil.example"), [])


if __name__ == "__main__":
    unittest.main()
