"""test_ticket_reply.py - an agent's answer from the command line.

`guichet ticket reply NUMBER --as AGENT [--file F] [--attach F]...` takes
what the agent would write in a mail (#commands first, then the text)
and does what that mail would do, through real PostgreSQL, IMAP and
SMTP: the customer gets the update or the resolution with the text and
the files, each command is an event, the message is the agent's, its
event names the command line and the operator. Whatever is refused (an
unknown ticket, agent or file, an agent of another queue, a merged
ticket, a bad command, a text that is not text, too big, or nothing)
exits with its own status and one line, and nothing is written: no
message, no event, no mail.
"""

import unittest

from desk_case import DeskCase, T0

AGENTS = {
    "agent alice": {"address": "alice@example.com", "name": "Alice Martin",
                    "queues": "support", "language": "en"},
    "agent carla": {"address": "carla@example.com", "name": "Carla Rossi",
                    "queues": "billing", "language": "en"},
    "queue billing": {},
    "guichet": {"max_mail_size": "1MB", "max_text_size": "100KB"},
}


class TicketReply(DeskCase):

    def setUp(self):
        self.start_desk("tr", AGENTS)

    def reply(self, number, text, *args, agent="alice", expect=0,
              now=T0):
        return self.servers.guichet("ticket", "reply", number, "--as",
                                    agent, *args, input=text,
                                    expect=expect, now=now)

    def counts(self, number):
        """What a refused call must leave as it was."""
        pg = self.servers.pg
        return tuple(pg.scalar(q, db=self.db) for q in (
            "SELECT count(*) FROM messages",
            "SELECT count(*) FROM events",
            "SELECT count(*) FROM outbox",
            "SELECT status || priority || coalesce(assignee, '') FROM "
            "tickets WHERE number = '%s'" % number))

    def test_answer_and_resolve_with_a_file(self):
        number = self.open_ticket("Export vide", "The export is empty.\n",
                                  "tr-1@cust.example")
        self.servers.smtp.clear()
        path = self.servers.path("fix-notes.pdf")
        with open(path, "wb") as f:
            f.write(b"%PDF-1.4\n" + bytes(range(256)) * 40)
        r = self.reply(number, "#priority P2\n#assign me\n#resolve\n\n"
                       "Fixed in 4.2: the export holds the rows again.\n",
                       "--attach", path)
        self.assertIn(number + ": alice's answer stored <cli.", r.stdout)
        self.assertIn("now resolved, P2, assigned to alice", r.stdout)
        t = self.show(number)
        self.assertEqual((t["status"], t["priority"], t["assignee"]),
                         ("resolved", "P2", "alice"))
        kinds = self.kinds(t)
        for k in ("agent_reply", "priority_changed", "assigned",
                  "status_changed"):
            self.assertIn(k, kinds)
        ev = [e for e in t["events"] if e["kind"] == "agent_reply"][-1]
        self.assertEqual(ev["actor"], "alice")
        self.assertRegex(ev["data"]["authenticated_by"],
                         r"^command line \(\S+\)$")
        msg = t["messages"][-1]
        self.assertEqual((msg["direction"], msg["author"]),
                         ("out", "agent"))
        self.assertIn("Fixed in 4.2", msg["text"])
        # the customer's resolution mail, with the words and the file
        self.servers.guichet("serve", "--once", now=T0)
        got = self.sent("claire@cust.example")
        self.assertEqual(len(got), 1, [m["Subject"] for m in got])
        self.assertIn("[%s]" % number, got[0]["Subject"])
        self.assertIn("Fixed in 4.2", self.body(got[0]))
        files = [p for p in got[0].iter_attachments()]
        self.assertEqual([p.get_filename() for p in files],
                         ["fix-notes.pdf"])
        self.assertEqual(files[0].get_content_type(), "application/pdf")
        self.assertEqual(files[0].get_content(),
                         b"%PDF-1.4\n" + bytes(range(256)) * 40)
        # the agent gets no copy of the own answer
        self.assertEqual(self.sent("alice@example.com"), [])

    def test_internal_note_and_help(self):
        number = self.open_ticket("Question", "A question.\n",
                                  "tr-2@cust.example")
        self.servers.smtp.clear()
        # text from a file; header-like lines stay text
        path = self.servers.path("note.txt")
        with open(path, "w") as f:
            f.write("#internal\n\nFrom: mallory@evil.example\n"
                    "Bcc: all@cust.example\n\nThe customer's plan "
                    "ends soon.\n")
        self.servers.guichet("ticket", "reply", number, "--as", "alice",
                             "--file", path, now=T0)
        t = self.show(number)
        msg = t["messages"][-1]
        self.assertEqual(self.servers.pg.scalar(
            "SELECT internal FROM messages ORDER BY id DESC LIMIT 1",
            db=self.db), "t")
        self.assertIn("From: mallory@evil.example", msg["text"])
        self.assertIn("internal_note", self.kinds(t))
        self.servers.guichet("serve", "--once", now=T0)
        self.assertEqual(self.sent("claire@cust.example"), [])
        self.assertEqual(self.sent("all@cust.example"), [])
        self.assertEqual(self.sent("mallory@evil.example"), [])
        # #help: the list on stdout, nothing written
        before = self.counts(number)
        r = self.reply(number, "#help\n")
        self.assertIn("#priority P1|P2|P3", r.stdout)
        self.assertEqual(self.counts(number), before)

    def test_refused_leaves_nothing(self):
        number = self.open_ticket("Question", "A question.\n",
                                  "tr-3@cust.example")
        other = self.open_ticket("Autre", "Another.\n", "tr-4@cust.example")
        self.reply(other, "#merge %s\n" % number)
        self.servers.guichet("serve", "--once", now=T0)
        self.servers.smtp.clear()
        before = self.counts(number)
        big = self.servers.path("big.bin")
        with open(big, "wb") as f:
            f.write(b"x" * (2 * 1024 * 1024))
        cases = [
            # (args, text, exit status, what stderr says)
            ((number, "--as", "nobody"), "Hi\n", 67, "no agent nobody"),
            (("SUP-1999-999999", "--as", "alice"), "Hi\n", 66,
             "no ticket SUP-1999-999999"),
            (("x" * 3000, "--as", "alice"), "Hi\n", 64,
             "not a ticket number"),
            ((number, "--as", "carla"), "Hi\n", 77,
             "does not work on queue support"),
            ((other, "--as", "alice"), "Hi\n", 65,
             "was merged into %s" % number),
            ((number, "--as", "alice"), "#prio P1\nHi\n", 65,
             "unknown command"),
            ((number, "--as", "alice"), "#priority P1\n#merge %s\nHi\n"
             % number, 65, "cannot merge into the ticket itself"),
            ((number, "--as", "alice"), "#assign zoe\nHi\n", 65,
             "no agent of that name"),
            ((number, "--as", "alice"), "#eta 9999-01-01 10:00\n", 65,
             "#eta"),
            ((number, "--as", "alice"), "Hi\x00there\n", 65,
             "line 1: a NUL byte"),
            ((number, "--as", "alice"), b"caf\xe9\n", 65, "not UTF-8"),
            ((number, "--as", "alice"), "\n\n", 65, "nothing to do"),
            ((number, "--as", "alice", "--attach",
              self.servers.path("no-such-file")), "Hi\n", 66,
             "--attach"),
            ((number, "--as", "alice", "--attach", big), "Hi\n", 65,
             "--attach"),
            ((number, "--as", "alice", "--file",
              self.servers.path("missing.txt")), "", 66, "missing.txt"),
            ((number, "--as", "alice"), "y" * (2 * 1024 * 1024), 65,
             "over max_mail_size (1048576 bytes)"),
            ((number, "--as", "alice"), "z" * (200 * 1024), 65,
             "max_text_size is 102400"),
            ((number, "--as"), "Hi\n", 64, "usage"),
            ((number, "--as", "alice", "--bogus"), "Hi\n", 64, "usage"),
            ((number, "--as", "alice", "--as", "carla"), "Hi\n", 64,
             "usage"),
        ]
        for args, text, code, want in cases:
            with self.subTest(args=args[1:], text=text[:20]):
                r = self.servers.guichet("ticket", "reply", *args,
                                         input=text, expect=code, now=T0)
                self.assertIn(want, r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertEqual(self.counts(number), before)
        self.servers.guichet("serve", "--once", now=T0)
        self.assertEqual(self.sent(), [])

    def test_database_away(self):
        number = self.open_ticket("Question", "A question.\n",
                                  "tr-5@cust.example")
        before = self.counts(number)
        self.servers.pg.stop()
        try:
            r = self.reply(number, "#resolve\nDone.\n", expect=75)
            self.assertIn("run it again", r.stderr)
        finally:
            self.servers.pg.start()
        self.assertEqual(self.counts(number), before)
        # run again, it is done once
        self.reply(number, "#resolve\nDone.\n")
        self.assertEqual(self.show(number)["status"], "resolved")
        self.assertEqual(self.kinds(number).count("agent_reply"), 1)


if __name__ == "__main__":
    unittest.main()
