"""test_agent_reply_cost.py - what an agent's reply costs, and that it
still does all it did.

Through real IMAP, SMTP and PostgreSQL:
- the agent's words are indexed for search once, in the mail that
  brought them: our copy relaying them to the customer is not (migration
  026), and a search for them finds the ticket once; a canned reply's
  copy, whose text no incoming mail holds, is still found, and so is an
  agent's answer brought by `tickets import` (no copy: no outbox row);
  migration 026 takes the copies stored before it out of the index;
- the answer and the opening of a new ticket are one statement (status
  open, first response kept from the first answer, last update, the
  status_changed event), as are the agent's mail and its agent_reply
  event, and a customer's follow-up, its event and the ticket's
  updated_at (rows of one statement share their command id, cmin); a
  pending ticket stays pending with its pause open; the participants
  and the thread of the relayed mail come in the round trip that reads
  the recipients: References holds the thread's newest Message-IDs
  oldest first, In-Reply-To the customer's last, every participant gets
  the mail;
- the slot of a mail under ticket_send_cap is taken by the statement
  that queues it: a mail past the cap is written waiting (its first
  attempt the slot, mail_queued then mail_held), an automatic mail the
  loop breaker keeps takes none;
- a new ticket takes at most five statements, its SLA timers written
  with the ticket's row;
- an agent's reply takes at most three round trips to PostgreSQL (six
  once, then four), a customer's follow-up to an answered ticket four
  (five before): the ticket the subject names is read with the mail's
  claim; counted over passes of one and of four mails;
- hostile cases: a forged agent (no token) is a stranger whose words are
  indexed as a customer's, a reply to a ticket none of whose addresses we
  may write to records mail_not_sent, PostgreSQL gone leaves the mail in
  INBOX and it is relayed once when it is back.
"""

import json
import os
import re

import test_amplification as amp
from test_amplification import T0, at, mail


