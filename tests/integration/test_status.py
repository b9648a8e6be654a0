"""test_status.py - the public status page, end to end.

Through real IMAP, SMTP and PostgreSQL: an agent's #incident,
#incident-update (with #eta) and #incident-resolved, and a resolved
ticket, make index.html, feed.atom and status.json; `guichet status
maintenance` announces maintenance; the page is opened in headless
Chromium (the DOM has the incident, its updates in order, the ETA, the
maintenance; nothing fetched; the screenshot is not blank), the feed
parses as XML with its entries newest first, status.json has the same.
Subscribers get each update once by mail (List-Unsubscribe), even when
two schedulers run at once, and leave by a reply, by the token of the
mailto: link, or by the CLI. Hostile: <script> in a title, a 1 MB
update, an unknown component, end before start, a folder that cannot be
written (the ticket's work is kept), #incident from a customer or from a
forged agent, and the ticket's own texts never reach the page.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import unittest
import xml.etree.ElementTree as ET

import guichet_harness as gh

from browser import dump_dom, screenshot, png_is_blank
from desk_case import DeskCase, T0, mail, http_request

ATOM = "{http://www.w3.org/2005/Atom}"
SECRET = "internal-note-7731"
SUBJECT = "Export broken for customer Zorglub"


class Status(DeskCase):

    def setUp(self):
        s = self.servers
        self.db = "st_" + self._testMethodName[5:][:40].lower()
        self.user = ("s" + self._testMethodName[5:])[:30].lower()
        self.dir = s.path("page_" + self._testMethodName)
        os.makedirs(self.dir, exist_ok=True)
        self.configure()
        s.guichet("migrate")
        s.smtp.clear()
        self.n = 0

    def configure(self, http=None, **status):
        keys = {"dir": self.dir, "title": "Example status",
                "base_url": "https://status.example.com/",
                "components": "api, web, mail", "language": "en"}
        keys.update(status)
        keys = {k: v for k, v in keys.items() if v is not None}
        sections = {
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support",
                            "language": "en"},
            "status": keys}
        if http:
            sections["http"] = http
        self.servers.write_config(dbname=self.db, mailbox_user=self.user,
                                  sections=sections)

    # -- steps --------------------------------------------------------

    def open_ticket(self, subject=SUBJECT,
                    text="Hello,\n\nThe export is empty. %s\n" % SECRET):
        self.n += 1
        return DeskCase.open_ticket(self, subject, text,
                                    "open-%d@cust.example" % self.n)

    def agent_reply(self, number, body, proven=True, now=T0,
                    sender="Alice Martin <alice@example.com>"):
        self.n += 1
        n = self.notification("alice@example.com", number) \
            if proven else None
        return self.deliver(mail("Re: [%s] Question" % number, body,
                                 "agent-%d@example.com" % self.n,
                                 sender=sender, in_reply_to=n), now=now)

    def refused(self, number, commands, want):
        """The agent is told why; nothing is published."""
        before = self.files()
        posts = self.scalar("SELECT count(*) FROM status_posts")
        self.servers.smtp.clear()
        self.agent_reply(number, commands + "\nSome text.\n")
        got = self.sent("alice@example.com")
        self.assertEqual(len(got), 1, [m["Subject"] for m in got])
        self.assertIn(want, self.body(got[0]))
        self.assertEqual(self.sent("claire@cust.example"), [])
        self.assertEqual(self.scalar("SELECT count(*) FROM status_posts"),
                         posts)
        self.assertEqual(self.files(), before)

    def scalar(self, sql):
        return self.servers.pg.scalar(sql, db=self.db)

    def files(self):
        out = {}
        for name in ("index.html", "feed.atom", "status.json"):
            p = os.path.join(self.dir, name)
            if os.path.exists(p):
                with open(p, encoding="utf-8") as f:
                    out[name] = f.read()
        return out

    def page(self):
        dom, fetches = dump_dom(os.path.join(self.dir, "index.html"))
        self.assertEqual(fetches, [])
        return dom

    def feed(self):
        root = ET.parse(os.path.join(self.dir, "feed.atom")).getroot()
        self.assertEqual(root.tag, ATOM + "feed")
        return root.findall(ATOM + "entry")

    def json(self):
        with open(os.path.join(self.dir, "status.json")) as f:
            return json.load(f)

    def component_state(self, dom, name):
        m = re.search(r'data-component="%s" data-state="(\w+)"' % name, dom)
        return m.group(1)

    # -- tests --------------------------------------------------------

    def test_incident_by_mail_to_page_feed_json(self):
        s = self.servers
        number = self.open_ticket()
        self.agent_reply(number, "#incident [api, Web] Login errors "
                         "<script>alert(1)</script>\nWe are on it. %s\n"
                         % SECRET)
        dom = self.page()
        self.assertIn("Login errors &lt;script&gt;alert(1)&lt;/script&gt;",
                      dom)
        self.assertNotIn("<script", dom)
        self.assertEqual(self.component_state(dom, "api"), "incident")
        self.assertEqual(self.component_state(dom, "web"), "incident")
        self.assertEqual(self.component_state(dom, "mail"), "operational")
        # the agent's text still reaches the customer, never the page
        self.assertIn(SECRET, self.body(self.sent("claire@cust.example")[-1]))
        self.agent_reply(number, "#incident-update Root cause found, fix "
                         "being deployed\n#eta 2026-11-26T14:30:00Z\n")
        self.agent_reply(number, "#incident-update Fix deployed, "
                         "monitoring\n", now="2026-11-26T11:00:00Z")
        s.guichet("status", "maintenance", "add", "--start",
                  "2026-11-28T22:00:00Z", "--end", "2026-11-28T23:30:00Z",
                  "--title", "Database upgrade", "--components", "mail",
                  now="2026-11-26T11:00:00Z")
        dom = self.page()
        upd = re.findall(r'<li class="update"[^>]*data-kind="(\w+)">.*?'
                         r'<span class="text">(.*?)</span>', dom)
        self.assertEqual(upd, [
            ("incident_opened",
             "Login errors &lt;script&gt;alert(1)&lt;/script&gt;"),
            ("incident_update", "Root cause found, fix being deployed"),
            ("incident_update", "Fix deployed, monitoring")])
        self.assertIn("Expected resolution: <time datetime="
                      "\"2026-11-26T14:30:00Z\">2026-11-26 14:30 UTC</time>",
                      dom)
        self.assertIn("Database upgrade", dom)
        self.assertIn('id="maintenance-1"', dom)
        png = os.path.join(self.dir, "..", "page-%s.png" % self.db)
        self.assertEqual(screenshot(os.path.join(self.dir, "index.html"),
                                    png), [])
        self.assertFalse(png_is_blank(png))
        # the feed: valid XML, one entry per post, newest first, stable ids
        entries = self.feed()
        titles = [e.find(ATOM + "title").text for e in entries]
        self.assertEqual(titles, [
            "Maintenance scheduled: Database upgrade",
            "Update: Login errors <script>alert(1)</script>",
            "Update: Login errors <script>alert(1)</script>",
            "Investigating: Login errors <script>alert(1)</script>"])
        ids = [e.find(ATOM + "id").text for e in entries]
        self.assertEqual(ids[-1], "https://status.example.com/feed.atom#post-1")
        self.assertEqual(len(set(ids)), 4)
        self.assertIn("Fix deployed", entries[1].find(ATOM + "content").text)
        doc = self.json()
        self.assertEqual(doc["state"], "incident")
        inc, = doc["incidents"]
        self.assertEqual(inc["components"], ["api", "web"])
        self.assertEqual(inc["eta"], "2026-11-26T14:30:00Z")
        self.assertEqual([u["text"] for u in inc["updates"]][1:], [
            "Root cause found, fix being deployed",
            "Fix deployed, monitoring"])
        self.assertEqual(doc["maintenance"][0]["state"], "scheduled")
        # nothing of the ticket but what was published
        for name, text in self.files().items():
            self.assertNotIn(SECRET, text, name)
            self.assertNotIn("Zorglub", text, name)
            self.assertNotIn(number, text, name)
        # resolving the ticket closes its incident; the page says so
        self.agent_reply(number, "#resolve\nIt works again.\n",
                         now="2026-11-26T12:00:00Z")
        dom = self.page()
        self.assertEqual(self.component_state(dom, "api"), "operational")
        self.assertIn('class="incident resolved"', dom)
        self.assertIn("This incident is resolved.", dom)
        self.assertEqual(self.json()["incidents"][0]["state"], "resolved")
        self.assertEqual(self.feed()[0].find(ATOM + "title").text,
                         "Resolved: Login errors <script>alert(1)</script>")
        # the maintenance begins: the scheduler writes the page again
        s.guichet("sla", "tick", now="2026-11-28T22:05:00Z")
        dom = self.page()
        self.assertEqual(self.component_state(dom, "mail"), "maintenance")
        self.assertEqual(self.json()["maintenance"][0]["state"],
                         "in_progress")
        s.guichet("sla", "tick", now="2026-11-28T23:35:00Z")
        self.assertEqual(self.component_state(self.page(), "mail"),
                         "operational")

    def test_incident_resolved_command_and_history(self):
        number = self.open_ticket()
        self.agent_reply(number, "#incident Slow pages\n")
        self.agent_reply(number, "#incident-resolved Pages are fast "
                         "again\n")
        dom = self.page()
        self.assertIn("No incident.", dom)
        hist = dom[dom.index('id="history"'):]
        self.assertIn("Slow pages", hist)
        self.assertIn("Pages are fast again", hist)
        self.assertNotIn(self.show(number)["status"], ("resolved",
                                                        "closed"))
        # a second incident on the same ticket may follow
        self.agent_reply(number, "#incident [mail] Mail delayed\n")
        self.assertEqual(self.component_state(self.page(), "mail"),
                         "incident")
        # merged, its incident goes to the other ticket, which can close
        # it; merged into one that has its own, it is closed
        other = self.open_ticket()
        self.agent_reply(number, "#merge %s\n" % other)
        self.assertIn("incident_moved_in", self.kinds(other))
        self.agent_reply(other, "#incident-resolved Mail flows\n")
        self.assertEqual(self.component_state(self.page(), "mail"),
                         "operational")
        third, fourth = self.open_ticket(), self.open_ticket()
        self.agent_reply(third, "#incident [web] A\n")
        self.agent_reply(fourth, "#incident [api] B\n")
        self.agent_reply(third, "#merge %s\n" % fourth)
        self.assertEqual(self.scalar(
            "SELECT string_agg(title || ':' || (resolved_at IS NULL)::text, "
            "',' ORDER BY id) FROM status_incidents WHERE title IN "
            "('A', 'B')"), "A:false,B:true")

    def test_hostile_commands(self):
        number = self.open_ticket()
        self.agent_reply(number, "#incident [api] Errors\n")
        self.assertEqual(self.scalar("SELECT count(*) FROM status_posts"),
                         "1")
        self.refused(number, "#incident-update " + "x" * (1024 * 1024),
                     "longer than 2000 bytes")
        self.refused(number, "#incident [billing] Other", "no component "
                     "\"billing\"")
        self.refused(number, "#incident Another", "has an open incident")
        self.refused(number, "#incident-update", "expected "
                     "#incident-update TEXT")
        self.refused(number, "#incident-update ok\n#eta 2001-01-01 10:00",
                     "the time is past")
        self.refused(number, "#incident [api Title", "expected "
                     "[COMPONENT,...] TITLE")
        self.refused(number, "#incident " + "t" * 300, "longer than 200")
        other = self.open_ticket()
        self.refused(other, "#incident-update Fixed", "has no open incident")
        self.refused(other, "#incident-resolved", "has no open incident")
        # a customer's #incident is text relayed to agents, not a command
        self.deliver(mail("RE: [%s] Question" % number, "#incident Hacked\n"
                          "#incident-update pwned\n", "c-1@cust.example"))
        # nor is a forged agent's (From: alice without the proof)
        self.agent_reply(other, "#incident Forged outage\n", proven=False)
        self.assertEqual(self.scalar("SELECT count(*) FROM status_posts"),
                         "1")
        self.assertEqual(self.scalar("SELECT count(*) FROM "
                                     "status_incidents"), "1")
        for text in self.files().values():
            self.assertNotIn("Hacked", text)
            self.assertNotIn("Forged", text)

    def test_maintenance_cli(self):
        s = self.servers
        bad = [
            (["--start", "2026-11-28T23:00:00Z", "--end",
              "2026-11-28T22:00:00Z"], "is not after --start"),
            (["--start", "2026-11-20T10:00:00Z", "--end",
              "2026-11-21T10:00:00Z"], "is past"),
            (["--start", "tomorrow", "--end", "2026-11-28T22:00:00Z"],
             "not an ISO 8601 time"),
            (["--start", "2026-11-28T22:00:00Z", "--end",
              "2026-11-28T23:00:00Z", "--components", "api,billing"],
             "no component \"billing\""),
            (["--start", "2026-11-28T22:00:00Z", "--end",
              "2026-11-28T23:00:00Z", "--title", "y" * 300],
             "longer than 200 bytes"),
        ]
        for args, want in bad:
            if "--title" not in args:
                args = args + ["--title", "Upgrade"]
            r = s.guichet("status", "maintenance", "add", *args, now=T0,
                          expect=65)
            self.assertIn(want, r.stderr)
        self.assertEqual(self.scalar("SELECT count(*) FROM "
                                     "status_maintenance"), "0")
        r = s.guichet("status", "maintenance", "add", "--start",
                      "2026-11-28T22:00:00Z", "--end", "2026-11-28T23:00:00Z",
                      "--title", "<b>Network</b> work", now=T0)
        self.assertIn("maintenance 1 announced", r.stdout)
        dom = self.page()
        self.assertIn("&lt;b&gt;Network&lt;/b&gt; work", dom)
        lst = json.loads(s.guichet("status", "maintenance", "list",
                                   "--json", now=T0).stdout)
        self.assertEqual([(m["id"], m["state"]) for m in lst],
                         [(1, "scheduled")])
        s.guichet("status", "maintenance", "cancel", "1", now=T0)
        s.guichet("status", "maintenance", "cancel", "1", now=T0, expect=65)
        s.guichet("status", "maintenance", "cancel", "x1", now=T0,
                  expect=65)
        self.assertIn("No maintenance scheduled.", self.page())
        self.assertEqual(self.feed()[0].find(ATOM + "title").text,
                         "Maintenance cancelled: <b>Network</b> work")

    def test_unwritable_dir_keeps_the_ticket_work(self):
        s = self.servers
        blocker = s.path("not-a-folder-%s" % self.db)
        with open(blocker, "w") as f:
            f.write("a file where the folder should be\n")
        self.dir = blocker
        self.configure()
        number = self.open_ticket()
        r = self.agent_reply(number, "#incident [api] Errors\nLooking.\n")
        self.assertIn("status page not written", r.stderr)
        self.assertIn(blocker, r.stderr)
        self.assertEqual(self.scalar("SELECT count(*) FROM status_posts"),
                         "1")
        self.assertIn("incident_opened", self.kinds(number))
        self.assertIn("Looking.", self.body(
            self.sent("claire@cust.example")[-1]))
        r = s.guichet("status", "render", expect=74)
        self.assertIn(blocker, r.stderr)
        # once the folder is there, the next scheduler pass writes it
        os.unlink(blocker)
        os.makedirs(blocker)
        s.guichet("sla", "tick", now=T0)
        self.assertIn("Errors", self.page())

    def test_auto_incident_p1(self):
        self.configure(auto_incident_p1="yes")
        number = DeskCase.open_ticket(self, "Production down since 9:00",
                                      "Everything is down. %s" % SECRET,
                                      "p1@cust.example")
        self.assertEqual(self.show(number)["priority"], "P1")
        dom = self.page()
        self.assertIn("Service disruption under investigation", dom)
        for text in self.files().values():
            self.assertNotIn("Production down", text)
            self.assertNotIn(SECRET, text)
        # a second P1 on the same ticket opens nothing more
        self.agent_reply(number, "#priority P1\nOn it.\n")
        self.assertEqual(self.scalar("SELECT count(*) FROM "
                                     "status_incidents"), "1")
        # a ticket made P1 by an agent who opens one in the same mail:
        # the agent's incident, once
        other = self.open_ticket()
        self.agent_reply(other, "#priority P1\n#incident [web] Web down\n")
        self.assertEqual(self.scalar(
            "SELECT string_agg(title, '|' ORDER BY id) FROM "
            "status_incidents"),
            "Service disruption under investigation|Web down")
        third = self.open_ticket()
        self.agent_reply(third, "#priority P1\n")
        self.assertEqual(self.scalar("SELECT count(*) FROM "
                                     "status_incidents"), "3")

    def test_page_feed_and_mails_in_french(self):
        # [status] language = fr: the page, the feed, the subscribers'
        # mails and the incident a P1 opens speak French; the published
        # texts are as written, the JSON keys stay
        s = self.servers
        self.configure(language="fr", auto_incident_p1="yes")
        r = s.guichet("check-config")
        s.guichet("status", "subscribe", "fr@sub.example", now=T0)
        number = self.open_ticket()
        self.agent_reply(number, "#incident [api] Connexion impossible\n"
                         "Nous regardons.\n")
        self.agent_reply(number, "#incident-update Correctif en cours\n"
                         "#eta 2026-11-26T14:30:00Z\n")
        with open(os.path.join(self.dir, "index.html")) as f:
            self.assertIn('<html lang="fr">', f.read())
        dom = self.page()
        for words in ("Certains services sont perturbés", "Perturbé",
                      "Opérationnel", "Incidents en cours",
                      "Analyse en cours", "Mise à jour", "Résolution prévue "
                      ": <time", "Aucune maintenance planifiée.",
                      "Rien à signaler.", "Flux Atom", "Connexion "
                      "impossible"):
            self.assertIn(words, dom)
        for words in ("Investigating", "Expected resolution",
                      "systems", "Components"):
            self.assertNotIn(words, dom)
        self.assertEqual(self.component_state(dom, "api"), "incident")
        self.assertEqual([e.find(ATOM + "title").text for e in self.feed()],
                         ["Mise à jour : Connexion impossible",
                          "Analyse en cours : Connexion impossible"])
        self.assertEqual(self.json()["state"], "incident")
        s.guichet("serve", "--once", now=T0)
        got = self.sent("fr@sub.example")
        self.assertEqual(len(got), 2)
        self.assertEqual(got[0]["Subject"], "[Example status] Analyse en "
                         "cours : Connexion impossible")
        text = self.body(got[1])
        for words in ("Mise à jour : Connexion impossible",
                      "Résolution prévue : 2026-11-26 14:30 UTC",
                      "Concerne : api", "Vous recevez ce message car "
                      "fr@sub.example est abonné à Example status"):
            self.assertIn(words, text)
        self.assertNotIn("unsubscribed", text)
        # the incident a P1 opens, and its resolution by the ticket's
        p1 = DeskCase.open_ticket(self, "Production arrêtée", "Tout est "
                                  "arrêté.", "p1fr@cust.example")
        self.assertEqual(self.show(p1)["priority"], "P1")
        self.agent_reply(p1, "#resolve\nC'est reparti.\n",
                         now="2026-11-26T12:00:00Z")
        dom = self.page()
        self.assertIn("Perturbation du service en cours d'analyse", dom)
        self.assertIn("Nous analysons une perturbation du service.", dom)
        self.assertIn("Cet incident est résolu.", dom)
        # a language the page does not speak is refused
        self.configure(language="de")
        r = s.guichet("check-config", expect=78)
        self.assertIn("language", r.stdout + r.stderr)

    def test_update_published_while_serving_is_mailed_at_once(self):
        # a serving daemon runs its scheduler pass every 30 s when no
        # timer is due sooner; an update published by another process
        # (here the CLI) wakes it through guichet_status instead
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"poll_interval": "1h"},
            "status": {"dir": self.dir, "title": "Example status",
                       "base_url": "https://status.example.com/",
                       "components": "api, web, mail"}})
        s.guichet("status", "subscribe", "wake@sub.example")
        d = s.spawn("serve")
        d.wait_for_output(r"serving 1 mailbox")
        time.sleep(2)                  # past its first scheduler pass
        start = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                              time.gmtime(time.time() + 86400))
        end = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                            time.gmtime(time.time() + 90000))
        s.guichet("status", "maintenance", "add", "--start", start, "--end",
                  end, "--title", "Wake upgrade")
        # the next pass is 30 s away: only the notification brings the
        # mail within this wait
        gh.wait_until(lambda: self.sent("wake@sub.example"), 20,
                      "the subscriber's mail of the update")
        # a post that is rolled back wakes no one and mails nothing
        s.pg.psql("BEGIN; INSERT INTO status_posts (kind, maintenance_id, "
                  "body, at) SELECT 'maintenance', id, 'rolled back', now() "
                  "FROM status_maintenance LIMIT 1; ROLLBACK;", db=self.db)
        time.sleep(2)
        d.stop(signal.SIGTERM)
        got = self.sent("wake@sub.example")
        self.assertEqual(len(got), 1)
        self.assertIn("Wake upgrade", self.body(got[0]))

    def test_subscribers(self):
        s = self.servers
        s.guichet("status", "subscribe", "ann@sub.example", now=T0)
        s.guichet("status", "subscribe", "bob@sub.example", now=T0)
        r = s.guichet("status", "subscribe", "ANN@sub.example", now=T0)
        self.assertIn("subscribed already", r.stdout)
        for bad in ("not-an-address", "a b@x.example", "support@example.com",
                    "x@" + "d" * 300 + ".example", "<a@b.example>\r\nBcc: "
                    "c@d.example"):
            s.guichet("status", "subscribe", bad, expect=65)
        number = self.open_ticket()
        s.smtp.clear()
        self.agent_reply(number, "#incident [web] Web is slow\n")
        ann, = self.sent("ann@sub.example")
        bob, = self.sent("bob@sub.example")
        self.assertIn("Web is slow", ann["Subject"])
        token = self.scalar("SELECT token FROM status_subscribers WHERE "
                            "address = 'bob@sub.example'")
        self.assertEqual(bob["List-Unsubscribe"],
                         "<mailto:support@example.com?subject=unsubscribe"
                         "%%20%s>" % token)
        self.assertEqual(ann["Auto-Submitted"], "auto-generated")
        self.assertNotIn(SECRET, self.body(ann))
        self.assertNotIn(token, ann.as_string())
        # once per update, even with two schedulers at once
        self.agent_reply(number, "#incident-update Still slow\n")
        env = dict(os.environ)
        procs = [subprocess.Popen(s._guichet_argv(["sla", "tick"], T0, None),
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env)
                 for _ in range(2)]
        for p in procs:
            p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0)
        s.guichet("serve", "--once", now=T0)
        self.assertEqual(self.scalar(
            "SELECT count(*) FROM outbox WHERE purpose = 'status'"), "4")
        # mail to many: sent after every ticket's (migration 032)
        self.assertEqual(self.scalar(
            "SELECT array_agg(DISTINCT send_rank) FROM outbox WHERE "
            "purpose = 'status'"), "{1000000}")
        self.assertEqual(len(self.sent("ann@sub.example")), 2)
        # bob leaves by replying to his mail; ann by the mailto: link
        s.smtp.clear()
        self.deliver(mail("Re: " + bob["Subject"], "unsubscribe\n",
                          "bob-1@sub.example", sender="bob@sub.example",
                          in_reply_to=bob["Message-ID"]))
        ann_token = self.scalar("SELECT token FROM status_subscribers "
                                "WHERE address = 'ann@sub.example'")
        # a wrong token from a stranger unsubscribes no one
        self.deliver(mail("unsubscribe " + "0" * 32, "", "eve-1@x.example",
                          sender="eve@x.example"))
        self.assertEqual(self.scalar("SELECT count(*) FROM "
                                     "status_subscribers WHERE "
                                     "unsubscribed_at IS NULL"), "1")
        self.deliver(mail("unsubscribe " + ann_token, "", "ann-1@sub.example",
                          sender="ann@sub.example"))
        self.assertEqual(self.scalar("SELECT count(*) FROM "
                                     "status_subscribers WHERE "
                                     "unsubscribed_at IS NULL"), "0")
        # neither mail made a ticket nor got an answer (eve's did: a
        # person reads it)
        self.assertEqual(self.scalar("SELECT count(*) FROM tickets"), "2")
        self.assertEqual(self.sent("bob@sub.example"), [])
        self.assertEqual(self.sent("ann@sub.example"), [])
        # the CLI: subscribe again, leave by address and by token
        s.guichet("status", "subscribe", "carl@sub.example")
        s.guichet("status", "unsubscribe", "carl@sub.example")
        s.guichet("status", "unsubscribe", "carl@sub.example", expect=65)
        s.guichet("status", "subscribe", "dora@sub.example")
        t = self.scalar("SELECT token FROM status_subscribers WHERE address "
                        "= 'dora@sub.example'")
        s.guichet("status", "unsubscribe", "--token", "nope", expect=65)
        s.guichet("status", "unsubscribe", "--token", t)
        s.smtp.clear()
        self.agent_reply(number, "#incident-resolved Fast again\n")
        self.assertEqual([m for m in s.smtp.messages()
                          if "sub.example" in m["X-RcptTo"]], [])


    @contextlib.contextmanager
    def serving(self, base):
        """`serve` running, its HTTP listener at base answering."""
        d = self.servers.spawn("serve", now=T0)
        try:
            d.wait_for_output(r"http: /metrics and /healthz on")
            gh.wait_until(lambda: http_request(base + "/healthz")[0] in
                          (200, 503), 20, "the listener answers")
            yield d
        finally:
            d.stop()

    def test_one_click_unsubscribe(self):
        s = self.servers
        port = gh.free_port()
        base = "http://%s:%d" % (gh.LOCALHOST, port)
        self.configure(http={"listen": "%s:%d" % (gh.LOCALHOST, port),
                             "public_url": base + "/"})
        s.guichet("status", "subscribe", "ann@sub.example", now=T0)
        number = self.open_ticket()
        self.agent_reply(number, "#incident Slow\n")
        m, = self.sent("ann@sub.example")
        token = self.scalar("SELECT token FROM status_subscribers")
        link = "%s/unsubscribe/%s" % (base, token)
        self.assertEqual(
            re.sub(r"\s+", " ", m["List-Unsubscribe"]),
            "<%s>, <mailto:support@example.com?subject=unsubscribe%%20%s>"
            % (link, token))
        self.assertEqual(m["List-Unsubscribe-Post"],
                         "List-Unsubscribe=One-Click")

        def request(url, post=False):
            return http_request(url, post, b"List-Unsubscribe=One-Click")

        with self.serving(base):
            # a scanner's GET shows a button and changes nothing
            code, page = request(link)
            self.assertEqual(code, 200)
            self.assertIn('<form method="post">', page)
            active = "SELECT count(*) FROM status_subscribers WHERE " \
                     "unsubscribed_at IS NULL"
            self.assertEqual(self.scalar(active), "1")
            for bad in ("0" * 32, token.upper(), token[:-1], "../x",
                        token + "0", "%00" + token):
                self.assertEqual(request(base + "/unsubscribe/" + bad,
                                         post=True)[0], 404, bad)
            self.assertEqual(self.scalar(active), "1")
            code, page = request(link, post=True)
            self.assertEqual(code, 200)
            self.assertIn("no more mails", page)
            self.assertEqual(self.scalar(active), "0")
            self.assertEqual(request(link, post=True)[0], 404)
        # the page in the status page's language
        self.configure(http={"listen": "%s:%d" % (gh.LOCALHOST, port),
                             "public_url": base + "/"}, language="fr")
        s.guichet("status", "subscribe", "bob@sub.example", now=T0)
        link = "%s/unsubscribe/%s" % (base, self.scalar(
            "SELECT token FROM status_subscribers WHERE address = "
            "'bob@sub.example'"))
        with self.serving(base):
            code, page = request(link)
            self.assertEqual(code, 200)
            self.assertIn('<html lang="fr">', page)
            self.assertIn("Se désabonner</button>", page)
            code, page = request(link, post=True)
            self.assertIn("Vous ne recevrez plus de messages", page)
            self.assertIn("Ce lien ne désabonne personne",
                          request(link, post=True)[1])


    def test_check_config(self):
        s = self.servers
        blocker = s.path("file-%s" % self.db)
        with open(blocker, "w") as f:
            f.write("x\n")
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "status": {"dir": blocker, "base_url": "ftp://status.example",
                       "components": "api, a/b, API, " + "c" * 41,
                       "title": "t" * 201, "auto_incident_p1": "maybe",
                       "colour": "red"}},
            raw="[status]\ndir = x\nbase_url = https://x.example\n"
                "[status other]\ndir = y\n")
        r = s.guichet("check-config", expect=78)
        out = r.stdout + r.stderr
        for want in ("components: \"a/b\": a component's name",
                     "components: \"API\" given twice",
                     "components: \"" + "c" * 41 + "\"",
                     "title: at most 200 bytes", "auto_incident_p1",
                     "unknown key \"colour\" in [status]",
                     "base_url", "section [status] given twice",
                     "[status] takes no name",
                     "dir: %s: not a folder" % blocker):
            self.assertIn(want, out)
        lines = [line for line in out.splitlines()
                 if "guichet.conf:" in line]
        self.assertEqual(len(lines), 10, out)
        self.assertTrue(all(re.match(r"\S*guichet.conf:\d+: ", line)
                            for line in lines), out)
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "status": {"title": "x"}})
        r = s.guichet("check-config", expect=78)
        self.assertIn("[status]: missing key \"dir\"", r.stdout + r.stderr)
        self.assertNotIn("base_url", r.stdout + r.stderr)

    def test_without_base_url(self):
        # [status] with its folder alone, as in the design's example:
        # the page and its JSON, no feed (its ids are absolute URLs),
        # and mails to subscribers that name no page
        s = self.servers
        self.configure(base_url=None)
        s.guichet("check-config")
        s.guichet("status", "subscribe", "ann@sub.example", now=T0)
        number = self.open_ticket()
        s.smtp.clear()
        self.agent_reply(number, "#incident [web] Web is slow\n")
        self.assertEqual(sorted(self.files()), ["index.html", "status.json"])
        self.assertIsNone(self.json()["base_url"])
        self.assertEqual([i["title"] for i in self.json()["incidents"]],
                         ["Web is slow"])
        dom = self.page()
        self.assertIn("Web is slow", dom)
        self.assertNotIn("feed.atom", dom)
        ann, = self.sent("ann@sub.example")
        body = self.body(ann)
        self.assertIn("Web is slow", body)
        self.assertNotIn("http", body)
        self.assertIn("unsubscribe", body.lower())


if __name__ == "__main__":
    unittest.main()
