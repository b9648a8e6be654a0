"""test_search.py - `guichet ticket search`: full-text search over mails.

Tickets in French (the mailbox's language) and in English (an
organisation whose language is en) come in by `ingest`; the search finds
them by stem in their own language ("serveurs" finds "serveur",
"printing" finds "printer"'s "printing"), ignores accents both ways,
honours web-search syntax (a phrase, OR, an exclusion), finds addresses,
ranks the ticket where a word comes back most first, and shows the line
that matched. Hostile queries (empty, punctuation, stop words only, 100
KB, a NUL, bytes that are not UTF-8, SQL, unbalanced quotes, only an
exclusion) get a sentence and exit 65, or a plain answer; never a
PostgreSQL message. A mail of several megabytes is stored and found by
its beginning. Migrations 014, 020 and 024 apply on a database that
already holds messages; 024 folds ligatures as their letters ("cœur" is
found by "coeur", "æquo" by "aequo") and computes again the search
column of a mail stored with the fold of before.
"""

import json
import os
import unittest

import guichet_harness as gh

NOW = "2026-11-26T10:00:00Z"
DB = "search"

ORGS = """
[organisation acme]
domains = acme.example
plan = Pro
language = en
"""

MAILS = [
    ("marie@client.fr", "Le serveur ne répond plus",
     "Bonjour,\n\nNos serveurs de production sont tombés cette nuit.\n"
     "Merci de regarder.\n"),
    ("paul@client.fr", "Facture de novembre",
     "Bonjour,\n\nErreur sur la facture, erreur de montant, encore une "
     "erreur.\nL'imprimante est en panne aussi.\n"),
    ("lucie@client.fr", "Mise à jour impossible",
     "Bonjour,\n\nLa mise à jour échoue avec une erreur de réseau.\n"),
    ("bob@acme.example", "Printer not working",
     "Hello,\n\nThe printers on floor 2 stopped printing yesterday.\n"
     "Thanks\n"),
    ("carol@acme.example", "Password reset",
     "Hello,\n\nI cannot reset my password since the update.\n"),
    ("anne@client.fr", "Contrôleur en panne",
     "Bonjour,\n\nLe contrôleur de cœur ne démarre plus, ex æquo avec "
     "l’onduleur.\n"),
]


def mail(n, sender, subject, body):
    return ("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n"
            "Message-ID: <search-%d@customer.example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n%s"
            % (sender, subject, n, body.replace("\n", "\r\n"))).encode()


# What migrations 014, 020, 021, 024, 025 and 028 add, taken away again: the
# database as it was before, with its messages, for the upgrade test (028
# folded 025's trigger into 014's).
UNDO_014 = """
DELETE FROM schema_migrations WHERE version IN (28, 25, 21);
DROP TRIGGER IF EXISTS messages_search_pairs ON messages;
DROP FUNCTION IF EXISTS messages_search_pairs();
DROP FUNCTION search_pairs(tsvector);
CREATE INDEX tickets_created ON tickets (created_at);
DELETE FROM schema_migrations WHERE version = 24;
DROP FUNCTION search_recent(tsquery, tsquery, integer);
DROP INDEX messages_search_recent;
DROP FUNCTION search_blocks(bigint);
DELETE FROM schema_migrations WHERE version = 20;
CREATE INDEX messages_search ON messages USING gin (search_tsv);
DROP TRIGGER messages_search_config ON messages;
DROP FUNCTION messages_search_config();
DROP INDEX messages_search;
ALTER TABLE messages DROP COLUMN search_tsv;
ALTER TABLE messages DROP COLUMN search_config;
DROP FUNCTION search_document(text, text, text[], text[], text);
DROP FUNCTION search_fold(text);
DROP TABLE ticket_refs;
DELETE FROM schema_migrations WHERE version = 14;
"""


