"""test_search_window.py - search ranks exactly the newest matching mails.

`ticket search` ranks the newest 500 mails that match; for a query of
several words that must all be there, migration 020 finds them by
walking the newest 2,000 mails, then asking the index for matches among
the newest ids and widening the window until 500 are found or every mail
has been read (search_recent()). The queries here are such queries.

Matching mails sit far apart in the id space (ids near 1, near 5 million
and past 80 million, the last beyond the widest window, so the final
read of the whole index runs too), under 3,000 newer mails that do not
match. The answer must be exactly the tickets of the newest 500 matches:
a window that stopped early would miss the old ones, one that did not
cover the newest would miss those. Each mail is its own ticket with the
same text, so every hit has the same rank. Words of the newest mails are
found by the first step, the walk.
"""

import json
import unittest

import guichet_harness as gh

DB = "searchwindow"

# One ticket per mail, its number "W-<tag>-<n>", in French or English.
FILL = """
INSERT INTO tickets (number, status, priority, plan, queue, mailbox,
    requester, subject, language, created_at, updated_at)
SELECT 'W-%(tag)s-' || g, 'open', 'P3', 'Basic', 'support', 'support',
    'client' || g || '@example.org', 'Demande ' || g, '%(lang)s',
    timestamptz '2026-01-01', timestamptz '2026-01-01'
FROM generate_series(1, %(n)d) AS g;
SELECT setval('messages_id_seq', %(from_id)d, false);
INSERT INTO messages (ticket_id, direction, author, from_addr, subject,
    received_at, text, dedup_key)
SELECT t.id, 'in', 'customer', t.requester, t.subject,
    timestamptz '2026-01-01', %(text)s, 'w:%(tag)s:' || t.number
FROM tickets t WHERE t.number LIKE 'W-%(tag)s-%%' ORDER BY t.id;
"""


def fill(pg, tag, n, from_id, text, lang="fr"):
    pg.psql(FILL % dict(tag=tag, n=n, from_id=from_id, lang=lang,
                        text="'" + text.replace("'", "''") + "'"), db=DB)


class SearchWindow(gh.ServersTestCase):
    servers_options = dict(http=False, imap=False, smtp=False)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.servers
        s.write_config(dbname=DB)
        s.guichet("migrate")
        pg = s.pg
        # 600 old mails with the words
        fill(pg, "old", 600, 1, "Le zébulon du serveur est bloqué.")
        # 10 near five million, then 10 past eighty million
        fill(pg, "mid", 10, 5000000, "Un zébulon encore, serveur lent.")
        fill(pg, "new", 10, 80000000, "Le zébulon revient sur le serveur.")
        # and the newest 3,000 without them: the first walk finds none
        fill(pg, "noise", 3000, 80000100,
             "Rien à voir avec la demande, une imprimante.")
        # English mails far back: found by the English query only
        fill(pg, "en", 5, 3000, "The zebulon printers jam again.", "en")

    def hits(self, query, limit=500):
        r = self.servers.guichet("ticket", "search", query, "--json",
                                 "--limit", str(limit))
        return json.loads(r.stdout)

    def search(self, query, limit=500):
        return [h["number"] for h in self.hits(query, limit)]

    def numbers(self, where):
        return self.servers.pg.scalar(
            "SELECT string_agg(t.number, ',' ORDER BY t.id DESC) "
            "FROM tickets t WHERE %s" % where, db=DB).split(",")

    def test_the_newest_500_across_every_window(self):
        got = self.search("zébulon serveur")
        # 20 far ahead, then the 480 newest of the 600 old ones
        newest = self.numbers(
            "t.id IN (SELECT m.ticket_id FROM messages m WHERE m.text "
            "ILIKE '%%zébulon%%' AND m.text ILIKE '%%serveur%%' "
            "ORDER BY m.id DESC LIMIT 500)")
        self.assertEqual(len(got), 500)
        self.assertEqual(set(got), set(newest))
        for tag in ("new", "mid"):
            for n in range(1, 11):
                self.assertIn("W-%s-%d" % (tag, n), got)
        for n in range(1, 121):      # the oldest 120 fall out
            self.assertNotIn("W-old-%d" % n, got)
        ranks = [h["rank"] for h in self.hits("zébulon serveur")]
        self.assertEqual(ranks, sorted(ranks, reverse=True))

    def test_matches_only_far_back_are_found(self):
        # "bloqué" is only in the 600 oldest; 500 are ranked: the newest
        # 500 of them, found by reading every window and then the whole
        # index
        got = self.search("bloqué zébulon -revient")
        self.assertEqual(set(got), {"W-old-%d" % n for n in range(101, 601)})

    def test_a_word_of_the_newest_mails_only(self):
        self.assertEqual(sorted(self.search("revient serveur")),
                         sorted("W-new-%d" % n for n in range(1, 11)))

    def test_each_language_with_its_own_query(self):
        # "printers" stems to "printer" in English only: the five English
        # mails, though a thousand French ones sit after them
        self.assertEqual(sorted(self.search("printers jam")),
                         sorted("W-en-%d" % n for n in range(1, 6)))
        self.assertEqual(self.search('"printers jam"'), self.search(
            "printers jam"))

    def test_a_word_of_every_mail_is_found_by_walking_the_newest(self):
        # the newest mails but 25 are "Demande N ... imprimante": the
        # newest 500 of them, found in the first rows read
        newest = self.numbers("t.id IN (SELECT m.ticket_id FROM messages m "
                              "WHERE m.text ILIKE '%%imprimante%%' "
                              "ORDER BY m.id DESC LIMIT 500)")
        self.assertEqual(set(self.search("demande imprimante")),
                         set(newest))

    def test_no_match_anywhere(self):
        self.assertEqual(self.search("introuvable serveur"), [])
        self.assertEqual(self.search("introuvable"), [])


if __name__ == "__main__":
    unittest.main()