class AgentReplyCost(amp.AmpCase):
    db_prefix, user_prefix = "arc_", "r"

    def agent_mail(self, number, body):
        self.n += 1
        n = self.sql("SELECT o.message_id FROM outbox o JOIN tickets t ON "
                     "t.id = o.ticket_id WHERE o.purpose = 'notify_agent' "
                     "AND t.number = '%s' ORDER BY o.id LIMIT 1" % number)
        return mail("Re: [%s] Export" % number, body,
                    "agent-%d-%s@example.com" % (self.n, number),
                    sender="Alice Martin <alice@example.com>",
                    in_reply_to=n)

    def agent_reply(self, number, body, now=None):
        return self.deliver(self.agent_mail(number, body),
                            now=now or at(self.n + 1))

    def search(self, query):
        r = self.servers.guichet("ticket", "search", query, "--json")
        return [h["number"] for h in json.loads(r.stdout)]

    def indexed(self, where):
        return self.sql("SELECT count(*) FILTER (WHERE search_tsv IS NOT "
                        "NULL) || '/' || count(*) FROM messages WHERE "
                        + where)

    def test_agent_words_indexed_once(self):
        tpl = self.servers.path("tpl_" + self.db)
        for lang in ("en", "fr"):
            os.makedirs(os.path.join(tpl, lang, "replies"), exist_ok=True)
            with open(os.path.join(tpl, lang, "replies", "disk.txt"),
                      "w") as f:
                f.write("Subject: {{ticket_tag}} {{subject}}\n\n"
                        "Hyperspatial quotas explained.\n"
                        "{{message_text}}\n")
        self.configure(templates_dir=tpl)
        a = self.new_ticket(mail("Export", "The export fails.\n",
                                 "a@cust.example"))
        b = self.new_ticket(mail("Import", "The import fails.\n",
                                 "b@cust.example"))
        self.agent_reply(a, "A zygomorphic quasar filled the disk.\n")
        self.agent_reply(b, "#reply disk\nPurged the quasar logs.\n")
        sent = [m for m in self.servers.smtp.messages()
                if "claire@cust.example" in m["X-RcptTo"]]
        self.assertEqual(len(sent), 4)        # two acks, two relays
        self.assertIn("zygomorphic", sent[2].get_body(("plain",))
                      .get_content())
        # the agent's mail as it came in is indexed, our relayed copy not
        self.assertEqual(self.indexed("direction = 'in' AND author = "
                                      "'agent'"), "2/2")
        self.assertEqual(self.indexed("direction = 'out' AND author = "
                                      "'agent' AND purpose = 'update'"),
                         "0/1")
        # a canned reply's copy holds a template's text: still indexed
        self.assertEqual(self.indexed("purpose = 'canned_reply'"), "1/1")
        self.assertEqual(self.search("zygomorphic"), [a])
        self.assertEqual(self.search("zygomorphic quasar"), [a])
        self.assertEqual(sorted(self.search("quasar")), sorted([a, b]))
        self.assertEqual(self.search("hyperspatial"), [b])
        # the ticket's page still shows the relayed copy, by the agent
        out = [m for m in self.show(a)["messages"]
               if m.get("direction") == "out" and m.get("author") ==
               "agent"]
        self.assertEqual(len(out), 1)
        # a forged agent is a stranger: a new ticket, words indexed
        forged = self.deliver(mail("Re: [%s] Export" % a, "Ultraviolet "
                                   "sandcastle.\n", "forged@evil.example",
                                   sender="Alice Martin "
                                   "<alice@example.com>"), now=at(9))
        self.assertIn("stranger", forged + json.dumps(self.show(a)))
        self.assertEqual(len(self.search("sandcastle")), 1)
        self.assertNotEqual(self.search("sandcastle"), [a])

    def test_migration_takes_old_copies_out(self):
        self.configure()
        a = self.new_ticket(mail("Export", "x\n", "m@cust.example"))
        self.agent_reply(a, "Xylophonic answer.\n")
        # the database as migration 021 left it: the copy indexed
        self.servers.pg.psql(old_trigger(), db=self.db)
        self.sql("UPDATE messages SET search_tsv = NULL WHERE "
                 "direction = 'out' AND author = 'agent'")
        self.assertEqual(self.indexed("direction = 'out' AND author = "
                                      "'agent'"), "1/1")
        # (028 writes the same function again, with the word pairs)
        self.sql("DELETE FROM schema_migrations WHERE version IN (26, 28)")
        self.servers.guichet("migrate")
        self.assertEqual(self.indexed("direction = 'out' AND author = "
                                      "'agent'"), "0/1")
        self.assertEqual(self.indexed("direction = 'in'"), "2/2")
        self.assertEqual(self.search("xylophonic"), [a])
        # an agent's answer brought by `tickets import` is no copy of a
        # mail we sent (no outbox): it stays the one indexed
        self.sql("INSERT INTO messages (ticket_id, direction, author, "
                 "from_addr, subject, received_at, text, dedup_key) SELECT "
                 "id, 'out', 'agent', 'alice@example.com', 'Re', '%s', "
                 "'Imported marsupial advice.', 'import:rt:1:1' FROM "
                 "tickets" % T0)
        self.assertEqual(self.search("marsupial"), [a])

    def test_answer_opens_in_one_write(self):
        self.configure()
        a = self.new_ticket(mail("Export", "x\n", "o@cust.example"))
        self.assertEqual(self.show(a)["status"], "new")
        self.agent_reply(a, "First answer.\n", now=at(5))
        row = self.servers.pg.psql(
            "SELECT status, first_response_at = '%s', last_update_at = "
            "'%s', updated_at = '%s', resolved_at IS NULL, closed_at IS "
            "NULL FROM tickets WHERE number = '%s'"
            % (at(5), at(5), at(5), a), db=self.db)
        self.assertEqual(row, [("open", "t", "t", "t", "t", "t")])
        ev = [e for e in self.show(a)["events"]
              if e["kind"] == "status_changed"]
        self.assertEqual([(e["data"]["from"], e["data"]["to"]) for e in ev],
                         [("new", "open")])
        # one statement each (same command id): the ticket row and its
        # status_changed event; the agent's mail and its agent_reply event
        self.assertEqual(self.sql(
            "SELECT t.cmin = e.cmin FROM tickets t, events e WHERE "
            "e.ticket_id = t.id AND e.kind = 'status_changed'"), "t")
        self.assertEqual(self.sql(
            "SELECT m.cmin = e.cmin FROM messages m, events e WHERE "
            "m.direction = 'in' AND m.author = 'agent' AND e.kind = "
            "'agent_reply'"), "t")
        # a second answer: the first response stays, the update moves
        self.agent_reply(a, "Second answer.\n", now=at(7))
        row = self.servers.pg.psql(
            "SELECT status, first_response_at = '%s', last_update_at = "
            "'%s' FROM tickets WHERE number = '%s'" % (at(5), at(7), a),
            db=self.db)
        self.assertEqual(row, [("open", "t", "t")])
        self.assertEqual(len([e for e in self.show(a)["events"]
                              if e["kind"] == "status_changed"]), 1)
        # pending: answered, still pending, its pause still open
        self.agent_reply(a, "#status pending\nWaiting on you.\n", now=at(9))
        self.agent_reply(a, "Any news?\n", now=at(11))
        row = self.servers.pg.psql(
            "SELECT t.status, t.last_update_at = '%s', (SELECT count(*) "
            "FROM ticket_pauses p WHERE p.ticket_id = t.id AND end_at IS "
            "NULL) FROM tickets t WHERE number = '%s'" % (at(11), a),
            db=self.db)
        self.assertEqual(row, [("pending", "t", "1")])

    def test_slot_taken_with_the_mail(self):
        # cap 2 an hour: the acknowledgement and the first answer leave,
        # the second answer is written waiting for its slot, in the
        # statement that queues it: mail_queued, then mail_held
        self.configure(ticket_send_cap="2")
        a = self.new_ticket(mail("Export", "x\n", "s@cust.example"))
        self.agent_reply(a, "One.\n", now=at(1))
        self.agent_reply(a, "Two.\n", now=at(2))
        rows = self.servers.pg.psql(
            "SELECT o.next_attempt_at = '%s', o.created_at = '%s', "
            "(SELECT string_agg(e.kind, ',' ORDER BY e.id) FROM events e "
            "WHERE e.data->>'message_id' = o.message_id), "
            "(SELECT count(*) FROM ticket_send_log) FROM outbox o WHERE "
            "o.purpose = 'update' ORDER BY o.id" % (at(60), at(2)),
            db=self.db)
        self.assertEqual(rows, [("f", "f", "mail_queued,mail_sent", "3"),
                                ("t", "t", "mail_queued,mail_held", "3")])
        # one statement: the row as written and its mail_held event
        self.assertEqual(self.sql(
            "SELECT o.cmin = e.cmin FROM outbox o, events e WHERE "
            "e.kind = 'mail_held' AND e.data->>'message_id' = "
            "o.message_id"), "t")
        held, = [e for e in self.show(a)["events"]
                 if e["kind"] == "mail_held"]
        self.assertEqual((held["data"]["until"], held["data"]["purpose"],
                          held["data"]["cap"], held["data"]["reason"]),
                         (at(60), "update", 2, "ticket_send_cap"))
        # an automatic mail that the loop breaker keeps takes no slot:
        # the customer's reply to a resolved ticket would be answered by
        # "reopened", past auto_reply_cap (1: the acknowledgement)
        self.agent_reply(a, "#resolve\nDone.\n", now=at(3))
        before = self.sql("SELECT count(*) FROM ticket_send_log")
        ack = self.sql("SELECT message_id FROM outbox WHERE purpose = 'ack'")
        self.configure(ticket_send_cap="2", auto_reply_cap="1")
        self.deliver(mail("Re: [%s] Export" % a, "Still broken.\n",
                          "s2@cust.example", in_reply_to=ack), now=at(4))
        kinds = [e["kind"] for e in self.show(a)["events"]]
        self.assertIn("reopened", kinds)
        self.assertIn("auto_reply_capped", kinds)
        self.assertEqual(self.sql("SELECT count(*) FROM outbox WHERE "
                                  "purpose = 'reopened'"), "0")
        self.assertEqual(self.sql("SELECT count(*) FROM ticket_send_log"),
                         before)
        # let go: an automatic mail that passes takes its slot
        self.configure(ticket_send_cap="2", auto_reply_cap="10")
        self.agent_reply(a, "#resolve\nDone again.\n", now=at(5))
        self.deliver(mail("Re: [%s] Export" % a, "Broken again.\n",
                          "s3@cust.example", in_reply_to=ack), now=at(6))
        self.assertEqual(self.sql(
            "SELECT next_attempt_at > created_at FROM outbox WHERE "
            "purpose = 'reopened'"), "t")
        self.assertEqual(int(self.sql("SELECT count(*) FROM "
                                      "ticket_send_log")), int(before) + 2)

    def test_followup_in_one_statement(self):
        self.configure()
        a = self.new_ticket(mail("Export", "x\n", "f@cust.example"))
        ack = self.sql("SELECT message_id FROM outbox WHERE purpose = 'ack'")
        self.deliver(mail("Re: [%s] Export" % a, "More detail.\n",
                          "f1@cust.example", in_reply_to=ack), now=at(3))
        # the mail, its message_received event and the ticket's
        # updated_at: one statement (same command id), as before in value
        row = self.servers.pg.psql(
            "SELECT m.cmin = e.cmin, e.at = '%s', t.updated_at = '%s', "
            "e.actor, e.data->>'message_id' FROM messages m, events e, "
            "tickets t WHERE m.message_id = 'f1@cust.example' AND "
            "e.kind = 'message_received' AND e.at = m.received_at AND "
            "t.id = m.ticket_id" % (at(3), at(3)), db=self.db)
        self.assertEqual(row, [("t", "t", "t", "claire@cust.example",
                                "f1@cust.example")])
        self.assertEqual(self.show(a)["status"], "new")

    def test_thread_and_participants_in_one_read(self):
        self.configure()
        a = self.new_ticket(mail("Export", "x\n", "t0@cust.example",
                                 cc="Dan <dan@cust.example>, "
                                 "eve@other.example"))
        ids = []
        for i in range(1, 24):
            mid = "t%d@cust.example" % i
            self.deliver(mail("Re: [%s] Export" % a, "detail %d\n" % i, mid,
                              sender="Dan <dan@cust.example>"), now=at(i))
            ids.append(mid)
        last = "t23b@cust.example"
        self.deliver(mail("Re: [%s] Export" % a, "claire's\n", last),
                     now=at(30))
        self.servers.smtp.clear()
        self.agent_reply(a, "All of you: fixed.\n", now=at(40))
        relay, = [m for m in self.servers.smtp.messages()
                  if "alice" not in m["X-RcptTo"]]
        rcpts = {r.strip() for r in relay["X-RcptTo"].split(",")}
        self.assertEqual(rcpts, {"claire@cust.example", "dan@cust.example",
                                 "eve@other.example"})
        self.assertEqual(relay["In-Reply-To"].strip(), "<%s>" % last)
        # the newest 20 of the thread when the copy was written, oldest
        # first: every mail of the ticket but the copy and internal ones
        want = self.servers.pg.psql(
            "SELECT message_id FROM (SELECT id, message_id FROM messages "
            "WHERE NOT internal AND message_id IS NOT NULL AND purpose IS "
            "DISTINCT FROM 'update' ORDER BY id DESC LIMIT 20) x "
            "ORDER BY id", db=self.db)
        refs = relay["References"].split()
        self.assertEqual(len(refs), 20)
        self.assertEqual(refs, ["<%s>" % r[0] for r in want])

    def test_no_recipient(self):
        self.configure()
        a = self.new_ticket(mail("Export", "x\n", "n@cust.example"))
        self.sql("UPDATE tickets SET requester = 'not an address'")
        self.sql("DELETE FROM ticket_participants")
        self.servers.smtp.clear()
        self.agent_reply(a, "Nobody to tell.\n")
        kinds = [e["kind"] for e in self.show(a)["events"]]
        self.assertIn("mail_not_sent", kinds)
        self.assertIn("agent_reply", kinds)
        self.assertEqual([m for m in self.servers.smtp.messages()
                          if "alice" not in m["X-RcptTo"]], [])

    def test_ticket_read_with_the_claim_is_the_tagged_one(self):
        # the claim reads the ticket of the subject's first tag; any other
        # tag is asked as before, and the sender's rights are checked on
        # the ticket found, wherever it was read
        self.configure()
        a = self.new_ticket(mail("Export", "x\n", "t1@cust.example"))
        b = self.new_ticket(mail("Import", "y\n", "t2@cust.example",
                                 sender="bob@other.example"))
        self.deliver(mail("[EXTERNAL] Re: [%s] Export" % a, "First.\n",
                          "t3@cust.example"), now=at(1))
        self.deliver(mail("Re: [SUP-2099-999999] [%s] Export" % a,
                          "Second.\n", "t4@cust.example"), now=at(2))
        # a first tag of raw bytes that are no UTF-8, and a long one
        raw = mail("Re: [@@] [%s] Export" % a, "Third.\n",
                   "t6@cust.example").replace(b"[@@]", b"[\xc3\x28\xff]")
        self.deliver(raw, now=at(3))
        self.deliver(mail("Re: [%s] [%s] Export" % ("9" * 63, a),
                          "Fourth.\n", "t7@cust.example"), now=at(4))
        self.agent_reply(a, "Agent here.\n")
        texts = [m["text"].strip() for m in self.show(a)["messages"]
                 if m.get("direction") == "in"]
        self.assertEqual(texts, ["x", "First.", "Second.", "Third.",
                                 "Fourth.", "Agent here."])
        self.assertEqual(self.sql("SELECT count(*) FROM quarantine"), "0")
        # a tag of a ticket that is not the sender's: a stranger there
        out = self.deliver(mail("Re: [%s] Import" % b, "Mine now.\n",
                                "t5@cust.example"), now=at(5))
        self.assertRegex(out, r"new ticket SUP-")
        self.assertEqual(self.sql(
            "SELECT count(*) FROM messages m JOIN tickets t ON t.id = "
            "m.ticket_id WHERE t.number = '%s'" % b), "2")   # mail, ack

    def test_round_trips(self):
        # SMTP at a closed port: each pass gives the outbox up at once,
        # so that passes differ only by the mails they take in
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support"},
            "smtp": {"url": "smtp://127.0.0.1:1"}})
        s.guichet("migrate")

        statements = []

        def trips(mails):
            for raw in mails:
                s.imap.append(self.user, "INBOX", raw)
            r = s.guichet("serve", "--once", now=T0,
                          env={"GUICHET_DB_STATS": "1"})
            self.assertEqual(s.imap.messages(self.user, "INBOX"), [])
            statements.append(sum(int(x) for x in re.findall(
                r"(\d+) statements", r.stderr)))
            return sum(int(x) for x in re.findall(
                r"(\d+) database round trips", r.stderr))

        new1 = trips([mail("Export", "x\n", "rt0@cust.example")])
        new4 = trips([mail("Export %d" % i, "x\n", "rt%d@cust.example" % i)
                      for i in range(1, 5)])
        # a new ticket: its claim, the ticket with its number, events,
        # requester and SLA timers, the customer's message, the
        # acknowledgement, the agents' notification; the timers were a
        # statement of their own
        self.assertLessEqual(statements[1] - statements[0], 3 * 5)
        numbers = [r[0] for r in s.pg.psql(
            "SELECT number FROM tickets ORDER BY id", db=self.db)]
        agent1 = trips([self.agent_mail(numbers[0], "Done.\n")])
        agent4 = trips([self.agent_mail(n, "Done.\n") for n in numbers[1:]])
        self.assertEqual(self.sql("SELECT count(*) FROM outbox WHERE "
                                  "purpose = 'update'"), "5")
        cust1 = trips([mail("Re: [%s] Export" % numbers[0], "More.\n",
                            "fu0@cust.example", sender="rt0@cust.example")])
        cust4 = trips([mail("Re: [%s] Export" % n, "More.\n",
                            "fu%d@cust.example" % i,
                            sender="rt%d@cust.example" % i)
                       for i, n in enumerate(numbers[1:], 1)])
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "author = 'customer'"), "10")
        # three mails more: six round trips each for an agent's reply
        # once, four then, three now that the ticket its subject names
        # comes with the mail's claim, as does a customer's follow-up's
        # (five before here, where the answered ticket's agent is told,
        # four now); a new ticket's take fewer still
        self.assertLessEqual(agent4 - agent1, 3 * 3)
        self.assertLessEqual(cust4 - cust1, 3 * 4)
        self.assertLess(new4 - new1, agent4 - agent1)

    def test_database_gone(self):
        self.configure()
        a = self.new_ticket(mail("Export", "x\n", "g@cust.example"))
        s = self.servers
        s.imap.append(self.user, "INBOX", self.agent_mail(a, "Back.\n"))
        s.pg.stop()
        try:
            s.guichet("serve", "--once", now=at(3), expect=(0, 69, 75),
                      timeout=120)
        finally:
            s.pg.start()
        self.assertEqual(len(s.imap.messages(self.user, "INBOX")), 1)
        s.guichet("serve", "--once", now=at(4))
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])
        self.assertEqual(self.sql("SELECT count(*) FROM outbox WHERE "
                                  "purpose = 'update'"), "1")
        self.assertEqual(self.indexed("direction = 'in' AND author = "
                                      "'agent'"), "1/1")


def old_trigger():
    """The trigger function of migration 021, which indexed the relayed
    copy, as that migration writes it."""
    with open(os.path.join(os.environ["GUICHET_SOURCE_DIR"], "sql",
                           "021_intake_cost.sql")) as f:
        text = f.read()
    start = text.index("CREATE OR REPLACE FUNCTION messages_search_config")
    return text[start:text.index("$$;", start) + 3]


if __name__ == "__main__":
    import unittest
    unittest.main()