class Search(gh.ServersTestCase):
    servers_options = dict(http=False, imap=False)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.servers
        s.write_config(dbname=DB, raw=ORGS)
        s.guichet("migrate")
        cls.number = {}
        for n, (sender, subject, body) in enumerate(MAILS, 1):
            r = s.guichet("ingest", "--mailbox", "support",
                          input=mail(n, sender, subject, body), now=NOW)
            cls.number[sender] = r.stderr.split("new ticket ")[1].split()[0]
        # the upgrade: 014 applied again over stored messages
        s.pg.psql(UNDO_014, db=DB)
        s.guichet("migrate")

    def search(self, *args, expect=0, input=None):
        r = self.servers.guichet("ticket", "search", *args, "--json",
                                 expect=expect, input=input)
        if expect != 0:
            return r
        return [h["number"] for h in json.loads(r.stdout)]

    def who(self, *senders):
        return [self.number[s] for s in senders]

    def test_migration_applied_over_stored_messages(self):
        pg = self.servers.pg
        self.assertEqual(pg.scalar("SELECT count(*) FROM messages WHERE "
                                   "search_tsv IS NULL AND author <> "
                                   "'system'", db=DB), "0")
        self.assertEqual(pg.scalar(
            "SELECT string_agg(DISTINCT m.search_config::text, ',') "
            "FROM messages m JOIN tickets t ON t.id = m.ticket_id "
            "WHERE t.requester LIKE '%@acme.example'", db=DB), "english")
        self.assertEqual(pg.scalar(
            "SELECT string_agg(DISTINCT m.search_config::text, ',') "
            "FROM messages m JOIN tickets t ON t.id = m.ticket_id "
            "WHERE t.requester LIKE '%@client.fr'", db=DB), "french")

    def test_ligatures_and_marks_folded_both_ways(self):
        # stored before 024 with the old fold ("cœur" was "cour"), then
        # computed again by 024; a query is folded the same way
        anne = self.who("anne@client.fr")
        for q in ("coeur", "cœur", "CŒUR", "aequo", "æquo", '"ex aequo"',
                  "onduleur", "controleur"):
            self.assertEqual(self.search(q), anne, q)
        self.assertEqual(self.search("cour"), [])
        r = self.servers.guichet("ticket", "search", "coeur", "--json")
        hit, = json.loads(r.stdout)
        self.assertIn("cœur", hit["line"])
        self.assertEqual(self.servers.pg.scalar(
            "SELECT search_fold('Łódź, Øre, Straße – «ok»')", db=DB),
            "Lodz, Ore, Strasse - <<ok>>")

    def test_stemming_in_the_ticket_language(self):
        self.assertEqual(self.search("serveurs"), self.who("marie@client.fr"))
        self.assertEqual(self.search("serveur"), self.who("marie@client.fr"))
        self.assertEqual(self.search("printing"),
                         self.who("bob@acme.example"))
        self.assertEqual(self.search("printer"), self.who("bob@acme.example"))

    def test_accents_ignored_both_ways(self):
        for q in ("réseau", "reseau", "RÉSEAU", "Reseau"):
            self.assertEqual(self.search(q), self.who("lucie@client.fr"), q)
        self.assertEqual(self.search("tombes"), self.who("marie@client.fr"))

    def test_phrase_or_and_exclusion(self):
        self.assertEqual(self.search('"mise à jour"'),
                         self.who("lucie@client.fr"))
        self.assertEqual(self.search('"jour mise"'), [])
        self.assertEqual(self.search("facture -imprimante"), [])
        self.assertEqual(self.search("facture -serveur"),
                         self.who("paul@client.fr"))
        self.assertEqual(sorted(self.search("password OR facture")),
                         sorted(self.who("carol@acme.example",
                                         "paul@client.fr")))

    def test_address(self):
        self.assertEqual(self.search("bob@acme.example"),
                         self.who("bob@acme.example"))
        self.assertEqual(self.search("marie@client.fr"),
                         self.who("marie@client.fr"))

    def test_ranked_and_matching_line(self):
        # "erreur" three times in Paul's mail, once in Lucie's
        self.assertEqual(self.search("erreur"),
                         self.who("paul@client.fr", "lucie@client.fr"))
        r = self.servers.guichet("ticket", "search", "tombés", "--json")
        hit, = json.loads(r.stdout)
        self.assertEqual(hit["line"], "Nos serveurs de production sont "
                         "tombés cette nuit.")
        self.assertEqual(hit["status"], "new")
        self.assertEqual(hit["subject"], "Le serveur ne répond plus")
        text = self.servers.guichet("ticket", "search", "tombés").stdout
        self.assertIn(self.number["marie@client.fr"], text)
        self.assertIn("sont tombés cette nuit", text)
        self.assertEqual(self.search("erreur", "--limit", "1"),
                         self.who("paul@client.fr"))

    def assert_refused(self, r, words):
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn(words, r.stderr)
        self.assertNotIn("ERROR", r.stderr)
        self.assertNotIn("syntax", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_hostile_queries(self):
        self.assert_refused(self.search("", expect=65), "no word")
        self.assert_refused(self.search("?!.,;:()[]", expect=65), "no word")
        # stop words of one language are words of the other: no hit
        self.assertEqual(self.search("le la les the"), [])
        self.assert_refused(self.search("a" * 100000, expect=65),
                            "longer than 1000 bytes")
        self.assert_refused(self.search("-", expect=65,
                                        input=b"serveur\0drop"), "NUL")
        self.assert_refused(self.search("-", expect=65,
                                        input=b"r\xe9seau"), "not UTF-8")
        self.assert_refused(self.search("-", expect=65,
                                        input=b"x" * 200000), "longer")
        self.assert_refused(self.search("-", expect=65,
                                        input=b"-serveur"), "only excludes")
        # SQL is a string to search for, nothing else
        self.assertEqual(self.search("'; DROP TABLE tickets; --"), [])
        self.assertEqual(self.search("x' OR '1'='1"), [])
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM tickets WHERE requester IN (%s)" % ", ".join(
                "'%s'" % m[0] for m in MAILS), db=DB), str(len(MAILS)))
        # tsquery operators typed by hand are words, not syntax
        self.assertEqual(self.search("serveur & | ! <-> :*"),
                         self.who("marie@client.fr"))
        # phrases of what a tsquery quotes or a parser splits, and of 200
        # words (16 pairs asked, the rest read): an answer, never an error
        for q in ('"\' OR 1=1 --"', '"a\\\\b c\\"', '"l\'imprimante"',
                  '"%s"' % " ".join("m%d" % i for i in range(200)),
                  '"%s" serveurs' % " ".join(["serveurs"] * 100)):
            self.assertIsInstance(self.search(q), list, q)
        self.assertEqual(self.search('"%s" OR serveurs' % " ".join(
            ["nuit"] * 40)), self.who("marie@client.fr"))
        # unbalanced quotes: the phrase runs to the end
        self.assertEqual(self.search('"mise à jour'),
                         self.who("lucie@client.fr"))
        self.assertEqual(self.search('facture "'),
                         self.who("paul@client.fr"))
        r = self.servers.guichet("ticket", "search", "x", "--limit", "0",
                                 expect=64)
        self.assertIn("--limit", r.stderr)
        self.servers.guichet("ticket", "search", expect=64)

    def test_database_gone(self):
        # a search or an import against a database that does not answer:
        # 75 (try again later), nothing printed as a result
        s = self.servers
        dead = s.write_config(path=s.path("dead.conf"), dbname=DB, sections={
            "database": {"conninfo": "host=127.0.0.1 port=%d dbname=%s "
                         "user=guichet connect_timeout=5"
                         % (gh.free_port(), DB)}})
        s.config_path = s.path("guichet.conf")
        r = s.guichet("ticket", "search", "serveur", config=dead,
                      expect=75)
        self.assertEqual(r.stdout, "")
        r = s.guichet("tickets", "import", os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
            "import", "generic.csv"), "--format", "generic", config=dead,
            now="2026-11-26T10:00:00Z", expect=75)
        self.assertIn("nothing imported", r.stderr)
        self.assertEqual(self.search("serveur"), self.who("marie@client.fr"))

    def old_database(self, name, undo):
        """A database migrated, then `undo` run on it: its config."""
        s = self.servers
        conf = s.write_config(path=s.path(name + ".conf"), dbname=name)
        s.config_path = s.path("guichet.conf")
        s.guichet("migrate", config=conf)
        s.pg.psql(undo, db=name)
        return conf

    def test_old_schema_named(self):
        # the schema is checked only when a search fails: against a
        # database that lacks migration 020, a search of several words
        # (which needs its search_recent()) says which and how to fix it
        s = self.servers
        conf = self.old_database(
            "search_old", "DROP FUNCTION search_recent(tsquery, tsquery, "
            "integer); DELETE FROM schema_migrations WHERE version = 20")
        r = s.guichet("ticket", "search", "serveur panne", config=conf,
                      expect=78)
        self.assertIn("lacks migration 20", r.stderr)
        self.assertIn("guichet migrate", r.stderr)
        self.assertNotIn("ERROR", r.stderr)
        self.assertEqual(r.stdout, "")
        # a search that the old schema can run still runs
        self.assertEqual(s.guichet("ticket", "search", "serveur", "--json",
                                   config=conf).stdout.strip(), "[]")
        # without migration 025 no search runs over vectors that hold no
        # pairs (a phrase would find nothing): the migration is named
        conf = self.old_database(
            "search_old25", "DROP FUNCTION search_pairs(tsvector); "
            "DELETE FROM schema_migrations WHERE version = 25")
        for query in ('"serveur panne"', "serveur"):
            r = s.guichet("ticket", "search", query, config=conf, expect=78)
            self.assertIn("lacks migration 25", r.stderr)
            self.assertEqual(r.stdout, "")

    def ingest(self, n, sender, subject, body):
        r = self.servers.guichet("ingest", "--mailbox", "support", now=NOW,
                                 input=mail(n, sender, subject, body))
        self.assertIn("new ticket", r.stderr)
        return r.stderr.split("new ticket ")[1].split()[0]

    def test_phrase_needs_its_words_side_by_side(self):
        # each searched mail's vector holds its word pairs, which a
        # phrase asks the index for
        pg = self.servers.pg
        a = self.ingest(101, "phrase-a@client.fr", "Copieur",
                        "Bonjour,\nL'imprimante bloquée, le mot de passe "
                        "du copieur perdu.\n")
        b = self.ingest(102, "phrase-b@client.fr", "Copieur",
                        "Bonjour,\nL'imprimante du bureau est bloquée, le "
                        "mot clé passe mal dans le copieur.\n")
        d = self.ingest(103, "phrase-d@acme.example", "Tray 2",
                        "Hello,\nA paper jam in tray 2 again.\n")
        e = self.ingest(104, "phrase-e@acme.example", "Tray 3",
                        "Hello,\nJam on the paper tray, jam.\n")
        self.assertEqual(self.search('"imprimante bloquée"'), [a])
        self.assertEqual(self.search('"paper jam"'), [d])
        self.assertEqual(self.search('"jam paper"'), [])
        self.assertEqual(self.search('"imprimante bloquée" copieur'), [a])
        self.assertEqual(self.search('"paper jam" tray'), [d])
        for pair, number in (("imprim bloque", a), ("paper jam", d)):
            self.assertEqual(pg.scalar(
                "SELECT string_agg(t.number, ',') FROM messages m JOIN "
                "tickets t ON t.id = m.ticket_id WHERE m.search_tsv @@ "
                "$$'%s'$$::tsquery" % pair, db=DB), number)
        # a stop word inside: found where only stop words stand between
        # the words ("mot de passe"), not "mot clé passe", whether the
        # phrase stands alone, with OR or after a minus sign
        self.assertEqual(self.search('"mot de passe"'), [a])
        self.assertEqual(self.search('"mot du passe"'), [a])
        self.assertEqual(sorted(self.search('"mot de passe" OR tray')),
                         sorted([a, d, e]))
        self.assertEqual(self.search('copieur -"mot de passe"'), [b])
        self.assertEqual(self.search('"mot clé passe"'), [b])
        # the words alone, OR and exclusions as before
        self.assertEqual(len(self.search("paper jam")), 2)
        self.assertEqual(sorted(self.search('"paper jam" OR "imprimante '
                                            'bloquée"')), sorted([a, d]))
        self.assertEqual(self.search('copieur -"imprimante bloquée"'), [b])

    def test_phrase_in_a_mail_whose_pairs_are_not_kept(self):
        # two words of 1,100 letters side by side make a pair longer
        # than a lexeme may be: the mail is stored all the same, marked,
        # and found by a phrase, read as before
        pg = self.servers.pg
        n = self.ingest(105, "phrase-f@client.fr", "Bourrage",
                        "Bonjour,\n%s %s\nUn bourrage papier au deuxième.\n"
                        % ("x" * 1100, "y" * 1100))
        self.assertEqual(self.search('"bourrage papier"'), [n])
        self.assertEqual(pg.scalar(
            "SELECT search_tsv @@ 'ZP' AND NOT search_tsv @@ "
            "$$'bourrag papi'$$::tsquery FROM messages WHERE "
            "from_addr = 'phrase-f@client.fr'", db=DB), "t")

    def test_huge_mail_stored_and_found_by_its_beginning(self):
        body = "Bonjour,\nzanzibar au début.\n" + "".join(
            "mot%06d " % i for i in range(400000)) + "\npanama final\n"
        s = self.servers
        r = s.guichet("ingest", "--mailbox", "support", now=NOW,
                      input=mail(99, "big@client.fr", "Gros envoi", body))
        self.assertIn("new ticket", r.stderr)
        self.assertEqual(self.search("zanzibar"), [
            r.stderr.split("new ticket ")[1].split()[0]])
        self.assertEqual(self.search("panama"), [])
        self.assertEqual(s.pg.scalar(
            "SELECT raw_size > 3000000 FROM messages WHERE "
            "from_addr = 'big@client.fr'", db=DB), "t")


if __name__ == "__main__":
    unittest.main()
