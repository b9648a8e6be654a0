"""test_hooks.py - a ticket's events POSTed to [webhook NAME] sections.

Through real IMAP, SMTP, PostgreSQL and an HTTP receiver. A chat room
subscribed with the default events follows a ticket's life: created, the
agent's answer, the assignment and the opening it made, the customer's
reply, the resolution and her confirmation, each a signed JSON POST with
the ticket as it stands then; an internal note reaches only a webhook
that asked for it. A webhook of the security queue gets that queue's
tickets only, without their subjects (redacted); a receiver away gets
the event later, once; a receiver that limits us (429, Retry-After) is
waited for as it asks, every webhook to it with it, and none goes dead
of it. Bad sections are refused by check-config.
"""

import hashlib
import hmac
import json
import os
import re
import unittest

from desk_case import DeskCase, T0, at, mail

SECRET = "s" * 16 + "-hook-secret-of-forty-bytes"


class Hooks(DeskCase):
    servers_options = dict()

    def setUp(self):
        self.start_desk("hk")
        s = self.servers
        self.key = s.path("hook-%s.key" % self.user)
        with open(self.key, "w") as f:
            f.write(SECRET + "\n")
        os.chmod(self.key, 0o600)
        s.http.clear()

    def configure(self, hooks, raw=None, **general):
        sections = {
            "guichet": dict({"webhook_secret_file": self.key}, **general),
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin",
                            "queues": "support, security"},
        }
        sections.update(hooks)
        return self.servers.write_config(dbname=self.db,
                                         mailbox_user=self.user,
                                         sections=sections, raw=raw)

    def posts(self, path):
        out = []
        for req in self.servers.http.requests():
            if req.path != path:
                continue
            ts = req.headers["X-Guichet-Timestamp"]
            want = hmac.new(SECRET.encode(), ts.encode() + b"." + req.body,
                            hashlib.sha256).hexdigest()
            self.assertEqual(req.headers["X-Guichet-Signature"],
                             "sha256=" + want)
            out.append(req.json())
        return out

    def answer(self, number, text, n):
        return self.deliver(mail(
            "Re: [%s] Export vide" % number, text, "hk-a%d@example.com" % n,
            sender="Alice Martin <alice@example.com>",
            in_reply_to=self.notification("alice@example.com", number)))

    def test_a_tickets_life_reaches_the_webhook(self):
        s = self.servers
        url = s.http.url
        self.configure({
            "webhook chat": {"url": url + "/chat"},
            "webhook audit": {"url": url + "/audit", "events": "all",
                              "queues": "support"}})
        number = self.open_ticket("Export vide", "The export is empty.\n",
                                  "hk-1@cust.example")
        created, = self.posts("/chat")
        self.assertEqual(
            {k: created[k] for k in ("event", "ticket", "queue", "status",
                                     "priority", "subject", "redacted",
                                     "requester", "assignee", "actor",
                                     "at")},
            {"event": "created", "ticket": number, "queue": "support",
             "status": "new", "priority": "P3", "subject": "Export vide",
             "redacted": False, "requester": "claire@cust.example",
             "assignee": None, "actor": "claire@cust.example", "at": T0})
        self.assertEqual(created["data"]["message_id"], "hk-1@cust.example")

        self.answer(number, "#assign me\nWe are looking.\n", 1)
        self.deliver(mail("Re: [%s] Export vide" % number, "Still empty.\n",
                          "hk-2@cust.example"))
        self.answer(number, "#internal\n#time 20m\nProbably the cron.\n", 2)
        self.answer(number, "#resolve\nFixed by the new release.\n", 3)
        self.deliver(mail("Re: [%s] Export vide" % number,
                          "Merci, c'est réglé.\n", "hk-3@cust.example"))
        chat = self.posts("/chat")
        self.assertEqual([(p["event"], p["status"]) for p in chat], [
            ("created", "new"),
            ("agent_reply", "new"), ("assigned", "new"),
            ("status_changed", "open"),
            ("message_received", "open"),
            ("agent_reply", "open"), ("status_changed", "resolved"),
            ("message_received", "resolved"), ("validated", "closed")])
        self.assertEqual(chat[2]["data"], {"assignee": "alice"})
        self.assertEqual(chat[2]["assignee"], "alice")
        self.assertEqual(chat[6]["data"], {"from": "open", "to": "resolved"})
        self.assertTrue(all(p["ticket"] == number for p in chat))
        # the note reached the audit webhook only, with everything else
        audit = [p["event"] for p in self.posts("/audit")]
        self.assertIn("internal_note", audit)
        self.assertNotIn("internal_note", [p["event"] for p in chat])
        spent = [p for p in self.posts("/audit") if p["event"] ==
                 "time_spent"]
        self.assertEqual([(p["actor"], p["data"]) for p in spent],
                         [("alice", {"minutes": 20, "total": 20})])
        self.assertTrue(set(p["event"] for p in chat) <= set(audit))
        # each POST its own delivery, never twice
        ids = [r.headers["X-Guichet-Delivery"] for r in s.http.requests()]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(int(s.pg.scalar(
            "SELECT count(*) FROM outbox WHERE purpose = 'ticket_event' "
            "AND status <> 'sent'", db=self.db)), 0)

    def test_a_customer_back_and_a_customer_reminded(self):
        """followed_up (a mail to a ticket closed long ago opened a new
        one), pending_reminded and reopened (from closed) reach the
        webhooks that ask for them."""
        s = self.servers
        self.configure({"webhook back": {
            "url": s.http.url + "/back",
            "events": "reopened, followed_up, pending_reminded"},
            "sla": {"pending_remind_after": "3d"}})
        number = self.open_ticket("Export vide", "Hello.\n",
                                  "hk-40@cust.example")
        s.guichet("ticket", "reply", number, "--as", "alice", now=at(0, 1),
                  input="#status pending\nThe log, please?\n")
        s.guichet("sla", "tick", "--now", at(3, 2))
        s.guichet("ticket", "reply", number, "--as", "alice", now=at(4),
                  input="#close\n")
        self.deliver(mail("Re: [%s] Export vide" % number, "Empty "
                          "again.\n", "hk-41@cust.example"), now=at(5))
        s.guichet("ticket", "reply", number, "--as", "alice", now=at(6),
                  input="#close\n")
        r = self.deliver(mail("Re: [%s] Export vide" % number, "And "
                              "again.\n", "hk-42@cust.example"), now=at(30))
        new = re.search(r"new ticket (\S+)", r.stderr).group(1)
        got = [(p["event"], p["ticket"], p["data"])
               for p in self.posts("/back")]
        self.assertEqual(got, [
            ("pending_reminded", number, {}),
            ("reopened", number, {"from": "closed", "to": "open"}),
            ("followed_up", number, {"new_ticket": new})])

    def test_an_answer_held(self):
        """answer_held: Bruno answered first, Alice's answer to the same
        notification is held; the webhook that asks hears who and when."""
        s = self.servers
        self.configure({"webhook held": {"url": s.http.url + "/held",
                                         "events": "answer_held"},
                        "agent bruno": {"address": "bruno@example.com",
                                        "name": "Bruno Petit",
                                        "queues": "support"}})
        number = self.open_ticket("Export vide", "Hello.\n",
                                  "hk-50@cust.example")
        alice_saw = self.notification("alice@example.com", number)
        self.deliver(mail("Re: [%s] Export vide" % number, "Bruno here.\n",
                          "hk-b50@example.com",
                          sender="Bruno Petit <bruno@example.com>",
                          in_reply_to=self.notification("bruno@example.com",
                                                        number)),
                     now=at(0, 1))
        self.assertEqual(self.posts("/held"), [])
        self.deliver(mail("Re: [%s] Export vide" % number, "Alice here.\n",
                          "hk-a50@example.com",
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to=alice_saw), now=at(0, 2))
        got = [(p["event"], p["ticket"], p["actor"], p["data"])
               for p in self.posts("/held")]
        self.assertEqual(got, [("answer_held", number, "alice", {
            "message_id": "hk-a50@example.com", "first": "bruno",
            "answered_at": at(0, 1)})])

    def test_language_changed(self):
        """language_changed: an agent's #language, from and to; the
        language guessed for a new ticket is no event."""
        s = self.servers
        self.configure({"webhook lang": {"url": s.http.url + "/lang",
                                         "events": "language_changed"}})
        number = self.open_ticket("Export vide", "Hello, the export of "
                                  "our invoices is empty, could you "
                                  "help?\n", "hk-60@cust.example")
        self.assertEqual(self.posts("/lang"), [])
        self.deliver(mail("Re: [%s] Export vide" % number,
                          "#language fr\nBonjour.\n", "hk-a60@example.com",
                          sender="Alice Martin <alice@example.com>",
                          in_reply_to=self.notification("alice@example.com",
                                                        number)),
                     now=at(0, 1))
        got = [(p["event"], p["ticket"], p["actor"], p["data"])
               for p in self.posts("/lang")]
        self.assertEqual(got, [("language_changed", number, "alice",
                                {"from": "en", "to": "fr"})])

    def test_queues_redaction_and_a_receiver_away(self):
        s = self.servers
        url = s.http.url
        self.configure({"webhook sec": {"url": url + "/sec",
                                        "queues": "security",
                                        "events": "created"}})
        self.open_ticket("Export vide", "Hello.\n", "hk-10@cust.example")
        self.assertEqual(self.posts("/sec"), [])
        # the receiver fails twice: the event waits and goes once
        s.http.fail_next(2, 503)
        report = self.open_ticket("XSS vulnerability in the login page",
                                  "<script>alert(1)</script>\n",
                                  "hk-11@research.example")
        status = "SELECT status FROM outbox WHERE purpose = 'ticket_event'"
        self.assertEqual(s.pg.scalar(status, db=self.db), "pending")
        for minutes in (2, 10, 30):
            s.guichet("serve", "--once",
                      now=T0.replace("10:00", "10:%02d" % minutes))
        self.assertEqual(s.pg.scalar(status, db=self.db), "sent")
        tries = self.posts("/sec")      # the two refused, then taken
        self.assertEqual(len(tries), 3)
        self.assertEqual(len({r.headers["X-Guichet-Delivery"] for r in
                              s.http.requests()}), 1)
        got = tries[-1]
        self.assertEqual((got["ticket"], got["queue"], got["subject"],
                          got["redacted"]), (report, "security", None, True))
        self.assertNotIn("XSS", json.dumps(tries))
        self.assertNotIn("script", json.dumps(tries))

    def test_a_receiver_that_limits_us(self):
        """A chat service that answers 429 with Retry-After: the webhook
        tried and every other one to it wait what it asked, not posted
        meanwhile, no attempt counted (none goes dead, with
        outbox_max_attempts 2); then each goes once. A 429 without the
        header waits our backoff; a Retry-After past outbox_retry_max
        waits that much; a 503 with the header is the same word."""
        s = self.servers
        url = s.http.url
        self.configure({"webhook chat": {"url": url + "/chat",
                                         "events": "created"}},
                       outbox_max_attempts="2")
        pending = ("SELECT string_agg(attempts || ' ' || status || ' ' || "
                   "extract(epoch FROM next_attempt_at - '%s')::int, ',' "
                   "ORDER BY id) FROM outbox WHERE purpose = "
                   "'ticket_event' AND status <> 'sent'")
        s.http.limit(0, {"Retry-After": "120"})
        for i in range(4):
            s.imap.append(self.user, "INBOX", mail(
                "Export vide %d" % i, "Hello.\n", "hk-5%d@cust.example" % i))
        r = s.guichet("serve", "--once", now=T0)
        self.assertIn("the receiver limits us; 4 webhook(s) to it wait "
                      "120s", r.stderr)
        self.assertEqual(len(s.http.requests()), 1)
        self.assertEqual(s.pg.scalar(pending % T0, db=self.db),
                         ",".join(["0 pending 120"] * 4))
        # before the time it asked: nothing posted
        s.guichet("serve", "--once", now=at(0, seconds=100))
        self.assertEqual(len(s.http.requests()), 1)
        # after it, the limit lifted: each once
        s.http.limit(None)
        s.guichet("serve", "--once", now=at(0, seconds=121))
        got = self.posts("/chat")
        self.assertEqual(len(got), 5)
        self.assertEqual(sorted(p["ticket"] for p in got[1:]),
                         sorted({p["ticket"] for p in got}))
        self.assertEqual(s.pg.scalar(pending % T0, db=self.db), None)

        # a 429 without Retry-After: our backoff (outbox_retry_base, 30 s
        # for an event never tried); one past outbox_retry_max (1 h):
        # an hour; a 503 with the header: what it says
        for headers, wait in (({}, 30), ({"Retry-After": "86400"}, 3600)):
            s.http.clear()
            s.http.limit(0, headers)
            now = at(1)
            self.deliver(mail("Export vide %d" % wait, "Hello.\n",
                              "hk-6%d@cust.example" % wait), now=now)
            self.assertEqual(s.pg.scalar(pending % now, db=self.db),
                             "0 pending %d" % wait)
            s.http.limit(None)
            s.guichet("serve", "--once", now=at(1, seconds=wait + 1))
            self.assertEqual(s.pg.scalar(pending % now, db=self.db), None)
        s.http.clear()
        s.http.limit(0, {"Retry-After": "45"}, status=503)
        now = at(2)
        self.deliver(mail("Export vide 503", "Hello.\n",
                          "hk-70@cust.example"), now=now)
        self.assertEqual(s.pg.scalar(pending % now, db=self.db),
                         "0 pending 45")

    def test_a_receiver_that_never_lifts_its_limit(self):
        """A receiver that limits us for more than a day is down under
        another name: a webhook queued a day ago is given up (dead, with
        "delivery_failed") at its next 429, as one out of attempts would
        be; a younger one to the same receiver keeps waiting; `outbox
        retry --dead` sends it once the limit lifts."""
        s = self.servers
        self.configure({"webhook chat": {"url": s.http.url + "/chat",
                                         "events": "created"}},
                       outbox_max_attempts="2")
        # (the escalations' webhooks, to another path of the same
        # receiver, are limited too: left out)
        rows = ("SELECT string_agg(attempts || ' ' || status, ',' ORDER BY "
                "id) FROM outbox WHERE purpose = 'ticket_event' AND url "
                "LIKE '%/chat'")
        s.http.limit(0, {"Retry-After": "3600"})
        first = self.open_ticket("Export vide", "Hello.\n",
                                 "hk-80@cust.example")
        s.guichet("serve", "--once", now=at(0, hours=12))
        self.assertEqual([r.path for r in s.http.requests()
                          if r.path == "/chat"], ["/chat"] * 2)
        self.deliver(mail("Export vide 2", "Hello.\n",
                          "hk-81@cust.example"), now=at(0, hours=13))
        self.assertEqual(s.pg.scalar(rows, db=self.db),
                         "0 pending,0 pending")
        # a day after the first was queued: given up; the second waits
        r = s.guichet("serve", "--once", now=at(1, seconds=1))
        self.assertIn("the receiver still limits us 86401s after the "
                      "event, longer than a webhook waits (86400s): given "
                      "up", r.stderr)
        self.assertEqual(s.pg.scalar(rows, db=self.db),
                         "1 dead,0 pending")
        self.assertIn("delivery_failed", self.kinds(first))
        # the limit lifted: the one waiting goes; the one given up goes
        # again when asked
        s.http.limit(None)
        s.http.clear()
        s.guichet("serve", "--once", now=at(1, hours=2))
        self.assertEqual(len(self.posts("/chat")), 1)
        self.assertEqual(s.pg.scalar(rows, db=self.db), "1 dead,1 sent")
        r = s.guichet("outbox", "retry", "--dead", "--kind", "webhook",
                      now=at(1, hours=2))
        self.assertIn("1 dead row(s) pending again", r.stdout)
        s.guichet("serve", "--once", now=at(1, hours=2))
        got = [p["ticket"] for p in self.posts("/chat")]
        self.assertEqual(len(got), 2)
        self.assertEqual(got[1], first)
        self.assertNotEqual(got[0], first)
        self.assertEqual(s.pg.scalar(
            "SELECT string_agg(status, ',' ORDER BY id) FROM outbox WHERE "
            "purpose = 'ticket_event' AND url LIKE '%/chat'", db=self.db),
            "sent,sent")

    def test_a_receiver_down_longer_than_the_retries(self):
        """The events given up while the receiver was down go again with
        one `outbox retry --dead --kind webhook`, each once, with its
        delivery id; mails, rows let go and other kinds stay as they
        were; bad calls refused."""
        s = self.servers
        url = s.http.url
        self.configure({"webhook chat": {"url": url + "/chat",
                                         "events": "created"}},
                       outbox_max_attempts="2")
        s.http.fail_next(100, 503)
        numbers = [self.open_ticket("Export vide", "Hello.\n",
                                    "hk-3%d@cust.example" % i)
                   for i in range(3)]
        for minutes in (5, 30, 59):
            s.guichet("serve", "--once",
                      now=T0.replace("10:00", "10:%02d" % minutes))
        dead = "SELECT count(*) FROM outbox WHERE purpose = " \
               "'ticket_event' AND status = 'dead'"
        self.assertEqual(s.pg.scalar(dead, db=self.db), "3")
        ids = s.pg.scalar("SELECT string_agg(id::text, ',' ORDER BY id) "
                          "FROM outbox WHERE purpose = 'ticket_event'",
                          db=self.db).split(",")
        # one given up long ago, its content let go: not sent again
        s.pg.psql("UPDATE outbox SET data = '' WHERE id = %s" % ids[0],
                  db=self.db)
        s.http.clear()
        later = "2026-11-26T12:00:00Z"
        r = s.guichet("outbox", "retry", "--dead", "--kind", "mail",
                      now=later)
        self.assertIn("0 dead row(s) pending again", r.stdout)
        r = s.guichet("outbox", "retry", "--dead", "--since",
                      "2026-11-27T00:00:00Z", now=later)
        self.assertIn("0 dead row(s)", r.stdout)
        self.assertEqual(s.pg.scalar(dead, db=self.db), "3")
        r = s.guichet("outbox", "retry", "--dead", "--kind", "webhook",
                      "--since", "2026-11-26T09:00:00Z", now=later)
        self.assertIn("2 dead row(s) pending again", r.stdout)
        s.guichet("serve", "--once", now=later)
        got = [(p["ticket"], p["event"]) for p in self.posts("/chat")]
        self.assertEqual(sorted(got), [(n, "created") for n in
                                       sorted(numbers[1:])])
        self.assertEqual(sorted(r.headers["X-Guichet-Delivery"] for r in
                                s.http.requests()), sorted(ids[1:]))
        for n in numbers[1:]:
            self.assertIn("outbox_retry", self.kinds(n))
        self.assertNotIn("outbox_retry", self.kinds(numbers[0]))
        r = s.guichet("outbox", "retry", "--dead", now=later)
        self.assertIn("0 dead row(s)", r.stdout)
        for bad in (["--kind", "fax"], ["--since", "yesterday"],
                    ["--kind"], ["--dead"], ["--since", "0"],
                    ["--kind", "mail", "--kind", "webhook"], ["-x"]):
            s.guichet("outbox", "retry", "--dead", *bad, expect=64)

    def test_bad_sections(self):
        s = self.servers
        for hooks, raw, word in (
                ({}, "[webhook]\nurl = http://127.0.0.1:9/x\n",
                 "needs a name"),
                ({"webhook a": {"events": "created"}}, None, "url"),
                ({"webhook a": {"url": "ftp://127.0.0.1/x"}}, None, "url"),
                ({"webhook a": {"url": "http://127.0.0.1:9/x",
                                "events": "created, nonsense"}}, None,
                 "nonsense"),
                ({"webhook a": {"url": "http://127.0.0.1:9/x",
                                "queues": "suport"}}, None,
                 "no queue \"suport\""),
                ({"webhook a": {"url": "http://127.0.0.1:9/x",
                                "colour": "red"}}, None, "colour"),
                ({"webhook a": {"url": "http://127.0.0.1:9/x"}},
                 "[webhook a]\nurl = http://127.0.0.1:9/y\n",
                 "given twice")):
            self.configure(hooks, raw=raw)
            r = s.guichet("check-config", expect=78)
            self.assertRegex(r.stdout, r"guichet\.conf:\d+: .*" +
                             re.escape(word))
        # none: nothing queued but our mails
        self.configure({})
        self.open_ticket("Export vide", "Hello.\n", "hk-20@cust.example")
        self.assertEqual(s.pg.scalar(
            "SELECT count(*) FROM outbox WHERE kind = 'webhook'",
            db=self.db), "0")


if __name__ == "__main__":
    unittest.main()
