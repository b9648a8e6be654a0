"""test_conversation.py - customers and agents talking through Guichet.

Through real IMAP, SMTP and PostgreSQL: agents are notified of new
tickets and customer messages in one thread per ticket; an agent's reply
(authenticated by the token in our notification's Message-ID, or by our
MTA's Authentication-Results) reaches the customer and the participants
without quoted history or #command lines; each command works and is an
event; a bad command is refused with the line named; a forged From: an
agent, or a stranger quoting a ticket number, does not get in; a reply
reopens a resolved ticket, a confirmation closes it, silence closes it
after the delay; merged tickets keep one conversation.
"""

import json
import re
import unittest

import guichet_harness as gh

T0 = "2026-11-26T10:00:00Z"


def mail(subject, body, mid, sender="Claire Dupont <claire@cust.example>",
         to="support@example.com", cc=None, in_reply_to=None, refs=None,
         extra=""):
    h = "From: %s\r\nTo: %s\r\n" % (sender, to)
    if cc:
        h += "Cc: %s\r\n" % cc
    h += "Subject: %s\r\nMessage-ID: <%s>\r\n" % (subject, mid)
    if in_reply_to:
        h += "In-Reply-To: %s\r\n" % in_reply_to
    if refs:
        h += "References: %s\r\n" % refs
    h += extra
    h += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (h + "\r\n" + body.replace("\n", "\r\n")).encode()


