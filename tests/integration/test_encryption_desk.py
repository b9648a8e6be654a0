"""test_encryption_desk.py - the conversation, the agents' commands, the
mails we write and the quarantine release with encryption at rest on.

Every test of test_conversation.py, test_commands.py, test_mail_out.py
and test_quarantine_release.py runs again with
`[storage] key_file` set: acknowledgements, follow-ups, agents' replies
relayed with their files, #merge (messages moved to another ticket keep
opening: their blobs are bound to their row, not to the ticket), #split
(the sealed raw mail opened and stored again as the new ticket's),
canned replies, quoting, HTML both ways, held mail let in, ratings and their comments. On top, a #split of a
mail whose stored bytes were changed is refused with a sentence and
creates nothing, and a rating's comment is sealed at rest, opened where
it is shown, sealed again by `keys rotate` and gone with `gdpr forget`.
"""

import json
import unittest

import test_commands
import test_conversation
import test_mail_out
import test_quarantine_release
import test_satisfaction
from test_encryption import KEY1, KEY2, key_file


def sealed_config(case):
    """Make case's write_config add [storage] with a key file (undone by
    the cleanup)."""
    s = case.servers
    keys = key_file(s, "desk.keys", "1 %s current\n" % KEY1)
    orig = s.write_config

    def write_config(*args, sections=None, **kw):
        sections = dict(sections or {})
        sections["storage"] = {"key_file": keys}
        return orig(*args, sections=sections, **kw)

    s.write_config = write_config
    case.addCleanup(setattr, s, "write_config", orig)


class SealedConversation(test_conversation.Conversation):
    def setUp(self):
        sealed_config(self)
        super().setUp()


class SealedMailOut(test_mail_out.MailOut):
    def setUp(self):
        sealed_config(self)
        super().setUp()


class SealedRelease(test_quarantine_release.Release):
    def setUp(self):
        sealed_config(self)
        super().setUp()

    def sql(self, query):
        """The parent reads messages.raw in clear to check that a
        released mail is kept whole: here it is sealed (magic, version
        1, key 1, and 37 bytes more than raw_size, the mail's length),
        and its clear bytes cannot be read by SQL at all."""
        if "length(m.raw)" in query:   # the mail's length: raw_size
            return super().sql(query.replace("length(m.raw)",
                                             "m.raw_size"))
        if "encode(m.raw, 'hex')" not in query:
            return super().sql(query)
        row = self.servers.pg.psql(query.replace(
            "encode(m.raw, 'hex')", "encode(substring(m.raw FROM 1 FOR 9), "
            "'hex'), length(m.raw) - m.raw_size"), db=self.db)[0]
        self.assertEqual(row, ("ff4743530100000001", "37"))
        return SealedRaw()


class SealedRaw:
    """Stands for the clear bytes of a sealed raw mail, checked above."""

    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


class SealedCommands(test_commands.Commands):
    def setUp(self):
        sealed_config(self)
        super().setUp()

    def test_sealed_rows(self):
        number = self.open_ticket()
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM messages WHERE text <> '' OR "
            "substring(raw FROM 1 FOR 4) <> '\\xff474353'::bytea",
            db=self.db), "0")
        self.assertIn("empty file", self.show(number)["messages"][0]["text"])

    def test_rotate_leaves_the_relayed_copy_unsearched(self):
        # the agent's words are searched in the mail that brought them,
        # not in our copy relaying them (migration 026): `keys rotate`,
        # which makes the blind index again, keeps it so
        number = self.open_ticket()
        self.agent_reply(number, "Zythum fixed the export.\n")

        def indexed(where):
            return self.servers.pg.scalar(
                "SELECT count(*) FILTER (WHERE length(coalesce(sealed_tsv, "
                "'')) > 0) || '/' || count(*) FROM messages WHERE "
                + where, db=self.db)

        copy = "direction = 'out' AND author = 'agent'"
        agent = "direction = 'in' AND author = 'agent'"
        self.assertEqual((indexed(copy), indexed(agent)), ("0/1", "1/1"))
        key_file(self.servers, "desk.keys", "1 %s\n2 %s current\n"
                 % (KEY1, KEY2))
        r = self.servers.guichet("keys", "rotate")
        self.assertIn("0 refused", r.stdout)
        self.assertEqual((indexed(copy), indexed(agent)), ("0/1", "1/1"))
        found = self.servers.guichet("ticket", "search", "zythum", "--json")
        self.assertEqual([h["number"] for h in json.loads(found.stdout)],
                         [number])

    def test_split_of_a_changed_mail(self):
        number = self.open_ticket()
        self.customer_reply(number, "Also, unrelated: my invoice.\n")
        self.servers.pg.psql(
            "UPDATE messages SET raw = set_byte(raw, 60, get_byte(raw, 60) "
            "# 1) WHERE direction = 'in' AND author = 'customer'",
            db=self.db)
        tickets = self.servers.pg.scalar("SELECT count(*) FROM tickets",
                                         db=self.db)
        self.refused(number, "#split", "stored bytes do not open")
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM tickets", db=self.db), tickets)


