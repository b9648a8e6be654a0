"""test_follow.py - the customer's page of a ticket, end to end.

Through real IMAP, SMTP, PostgreSQL, the [http] listener and a real
browser: with [http] public_url set, our mails to the customer end with
a link <public_url>/ticket/TOKEN; the page says where the ticket stands
(status, priority, deadlines, what happened and when) in the ticket's
language, and quotes no message and no agent. Hostile: a subject made of
HTML and script, altered or forged tokens, another ticket's number under
a good MAC, huge and empty tokens, methods other than GET, the customer
forgotten (GDPR), the database gone away.
"""

import os
import re
import signal
import tempfile
import unittest
import urllib.error
import urllib.request

import guichet_harness as gh
from browser import dump_dom
from desk_case import DeskCase, T0, at, mail, http_request as request

SUBJECT = ('Export <img src="http://evil.example/x.png"> '
           '<script>document.title="pwned"</script> & co')


class Follow(DeskCase):

    def setUp(self):
        self.start_public_desk("fo")

    def link(self, body):
        found = re.findall(r"(?:Follow this ticket|Suivre ce ticket) ?: "
                           r"(\S+/ticket/\S+)", body)
        self.assertEqual(len(set(found)), 1, body)
        return found[0]

    def serve(self, now=T0):
        d = self.servers.spawn("serve", now=now)
        d.wait_for_output(r"http: /metrics and /healthz on")
        gh.wait_until(lambda: request(self.base + "/healthz")[0] in
                      (200, 503), 20, "the listener answers")
        return d

    def test_link_and_page(self):
        s = self.servers
        # (too few words to tell its language: the mailbox's, French)
        number = self.open_ticket(SUBJECT, "The export is empty.\n",
                                  "f-1@cust.example")
        ack, = self.sent("claire@cust.example")
        link = self.link(self.body(ack))
        # the agents' mail carries no customer link
        note, = self.sent("alice@example.com")
        self.assertNotIn("/ticket/", note.as_string())
        n = self.notification("alice@example.com", number)
        s.smtp.clear()
        self.deliver(mail("Re: [%s] Export" % number,
                          "#priority P2\nA secret workaround from Alice.\n",
                          "ag-1@example.com",
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to=n))
        update, = self.sent("claire@cust.example")
        self.assertEqual(self.link(self.body(update)), link)  # one link
        # another ticket: its number under this one's MAC opens nothing
        other = self.open_ticket("Printer", "It jams.\n", "f-2@cust.example")
        self.assertNotEqual(other, number)

        d = self.serve()
        try:
            req = urllib.request.Request(link)
            with urllib.request.urlopen(req, timeout=10) as r:
                code, page = r.status, r.read().decode()
                csp = r.headers["Content-Security-Policy"]
                self.assertEqual(r.headers["Referrer-Policy"],
                                 "no-referrer")
            self.assertEqual(code, 200)
            self.assertIn("default-src 'none'", csp)
            self.assertIn("Suivre ce ticket : %s/ticket/" % self.base,
                          self.body(ack))
            # the ticket's language (the mailbox's: French), the
            # support's time zone (10:00Z is 11:00 in Paris)
            self.assertIn('<html lang="fr">', page)
            self.assertIn("<h1>Ticket %s</h1>" % number, page)
            self.assertIn("<tr><th>Statut</th><td>en cours</td></tr>", page)
            self.assertIn("<tr><th>Priorité</th><td>P2</td></tr>", page)
            self.assertIn("<tr><th>Ouvert le</th><td>2026-11-26 11:00</td>",
                          page)
            self.assertIn('<tr><th>Prise en compte</th><td class="met">'
                          'fait 2026-11-26 11:00</td></tr>', page)
            self.assertRegex(page, r'<tr><th>Résolution</th><td class="due">'
                                   r'pas encore, échéance 2026-\d\d-\d\d '
                                   r'\d\d:\d\d</td></tr>')
            history = re.findall(r"<tr><th>2026-11-26 11:00</th><td>"
                                 r"([^<]+)</td></tr>", page)
            self.assertEqual(history, ["Votre message", "Notre réponse",
                                       "Priorité : P2", "Statut : en cours"])
            self.assertIn("Heures en Europe/Paris", page)
            # what was written stays in the mails; no agent is named
            for secret in ("export is empty", "secret workaround",
                           "Alice", "alice@", "claire"):
                self.assertNotIn(secret, page)
            # the subject is text, never markup
            self.assertNotIn("<script", page)
            self.assertNotIn("<img", page)
            self.assertIn("&lt;script&gt;", page)
            with tempfile.NamedTemporaryFile("w", suffix=".html",
                                             delete=False) as f:
                f.write(page)
            try:
                dom, fetches = dump_dom(f.name)
            finally:
                os.unlink(f.name)
            self.assertEqual(fetches, [])
            self.assertIn("<title>Ticket %s</title>" % number, dom)
            self.assertNotIn("<img", dom)

            # altered, forged, garbage: one answer, 404, naming nothing
            tok = link.rsplit("/", 1)[1]
            tid, mac = tok.split("-")
            flip = "a" if mac[-1] != "a" else "b"
            for bad in ("%s-%s" % (tid, mac[:-1] + flip),
                        "%d-%s" % (int(tid) + 1, mac),
                        "999999-%s" % mac, "%s-%s" % (tid, mac[:-1]),
                        "%s-%sx" % (tid, mac), "-%s" % mac, tid + "-",
                        "5;DROP", "../../etc/passwd", "x" * 3000, "",
                        "0-%s" % mac, "%s%%00-%s" % (tid, mac)):
                code, page = request(self.base + "/ticket/" + bad)
                self.assertEqual(code, 404, bad)
                self.assertIn("Link not valid", page)
                self.assertIn("Lien non valide", page)
                self.assertNotIn(number, page)
            # GET only: it stores nothing, so nothing else is asked
            req = urllib.request.Request(link, method="POST", data=b"x")
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=10)
            self.assertEqual(e.exception.code, 405)
            # the database goes away: "try later", then it works again
            s.pg.stop()
            try:
                code, page = request(link)
                self.assertEqual(code, 503)
                self.assertIn("later", page)
            finally:
                s.pg.start()
            gh.wait_until(lambda: request(link)[0] == 200, 30,
                          "the page works again")
            # the customer forgotten: no link of before opens the ticket
            s.guichet("gdpr", "forget", "claire@cust.example",
                      "--actor", "dpo", now=T0)
            code, page = request(link)
            self.assertEqual(code, 404)
        finally:
            d.stop()

    def test_links_expire_and_are_revoked(self):
        """A closed ticket's page stops ticket_link_expiry (90 days)
        after it closed (410, in both languages); an open ticket's never
        does; `ticket revoke-links` kills every link sent, the next mail
        carries a new one; bad values and bad calls refused."""
        s = self.servers
        number = self.open_ticket("Export", "Empty.\n", "f-7@cust.example")
        link = self.link(self.body(self.sent("claire@cust.example")[-1]))
        s.guichet("ticket", "reply", number, "--as", "alice",
                  input="#close\n", now="2026-11-27T10:00:00Z")
        other = self.open_ticket("Printer", "It jams.\n", "f-8@cust.example")
        link_open = self.link(self.body(self.sent("claire@cust.example")[-1]))
        for now, code in (("2027-02-24T10:00:00Z", 200),     # 89 days
                          ("2027-02-25T10:00:01Z", 410)):    # 90 days +
            d = self.serve(now)
            try:
                got, page = request(link)
                self.assertEqual(got, code, now)
                # the ticket still open: its link works whenever
                self.assertEqual(request(link_open)[0], 200)
            finally:
                d.stop()
        self.assertIn("Link expired", page)
        self.assertIn("Lien expiré", page)
        self.assertNotIn(number, page)
        self.assertNotIn("Export", page)
        # ticket_link_expiry = 0: never
        sections = self.public_sections()
        sections["http"]["ticket_link_expiry"] = "0"
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        d = self.serve("2030-01-01T00:00:00Z")
        try:
            self.assertEqual(request(link)[0], 200)
            # revoked: every link sent so far is dead at once
            r = s.guichet("ticket", "revoke-links", other, now=T0)
            self.assertIn("revoked", r.stdout)
            code, page = request(link_open)
            self.assertEqual(code, 404)
            self.assertIn("Link not valid", page)
            self.assertEqual(request(link)[0], 200)   # another ticket's
        finally:
            d.stop()
        ev = [e for e in self.show(other)["events"]
              if e["kind"] == "links_revoked"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["data"], {"epoch": 1})
        self.assertTrue(ev[0]["actor"].startswith("command line ("))
        # the next mail carries a new link, which works; twice: again
        s.smtp.clear()
        s.guichet("ticket", "reply", other, "--as", "alice",
                  input="We are on it.\n", now=T0)
        s.guichet("serve", "--once", now=T0)
        fresh = self.link(self.body(self.sent("claire@cust.example")[-1]))
        self.assertNotEqual(fresh, link_open)
        s.guichet("ticket", "revoke-links", other, now=T0)
        s.smtp.clear()
        s.guichet("ticket", "reply", other, "--as", "alice",
                  input="Still on it.\n", now=T0)
        s.guichet("serve", "--once", now=T0)
        third = self.link(self.body(self.sent("claire@cust.example")[-1]))
        self.assertNotIn(third, (fresh, link_open))
        d = self.serve()
        try:
            self.assertEqual(request(third)[0], 200)
            self.assertEqual(request(fresh)[0], 404)
        finally:
            d.stop()
        # bad calls and values
        r = s.guichet("ticket", "revoke-links", "SUP-2026-999999",
                      expect=66)
        self.assertIn("no ticket SUP-2026-999999", r.stderr)
        s.guichet("ticket", "revoke-links", expect=64)
        s.guichet("ticket", "revoke-links", "--all", expect=64)
        s.guichet("ticket", "revoke-links", other, "x", expect=64)
        for bad in ("-1d", "soon", "11000d", "1d1d"):
            sections["http"]["ticket_link_expiry"] = bad
            s.write_config(dbname=self.db, mailbox_user=self.user,
                           sections=sections)
            r = s.guichet("check-config", expect=78)
            self.assertIn("ticket_link_expiry", r.stdout + r.stderr)

    def test_a_security_reports_subject_stays_out(self):
        """A redacted queue's ticket (security, by default): its page
        withholds the subject, whoever holds the link; `redact = no`
        shows it."""
        s = self.servers
        alice = {"agent alice": {"address": "alice@example.com",
                                 "name": "Alice Martin",
                                 "queues": "support, security"}}
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=self.public_sections(alice))
        number = self.open_ticket("XSS vulnerability in the login page",
                                  "<script>alert(1)</script>\n",
                                  "f-9@research.example")
        self.assertEqual(self.show(number)["queue"], "security")
        link = self.link(self.body(self.sent("claire@cust.example")[-1]))
        d = self.serve()
        try:
            code, page = request(link)
        finally:
            d.stop()
        self.assertEqual(code, 200)
        self.assertIn(number, page)
        self.assertNotIn("XSS", page)
        self.assertIn("<tr><th>Objet</th><td>(masqué : les mails de votre "
                      "ticket le portent)</td></tr>", page)
        sections = self.public_sections(dict(alice, **{
            "queue security": {"redact": "no"}}))
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        d = self.serve()
        try:
            code, page = request(link)
        finally:
            d.stop()
        self.assertIn("XSS vulnerability in the login page", page)

    def test_history_names_reopening_and_closing(self):
        """A reopening, a customer's confirmation and a closing for want
        of an answer are status changes on the page too (they were left
        out: a reopened ticket's page went from "resolved" to nothing)."""
        s = self.servers
        number = self.open_ticket("Export", "The export is empty.\n",
                                  "h-1@cust.example")
        link = self.link(self.body(self.sent("claire@cust.example")[0]))
        for body, when in (("#resolve\nFixed.\n", "2026-11-26T11:00:00Z"),
                           ("#close\n", "2026-11-26T12:00:00Z")):
            s.guichet("ticket", "reply", number, "--as", "alice",
                      input=body, now=when)
        self.deliver(mail("Re: [%s] Export" % number, "It is empty "
                          "again.\n", "h-2@cust.example"),
                     now="2026-11-26T13:00:00Z")
        self.assertEqual(self.show(number)["status"], "open")
        s.guichet("ticket", "reply", number, "--as", "alice",
                  input="#resolve\nFixed again.\n",
                  now="2026-11-26T14:00:00Z")
        s.guichet("sla", "tick", "--now", "2026-12-04T15:00:00Z")
        self.assertEqual(self.show(number)["status"], "closed")
        # another, resolved, that its customer confirms
        other = self.open_ticket("Printer", "It jams.\n", "h-3@cust.example")
        link2 = self.link(self.body(self.sent("claire@cust.example")[-1]))
        s.guichet("ticket", "reply", other, "--as", "alice",
                  input="#resolve\nUnjammed.\n", now="2026-12-04T10:00:00Z")
        self.deliver(mail("Re: [%s] Printer" % other, "C'est résolu, "
                          "merci.\n", "h-4@cust.example"),
                     now="2026-12-04T11:00:00Z")
        self.assertIn("validated", self.kinds(other))
        d = self.serve(now="2026-12-04T15:00:01Z")
        try:
            code, page = request(link)
            code2, page2 = request(link2)
        finally:
            d.stop()
        self.assertEqual((code, code2), (200, 200))
        status = r"<tr><th>2026-1\d-\d\d \d\d:\d\d</th><td>(Statut : [^<]+)"
        self.assertEqual(re.findall(status, page2)[-2:],
                         ["Statut : résolu", "Statut : clos"])
        history = re.findall(status, page)
        # resolved, closed, reopened by the customer's mail, resolved,
        # closed for want of an answer
        self.assertEqual(history[-5:], ["Statut : résolu", "Statut : clos",
                                        "Statut : en cours",
                                        "Statut : résolu",
                                        "Statut : clos"])

    def test_history_names_a_reminder_and_the_next_ticket(self):
        """The reminder sent while the ticket waited on its customer,
        and the ticket a later mail of theirs opened once it was closed,
        are on the page (the page went from "pending" to "closed" with
        no word of either); the ticket another sender's mail opened is
        not named."""
        s = self.servers
        self.start_public_desk("fo", {"sla": {"pending_remind_after":
                                              "3d"}})
        # Paul, her colleague, in copy: a participant of the ticket
        r = self.deliver(mail("Export", "The export is empty.\n",
                              "n-1@cust.example",
                              extra="Cc: Paul <paul@cust.example>\r\n"))
        number = re.search(r"new ticket (\S+)", r.stderr).group(1)
        link = self.link(self.body(self.sent("claire@cust.example")[0]))
        s.guichet("ticket", "reply", number, "--as", "alice",
                  now=at(0, 1), input="#status pending\nThe log?\n")
        s.guichet("sla", "tick", "--now", at(3, 2))
        s.guichet("ticket", "reply", number, "--as", "alice", now=at(4),
                  input="#close\n")
        r = self.deliver(mail("Re: [%s] Export" % number, "Me too.\n",
                              "n-2@cust.example",
                              sender="Paul <paul@cust.example>"),
                         now=at(30))
        theirs = re.search(r"new ticket (\S+)", r.stderr).group(1)
        r = self.deliver(mail("Re: [%s] Export" % number, "Empty again."
                              "\n", "n-3@cust.example"), now=at(31))
        mine = re.search(r"new ticket (\S+)", r.stderr).group(1)
        self.assertEqual(self.kinds(number).count("followed_up"), 2)
        d = self.serve(now=at(31, 1))
        try:
            code, page = request(link)
        finally:
            d.stop()
        self.assertEqual(code, 200)
        rows = re.findall(r"<tr><th>(2026-1\d-\d\d \d\d:\d\d)</th>"
                          r"<td>([^<]+)</td>", page)
        texts = [t for _, t in rows]
        self.assertIn("Nous vous avons rappelé que nous attendons votre "
                      "réponse", texts)
        self.assertIn("Votre message suivant a ouvert le ticket " + mine,
                      texts)
        self.assertNotIn(theirs, page)
        # in time order: the reminder, the closing, the next ticket
        self.assertEqual(rows[texts.index("Votre message suivant a ouvert "
                                          "le ticket " + mine)][0],
                         "2026-12-27 11:00")

    def test_page_in_english(self):
        """An English ticket: the link's sentence and the page in
        English."""
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "mailbox support": {"language": "en"},
            "agent alice": {"address": "alice@example.com",
                            "queues": "support", "language": "en"},
            "http": {"listen": "%s:%d" % (gh.LOCALHOST, self.port),
                     "public_url": self.base}})
        number = self.open_ticket("Export", "Empty.\n", "f-4@cust.example")
        ack, = self.sent("claire@cust.example")
        self.assertIn("Follow this ticket: %s/ticket/" % self.base,
                      self.body(ack))
        # a second ticket, merged into the first by its agent
        second = self.open_ticket("Export again", "Still empty.\n",
                                  "f-5@cust.example")
        ack2 = self.sent("claire@cust.example")[-1]
        self.deliver(mail("Re: [%s] Export again" % second,
                          "#merge %s\n" % number, "ag-5@example.com",
                          sender="Alice <alice@example.com>",
                          in_reply_to=self.notification("alice@example.com",
                                                        second)))
        d = self.serve()
        try:
            code, page = request(self.link(self.body(ack)))
            code2, page2 = request(self.link(self.body(ack2)))
        finally:
            d.stop()
        self.assertEqual(code2, 200)
        self.assertIn("<tr><th>Merged into (its mails carry its own link)"
                      "</th><td>%s</td></tr>" % number, page2)
        self.assertIn("<td>closed</td>", page2)
        self.assertEqual(code, 200)
        self.assertIn('<html lang="en">', page)
        self.assertIn("<tr><th>Status</th><td>received</td></tr>", page)
        self.assertIn('<tr><th>Acknowledgement</th><td class="due">not done '
                      'yet, due 2026-11-26 15:00</td></tr>', page)
        self.assertIn("<td>Your message</td>", page)
        self.assertNotIn("Our answer", page)
        self.assertIn(number, page)

    def test_reload_follows_the_new_config(self):
        """SIGHUP with another calendar zone and support name, the
        listener's settings unchanged: the page shows the new ones; a
        reload that changes nothing leaves the listener as it was."""
        s = self.servers
        number = self.open_ticket("Printer", "It jams.\n", "f-6@cust.example")
        ack, = self.sent("claire@cust.example")
        link = self.link(self.body(ack))
        d = self.serve()
        self.assertIn(number, request(link)[1])
        try:
            code, page = request(link)
            self.assertEqual(code, 200)
            self.assertIn("Heures en Europe/Paris", page)
            self.assertIn("<td>2026-11-26 11:00</td>", page)
            s.write_config(dbname=self.db, mailbox_user=self.user,
                           sections=self.public_sections({
                               "guichet": {"poll_interval": "1s",
                                           "support_name": "Acme Care"},
                               "calendar business": {
                                   "timezone": "America/New_York"}}))
            d.send_signal(signal.SIGHUP)
            d.wait_for_output(r"configuration reloaded")
            gh.wait_until(lambda: "America/New_York" in request(link)[1],
                          20, "the page in the new zone")
            code, page = request(link)
            self.assertEqual(code, 200)
            self.assertIn("<td>2026-11-26 05:00</td>", page)
            self.assertNotIn("11:00", page)
            self.assertIn("<p>Acme Care</p>", page)
            self.assertEqual(d.stderr().count("pages follow the new "
                                              "configuration"), 1)
            d.send_signal(signal.SIGHUP)
            gh.wait_until(lambda: d.stderr().count(
                "configuration reloaded") == 2, 20, "the second reload")
            self.assertEqual(d.stderr().count("pages follow the new "
                                              "configuration"), 1)
            self.assertEqual(request(link)[0], 200)
        finally:
            d.stop()

    def test_no_public_url_no_link(self):
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": {"address": "alice@example.com",
                            "queues": "support", "language": "en"}})
        self.open_ticket("Export", "Empty.\n", "f-3@cust.example")
        ack, = self.sent("claire@cust.example")
        self.assertNotIn("/ticket/", ack.as_string())
        self.assertNotIn("Follow this ticket", self.body(ack))


if __name__ == "__main__":
    unittest.main()
