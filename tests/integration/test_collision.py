"""test_collision.py - two agents answering one customer at once.

Through real IMAP, SMTP and PostgreSQL. Alice and Bruno are told of the
same customer mail; Bruno answers first. Alice's answer to that same
notification comes after an answer she could not have read: with
[guichet] answer_collision = hold (the default) it is not sent, nothing
of it is applied (not its #resolve), it is kept among the agents, and
Alice gets Bruno's answer as the customer got it, in her thread of the
ticket. `#send` lets her answer go as it was (its commands applied
then), and an answer to that notice goes at once. An agent answering
twice, a note among agents, a later notification, or answer_collision =
send are not held. Hostile: #send with nothing held, #send with other
commands, #send by another agent, a second answer crossing while one is
held, a forged In-Reply-To, a redacted queue, encryption at rest.
"""

import unittest

from desk_case import DeskCase, at, mail
from test_encryption import KEY1, key_file

AGENTS = {
    "agent alice": {"address": "alice@example.com", "name": "Alice Martin",
                    "queues": "support, security", "language": "en"},
    "agent bruno": {"address": "bruno@example.com", "name": "Bruno Petit",
                    "queues": "support, security", "language": "en"},
}


class Collision(DeskCase):

    def setUp(self):
        self.n = 0

    def start(self, more=None):
        sections = dict(AGENTS)
        sections.update(more or {})
        self.start_desk("co", sections)

    def ticket(self, subject="Export is empty"):
        self.n += 1
        return self.open_ticket(subject, "The export is empty.\n",
                                "c-%d@cust.example" % self.n)

    def answer(self, who, number, body, in_reply_to=None, now=None):
        """who's mail client answering in_reply_to (by default who's last
        notification of the ticket)."""
        self.n += 1
        irt = in_reply_to or self.notification(who + "@example.com", number)
        name = {"alice": "Alice Martin", "bruno": "Bruno Petit"}[who]
        return self.deliver(mail("Re: [%s] Export is empty" % number, body,
                                 "%s-%d@example.com" % (who, self.n),
                                 sender="%s <%s@example.com>" % (name, who),
                                 in_reply_to=irt), now=now or at(0, 1))

    def to_customer(self):
        return [self.body(m) for m in self.sent("claire@cust.example")]

    def last_to(self, who):
        """<Message-ID> of our last mail to who about any ticket."""
        return "<%s>" % self.servers.pg.scalar(
            "SELECT message_id FROM outbox WHERE '%s@example.com' = ANY "
            "(rcpts) ORDER BY id DESC LIMIT 1" % who, db=self.db)

    def crossed(self, number):
        """Bruno answers first, then Alice answers the same notification
        with #resolve and a text: (Alice's notice, her notification)."""
        alice_saw = self.notification("alice@example.com", number)
        self.answer("bruno", number, "Hello,\n\nPlease try again now: the "
                    "export server was full.\n\nBruno\n")
        self.servers.smtp.clear()
        self.answer("alice", number, "#resolve\nHello,\n\nWe restarted the "
                    "export: it works.\n\nAlice\n", in_reply_to=alice_saw)
        notice = self.sent("alice@example.com")
        self.assertEqual(len(notice), 1, [m["Subject"] for m in notice])
        return notice[0], alice_saw

    def test_the_second_answer_is_held_and_its_agent_told(self):
        self.start()
        number = self.ticket()
        notice, _ = self.crossed(number)
        # nothing more reached the customer, nothing of it was applied
        self.assertEqual(self.to_customer(), [])
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        self.assertNotIn("status_changed", self.kinds(t)[-3:])
        ev = [e for e in t["events"] if e["kind"] == "answer_held"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["actor"], "alice")
        self.assertEqual(ev[0]["data"]["first"], "bruno")
        self.assertEqual(ev[0]["data"]["answered_at"], at(0, 1))
        self.assertRegex(ev[0]["data"]["message_id"], r"alice-\d+@")
        # kept among agents, whole
        held = [m for m in t["messages"] if "restarted" in (m["text"] or "")]
        self.assertEqual(len(held), 1)
        self.assertEqual(held[0]["author"], "agent")
        # the notice: who, when (the support's zone), and what was said,
        # in Alice's thread of the ticket, answering her mail
        self.assertIn("[%s]" % number, notice["Subject"])
        self.assertIn("Bruno Petit answered first", notice["Subject"])
        body = self.body(notice)
        self.assertIn("Bruno Petit answered the customer", body)
        self.assertIn("2026-11-26 12:00 (Europe/Paris)", body)
        self.assertIn("the export server was full", body)
        self.assertIn("#send", body)
        self.assertRegex(notice["In-Reply-To"], r"alice-\d+@example.com")
        # the customer's view shows one answer
        answers = [m for m in t["messages"] if m["direction"] == "out" and
                   m["author"] == "agent"]
        self.assertEqual(len(answers), 1)

    def test_send_lets_it_go_as_it_was(self):
        self.start()
        number = self.ticket()
        notice, _ = self.crossed(number)
        self.servers.smtp.clear()
        out = self.answer("alice", number, "#send\n\n-- \nAlice\n",
                          in_reply_to=notice["Message-ID"], now=at(0, 2))
        self.assertNotIn("error", out.stderr.lower())
        got = self.to_customer()
        self.assertEqual(len(got), 1)
        self.assertIn("We restarted the export", got[0])
        self.assertNotIn("#send", got[0])
        self.assertNotIn("#resolve", got[0])
        # its #resolve applied now, once
        t = self.show(number)
        self.assertEqual(t["status"], "resolved")
        kinds = self.kinds(t)
        self.assertEqual(kinds.count("send_asked"), 1)
        replies = [e for e in t["events"] if e["kind"] == "agent_reply" and
                   e["actor"] == "alice"]
        self.assertEqual(len(replies), 1)
        self.assertEqual(replies[0]["data"]["held"], "yes")
        # the answer is a message of the conversation, the #send a note
        answers = [m for m in t["messages"] if m["direction"] == "out" and
                   m["author"] == "agent"]
        self.assertEqual(len(answers), 2)
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM messages WHERE purpose = 'held_answer'",
            db=self.db), "0")
        # once: a second #send finds nothing held
        self.servers.smtp.clear()
        self.answer("alice", number, "#send\n",
                    in_reply_to=notice["Message-ID"], now=at(0, 3))
        self.assertEqual(self.to_customer(), [])
        err = self.sent("alice@example.com")
        self.assertEqual(len(err), 1)
        self.assertIn("no answer of yours is held", self.body(err[0]))

    def test_an_answer_to_the_notice_goes_at_once(self):
        """Alice read Bruno's answer in the notice: what she writes in
        answer to it is not held."""
        self.start()
        number = self.ticket()
        notice, _ = self.crossed(number)
        self.servers.smtp.clear()
        self.answer("alice", number, "Also, the export of December is "
                    "fixed too.\n", in_reply_to=notice["Message-ID"])
        got = self.to_customer()
        self.assertEqual(len(got), 1)
        self.assertIn("December is fixed", got[0])
        # her first answer stays held (she may still #send it)
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM messages WHERE purpose = 'held_answer'",
            db=self.db), "1")

    def test_what_is_not_held(self):
        self.start()
        number = self.ticket()
        alice_saw = self.notification("alice@example.com", number)
        bruno_saw = self.notification("bruno@example.com", number)
        # Bruno answers twice the same notification: his own answers
        self.answer("bruno", number, "First answer.\n", in_reply_to=bruno_saw)
        self.answer("bruno", number, "Second answer.\n",
                    in_reply_to=bruno_saw)
        # a note among agents, and commands alone, cross nothing
        self.answer("alice", number, "#internal\nBruno has it.\n",
                    in_reply_to=alice_saw)
        self.answer("alice", number, "#priority P2\n#tag export\n",
                    in_reply_to=alice_saw)
        t = self.show(number)
        self.assertEqual(t["priority"], "P2")
        self.assertNotIn("answer_held", self.kinds(t))
        self.assertEqual(len(self.to_customer()), 3)   # ack + two answers
        # the customer writes again: Alice's answer to that notification
        # follows Bruno's answers: it goes
        self.servers.smtp.clear()
        self.deliver(mail("RE: [%s] Export is empty" % number, "Still "
                          "empty here.\n", "again@cust.example"),
                     now=at(0, 2))
        self.answer("alice", number, "Looking at it.\n", now=at(0, 3))
        self.assertEqual(len(self.to_customer()), 1)
        self.assertNotIn("answer_held", self.kinds(number))
        # Bruno answering his notification of that mail now comes after
        # Alice's answer: held, as hers was
        self.answer("bruno", number, "Any news?\n",
                    in_reply_to=self.notification("bruno@example.com",
                                                  number), now=at(0, 4))
        self.assertEqual(self.kinds(number).count("answer_held"), 1)

    def test_send_mode_sends_both(self):
        self.start({"guichet": {"answer_collision": "send"}})
        number = self.ticket()
        alice_saw = self.notification("alice@example.com", number)
        self.answer("bruno", number, "Bruno's answer.\n")
        self.servers.smtp.clear()
        self.answer("alice", number, "Alice's answer.\n",
                    in_reply_to=alice_saw)
        got = self.to_customer()
        self.assertEqual(len(got), 1)
        self.assertIn("Alice's answer", got[0])
        self.assertNotIn("answer_held", self.kinds(number))

    def test_hostile_sends(self):
        self.start()
        number = self.ticket()
        # nothing held: #send is refused with why, nothing sent
        self.servers.smtp.clear()
        self.answer("alice", number, "#send\n")
        self.assertEqual(self.to_customer(), [])
        err = self.sent("alice@example.com")
        self.assertEqual(len(err), 1)
        self.assertIn("no answer of yours is held", self.body(err[0]))
        notice, alice_saw = self.crossed(number)
        # #send with another command: refused, the answer still held
        self.servers.smtp.clear()
        self.answer("alice", number, "#send\n#priority P1\n",
                    in_reply_to=notice["Message-ID"])
        self.assertEqual(self.to_customer(), [])
        self.assertIn("#send goes alone",
                      self.body(self.sent("alice@example.com")[0]))
        self.assertEqual(self.show(number)["priority"], "P3")
        # Bruno's #send does not let Alice's answer go
        self.servers.smtp.clear()
        self.answer("bruno", number, "#send\n",
                    in_reply_to=self.last_to("bruno"))
        self.assertEqual(self.to_customer(), [])
        self.assertIn("no answer of yours is held",
                      self.body(self.sent("bruno@example.com")[0]))
        # Bruno answers again after the notice Alice got: her #send to
        # that notice is itself held, her answer still held, and she
        # gets Bruno's new answer
        self.answer("bruno", number, "Update: the full disk is "
                    "replaced.\n", in_reply_to=self.last_to("bruno"),
                    now=at(0, 2))
        self.servers.smtp.clear()
        self.answer("alice", number, "#send\n",
                    in_reply_to=notice["Message-ID"], now=at(0, 3))
        self.assertEqual(self.to_customer(), [])
        again = self.sent("alice@example.com")
        self.assertEqual(len(again), 1)
        self.assertIn("the full disk is replaced", self.body(again[0]))
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM messages WHERE purpose = 'held_answer'",
            db=self.db), "1")
        # answering the newest notice, #send lets it go
        self.servers.smtp.clear()
        self.answer("alice", number, "#send\n",
                    in_reply_to=again[0]["Message-ID"], now=at(0, 4))
        got = self.to_customer()
        self.assertEqual(len(got), 1)
        self.assertIn("We restarted the export", got[0])
        self.assertEqual(self.show(number)["status"], "resolved")

    def test_redacted_queue_and_sealed_texts(self):
        """A security ticket's notice does not copy the other answer;
        with encryption at rest the other answer is opened for the
        notice, and the held answer, sealed, goes out whole on #send."""
        key = key_file(self.servers, "collision.keys",
                       "1 %s current\n" % KEY1)
        self.start({"storage": {"key_file": key}})
        number = self.ticket()
        notice, _ = self.crossed(number)
        self.assertIn("the export server was full", self.body(notice))
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM messages WHERE text LIKE '%%restarted%%'",
            db=self.db), "0")
        self.servers.smtp.clear()
        self.answer("alice", number, "#send\n",
                    in_reply_to=notice["Message-ID"], now=at(0, 2))
        got = self.to_customer()
        self.assertEqual(len(got), 1)
        self.assertIn("We restarted the export", got[0])
        # a ticket of the security queue (redacted by default)
        self.servers.guichet("ticket", "reply", number, "--as", "alice",
                             input="#queue security\n")
        self.answer("bruno", number, "A secret remedy.\n",
                    in_reply_to=self.last_to("bruno"), now=at(0, 3))
        self.servers.smtp.clear()
        self.answer("alice", number, "Another remedy.\n",
                    in_reply_to=notice["Message-ID"], now=at(0, 4))
        n2 = self.sent("alice@example.com")
        self.assertEqual(len(n2), 1)
        body = self.body(n2[0])
        self.assertIn("not shown", body)
        self.assertNotIn("secret remedy", body)
        self.assertNotIn("Export is empty", n2[0]["Subject"])

    def test_send_reads_the_answer_as_intake_did(self):
        """The held answer is read again with the config's limits: a
        header block past the built-in 256 KB that max_header_size lets
        in is no reason to refuse #send."""
        self.start({"guichet": {"max_header_size": "1MB"}})
        number = self.ticket()
        alice_saw = self.notification("alice@example.com", number)
        self.answer("bruno", number, "Bruno's answer.\n")
        self.n += 1
        long_header = "X-Trace: " + "a" * 76 + "".join(
            "\r\n " + "b" * 76 for _ in range(4000)) + "\r\n"
        self.deliver(mail("Re: [%s] Export is empty" % number,
                          "Alice's long-headed answer.\n",
                          "alice-long@example.com",
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to=alice_saw, extra=long_header),
                     now=at(0, 1))
        notice = self.sent("alice@example.com")[-1]
        self.assertIn("answered first", notice["Subject"])
        self.servers.smtp.clear()
        self.answer("alice", number, "#send\n",
                    in_reply_to=notice["Message-ID"], now=at(0, 2))
        got = self.to_customer()
        self.assertEqual(len(got), 1, [self.body(m) for m in
                                       self.sent("alice@example.com")])
        self.assertIn("long-headed answer", got[0])

    def test_bad_value(self):
        self.start()
        self.servers.write_config(dbname=self.db, mailbox_user=self.user,
                                  sections=dict(AGENTS, guichet={
                                      "answer_collision": "maybe"}))
        r = self.servers.guichet("check-config", check=False)
        self.assertEqual(r.returncode, 78)
        self.assertRegex(r.stdout + r.stderr, r":\d+: answer_collision: "
                         r"\"maybe\": expected hold or send")


if __name__ == "__main__":
    unittest.main()
