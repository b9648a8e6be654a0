"""Restricted access by queue: an agent of another queue learns nothing
of a ticket, and the security queue's mails to agents carry no text.

Two mailboxes (support@ -> queue support, security@ -> queue security),
agents of each queue, and every mail path that reaches agents: the new
ticket's notification, a customer's follow-up, an agent's reply relayed
(the other agents are told), a #command's answer, and the escalation
route, whose escalation_to names an agent of another queue. Then the
forged identities: an agent of the support queue writing into a
security thread (with the proof of our MTA) and a customer quoting
another reporter's ticket.
"""

import json
import re
import unittest

from desk_case import DeskCase, T0
SECRET = "SECRET-7f3a-the-exploit-text"
FILE_SECRET = "FILESECRET-91c2"
SUBJ = "XSS-in-login-SUBJ"


def mail(subject, body, mid, sender="Rita Ray <rita@reporter.example>",
         to="security@example.com", in_reply_to=None, extra="",
         attach=None):
    h = "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n" % (
        sender, to, subject, mid)
    if in_reply_to:
        h += "In-Reply-To: %s\r\nReferences: %s\r\n" % (in_reply_to,
                                                         in_reply_to)
    h += extra + "MIME-Version: 1.0\r\n"
    body = body.replace("\n", "\r\n")
    if attach is None:
        return (h + "Content-Type: text/plain; charset=utf-8\r\n\r\n" +
                body).encode()
    name, data = attach
    return (h + 'Content-Type: multipart/mixed; boundary="xx"\r\n\r\n'
            "--xx\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
            body + "\r\n--xx\r\nContent-Type: text/plain\r\n"
            'Content-Disposition: attachment; filename="%s"\r\n\r\n%s\r\n'
            "--xx--\r\n" % (name, data)).encode()


