"""test_satisfaction.py - customers rate resolved tickets, end to end.

Through real IMAP, SMTP, PostgreSQL and the [http] listener: the
resolution mail asks for a rating and carries five links; a reply whose
first line is a lone digit 1-5 is a rating (with its comment) that
reopens nothing; a later answer replaces it with an event; the links
show a page on GET (in the ticket's language, with a comment to give)
and store only on POST; `ticket show` and `guichet report
satisfaction` show the figures. Hostile: altered, forged or too
old tokens, scores 0, 6 and "5; DROP", a rating of a ticket not
resolved, a digit further in the text, a robot's auto-reply; a
comment's form too long, not UTF-8, with a bad %-escape or a NUL.
"""

import hashlib
import hmac
import json
import os
import re
import unittest
import urllib.error
import urllib.request

import guichet_harness as gh
from desk_case import DeskCase, T0, mail, http_request as request

DAY0 = 1795687200 // 86400          # the day of desk_case.T0


class Satisfaction(DeskCase):
    SEALED = False          # [storage] key_file (test_encryption_desk)

    def setUp(self):
        self.start_public_desk("sa")
        self.n = 0

    def open_ticket(self):
        self.n += 1
        return DeskCase.open_ticket(self, "Export empty",
                                    "The export is empty.\n",
                                    "open-%d@cust.example" % self.n)

    def resolve(self, number):
        self.n += 1
        n = self.notification("alice@example.com", number)
        self.servers.smtp.clear()
        self.deliver(mail("Re: [%s] Export empty" % number,
                          "#resolve\nThe fix is deployed.\n",
                          "agent-%d@example.com" % self.n,
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to=n))
        self.assertEqual(self.show(number)["status"], "resolved")
        return self.body(self.sent("claire@cust.example")[-1])

    def reply(self, number, body, extra=""):
        self.n += 1
        self.deliver(mail("RE: [%s] Export empty" % number, body,
                          "cust-%d@cust.example" % self.n, extra=extra))

    def rating(self, number):
        return self.show(number)["rating"]

    # -- by mail --------------------------------------------------------

    def test_rating_comment_without_the_signature(self):
        # the comment keeps the customer's words, not the signature
        # under them; the agents get the whole mail
        number = self.open_ticket()
        self.resolve(number)
        self.servers.smtp.clear()
        self.reply(number, "4 - rapide et clair\n\nMarc Leroy\n"
                   "Responsable informatique\nTél. : +33 1 23 45 67 89\n")
        self.assertEqual(self.rating(number)["comment"], "rapide et clair")
        told = [m for m in self.servers.smtp.messages()
                if "Responsable informatique" in self.body(m)]
        self.assertTrue(told)
        # a comment that is only what a signature looks like is kept
        self.reply(number, "5\n\nJean Dupont\n")
        self.assertEqual(self.rating(number)["comment"], "Jean Dupont")

    def test_rating_by_reply(self):
        number = self.open_ticket()
        self.assertIsNone(self.show(number)["satisfaction"])
        body = self.resolve(number)
        self.assertIn("5 (excellent)", body)
        self.assertIn(self.base + "/rate/", body)
        self.assertEqual(len(re.findall(r"/rate/\S+", body)), 5)
        self.reply(number, "4 - quick and kind\nThanks a lot\n")
        t = self.show(number)
        self.assertEqual(t["status"], "resolved")      # not reopened
        self.assertEqual(t["rating"]["score"], 4)
        self.assertEqual(t["rating"]["via"], "mail")
        self.assertEqual(t["rating"]["comment"].rstrip(),
                         "quick and kind\nThanks a lot")
        # the design's name for it: satisfaction {rating, comment, at}
        self.assertEqual(t["satisfaction"]["rating"], 4)
        self.assertEqual(t["satisfaction"]["comment"],
                         t["rating"]["comment"])
        self.assertEqual(t["satisfaction"]["at"], t["rating"]["rated_at"])
        self.assertIn("rated", self.kinds(number))
        text = self.servers.guichet("ticket", "show", number).stdout
        self.assertIn("Rating:    4/5 (mail", text)
        # a second answer replaces it, with an event
        self.reply(number, "2\n")
        t = self.show(number)
        self.assertEqual(t["rating"]["score"], 2)
        self.assertEqual(t["rating"]["changes"], 1)
        ev = [e for e in t["events"] if e["kind"] == "rating_changed"][0]
        self.assertEqual(ev["data"]["from"], "4")
        self.assertEqual(ev["data"]["score"], "2")
        # a digit further in the text is no rating: the reply reopens
        self.reply(number, "I rate this 5 stars but 1 for speed\n")
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        self.assertEqual(t["rating"]["score"], 2)
        rep = json.loads(self.servers.guichet(
            "report", "satisfaction", "--json").stdout)
        self.assertEqual(rep["ratings"], 1)
        self.assertEqual(rep["average"], 2.0)
        self.assertEqual(rep["scores"]["2"], 1)
        self.assertEqual(rep["csat_percent"], 0.0)
        rep = json.loads(self.servers.guichet(
            "report", "satisfaction", "--since", "2026-12-01",
            "--json").stdout)
        self.assertEqual(rep["ratings"], 0)
        self.assertIsNone(rep["average"])
        out = self.servers.guichet("report", "satisfaction").stdout
        self.assertIn("Ratings:   1", out)
        r = self.servers.guichet("report", "satisfaction", "--since",
                                 "yesterday", expect=64)
        self.assertIn("--since", r.stderr)
        # a rating that says the problem is still there is kept, and
        # reopens the ticket, as the resolution mail promises
        self.resolve(number)
        self.reply(number, "1 - still broken, the export is empty\n")
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        self.assertEqual(t["rating"]["score"], 1)
        self.assertEqual(t["rating"]["changes"], 2)
        self.assertEqual(self.kinds(number).count("reopened"), 2)

    def test_hostile_replies(self):
        number = self.open_ticket()
        # not resolved: a "5" is a plain reply
        self.reply(number, "5\n")
        self.assertIsNone(self.rating(number))
        for bad in ("0\n", "6\n", "5; DROP TABLE tickets\n", "10/10\n"):
            self.resolve(number)
            self.reply(number, bad)
            t = self.show(number)
            self.assertIsNone(t["rating"], bad)
            self.assertEqual(t["status"], "open", bad)   # reopened
        # a robot's auto-reply is never a rating
        self.resolve(number)
        self.reply(number, "5\n", extra="Auto-Submitted: auto-replied\r\n")
        t = self.show(number)
        self.assertIsNone(t["rating"])
        self.assertEqual(t["status"], "resolved")
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM ticket_ratings", db=self.db), "0")

    # -- by link --------------------------------------------------------

    def token(self, ticket_id, score, day):
        key = bytes.fromhex(self.servers.pg.scalar(
            "SELECT encode(value, 'hex') FROM settings WHERE key = "
            "'agent_hmac_key'", db=self.db))
        md = hmac.new(key, ("rate:%d:%d:%d" % (ticket_id, score, day))
                      .encode(), hashlib.sha256).digest()
        b32 = "abcdefghijklmnopqrstuvwxyz234567"
        mac = ""
        for i in range(26):
            bit = i * 5
            v = (md[bit // 8] << 8) | md[bit // 8 + 1]
            mac += b32[(v >> (11 - bit % 8)) & 31]
        return "%d-%d-%d-%s" % (ticket_id, score, day, mac)

    def test_rating_links(self):
        number = self.open_ticket()
        other = self.open_ticket()        # never resolved
        body = self.resolve(number)
        links = dict((int(s), u) for s, u in
                     re.findall(r"(\d) \([^)]*\): (\S+/rate/\S+)", body))
        self.assertEqual(sorted(links), [1, 2, 3, 4, 5])
        d = self.servers.spawn("serve", now=T0)
        d.wait_for_output(r"http: /metrics and /healthz on")
        gh.wait_until(lambda: request(self.base + "/healthz")[0] in
                      (200, 503), 20, "the listener answers")
        # GET (what a mail scanner does) shows a page and stores nothing
        code, page = request(links[5])
        self.assertEqual(code, 200)
        self.assertIn("<form method=\"post\">", page)
        self.assertIn(number, page)
        self.assertIsNone(self.rating(number))
        # the button's POST stores it
        code, page = request(links[5], post=True)
        self.assertEqual(code, 200)
        self.assertIn("est enregistrée", page)     # a French ticket
        r = self.rating(number)
        self.assertEqual((r["score"], r["via"]), (5, "link"))
        # another link changes it, with an event
        self.assertEqual(request(links[3], post=True)[0], 200)
        self.assertEqual(self.rating(number)["score"], 3)
        self.assertIn("rating_changed", self.kinds(number))
        # altered: the score, the ticket, the MAC; garbage
        tok = links[1].rsplit("/", 1)[1]
        tid, score, day, mac = tok.split("-")
        for bad in ("%s-5-%s-%s" % (tid, day, mac),
                    "%d-1-%s-%s" % (int(tid) + 1, day, mac),
                    "%s-1-%s-%s" % (tid, day, mac[:-1] +
                                    ("a" if mac[-1] != "a" else "b")),
                    "%s-0-%s-%s" % (tid, day, mac),
                    "%s-6-%s-%s" % (tid, day, mac),
                    "5;DROP", "../../etc/passwd", "x" * 3000, ""):
            self.assertEqual(request(self.base + "/rate/" + bad,
                                     post=True)[0], 404, bad)
        self.assertEqual(self.rating(number)["score"], 3)
        # good for 30 days and more, not forever
        tid = int(tid)
        self.assertEqual(request(self.base + "/rate/" + self.token(
            tid, 4, DAY0 - 31), post=True)[0], 200)
        self.assertEqual(self.rating(number)["score"], 4)
        self.assertEqual(request(self.base + "/rate/" + self.token(
            tid, 2, DAY0 - 200), post=True)[0], 404)
        # a ticket not resolved cannot be rated
        oid = int(self.servers.pg.scalar(
            "SELECT id FROM tickets WHERE number = '%s'" % other,
            db=self.db))
        code, page = request(self.base + "/rate/" + self.token(oid, 5, DAY0),
                             post=True)
        self.assertEqual(code, 409)
        self.assertIsNone(self.rating(other))
        # methods other than GET and POST
        req = urllib.request.Request(links[5], method="PUT", data=b"x")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(e.exception.code, 405)
        # the database goes away: "try later", and the link still works
        # once it is back
        self.servers.pg.stop()
        try:
            code, page = request(links[2], post=True)
            self.assertEqual(code, 503)
            self.assertIn("later", page)
        finally:
            self.servers.pg.start()
        gh.wait_until(lambda: request(links[2], post=True)[0] == 200, 30,
                      "the rating page works again")
        self.assertEqual(self.rating(number)["score"], 2)
        d.stop()

    def serve(self):
        d = self.servers.spawn("serve", now=T0)
        d.wait_for_output(r"http: /metrics and /healthz on")
        gh.wait_until(lambda: request(self.base + "/healthz")[0] in
                      (200, 503), 20, "the listener answers")
        return d

    def stored(self, number):
        """(comment in clear, sealed) of the ticket's rating row."""
        return self.servers.pg.psql(
            "SELECT r.comment, r.sealed_comment IS NOT NULL FROM "
            "ticket_ratings r JOIN tickets t ON t.id = r.ticket_id WHERE "
            "t.number = '%s'" % number, db=self.db)[0]

    def test_rating_page_takes_a_comment(self):
        """The page of a rating link speaks the ticket's language and
        takes a comment, stored with the rating (sealed with a key);
        a comment too long or not text is refused with why, nothing
        stored; a blank one is none."""
        number = self.open_ticket()
        links = dict((int(x), u) for x, u in re.findall(
            r"(\d) \([^)]*\): (\S+/rate/\S+)", self.resolve(number)))
        d = self.serve()
        try:
            code, page = request(links[4])
            self.assertEqual(code, 200)
            self.assertIn('<html lang="fr">', page)
            self.assertIn("4 (très bien)", page)
            self.assertIn('<textarea id="comment" name="comment"', page)
            self.assertIn("Un commentaire", page)
            self.assertIsNone(self.rating(number))
            # HTML, a CRLF line break, accents: kept as text, CR dropped
            code, page = request(links[4], post=True, data=(
                "comment=Rapide%2C+mais+<b>la</b>+premi%C3%A8re+"
                "r%C3%A9ponse%0D%0Aa+rat%C3%A9+le+sujet.+&x=1").encode())
            self.assertEqual(code, 200)
            self.assertIn("Votre commentaire aussi", page)
            self.assertNotIn("<b>", page)
            words = ("Rapide, mais <b>la</b> première réponse\na raté le "
                     "sujet.")
            r = self.rating(number)
            self.assertEqual((r["score"], r["via"], r["comment"]),
                             (4, "link", words))
            if self.SEALED:
                self.assertEqual(self.stored(number), (None, "t"))
            else:
                self.assertEqual(self.stored(number), (words, "f"))
            # refused, nothing stored: too long a form; not text
            for body, code in ((b"comment=" + b"a" * 20000, 413),
                               (b"comment=%FF%FE", 400),
                               (b"comment=abc%ZZ", 400),
                               (b"comment=abc%", 400),
                               (b"comment=a%00b", 400)):
                got, page = request(links[1], post=True, data=body)
                self.assertEqual(got, code, body[:20])
                self.assertIn("rien n'a été enregistré", page)
            r = self.rating(number)
            self.assertEqual((r["score"], r["comment"]), (4, words))
            # a long comment is cut at 4000 bytes; a blank one is none
            self.assertEqual(request(links[5], post=True, data=(
                "comment=" + "é" * 3000).encode())[0], 200)
            self.assertEqual(self.rating(number)["comment"], "é" * 2000)
            self.assertEqual(request(links[2], post=True,
                                     data=b"comment=+%0D%0A+")[0], 200)
            r = self.rating(number)
            self.assertEqual((r["score"], r["comment"]), (2, None))
        finally:
            d.stop()
        # an English ticket's page is in English (the page's ratings
        # above were told to the agents meanwhile: see the next test)
        self.start_public_desk("sa", {"mailbox support":
                                      {"language": "en"}})
        other = self.open_ticket()
        links = dict((int(x), u) for x, u in re.findall(
            r"(\d) \([^)]*\): (\S+/rate/\S+)", self.resolve(other)))
        d = self.serve()
        try:
            code, page = request(links[3])
            self.assertIn('<html lang="en">', page)
            self.assertIn("A comment, if you wish", page)
            code, page = request(links[3], post=True,
                                 data=b"comment=Fine.")
            self.assertEqual(code, 200)
            self.assertIn("Your comment too.", page)
            self.assertEqual(self.rating(other)["comment"], "Fine.")
        finally:
            d.stop()

    def test_rating_page_reaches_the_agents(self):
        """A rating given on the page reaches the ticket's agents when it
        says something (a comment, a score of 1 or 2), and its comment
        is read as a reply's words: "still broken" reopens the resolved
        ticket, a confirmation closes it; a 5 without a word stays
        quiet; each is told once."""
        s = self.servers
        tickets = [self.open_ticket() for _ in range(4)]
        links = []
        for number in tickets:
            links.append(dict((int(x), u) for x, u in re.findall(
                r"(\d) \([^)]*\): (\S+/rate/\S+)", self.resolve(number))))
        s.smtp.clear()
        posts = ((1, b"comment=It+is+still+broken%3A+the+export+is+empty+"
                  b"again."), (4, b"comment=It+works+now%2C+thank+you."),
                 (5, b""), (2, b""))
        d = self.serve()
        try:
            for (score, body), l in zip(posts, links):
                self.assertEqual(request(l[score], post=True,
                                         data=body)[0], 200)
        finally:
            d.stop()
        # the next scheduler pass tells them (the daemon's, TICK_EVERY
        # apart, or this one), and its mails go
        s.guichet("sla", "tick", "--now", T0)
        s.guichet("serve", "--once", now=T0)

        def told():
            return [m for m in self.sent("alice@example.com")
                    if "given on the rating page" in self.body(m)]
        self.assertEqual(len(told()), 3)
        by_ticket = dict((t, [m for m in told() if t in m["Subject"]])
                         for t in tickets)
        # 1 and "still broken": told, the ticket open again, its customer
        # told so
        m, = by_ticket[tickets[0]]
        self.assertIn("1/5, given on the rating page:\n\nIt is still "
                      "broken: the export is empty again.", self.body(m))
        self.assertEqual(self.show(tickets[0])["status"], "open")
        self.assertIn("reopened", self.kinds(tickets[0]))
        self.assertTrue(any(tickets[0] in x["Subject"] for x in
                            self.sent("claire@cust.example")))
        # 4 and "it works": told, the ticket closed (confirmed)
        m, = by_ticket[tickets[1]]
        self.assertIn("4/5, given on the rating page:", self.body(m))
        self.assertEqual(self.show(tickets[1])["status"], "closed")
        self.assertIn("validated", self.kinds(tickets[1]))
        # 5 without a word: nobody bothered, the ticket stays resolved
        self.assertEqual(by_ticket[tickets[2]], [])
        self.assertEqual(self.show(tickets[2])["status"], "resolved")
        # 2 without a word: told, nothing else
        m, = by_ticket[tickets[3]]
        self.assertIn("2/5, given on the rating page.", self.body(m))
        self.assertEqual(self.show(tickets[3])["status"], "resolved")
        # told once: another pass tells nothing
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM ticket_ratings "
                                     "WHERE told_at IS NULL", db=self.db),
                         "0")
        out = s.guichet("sla", "tick", "--now", T0).stdout
        self.assertNotIn("ratings_told", out)

    def test_the_daemon_tells_at_once(self):
        """The serving daemon's clock stands still here, so its own
        passes never come due again: only the rating's notification
        brings the pass that tells the agents and reopens the ticket,
        and the outbox's that sends the mails."""
        s = self.servers
        number = self.open_ticket()
        links = dict((int(x), u) for x, u in re.findall(
            r"(\d) \([^)]*\): (\S+/rate/\S+)", self.resolve(number)))
        s.smtp.clear()
        d = self.serve()
        try:
            # its first turn, scheduler pass included, is over
            gh.wait_until(lambda: "guichet_db_figures_timestamp_seconds"
                          in request(self.base + "/metrics")[1], 20,
                          "the daemon's first turn")
            self.assertEqual(request(links[1], post=True,
                                     data=b"comment=Still+broken.")[0],
                             200)

            def told():
                return [m for m in self.sent("alice@example.com")
                        if "given on the rating page" in self.body(m)]
            gh.wait_until(told, 20, "the agents told")
            self.assertIn("1/5, given on the rating page:\n\nStill "
                          "broken.", self.body(told()[0]))
            gh.wait_until(lambda: self.sent("claire@cust.example"), 20,
                          "the customer told the ticket is open again")
            self.assertEqual(self.show(number)["status"], "open")
        finally:
            d.stop()

    def test_a_rating_that_cannot_be_told_waits(self):
        """The agents' template does not render: the rating stays to
        tell, the pass goes on, the next pass after the fix tells it."""
        s = self.servers
        number = self.open_ticket()
        links = dict((int(x), u) for x, u in re.findall(
            r"(\d) \([^)]*\): (\S+/rate/\S+)", self.resolve(number)))
        tpl, path = self.broken_template("notify_agent")
        self.broken_template("notify_agent", lang="fr")
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=self.public_sections({"guichet": {
                           "poll_interval": "1s", "templates_dir": tpl}}))
        s.smtp.clear()
        d = self.serve()
        try:
            self.assertEqual(request(links[1], post=True,
                                     data=b"comment=Nobody+called.")[0], 200)
        finally:
            d.stop()
        r = s.guichet("sla", "tick", "--now", T0)
        self.assertIn("its agents cannot be told", r.stderr)
        self.assertNotIn("ratings_told", r.stdout)
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM ticket_ratings "
                                     "WHERE told_at IS NULL", db=self.db),
                         "1")
        self.assertEqual(self.sent("alice@example.com"), [])
        os.remove(path)
        os.remove(os.path.join(tpl, "fr", "notify_agent.txt"))
        r = s.guichet("sla", "tick", "--now", T0)
        self.assertIn("ratings_told 1", r.stdout)
        s.guichet("serve", "--once", now=T0)
        m, = self.sent("alice@example.com")
        self.assertIn("1/5, given on the rating page:\n\nNobody called.",
                      self.body(m))


if __name__ == "__main__":
    unittest.main()