class Conversation(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "cv_" + self._testMethodName[5:][:40].lower()
        self.user = ("c" + self._testMethodName[5:])[:30].lower()
        self.configure()
        s.guichet("migrate")
        s.smtp.clear()
        self.n = 0

    def configure(self, **guichet):
        sections = {
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support",
                            "language": "en"},
            "agent bruno": {"address": "bruno@example.com",
                            "name": "Bruno Petit", "queues": "support"},
        }
        if guichet:
            sections["guichet"] = guichet
        self.servers.write_config(dbname=self.db, mailbox_user=self.user,
                                  sections=sections)

    # -- helpers --------------------------------------------------------

    def deliver(self, raw, now=T0):
        self.servers.imap.append(self.user, "INBOX", raw)
        return self.servers.guichet("serve", "--once", now=now)

    def show(self, number):
        return json.loads(self.servers.guichet("ticket", "show", number,
                                               "--json").stdout)

    def sent(self, to=None):
        """Mails in the sink (optionally to one address), oldest first."""
        return [m for m in self.servers.smtp.messages()
                if to is None or m["X-RcptTo"] and to in m["X-RcptTo"]]

    def body(self, m):
        return m.get_body(("plain",)).get_content()

    def kinds(self, t):
        return [e["kind"] for e in t["events"]]

    def open_ticket(self, cc=None):
        r = self.deliver(mail("Question sur l export", "Hello,\n\nThe export "
                              "gives an empty file.\n",
                              "open-1@cust.example", cc=cc))
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        return number

    def notification(self, agent="alice@example.com"):
        mails = self.sent(agent)
        self.assertTrue(mails, "no notification to %s" % agent)
        return mails[-1]

    def agent_reply(self, number, body, agent="alice@example.com",
                    name="Alice Martin", to_notification=True, mid=None,
                    extra="", now=T0):
        self.n += 1
        # the agent answers our last notification to them (as their mail
        # client would: In-Reply-To and References name it)
        n = None
        if to_notification:
            n = "<%s>" % self.servers.pg.scalar(
                "SELECT message_id FROM outbox WHERE purpose = "
                "'notify_agent' AND '%s' = ANY (rcpts) ORDER BY id DESC "
                "LIMIT 1" % agent, db=self.db)
        raw = mail("Re: [%s] Question sur l export" % number, body,
                   mid or "agent-%d@example.com" % self.n,
                   sender="%s <%s>" % (name, agent),
                   in_reply_to=n, refs=n, extra=extra)
        return self.deliver(raw, now=now)

    def customer_reply(self, number, body, now=T0,
                       sender="Claire Dupont <claire@cust.example>"):
        self.n += 1
        return self.deliver(mail("RE: [%s] Question sur l export" % number, body,
                                 "cust-%d@cust.example" % self.n,
                                 sender=sender), now=now)

    # -- the flows ------------------------------------------------------

    def test_notification_and_relayed_reply(self):
        number = self.open_ticket(cc="Bob <bob@cust.example>")
        t = self.show(number)
        self.assertIn("participant_added", self.kinds(t))
        for agent in ("alice@example.com", "bruno@example.com"):
            n = self.notification(agent)
            self.assertIn("[%s]" % number, n["Subject"])
            self.assertEqual(n["Reply-To"], "support@example.com")
            self.assertIn("The export gives an empty file.",
                          self.body(n))
            self.assertRegex(n["Message-ID"], r"^<n-\d+-[a-z2-7]{26}-")
        # alice's notification is in English, bruno's in French (default)
        self.assertIn("Reply to this mail", self.body(
            self.notification("alice@example.com")))
        self.assertIn("Répondez", self.body(
            self.notification("bruno@example.com")))

        self.servers.smtp.clear()
        self.agent_reply(number, "Hello Claire,\n\nWe found the cause and "
                         "deploy a fix tonight.\n\nOn Thu, Claire wrote:\n"
                         "> Hello,\n> The export gives an empty file.\n"
                         "\n-- \nAlice\n")
        upd, = self.sent("claire@cust.example")
        self.assertIn("[%s]" % number, upd["Subject"])
        self.assertIn("Alice Martin", upd["From"])
        self.assertIn("support@example.com", upd["From"])
        self.assertIn("bob@cust.example", upd["Cc"])
        self.assertEqual(upd["In-Reply-To"], "<open-1@cust.example>")
        self.assertIsNone(upd["Auto-Submitted"])
        body = self.body(upd)
        self.assertIn("deploy a fix tonight", body)
        self.assertNotIn("> The export gives", body)
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        agent_msgs = [m for m in t["messages"] if m["author"] == "agent"
                      and m["direction"] == "in"]
        self.assertEqual(len(agent_msgs), 1)
        self.assertIn("agent_reply", self.kinds(t))
        self.assertEqual(self.servers.pg.scalar(
            "SELECT first_response_at IS NOT NULL FROM tickets", db=self.db),
            "t")

        # a customer message notifies the agents in the same thread
        first = "<%s>" % self.servers.pg.scalar(
            "SELECT message_id FROM outbox WHERE purpose = 'notify_agent' "
            "AND 'alice@example.com' = ANY (rcpts) ORDER BY id LIMIT 1",
            db=self.db)
        self.servers.smtp.clear()
        r = self.customer_reply(number, "Thanks, waiting for it.\n")
        self.assertIn("follow-up %s" % number, r.stderr)
        n = self.notification("alice@example.com")
        self.assertIn("Thanks, waiting for it.", self.body(n))
        # threaded under the first notification of the ticket to alice
        self.assertEqual(n["In-Reply-To"], first)
        self.assertNotEqual(n["Message-ID"], first)

    def test_notification_carries_attachments(self):
        raw = (b"From: Claire <claire@cust.example>\r\n"
               b"To: support@example.com\r\nSubject: Logs attached\r\n"
               b"Message-ID: <att@cust.example>\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
               b"--B\r\nContent-Type: text/plain\r\n\r\nSee the log.\r\n"
               b"--B\r\nContent-Type: text/plain; name=app.log\r\n"
               b"Content-Disposition: attachment; filename=app.log\r\n\r\n"
               b"ERROR disk full\r\n--B--\r\n")
        self.deliver(raw)
        n = self.notification("alice@example.com")
        self.assertIn("app.log", self.body(n))          # listed
        files = [p for p in n.iter_attachments()]
        self.assertEqual([f.get_filename() for f in files], ["app.log"])
        self.assertIn(b"ERROR disk full", files[0].get_content().encode()
                      if isinstance(files[0].get_content(), str)
                      else files[0].get_content())
        # past notify_attach_max the file is listed, not attached
        self.configure(notify_attach_max="4")
        self.servers.smtp.clear()
        self.deliver(raw.replace(b"<att@", b"<att2@"))
        n = self.notification("alice@example.com")
        self.assertIn("app.log", self.body(n))
        self.assertEqual(list(n.iter_attachments()), [])

    def test_commands(self):
        number = self.open_ticket()
        self.servers.smtp.clear()
        self.agent_reply(number, "#priority P1\n#assign me\n#status pending"
                         "\n#workaround\n\nPlease send us the log file.\n")
        t = self.show(number)
        self.assertEqual(t["priority"], "P1")
        self.assertEqual(t["status"], "pending")
        kinds = self.kinds(t)
        for k in ("priority_changed", "assigned", "status_changed",
                  "workaround"):
            self.assertIn(k, kinds)
        upd, = self.sent("claire@cust.example")
        body = self.body(upd)
        self.assertIn("Please send us the log file.", body)
        self.assertNotIn("#priority", body)
        self.assertNotIn("#assign", body)
        self.assertEqual(self.servers.pg.scalar(
            "SELECT assignee FROM tickets", db=self.db), "alice")
        # the customer answers: pending ends
        self.customer_reply(number, "Here it is.\n")
        self.assertEqual(self.show(number)["status"], "open")

        # #internal: among agents only (bruno is told, the customer not)
        self.servers.smtp.clear()
        self.agent_reply(number, "#internal\nThe customer runs v1.2, "
                         "known bug.\n")
        self.assertEqual(self.sent("claire@cust.example"), [])
        note = self.notification("bruno@example.com")
        self.assertIn("known bug", self.body(note))
        self.assertEqual(self.sent("alice@example.com"), [])
        self.assertIn("internal_note", self.kinds(self.show(number)))

        # #rca
        self.servers.smtp.clear()
        self.agent_reply(number, "#rca\nRoot cause: a full disk.\n")
        rca, = self.sent("claire@cust.example")
        # the customer's language: her mail's text is English (its
        # subject French), so English (detect_language), not the
        # mailbox's French
        self.assertIn("Root-cause analysis", rca["Subject"])
        self.assertIn("a full disk", self.body(rca))

        # #resolve
        self.servers.smtp.clear()
        self.agent_reply(number, "#resolve\nThe fix is deployed.\n")
        res, = self.sent("claire@cust.example")
        self.assertIn("Resolved", res["Subject"])
        self.assertIn("The fix is deployed.", self.body(res))
        self.assertEqual(self.show(number)["status"], "resolved")

    def test_language_of_the_customer(self):
        # The mailbox's language is French. A customer who writes in
        # English is answered in English; one who writes in French, in
        # French; a mail too short to tell by its words goes by its
        # Content-Language, else the mailbox's; an organisation's
        # language comes first; detect_language = no: the mailbox's.
        s = self.servers
        cases = [
            ("Invoices export", "Hello,\n\nIs there a way to export all "
             "our invoices as a CSV file?\n\nThanks,\nTom\n", "",
             "tom@globex.example", "en"),
            ("Export des factures", "Bonjour,\n\nLa production est "
             "indisponible depuis ce matin.\n\nCordialement\n", "",
             "claire@cust.example", "fr"),
            ("Invoice 42", "See attached.\n",
             "Content-Language: en-US\r\n", "ann@other.example", "en"),
            ("Invoice 43", "See attached.\n", "", "bob@other.example",
             "fr"),
            # words and header disagree: the words
            ("Facture", "Bonjour, je ne trouve pas la facture de novembre "
             "dans votre espace.\n", "Content-Language: en-GB\r\n",
             "eve@other.example", "fr"),
            # the organisation says French, whatever the mail
            ("Question", "Hello, we cannot log in since this morning, "
             "could you help?\n", "", "jo@acme.example", "fr"),
        ]
        self.servers.write_config(
            dbname=self.db, mailbox_user=self.user,
            sections={"agent alice": {"address": "alice@example.com",
                                      "queues": "support"}},
            raw="[organisation acme]\ndomains = acme.example\n"
                "language = fr\n")
        for i, (subject, body, extra, sender, lang) in enumerate(cases):
            s.smtp.clear()
            r = self.deliver(mail(subject, body, "lang-%d@x.example" % i,
                                  sender=sender, extra=extra))
            number = re.search(r"new ticket (SUP-\d+-\d+)",
                               r.stderr).group(1)
            self.assertEqual(s.pg.scalar(
                "SELECT language FROM tickets WHERE number = '%s'" % number,
                db=self.db), lang, (subject, body))
            ack, = self.sent(sender)
            self.assertIn("Hello" if lang == "en" else "Bonjour",
                          self.body(ack), (subject, body))
            # its status in the customer's words, never the code "new"
            self.assertIn("\nStatus: received\n" if lang == "en" else
                          "\nStatut : reçu\n", self.body(ack))
            # agents see it
            self.assertEqual(self.show(number)["language"], lang)
            self.assertIn("\nLanguage:  %s\n" % lang, s.guichet(
                "ticket", "show", number).stdout)
        # an agent sets it: the answer of the same mail and what
        # follows go in that language (jo's ticket, French by its
        # organisation)
        s.smtp.clear()
        self.agent_reply(number, "#language EN\nHere is how to log in.\n")
        answer, = self.sent("jo@acme.example")
        self.assertIn("To answer, reply to this mail", self.body(answer))
        t = self.show(number)
        self.assertEqual(t["language"], "en")
        changed = [e for e in t["events"] if e["kind"] == "language_changed"]
        self.assertEqual(len(changed), 1)
        self.assertEqual((changed[0]["data"]["from"],
                          changed[0]["data"]["to"]), ("fr", "en"))
        # a language we have no templates for: nothing applied, the
        # agent told which line (alice reads the support's French)
        s.smtp.clear()
        self.agent_reply(number, "#language de\nHallo.\n")
        self.assertEqual(self.sent("jo@acme.example"), [])
        told, = self.sent("alice@example.com")
        self.assertIn("ligne 1 : « #language de » : attendu : #language fr "
                      "ou en", self.body(told))
        self.assertEqual(self.show(number)["language"], "en")
        # off: the English mail answered in the mailbox's French
        self.servers.write_config(
            dbname=self.db, mailbox_user=self.user,
            sections={"agent alice": {"address": "alice@example.com",
                                      "queues": "support"},
                      "guichet": {"detect_language": "no"}})
        s.smtp.clear()
        self.deliver(mail("Invoices again", cases[0][1], "lang-off@x.example",
                          sender="tim@globex.example"))
        ack, = self.sent("tim@globex.example")
        self.assertIn("Bonjour", self.body(ack))
        # a bad value is refused, saying which key
        self.servers.write_config(
            dbname=self.db, mailbox_user=self.user,
            sections={"guichet": {"detect_language": "perhaps"}})
        r = s.guichet("check-config", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("detect_language", r.stdout + r.stderr)

    def test_bad_command_refused(self):
        number = self.open_ticket()
        self.servers.smtp.clear()
        self.agent_reply(number, "#priority P1\n#prio P2\nSee you.\n")
        err, = self.sent("alice@example.com")
        self.assertIn("line 2", self.body(err))
        self.assertIn("#prio P2", self.body(err))
        self.assertIn("#priority P1|P2|P3", self.body(err))
        self.assertEqual(self.sent("claire@cust.example"), [])
        t = self.show(number)
        self.assertEqual(t["priority"], "P3")      # nothing applied
        self.assertIn("command_rejected", self.kinds(t))
        self.assertNotIn("priority_changed", self.kinds(t))
        # unknown agent and unknown ticket are refused the same way
        self.servers.smtp.clear()
        self.agent_reply(number, "#assign nobody\nx\n")
        self.assertIn("no agent of that name",
                      self.body(self.sent("alice@example.com")[0]))

    def test_forged_agent_and_stranger(self):
        number = self.open_ticket()
        self.servers.smtp.clear()
        # From: alice, but no token of ours and no trusted verdict
        r = self.agent_reply(number, "#priority P1\n#resolve\nDone.\n",
                             to_notification=False,
                             extra="Authentication-Results: evil.example; "
                                   "dkim=pass header.d=example.com\r\n")
        t = self.show(number)
        self.assertEqual(t["priority"], "P3")
        self.assertEqual(t["status"], "new")
        self.assertIn("agent_unauthenticated", self.kinds(t))
        self.assertIn("stranger_followup", self.kinds(t))
        self.assertIn("new ticket", r.stderr)
        self.assertEqual([m for m in t["messages"]
                          if m["direction"] == "in"].__len__(), 1)
        self.assertFalse(any("Résolu" in m["Subject"]
                             for m in self.sent("claire@cust.example")))
        # a stranger quoting the number: a new, related ticket
        r = self.customer_reply(number, "I have the same problem!\n",
                                sender="Eve <eve@other.example>")
        other = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertNotEqual(other, number)
        o = self.show(other)
        self.assertEqual(o["requester"], "eve@other.example")
        self.assertNotIn("[%s]" % number, o["subject"])
        self.assertIn("related", self.kinds(o))
        self.assertEqual(len([m for m in self.show(number)["messages"]
                              if m["direction"] == "in"]), 1)

    def test_stranger_held(self):
        self.configure(stranger_followup="hold")
        number = self.open_ticket()
        r = self.customer_reply(number, "Let me in.\n",
                                sender="eve@other.example")
        self.assertIn("quarantined", r.stderr)
        q = json.loads(self.servers.guichet("quarantine", "list",
                                            "--json").stdout)
        self.assertEqual(q[0]["reason"], "stranger")
        self.assertEqual(len(self.servers.imap.messages(self.user,
                                                        "Quarantine")), 1)
        self.assertIn("stranger_held", self.kinds(self.show(number)))

    def test_authentication_results_of_our_mta(self):
        self.configure(trusted_authserv_id="mx.example.com")
        number = self.open_ticket()
        self.servers.smtp.clear()
        self.agent_reply(number, "#priority P2\nOn it.\n",
                         to_notification=False,
                         extra="Authentication-Results: mx.example.com; "
                               "dkim=pass header.d=example.com\r\n")
        self.assertEqual(self.show(number)["priority"], "P2")
        self.assertIn("On it.",
                      self.body(self.sent("claire@cust.example")[0]))

    def test_complaint_never_closes(self):
        # replies that hold a confirming phrase and say the opposite:
        # each reopens the ticket, none closes it as validated
        number = self.open_ticket()
        for body in ("Non, ça marche pas mieux.\n",
                     "It works on Chrome but not on Firefox, still "
                     "broken.\n",
                     "Ça marche. Par contre l'export est toujours vide.\n",
                     "It works, thanks. Could you also look at the "
                     "report?\n"):
            self.agent_reply(number, "#resolve\nFixed.\n")
            self.customer_reply(number, body)
            t = self.show(number)
            self.assertEqual(t["status"], "open", body)
        self.assertNotIn("validated", self.kinds(t))
        self.assertEqual(self.kinds(t).count("reopened"), 4)
        # a plain confirmation in capitals and typographic apostrophes,
        # from a client that wraps its lines: closed
        self.agent_reply(number, "#resolve\nFixed for real.\n")
        self.customer_reply(number, "Bonjour,\n\nC\u2019EST R\u00c9SOLU,"
                            " merci\npour votre aide.\n")
        t = self.show(number)
        self.assertEqual(t["status"], "closed")
        self.assertIn("validated", self.kinds(t))

    def test_thanks_reopen_nothing(self):
        # "Merci !" to a resolution: the ticket stays resolved, the
        # agents read it, the customer is not told it reopened
        number = self.open_ticket()
        self.agent_reply(number, "#resolve\nFixed.\n")
        self.servers.smtp.clear()
        # signed as companies sign, without "--" (three lines of names
        # at most were taken for a signature before)
        self.customer_reply(number, "Merci beaucoup !\n\nClaire Dupont\n"
                            "Responsable informatique\nACME S.A.\n"
                            "Tél. : +33 1 23 45 67 89\nwww.acme.example\n")
        t = self.show(number)
        self.assertEqual(t["status"], "resolved")
        self.assertIn("thanked", self.kinds(t))
        self.assertNotIn("reopened", self.kinds(t))
        self.assertEqual(self.sent("claire@cust.example"), [])
        told = self.sent("alice@example.com")
        self.assertEqual(len(told), 1)
        self.assertIn("Merci beaucoup", self.body(told[0]))
        # thanks and a question: the question reopens
        self.customer_reply(number, "Merci ! Et pour l'export ?\n")
        self.assertEqual(self.show(number)["status"], "open")

    def test_reopen_confirm_and_autoclose(self):
        number = self.open_ticket()
        self.agent_reply(number, "#resolve\nFixed.\n")
        self.servers.smtp.clear()
        # a reply that is not a confirmation reopens
        self.customer_reply(number, "It still fails for me.\n")
        t = self.show(number)
        self.assertEqual(t["status"], "open")
        self.assertIn("reopened", self.kinds(t))
        self.assertTrue(any("reopened" in self.body(m).lower() or
                            "rouvert" in self.body(m).lower()
                            for m in self.sent("claire@cust.example")))
        # resolved again, then confirmed by a phrase: closed
        self.agent_reply(number, "#resolve\nFixed for real.\n")
        self.customer_reply(number, "Merci, c'est résolu de notre côté.\n")
        t = self.show(number)
        self.assertEqual(t["status"], "closed")
        self.assertIn("validated", self.kinds(t))

        # another ticket resolved and left without an answer
        self.n += 100
        r = self.deliver(mail("Second issue", "Another one.\n",
                              "second@cust.example"))
        second = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.agent_reply(second, "#resolve\nDone.\n")
        self.servers.smtp.clear()
        out = self.servers.guichet("sla", "tick", "--now",
                                   "2026-12-02T10:00:00Z")
        self.assertIn("closed 0", out.stdout)          # 6 days: not yet
        self.assertEqual(self.show(second)["status"], "resolved")
        out = self.servers.guichet("sla", "tick", "--now",
                                   "2026-12-03T10:00:01Z")
        self.assertIn("closed 1", out.stdout)
        t = self.show(second)
        self.assertEqual(t["status"], "closed")
        self.assertIn("auto_closed", self.kinds(t))
        self.servers.guichet("serve", "--once", now="2026-12-03T10:00:02Z")
        closing = self.sent("claire@cust.example")
        self.assertEqual(len(closing), 1)
        self.assertIn("[%s]" % second, closing[0]["Subject"])

    def test_merge(self):
        a = self.open_ticket()
        r = self.deliver(mail("Export still down", "Same issue.\n",
                              "dup-2@cust.example"))
        b = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.agent_reply(b, "#merge %s\n" % a)
        tb, ta = self.show(b), self.show(a)
        self.assertEqual(tb["status"], "closed")
        self.assertEqual(tb["merged_into"], a)
        self.assertIn("merged_in", self.kinds(ta))
        self.assertIn("dup-2@cust.example",
                      [m["message_id"] for m in ta["messages"]])
        # later mail with the old tag lands on the ticket it was merged into
        r = self.customer_reply(b, "Any news?\n")
        self.assertIn("follow-up %s" % a, r.stderr)

    def test_agent_reply_without_the_tag(self):
        # the agent's client dropped the tag: the notification's
        # Message-ID in References still finds the ticket
        number = self.open_ticket()
        n = "<%s>" % self.servers.pg.scalar(
            "SELECT message_id FROM outbox WHERE purpose = 'notify_agent' "
            "AND 'alice@example.com' = ANY (rcpts)", db=self.db)
        r = self.deliver(mail("Re: your export", "#priority P2\nOn it.\n",
                              "notag@example.com",
                              sender="Alice Martin <alice@example.com>",
                              in_reply_to=n, refs=n))
        self.assertIn("follow-up %s" % number, r.stderr)
        self.assertEqual(self.show(number)["priority"], "P2")

    def test_close_commands(self):
        number = self.open_ticket()
        self.servers.smtp.clear()
        self.agent_reply(number, "#close\n")
        t = self.show(number)
        self.assertEqual(t["status"], "closed")
        self.assertEqual(len(self.sent("claire@cust.example")), 1)
        # a customer's #close confirms a resolution
        self.n += 100
        r = self.deliver(mail("Another one", "Hi.\n", "two@cust.example"))
        second = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.agent_reply(second, "#resolve\nDone.\n")
        self.customer_reply(second, "#close\n")
        t = self.show(second)
        self.assertEqual(t["status"], "closed")
        self.assertIn("validated", self.kinds(t))

    def test_threading_prefixes(self):
        number = self.open_ticket()
        for i, prefix in enumerate(("AW:", "WG:", "SV:", "TR:", "Antw:",
                                    "\u56de\u590d:", "Fwd: Re:")):
            r = self.deliver(mail("%s [%s] Export" % (prefix, number),
                                  "more\n", "pfx-%d@cust.example" % i))
            self.assertIn("follow-up %s" % number, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
