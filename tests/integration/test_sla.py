"""test_sla.py - qualification, SLA timers and escalation, end to end.

A mail that a rule makes P1, from an Enterprise customer's domain, at
night: a scheduler tick 10 minutes later sends nothing, 13 minutes later
a warning mail, 16 minutes later a breach mail and a webhook POST (to a
local HTTP receiver), and a further tick nothing new. A Basic P3 mail
sent on a Friday at 17:00 Paris time is due for acknowledgement on
Monday at 12:00. Also: `rules test` stores nothing, `customers import`
is idempotent and names bad lines, a priority change recomputes from
the creation, and pending stops the clock.
"""

import calendar
import hashlib
import hmac
import json
import os
import re
import time
import unittest

import guichet_harness as gh

T0 = "2026-11-28T02:00:00Z"        # Saturday 03:00 in Paris


def at(minutes, base=T0):
    import datetime
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%SZ")
    t += datetime.timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def mail(subject, sender, mid, body="Hello.\n"):
    return ("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n"
            "Message-ID: <%s>\r\n\r\n%s" % (sender, subject, mid,
                                             body.replace("\n", "\r\n"))
            ).encode()


class Sla(gh.ServersTestCase):

    def setUp(self):
        s = self.servers
        self.db = "sla_" + self._testMethodName[5:][:40].lower()
        self.user = ("a" + self._testMethodName[5:])[:30].lower()
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "queue support": {
                "escalation_to": "oncall@example.com, lead@example.com",
                "webhook_url": s.http.url + "/hooks/support"},
            "organisation acme": {"domains": "acme.example",
                                  "plan": "Enterprise"},
        })
        s.guichet("migrate")
        s.smtp.clear()
        s.http.clear()

    def deliver(self, raw, now):
        self.servers.imap.append(self.user, "INBOX", raw)
        r = self.servers.guichet("serve", "--once", now=now)
        return re.search(r"new ticket (\S+)", r.stderr).group(1)

    def show(self, number):
        return json.loads(self.servers.guichet("ticket", "show", number,
                                               "--json").stdout)

    def tick(self, now):
        out = self.servers.guichet("sla", "tick", "--now", now).stdout
        # deliver what the tick queued
        self.servers.guichet("serve", "--once", now=now)
        return dict(l.split() for l in out.splitlines())

    def escalations(self):
        return [m for m in self.servers.smtp.messages()
                if "escalation" in (m["Message-ID"] or "") or
                "SLA" in (m["Subject"] or "")]

    def test_enterprise_p1_warning_then_breach(self):
        s = self.servers
        number = self.deliver(mail("Production down: nothing works",
                                   "Ops <ops@acme.example>",
                                   "p1@acme.example"), T0)
        t = self.show(number)
        self.assertEqual(t["priority"], "P1")
        self.assertEqual(t["plan"], "Enterprise")
        ack = t["sla"]["acknowledge"]
        self.assertEqual(ack["due_at"], at(15))       # 24/7 for Enterprise
        self.assertEqual(ack["warn_at"], at(12))
        self.assertIsNone(ack["met_at"])
        # the agents' mail of a P1 is flagged in their mail client; the
        # customer's acknowledgement is not
        ack_mail, = [m for m in s.smtp.messages()
                     if "ops@acme.example" in m["X-RcptTo"]]
        note, = [m for m in s.smtp.messages()
                 if "alice@example.com" in m["X-RcptTo"]]
        self.assertEqual((note["Importance"], note["X-Priority"]),
                         ("high", "1 (Highest)"))
        self.assertIsNone(ack_mail["Importance"])
        self.assertIsNone(ack_mail["X-Priority"])
        s.smtp.clear()

        self.assertEqual(self.tick(at(10))["warnings"], "0")
        self.assertEqual(self.escalations(), [])
        self.assertEqual(s.http.requests(), [])

        r = self.tick(at(13))
        self.assertEqual((r["warnings"], r["breaches"]), ("1", "0"))
        warn = self.escalations()
        self.assertEqual(len(warn), 1)
        self.assertEqual(warn[0]["Importance"], "high")
        self.assertIn(number, warn[0]["Subject"])
        self.assertIn("oncall@example.com", warn[0]["To"])
        self.assertIn("lead@example.com", warn[0]["To"])
        # the time as agents read it: the support's zone, not UTC (the
        # webhook below keeps UTC, for programs)
        text = warn[0].get_body(("plain",)).get_content()
        self.assertIn("2026-11-28 03:15 (Europe/Paris)", warn[0]["Subject"])
        self.assertIn("2026-11-28 03:15 (Europe/Paris)", text)
        self.assertNotIn(at(15), text + warn[0]["Subject"])
        self.assertIsNotNone(self.show(number)["sla"]["acknowledge"]
                             ["warned_at"])
        s.smtp.clear()
        s.http.clear()

        r = self.tick(at(16))
        self.assertEqual((r["warnings"], r["breaches"]), ("0", "1"))
        breach, = self.escalations()
        self.assertIn(number, breach["Subject"])
        self.assertRegex(breach["Subject"].upper(), "BREACH|DÉPASSÉ")
        self.assertEqual((breach["Importance"], breach["X-Priority"]),
                         ("high", "1 (Highest)"))
        req, = s.http.wait_for(1)
        self.assertEqual(req.path, "/hooks/support")
        body = req.json()
        self.assertEqual(body["ticket"], number)
        self.assertEqual(body["due_at"], at(15))
        # unsigned without webhook_secret_file; its delivery named
        self.assertIsNone(req.headers.get("X-Guichet-Signature"))
        self.assertRegex(req.headers.get("X-Guichet-Delivery"), r"^\d+$")
        self.assertEqual(body["timer"], "acknowledge")
        self.assertEqual(body["event"], "sla_breach")
        kinds = [e["kind"] for e in self.show(number)["events"]]
        self.assertEqual(kinds.count("sla_warning"), 1)
        self.assertEqual(kinds.count("sla_breach"), 1)
        s.smtp.clear()
        s.http.clear()

        # nothing fires twice, and a restart changes nothing
        r = self.tick(at(20))
        self.assertEqual((r["warnings"], r["breaches"]), ("0", "0"))
        self.assertEqual(self.escalations(), [])
        self.assertEqual(s.http.requests(), [])

    def test_operator_x_priority_kept_on_a_p1(self):
        """An operator's template that writes its own X-Priority keeps
        it, once; Importance is added beside it."""
        s = self.servers
        tpl = s.path("tpl_" + self.db)
        src = os.path.join(os.environ["GUICHET_SOURCE_DIR"], "conf",
                           "templates")
        for lang in ("en", "fr"):
            os.makedirs(os.path.join(tpl, lang), exist_ok=True)
            with open(os.path.join(src, lang, "notify_agent.txt")) as f:
                head, body = f.read().split("\n", 1)
            with open(os.path.join(tpl, lang, "notify_agent.txt"),
                      "w") as f:
                f.write(head + "\nX-Priority: 2 (High)\n" + body)
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"templates_dir": tpl},
            "organisation acme": {"domains": "acme.example",
                                  "plan": "Enterprise"}})
        self.deliver(mail("Production down: nothing works",
                          "Ops <ops@acme.example>", "p1t@acme.example"), T0)
        note, = [m for m in s.smtp.messages()
                 if "alice@example.com" in m["X-RcptTo"]]
        self.assertEqual(note.get_all("X-Priority"), ["2 (High)"])
        self.assertEqual(note.get_all("Importance"), ["high"])

    def test_basic_p3_friday_evening(self):
        number = self.deliver(mail("Question about invoices",
                                   "Bob <bob@small.example>",
                                   "p3@small.example"),
                              "2026-11-27T16:00:00Z")   # Friday 17:00 Paris
        t = self.show(number)
        self.assertEqual((t["priority"], t["plan"]), ("P3", "Basic"))
        # a P3's notification is not flagged
        note, = [m for m in self.servers.smtp.messages()
                 if "alice@example.com" in m["X-RcptTo"]]
        self.assertIsNone(note["Importance"])
        self.assertIsNone(note["X-Priority"])
        # 1 business hour on Friday, 3 on Monday from 09:00 Paris
        self.assertEqual(t["sla"]["acknowledge"]["due_at"],
                         "2026-11-30T11:00:00Z")
        self.assertIn("resolve", t["sla"])
        self.assertNotIn("workaround", t["sla"])       # none for P3

    def test_defaults_are_the_policys(self):
        # no rule matches and the sender has no organisation: priority
        # and plan are [sla] default_priority and default_plan
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "sla": {"default_priority": "P2", "default_plan": "pro"}})
        number = self.deliver(mail("Question about invoices",
                                   "Bob <bob@small.example>",
                                   "dflt@small.example"),
                              "2026-11-27T09:00:00Z")
        t = self.show(number)
        self.assertEqual((t["priority"], t["plan"]), ("P2", "Pro"))
        # and `rules test` says the same, from the same policy
        path = s.path("dflt.eml")
        with open(path, "wb") as f:
            f.write(mail("Another question", "Eve <eve@small.example>",
                         "dflt2@small.example"))
        doc = json.loads(s.guichet("rules", "test", path, "--json",
                                   now=T0).stdout)
        self.assertEqual((doc["priority"], doc["plan"]), ("P2", "Pro"))

    def test_priority_change_and_pause(self):
        s = self.servers
        number = self.deliver(mail("Question about invoices",
                                   "Bob <bob@small.example>",
                                   "q@small.example"),
                              "2026-11-30T08:00:00Z")   # Monday 09:00 Paris
        self.assertEqual(self.show(number)["sla"]["resolve"]["due_at"],
                         "2026-12-04T17:00:00Z")   # 5 x 9 h: Friday 18:00
        notify = s.pg.scalar("SELECT message_id FROM outbox WHERE purpose "
                             "= 'notify_agent' ORDER BY id LIMIT 1",
                             db=self.db)
        s.imap.append(self.user, "INBOX", (
            "From: Alice <alice@example.com>\r\nTo: support@example.com\r\n"
            "Subject: Re: [%s] x\r\nMessage-ID: <a1@example.com>\r\n"
            "In-Reply-To: <%s>\r\n\r\n#priority P2\r\n#status pending\r\n"
            "Which invoice?\r\n" % (number, notify)).encode())
        s.guichet("serve", "--once", now="2026-11-30T09:00:00Z")
        t = self.show(number)
        self.assertEqual(t["priority"], "P2")
        # recomputed from the creation: 2 business days of 9 h
        self.assertTrue(t["sla"]["resolve"]["paused"])
        self.assertIsNone(t["sla"]["resolve"]["due_at"])
        self.assertIsNotNone(t["sla"]["acknowledge"]["met_at"])
        # the customer answers the next day at 09:00 Paris: 1 h had run
        s.imap.append(self.user, "INBOX", mail(
            "Re: [%s] x" % number, "Bob <bob@small.example>",
            "q2@small.example", "Invoice 42.\n"))
        s.guichet("serve", "--once", now="2026-12-01T08:00:00Z")
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        self.assertFalse(t["sla"]["resolve"]["paused"])
        # 18 h - 1 h elapsed = 17 h from Tuesday 09:00: Wednesday 17:00
        self.assertEqual(t["sla"]["resolve"]["due_at"],
                         "2026-12-02T16:00:00Z")

    def test_rules_test_stores_nothing(self):
        s = self.servers
        path = s.path("p1.eml")
        with open(path, "wb") as f:
            f.write(mail("Panne totale de la production",
                         "Ops <ops@acme.example>", "rt@acme.example"))
        r = s.guichet("rules", "test", path, "--json", now=T0)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["priority"], "P1")
        self.assertEqual(doc["plan"], "Enterprise")
        self.assertEqual(doc["organisation"], "acme")
        self.assertEqual(doc["queue"], "support")
        self.assertIsNotNone(doc["rule"]["name"])
        self.assertIn("rules.conf", doc["rule"]["file"])
        self.assertGreater(doc["rule"]["line"], 0)
        self.assertEqual(doc["sla"]["acknowledge"]["due_at"], at(15))
        for k in ("workaround", "resolve", "update"):
            self.assertIn(k, doc["sla"])
        text = s.guichet("rules", "test", path, now=T0).stdout
        self.assertRegex(text, r"priority:\s+P1")
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM tickets",
                                     db=self.db), "0")

    def test_webhooks_are_signed(self):
        """With [guichet] webhook_secret_file, each webhook says who it is
        from: X-Guichet-Signature is the HMAC-SHA256 of the timestamp
        and the body under the secret; a retry keeps X-Guichet-Delivery
        (a receiver that got it twice knows) and is signed anew."""
        s = self.servers
        secret = "k" * 20 + "-webhook-secret-of-40-b"
        path = s.path("hook-%s.key" % self.user)
        with open(path, "w") as f:
            f.write(secret + "\n")
        os.chmod(path, 0o600)
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"webhook_secret_file": path},
            "queue support": {
                "escalation_to": "oncall@example.com",
                "webhook_url": s.http.url + "/hooks/support"},
            "organisation acme": {"domains": "acme.example",
                                  "plan": "Enterprise"},
        })
        number = self.deliver(mail("Production down", "Ops <ops@acme.example>",
                                   "p1s@acme.example"), T0)
        s.http.fail_next(1, 503)
        s.guichet("sla", "tick", "--now", at(13))
        s.guichet("serve", "--once", now=at(13))       # the 503
        s.guichet("serve", "--once", now=at(14))  # the retry
        first, again = s.http.wait_for(2)
        self.assertEqual(first.body, again.body)
        self.assertEqual(first.headers["X-Guichet-Delivery"],
                         again.headers["X-Guichet-Delivery"])
        self.assertEqual(again.headers["X-Guichet-Delivery"], s.pg.scalar(
            "SELECT id FROM outbox WHERE kind = 'webhook'", db=self.db))
        for req, when in ((first, at(13)), (again, at(14))):
            ts = req.headers["X-Guichet-Timestamp"]
            epoch = calendar.timegm(time.strptime(when,
                                                  "%Y-%m-%dT%H:%M:%SZ"))
            self.assertEqual(ts, str(epoch))
            want = hmac.new(secret.encode(), ts.encode() + b"." + req.body,
                            hashlib.sha256).hexdigest()
            self.assertEqual(req.headers["X-Guichet-Signature"],
                             "sha256=" + want)
        self.assertEqual(again.json()["ticket"], number)
        # a body changed on the way does not verify
        forged = hmac.new(secret.encode(), ts.encode() + b"." +
                          again.body.replace(b"sla_warning", b"sla_breach"),
                          hashlib.sha256).hexdigest()
        self.assertNotEqual("sha256=" + forged,
                            again.headers["X-Guichet-Signature"])
        # a secret readable by others, or too short: refused
        os.chmod(path, 0o644)
        r = s.guichet("check-config", expect=78)
        self.assertIn("webhook_secret_file", r.stdout)
        self.assertIn("too open", r.stdout)
        os.chmod(path, 0o600)
        with open(path, "w") as f:
            f.write("short\n")
        r = s.guichet("check-config", expect=78)
        self.assertIn("webhook_secret_file", r.stdout)
        self.assertNotIn("short", r.stdout + r.stderr)

    def test_customers_import(self):
        s = self.servers
        good = s.path("orgs.csv")
        with open(good, "w") as f:
            f.write("name,domains,addresses,plan,language\n"
                    "Globex,globex.example,,Pro,en\n"
                    "\"Initech, Inc.\",initech.example,boss@gmail.example,"
                    "enterprise,fr\n")
        r = s.guichet("customers", "import", good)
        self.assertIn("2 new", r.stdout)
        r = s.guichet("customers", "import", good)
        self.assertIn("0 new, 2 updated", r.stdout)
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM organisations",
                                     db=self.db), "2")
        bad = s.path("bad.csv")
        with open(bad, "w") as f:
            f.write("name,domains,addresses,plan\n"
                    "Ok,ok.example,,Pro\n"
                    "Nope,nope.example,,Platinum\n"
                    "Also,also.example,,Gold\n")
        r = s.guichet("customers", "import", bad, expect=65)
        self.assertIn("bad.csv:3: plan: \"Platinum\"", r.stdout)
        self.assertIn("bad.csv:4: plan: \"Gold\"", r.stdout)
        with open(bad, "w") as f:
            f.write("name,domains,addresses,plan\n"
                    "Ok,ok.example,,Pro\n"
                    "Empty,,,Basic\n")
        r = s.guichet("customers", "import", bad, expect=65)
        self.assertIn("bad.csv:3:", r.stdout)
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM organisations",
                                     db=self.db), "2")
        # the imported plan applies to new mail (address before domain)
        number = self.deliver(mail("Hello", "Boss <boss@gmail.example>",
                                   "b@gmail.example"), T0)
        t = self.show(number)
        self.assertEqual((t["plan"], t["organisation"]),
                         ("Enterprise", "Initech, Inc."))


if __name__ == "__main__":
    unittest.main(verbosity=2)
