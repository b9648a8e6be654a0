"""test_satisfaction.py - customers rate resolved tickets, end to end.

Through real IMAP, SMTP, PostgreSQL and the [http] listener: the
resolution mail asks for a rating and carries five links; a reply whose
first line is a lone digit 1-5 is a rating (with its comment) that
reopens nothing; a later answer replaces it with an event; the links
show a page on GET and store only on POST; `ticket show` and `guichet
report satisfaction` show the figures. Hostile: altered, forged or too
old tokens, scores 0, 6 and "5; DROP", a rating of a ticket not
resolved, a digit further in the text, a robot's auto-reply.
"""

import hashlib
import hmac
import json
import re
import unittest
import urllib.error
import urllib.request

import guichet_harness as gh
from desk_case import DeskCase, T0, mail, http_request as request

DAY0 = 1795687200 // 86400          # the day of desk_case.T0


class Satisfaction(DeskCase):

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
        self.assertIn("recorded", page)
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


if __name__ == "__main__":
    unittest.main()