class RestrictedQueue(DeskCase):
    servers_options = {}              # the webhook receiver too

    def setUp(self):
        s = self.servers
        self.db = "rq_" + self._testMethodName[5:][:40].lower()
        self.user = ("r" + self._testMethodName[5:])[:30].lower()
        self.sec = ("s" + self._testMethodName[5:])[:30].lower()
        self.configure()
        s.guichet("migrate")
        s.smtp.clear()
        self.n = 0

    def configure(self, security=None, guichet=None, extra=None):
        s = self.servers
        if self.sec not in s.imap.users():
            s.imap.add_user(self.sec)
        sections = {
            "mailbox security": {
                "url": s.imap.imaps_url, "user": self.sec,
                "password_file": s.imap.password_file(self.sec),
                "address": "security@example.com", "queue": "security",
                "tls_ca_file": s.tls.ca_file},
            "agent alice": {"address": "alice@example.com",
                            "queues": "support", "language": "en"},
            "agent bruno": {"address": "bruno@example.com",
                            "queues": "support"},
            "agent sam": {"address": "sam@example.com",
                          "queues": "security", "language": "en"},
            "queue security": dict({
                "escalation_to": "sam@example.com, alice@example.com, "
                                 "ciso@example.com",
                "webhook_url": s.http.url + "/hooks/security"},
                **(security or {})),
        }
        if guichet:
            sections["guichet"] = guichet
        sections.update(extra or {})
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)

    # -- helpers --------------------------------------------------------

    def deliver(self, raw, user=None, now=T0):
        self.servers.imap.append(user or self.sec, "INBOX", raw)
        return self.servers.guichet("serve", "--once", now=now)

    def whole(self, m):
        return m.as_bytes().decode("utf-8", "replace")

    def report(self):
        r = self.deliver(mail("%s found" % SUBJ, "Hello,\n%s\n" % SECRET,
                              "rep-1@reporter.example",
                              attach=("poc.txt", FILE_SECRET)))
        return re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)

    def notification(self, agent):
        return "<%s>" % self.servers.pg.scalar(
            "SELECT message_id FROM outbox WHERE purpose = 'notify_agent' "
            "AND '%s' = ANY (rcpts) ORDER BY id DESC LIMIT 1" % agent,
            db=self.db)

    def agent_mail(self, number, body, agent, proof=None, extra=""):
        self.n += 1
        raw = mail("Re: [%s] %s found" % (number, SUBJ), body,
                   "agent-%d@example.com" % self.n,
                   sender="%s <%s>" % (agent.split("@")[0], agent),
                   in_reply_to=proof, extra=extra)
        return self.deliver(raw)

    def assert_nothing_to(self, *addresses):
        for a in addresses:
            self.assertEqual(self.sent(a), [], "a mail reached %s" % a)

    def assert_redacted(self, m, number):
        text = self.whole(m)
        self.assertNotIn(SECRET, text)
        self.assertNotIn(FILE_SECRET, text)
        self.assertNotIn(SUBJ, text)
        self.assertNotIn("poc.txt", text)
        self.assertIn(number, m["Subject"])
        self.assertIn(number, text)
        self.assertIn("rita@reporter.example", text)
        self.assertEqual([p for p in m.walk()
                          if p.get_content_disposition() == "attachment"],
                         [])

    # -- every path to agents -------------------------------------------

    def test_every_agent_path(self):
        s = self.servers
        number = self.report()
        t = self.show(number)
        self.assertEqual(t["queue"], "security")
        # the ticket keeps everything
        self.assertIn(SECRET, t["messages"][0]["text"])

        note, = self.sent("sam@example.com")
        self.assert_redacted(note, number)
        self.assert_nothing_to("alice@example.com", "bruno@example.com")

        # a follow-up of the reporter
        self.deliver(mail("Re: [%s] %s found" % (number, SUBJ),
                          "More: %s again\n" % SECRET,
                          "rep-2@reporter.example"))
        notes = self.sent("sam@example.com")
        self.assertEqual(len(notes), 2)
        self.assert_redacted(notes[1], number)
        self.assert_nothing_to("alice@example.com", "bruno@example.com")

        # sam answers (proved by the token of his notification): the
        # reporter gets the text, no other queue's agent hears of it
        s.smtp.clear()
        self.agent_mail(number, "Thanks, we reproduce it: SAM-ANSWER\n",
                        "sam@example.com",
                        proof=self.notification("sam@example.com"))
        to_rita = self.sent("rita@reporter.example")
        self.assertEqual(len(to_rita), 1)
        self.assertIn("SAM-ANSWER", self.whole(to_rita[0]))
        self.assert_nothing_to("alice@example.com", "bruno@example.com")

        # a #command's answer goes to sam only, without the subject
        s.smtp.clear()
        self.agent_mail(number, "#help\n", "sam@example.com",
                        proof=self.notification("sam@example.com"))
        help_, = self.sent("sam@example.com")
        self.assertNotIn(SUBJ, self.whole(help_))
        self.assert_nothing_to("alice@example.com", "bruno@example.com",
                               "rita@reporter.example")

        # escalation: the route names alice too; she is left out
        s.smtp.clear()
        s.http.clear()
        s.guichet("sla", "tick", "--now", "2027-02-01T10:00:00Z")
        s.guichet("serve", "--once", now="2027-02-01T10:00:00Z")
        esc = [m for m in s.smtp.messages()
               if "escalation" in (m["Message-ID"] or "")
               or "SLA" in (m["Subject"] or "")]
        self.assertTrue(esc)
        for m in esc:
            self.assertNotIn("alice@example.com", m["X-RcptTo"])
            self.assertNotIn(SUBJ, self.whole(m))
        self.assertTrue(any("ciso@example.com" in m["X-RcptTo"]
                            for m in esc))
        self.assertTrue(any("sam@example.com" in m["X-RcptTo"]
                            for m in esc))
        self.assert_nothing_to("alice@example.com", "bruno@example.com")
        # the webhook names the ticket, not its subject
        hooks = s.http.wait_for(1)
        for h in hooks:
            self.assertEqual(h.json()["ticket"], number)
            self.assertNotIn(SUBJ, h.body.decode())

    def test_support_queue_unchanged(self):
        # a ticket of the support queue: its agents get the text and the
        # file, the security agent nothing
        r = self.deliver(mail("Printer", "It jams: SUPPORT-TEXT\n",
                              "sup-1@cust.example",
                              sender="Claire <claire@cust.example>",
                              to="support@example.com",
                              attach=("log.txt", "LOG-LINE")),
                         user=self.user)
        self.assertIn("new ticket", r.stderr)
        note, = self.sent("alice@example.com")
        self.assertIn("SUPPORT-TEXT", self.whole(note))
        self.assertEqual([p.get_filename() for p in note.walk()
                          if p.get_content_disposition() == "attachment"],
                         ["log.txt"])
        self.assertIn("Printer", note["Subject"])
        self.assertEqual(len(self.sent("bruno@example.com")), 1)
        self.assert_nothing_to("sam@example.com")

    def test_redact_key(self):
        s = self.servers
        # redact = no: the security queue's agents get the text
        self.configure(security={"redact": "no"})
        number = self.report()
        note, = self.sent("sam@example.com")
        self.assertIn(SECRET, self.whole(note))
        self.assertIn(number, note["Subject"])
        # a bad value is a config error with its line
        self.configure(security={"redact": "maybe"})
        r = s.guichet("check-config", expect=78)
        self.assertRegex(r.stdout + r.stderr,
                         r"guichet\.conf:\d+: redact: \"maybe\" is not "
                         r"yes or no")
        # redact = yes on another queue
        self.configure(security={"redact": "yes"})
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": {"address": "alice@example.com",
                            "queues": "support"},
            "queue support": {"redact": "yes"}})
        s.smtp.clear()
        self.deliver(mail("Printer", "It jams: SUPPORT-TEXT\n",
                          "sup-2@cust.example",
                          sender="Claire <claire@cust.example>",
                          to="support@example.com"), user=self.user)
        note, = self.sent("alice@example.com")
        self.assertNotIn("SUPPORT-TEXT", self.whole(note))

    def test_report_to_support_reaches_the_security_agent(self):
        """The design's own config: one support mailbox, alice on
        "support, security", bruno on support. The default rules send a
        vulnerability report to the security queue; the policy knew only
        the queues of [queue] sections and mailboxes, so the rule was
        ignored and the report stayed in support, its text in every
        support agent's mail, under the support target. With nobody on
        the security queue it still stays where somebody reads it."""
        s = self.servers
        alice = {"address": "alice@example.com", "queues": "support, security",
                 "language": "en"}
        bruno = {"address": "bruno@example.com", "queues": "support"}
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": alice, "agent bruno": bruno})
        r = self.deliver(mail("XSS vulnerability: %s" % SUBJ,
                              "Hello,\n%s\n" % SECRET, "sv-1@reporter.example",
                              to="support@example.com"), user=self.user)
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        t = self.show(number)
        self.assertEqual(t["queue"], "security")
        note, = self.sent("alice@example.com")
        self.assert_redacted(note, number)
        self.assert_nothing_to("bruno@example.com")
        # the security target: acknowledged within 24 business hours
        # (from Thursday 11:00 in Paris: 7 + 9 + 8 hours, Monday 17:00),
        # not the P3 4 business hours of the support queue
        self.assertEqual(t["sla"]["acknowledge"]["target_seconds"], 86400)
        self.assertEqual(t["sla"]["acknowledge"]["due_at"],
                         "2026-11-30T16:00:00Z")
        # a plain mail stays in support
        r = self.deliver(mail("Printer", "It jams\n", "sv-2@cust.example",
                              sender="Claire <claire@cust.example>",
                              to="support@example.com"), user=self.user)
        other = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertEqual(self.show(other)["queue"], "support")
        # nobody on the security queue: the report stays in support
        alice["queues"] = "support"
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": alice, "agent bruno": bruno})
        r = self.deliver(mail("XSS vulnerability again", "Hello\n",
                              "sv-3@reporter.example",
                              to="support@example.com"), user=self.user)
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        t = self.show(number)
        self.assertEqual((t["queue"], "security" in t["tags"]),
                         ("support", True))
        # and `rules test` says why
        path = s.path("sv-4.eml")
        with open(path, "wb") as f:
            f.write(mail("XSS vulnerability", "Hello\n",
                         "sv-4@reporter.example", to="support@example.com"))
        doc = json.loads(s.guichet("rules", "test", path, "--json").stdout)
        self.assertEqual((doc["queue"], doc["queue_ignored"]),
                         ("support", "security"))
        self.assertIn("queue:        support (rule security names queue "
                      "security, which no [queue] section, mailbox or agent "
                      "has)", s.guichet("rules", "test", path).stdout)

    def test_rules_keep_a_report_in_its_queue(self):
        s = self.servers
        rules = s.path("rules-rq.conf")
        with open(rules, "w") as f:
            f.write("[rule billing]\nmatch = text: (?i)invoice\n"
                    "queue = support\n")
        self.configure(extra={"rules": {"file": rules}})
        r = self.deliver(mail("Report", "The invoice page leaks: %s\n" %
                              SECRET, "inv-1@reporter.example"))
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertEqual(self.show(number)["queue"], "security")
        self.assert_nothing_to("alice@example.com")
        # the rule still applies to the support mailbox
        r = self.deliver(mail("Invoice", "Where is my invoice?\n",
                              "inv-2@cust.example",
                              sender="claire@cust.example",
                              to="support@example.com"), user=self.user)
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertEqual(self.show(number)["queue"], "support")

    # -- forged identities ----------------------------------------------

    def test_agent_of_another_queue_is_no_agent_here(self):
        self.configure(guichet={"trusted_authserv_id": "mx.example.com"})
        number = self.report()
        self.servers.smtp.clear()
        # alice's mail, vouched for by our MTA, with a command and a
        # text meant for the reporter
        r = self.agent_mail(number, "#status resolved\nALICE-TEXT\n",
                            "alice@example.com",
                            extra="Authentication-Results: mx.example.com;"
                                  " dkim=pass header.d=example.com\r\n")
        t = self.show(number)
        self.assertEqual(t["status"], "new")
        kinds = [e["kind"] for e in t["events"]]
        self.assertIn("agent_other_queue", kinds)
        self.assertNotIn("status_changed", kinds)
        for m in self.sent("rita@reporter.example"):
            self.assertNotIn("ALICE-TEXT", self.whole(m))
        # she was taken as a stranger: a new ticket, nothing of the
        # report in what she gets
        self.assertIn("new ticket", r.stderr)
        for m in self.sent("alice@example.com"):
            self.assertNotIn(SECRET, self.whole(m))
            self.assertNotIn(FILE_SECRET, self.whole(m))

        # the same with sam's token (a notification she never got)
        self.servers.smtp.clear()
        self.agent_mail(number, "#status resolved\nALICE-AGAIN\n",
                        "alice@example.com",
                        proof=self.notification("sam@example.com"))
        self.assertEqual(self.show(number)["status"], "new")
        for m in self.sent("rita@reporter.example"):
            self.assertNotIn("ALICE-AGAIN", self.whole(m))
        for m in self.sent("alice@example.com"):
            self.assertNotIn(SECRET, self.whole(m))

    def test_customer_cannot_reach_another_report(self):
        number = self.report()
        before = len(self.show(number)["messages"])
        ack = "<%s>" % self.servers.pg.scalar(
            "SELECT message_id FROM outbox WHERE purpose = 'ack' "
            "ORDER BY id LIMIT 1", db=self.db)
        self.servers.smtp.clear()
        # mallory quotes rita's ticket number and answers her ack
        r = self.deliver(mail("Re: [%s] %s found" % (number, SUBJ),
                              "send me the report please\n",
                              "mal-1@evil.example",
                              sender="Mallory <mallory@evil.example>",
                              in_reply_to=ack))
        other = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertNotEqual(other, number)
        got = self.sent("mallory@evil.example")
        self.assertTrue(got)
        for m in got:
            self.assertNotIn(SECRET, self.whole(m))
            self.assertNotIn(FILE_SECRET, self.whole(m))
        self.assertEqual(len(self.show(number)["messages"]), before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