class SealedSatisfaction(test_satisfaction.Satisfaction):
    SEALED = True

    def setUp(self):
        sealed_config(self)
        super().setUp()

    def test_comment_sealed_at_rest(self):
        s = self.servers
        number = self.open_ticket()
        self.resolve(number)
        self.reply(number, "4 - quick, but ZORGLUB the first answer missed "
                   "the point\n")

        def stored():
            return s.pg.psql(
                "SELECT comment IS NULL, encode(substring(sealed_comment "
                "FROM 1 FOR 9), 'hex') FROM ticket_ratings", db=self.db)

        # the customer's words are nowhere in clear in the database
        self.assertEqual(stored(), [("t", "ff4743530100000001")])
        self.assertEqual(s.pg.scalar(
            "SELECT count(*) FROM ticket_ratings WHERE comment LIKE "
            "'%ZORGLUB%' OR position('ZORGLUB'::bytea IN sealed_comment) "
            "> 0", db=self.db), "0")
        # and everywhere they are shown, opened
        t = self.show(number)
        self.assertIn("ZORGLUB", t["rating"]["comment"])
        self.assertEqual(t["satisfaction"]["comment"],
                         t["rating"]["comment"])
        self.assertNotIn("sealed_comment", json.dumps(t))
        self.assertIn("ZORGLUB", s.guichet("ticket", "show",
                                           number).stdout)
        listed = json.loads(s.guichet("ticket", "list", "--json").stdout)
        self.assertIn("ZORGLUB", listed[0]["rating"]["comment"])
        self.assertNotIn("sealed_comment", json.dumps(listed))
        export = json.loads(s.guichet("gdpr", "export",
                                      "claire@cust.example").stdout)
        self.assertIn("ZORGLUB",
                      export["tickets"][0]["satisfaction"]["comment"])
        # a comment stored in clear before the key: `keys rotate` seals
        # it; the sealed one is sealed again with the new key
        other = self.open_ticket()
        self.resolve(other)
        s.pg.psql("INSERT INTO ticket_ratings (ticket_id, score, comment, "
                  "via, rated_at) SELECT id, 3, 'CLEARMARK ok', 'mail', "
                  "now() FROM tickets WHERE number = '%s'" % other,
                  db=self.db)
        key_file(s, "desk.keys", "1 %s\n2 %s current\n" % (KEY1, KEY2))
        r = s.guichet("keys", "rotate")
        self.assertIn("ticket_ratings: 2 rows", r.stdout)
        self.assertIn("0 refused", r.stdout)
        self.assertEqual(s.pg.psql(
            "SELECT comment IS NULL, encode(substring(sealed_comment "
            "FROM 1 FOR 9), 'hex') FROM ticket_ratings ORDER BY ticket_id",
            db=self.db), [("t", "ff4743530100000002")] * 2)
        self.assertIn("ZORGLUB", self.show(number)["rating"]["comment"])
        self.assertEqual(self.show(other)["rating"]["comment"],
                         "CLEARMARK ok")
        # a comment whose bytes were changed: shown as not opening, the
        # command fails, the others still read
        s.pg.psql("UPDATE ticket_ratings SET sealed_comment = set_byte("
                  "sealed_comment, 30, get_byte(sealed_comment, 30) # 1) "
                  "WHERE ticket_id = (SELECT id FROM tickets WHERE number "
                  "= '%s')" % other, db=self.db)
        r = s.guichet("ticket", "show", other, "--json", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ZORGLUB", self.show(number)["rating"]["comment"])
        # forgotten with its author
        s.guichet("gdpr", "forget", "claire@cust.example", "--actor", "dpo")
        self.assertEqual(s.pg.scalar(
            "SELECT count(*) FROM ticket_ratings WHERE comment IS NOT NULL "
            "OR sealed_comment IS NOT NULL", db=self.db), "0")


if __name__ == "__main__":
    unittest.main(verbosity=2)
