"""test_mail_path.py - the mail path end to end, against real servers.

A customer mail APPENDed to the support mailbox (Dovecot) becomes a ticket
in PostgreSQL through `guichet serve --once`; its sender gets an
acknowledgement (in the SMTP sink) with the tracking number and the
threading headers; replies by tag or by References join the ticket
without a new acknowledgement; a second pass changes nothing; copies of
a mail (re-fetched, piped, sent to two mailboxes) are stored once.
"""

import hashlib
import json
import re
import time
import unittest

import guichet_harness as gh

NOW = "2026-11-26T10:00:00Z"
NO_AGENT = {"agent alice": None}


def mail(subject, body="Hello,\n\nThe export gives an empty file since this morning.\n",
         mid="<first-1@customer.example.org>", sender="Claire Dupont "
         "<claire@customer.example.org>", extra="", to="support@example.com"):
    head = ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Thu, 26 Nov 2026 "
            "09:58:00 +0100\r\n" % (sender, to, subject))
    if mid:
        head += "Message-ID: %s\r\n" % mid
    head += extra
    head += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (head + "\r\n" + body.replace("\n", "\r\n")).encode()


class MailPath(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        # a fresh database and mailbox per test
        self.db = "mp_" + self._testMethodName[5:][:40].lower()
        self.user = ("u" + self._testMethodName[5:])[:30].lower()
        # no agents here: only the mails to customers reach the sink
        # (test_conversation.py covers the agents)
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=NO_AGENT)
        s.guichet("migrate")
        s.smtp.clear()

    def sql(self, q):
        return self.servers.pg.psql(q, db=self.db)

    def tickets(self):
        return json.loads(self.servers.guichet("ticket", "list",
                                               "--json").stdout)

    def show(self, number):
        return json.loads(self.servers.guichet("ticket", "show", number,
                                               "--json").stdout)

    def serve_once(self, now=NOW):
        return self.servers.guichet("serve", "--once", now=now)

    def test_new_mail_reply_by_tag_and_references(self):
        s = self.servers
        first = mail("Question sur l export")
        s.imap.append(self.user, "INBOX", first)
        r = self.serve_once()
        self.assertRegex(r.stderr, r"new ticket SUP-2026-000001 "
                         r"<first-1@customer.example.org>")

        tickets = self.tickets()
        self.assertEqual(len(tickets), 1)
        t = self.show("SUP-2026-000001")
        self.assertEqual(t["number"], "SUP-2026-000001")
        self.assertEqual(t["status"], "new")
        self.assertEqual(t["priority"], "P3")
        self.assertEqual(t["subject"], "Question sur l export")
        self.assertEqual(t["requester"], "claire@customer.example.org")
        self.assertEqual(t["created_at"], NOW)
        incoming = [m for m in t["messages"] if m["direction"] == "in"]
        self.assertEqual(len(incoming), 1)
        self.assertEqual(incoming[0]["author"], "customer")
        self.assertEqual(incoming[0]["message_id"],
                         "first-1@customer.example.org")
        self.assertIn("The export gives an empty file since this morning.",
                      incoming[0]["text"])
        self.assertEqual([e["kind"] for e in t["events"]][:3],
                         ["created", "qualified", "mail_queued"])

        # the raw mail is kept byte for byte
        raw = self.sql("SELECT encode(raw, 'hex') FROM messages "
                       "WHERE direction = 'in'")[0][0]
        self.assertEqual(bytes.fromhex(raw), first)

        # the mail left INBOX for Processed, after the commit
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])
        self.assertEqual(s.imap.messages(self.user, "Processed"), [first])

        # the acknowledgement
        ack, = s.smtp.wait_for(1)
        self.assertEqual(ack["X-RcptTo"], "claire@customer.example.org")
        self.assertIn("[SUP-2026-000001]", ack["Subject"])
        self.assertEqual(ack["Auto-Submitted"], "auto-replied")
        self.assertEqual(ack["In-Reply-To"], "<first-1@customer.example.org>")
        self.assertIn("<first-1@customer.example.org>", ack["References"])
        self.assertEqual(ack["Reply-To"], "support@example.com")
        self.assertRegex(ack["Message-ID"], r"^<[^<>@\s]+@example\.com>$")
        self.assertIn("claire@customer.example.org", ack["To"])
        body = ack.get_body(("plain",)).get_content()
        self.assertIn("SUP-2026-000001", body)
        out = [m for m in self.show("SUP-2026-000001")["messages"]
               if m["direction"] == "out"]
        self.assertEqual(len(out), 1)
        self.assertEqual("<%s>" % out[0]["message_id"], ack["Message-ID"])
        self.assertEqual(out[0]["delivery"]["status"], "sent")

        # a reply carrying the tag (and no threading headers)
        s.imap.append(self.user, "INBOX", mail(
            "RE: [SUP-2026-000001] Question sur l export",
            body="Any news?\n", mid="<reply-2@customer.example.org>"))
        # a reply with only References (subject without the tag)
        s.imap.append(self.user, "INBOX", mail(
            "Re: Question sur l export", body="Still broken.\n",
            mid="<reply-3@customer.example.org>",
            extra="References: <unrelated@x.example> %s\r\n"
                  % ack["Message-ID"]))
        r = self.serve_once("2026-11-26T10:05:00Z")
        self.assertEqual(r.stderr.count("follow-up SUP-2026-000001"), 2)
        t = self.show("SUP-2026-000001")
        incoming = [m for m in t["messages"] if m["direction"] == "in"]
        self.assertEqual([m["message_id"] for m in incoming],
                         ["first-1@customer.example.org",
                          "reply-2@customer.example.org",
                          "reply-3@customer.example.org"])
        self.assertEqual(len(self.tickets()), 1)
        self.assertEqual(sum(e["kind"] == "message_received"
                             for e in t["events"]), 2)
        # no acknowledgement for a follow-up
        time.sleep(0.5)
        self.assertEqual(s.smtp.count(), 1)

        # a second pass changes nothing
        before = (self.sql("SELECT count(*) FROM messages")[0][0],
                  self.sql("SELECT count(*) FROM events")[0][0],
                  self.sql("SELECT count(*) FROM outbox")[0][0])
        self.serve_once("2026-11-26T10:06:00Z")
        after = (self.sql("SELECT count(*) FROM messages")[0][0],
                 self.sql("SELECT count(*) FROM events")[0][0],
                 self.sql("SELECT count(*) FROM outbox")[0][0])
        self.assertEqual(before, after)
        self.assertEqual(len(self.tickets()), 1)
        self.assertEqual(s.smtp.count(), 1)
        self.assertEqual(len(s.imap.messages(self.user, "Processed")), 3)

    def test_copies_are_stored_once(self):
        s = self.servers
        m = mail("Question about invoices", mid="<dup-1@customer.example.org>")
        s.imap.append(self.user, "INBOX", m)
        self.serve_once()
        # re-fetched after a crash between COMMIT and the IMAP move
        s.imap.append(self.user, "INBOX", m)
        r = self.serve_once()
        self.assertIn("duplicate SUP-2026-000001", r.stderr)
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])
        # delivered by the MTA too: trace headers and LF line ends differ
        piped = b"Received: from mx.example.com\nDelivered-To: support@" \
            b"example.com\n" + m.replace(b"\r\n", b"\n")
        r = s.guichet("ingest", "--mailbox", "support", input=piped,
                      now=NOW)
        self.assertIn("duplicate", r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets")[0][0], "1")
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "direction = 'in'")[0][0], "1")
        self.assertEqual(s.smtp.wait_for(1)[0]["X-RcptTo"],
                         "claire@customer.example.org")
        time.sleep(0.3)
        self.assertEqual(s.smtp.count(), 1)

    def test_two_mailboxes_one_mail(self):
        s = self.servers
        other = self.user + "b"
        s.imap.add_user(other)
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": None,
            "mailbox sales": {
                "url": s.imap.imaps_url, "user": other,
                "password_file": s.imap.password_file(other),
                "address": "sales@example.com", "queue": "support",
                "tls_ca_file": s.ca_file}})
        m = mail("Offer", to="support@example.com, sales@example.com",
                 mid="<two-boxes@customer.example.org>")
        s.imap.append(self.user, "INBOX", m)
        s.imap.append(other, "INBOX", m)
        r = self.serve_once()
        self.assertEqual(r.stderr.count("new ticket"), 1)
        self.assertEqual(r.stderr.count("duplicate"), 1)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets")[0][0], "1")
        self.assertEqual(s.imap.messages(other, "INBOX"), [])
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])

    def test_ingest_pipe_and_tempfail(self):
        s = self.servers
        r = s.guichet("ingest", "--mailbox", "support",
                      input=mail("Piped", mid="<pipe-1@c.example.org>"),
                      now=NOW)
        self.assertIn("new ticket SUP-2026-000001", r.stderr)
        self.assertEqual(self.tickets()[0]["subject"], "Piped")
        # What the operator must mend (a mailbox the config lacks, a wrong
        # option, a config or rules file that does not read) is 75 too,
        # not 78 or 64: an MTA's pipe bounces the mail to its sender at
        # any exit but 0 and 75, and keeps it at 75 until it is mended.
        later = mail("Kept", mid="<pipe-kept@c.example.org>")
        r = s.guichet("ingest", "--mailbox", "nope", input=later, expect=75)
        self.assertIn("no [mailbox nope]", r.stderr)
        self.assertIn("exit 75 (not 78), so that the MTA keeps it",
                      r.stderr)
        r = s.guichet("ingest", "--mailbx", "support", input=later,
                      expect=75)
        self.assertIn("unknown option --mailbx", r.stderr)
        broken = s.path("broken.conf")
        with open(s.config_path) as f, open(broken, "w") as g:
            g.write(f.read() + "\n[guichet\n")
        r = s.guichet("ingest", "--mailbox", "support", input=later,
                      config=broken, expect=75)
        self.assertIn("broken.conf:", r.stderr)
        rules = s.path("bad-rules.conf")
        with open(rules, "w") as f:
            f.write("[rule bad]\nmatch = subject: (unclosed\n"
                    "priority = P1\n")
        with open(s.config_path) as f, open(broken, "w") as g:
            g.write(f.read() + "\n[rules]\nfile = %s\n" % rules)
        r = s.guichet("ingest", "--mailbox", "support", input=later,
                      config=broken, expect=75)
        self.assertIn("bad-rules.conf:2", r.stderr)
        self.assertEqual(len(self.tickets()), 1, "nothing stored meanwhile")
        # other commands keep their codes
        s.guichet("ticket", "list", config=broken, expect=78)
        # database down: EX_TEMPFAIL so that the MTA retries
        s.pg.stop()
        try:
            r = s.guichet("ingest", "--mailbox", "support",
                          input=mail("Later", mid="<pipe-2@c.example.org>"),
                          expect=75)
            self.assertIn("the MTA will retry", r.stderr)
        finally:
            s.pg.start()
        s.guichet("ingest", "--mailbox", "support",
                  input=mail("Later", mid="<pipe-2@c.example.org>"))
        self.assertEqual(len(self.tickets()), 2)
        # ingest interprets the rules instead of compiling them (one
        # mail, then exit): the same priorities and queues as serve
        for i, (subject, prio, queue) in enumerate((
                ("Production down since 8am", "P1", "support"),
                ("Application très lente depuis ce matin", "P2", "support"),
                ("Question about my invoice", "P3", "support"))):
            r = s.guichet("ingest", "--mailbox", "support",
                          input=mail(subject, mid="<rule-%d@c.example.org>"
                                     % i), now=NOW)
            number = re.search(r"new ticket (SUP-\S+)", r.stderr).group(1)
            t = self.show(number)
            self.assertEqual((t["priority"], t["queue"]), (prio, queue),
                             subject)

    def test_broken_mail_goes_to_quarantine(self):
        s = self.servers
        s.imap.append(self.user, "INBOX", b"this is not a mail at all\r\n"
                      b"\x00\x01\x02 \xff\xfe\r\n")
        s.imap.append(self.user, "INBOX", mail("After the bad one",
                      mid="<good@c.example.org>"))
        r = self.serve_once()
        self.assertIn("new ticket SUP-2026-000001 <good@c.example.org>",
                      r.stderr)
        q = json.loads(s.guichet("quarantine", "list", "--json").stdout)
        self.assertEqual(len(q), 1)
        self.assertEqual(q[0]["mailbox"], "support")
        self.assertTrue(q[0]["reason"])
        self.assertEqual(len(s.imap.messages(self.user, "Quarantine")), 1)
        self.assertEqual(len(s.imap.messages(self.user, "Processed")), 1)

    def test_one_failing_mail_does_not_block_the_batch(self):
        s = self.servers
        # a mail whose storing fails (a trigger stands for any failure of
        # the database on that mail alone)
        self.sql("CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql "
                 "AS $$ BEGIN IF NEW.subject = 'poison' THEN RAISE "
                 "EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$; "
                 "CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH "
                 "ROW EXECUTE FUNCTION poison()")
        good = [mail("Good %d" % i, mid="<good-%d@c.example.org>" % i)
                for i in range(5)]
        bad = mail("poison", mid="<poison@c.example.org>")
        for raw in good[:2] + [bad] + good[2:]:
            s.imap.append(self.user, "INBOX", raw)
        r = self.serve_once()
        self.assertEqual(r.stderr.count("new ticket"), 5)
        self.assertIn("quarantined - <poison@c.example.org>: store failed",
                      r.stderr)
        self.assertIn("poisoned", self.sql("SELECT detail FROM quarantine")
                      [0][0])
        self.assertEqual(len(s.imap.messages(self.user, "Processed")), 5)
        self.assertEqual(s.imap.messages(self.user, "Quarantine"), [bad])
        # each mail logged once, after the commit
        self.assertEqual(r.stderr.count("<good-0@c.example.org>"), 1)

        # ops fix the cause, then reprocess the quarantined mail
        q = json.loads(s.guichet("quarantine", "list", "--json").stdout)
        self.assertEqual([e["status"] for e in q], ["held"])
        self.sql("DROP TRIGGER poison ON messages")
        r = s.guichet("quarantine", "retry", str(q[0]["id"]), now=NOW)
        self.assertRegex(r.stdout, r"new ticket SUP-2026-\d+")
        q = json.loads(s.guichet("quarantine", "list", "--json").stdout)
        self.assertEqual(q[0]["status"], "retried")
        self.assertIsNotNone(q[0]["ticket"])
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "subject = 'poison'")[0][0], "1")
        # and not twice
        s.guichet("quarantine", "retry", str(q[0]["id"]), expect=65)

    def test_migrate_twice_changes_nothing(self):
        s = self.servers
        before = self.sql("SELECT version, name, applied_at FROM "
                          "schema_migrations ORDER BY version")
        self.assertGreaterEqual(len(before), 1)
        r = s.guichet("migrate")
        self.assertIn("up to date", r.stdout)
        self.assertEqual(before, self.sql(
            "SELECT version, name, applied_at FROM schema_migrations "
            "ORDER BY version"))
        tables = {t for (t,) in self.sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        for t in ("tickets", "messages", "attachments", "events", "outbox",
                  "imap_state", "quarantine", "schema_migrations"):
            self.assertIn(t, tables)
        # applied at the application's clock, not the database's
        s.write_config(dbname=self.db + "_clock", mailbox_user=self.user,
                       sections=NO_AGENT)
        s.guichet("migrate", now="2030-01-02T03:04:05Z")
        self.assertEqual(s.pg.psql(
            "SELECT DISTINCT iso_utc(applied_at) FROM schema_migrations",
            db=self.db + "_clock"), [("2030-01-02T03:04:05Z",)])

    def test_starttls_mailbox_and_attachment(self):
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, imap="imap",
                       sections=NO_AGENT)
        raw = (b"From: Bob <bob@b.example.org>\r\nTo: support@example.com\r\n"
               b"Subject: =?ISO-8859-1?Q?Facture_impay=E9e?=\r\n"
               b"Message-ID: <att-1@b.example.org>\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
               b"--XX\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
               b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
               b"Voir la pi=E8ce jointe.\r\n"
               b"--XX\r\nContent-Type: application/pdf; name=facture.pdf\r\n"
               b"Content-Disposition: attachment; filename=facture.pdf\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n"
               b"JVBERi0xLjQKJcfsj6IK\r\n--XX--\r\n")
        s.imap.append(self.user, "INBOX", raw)
        self.serve_once()
        t = self.show("SUP-2026-000001")
        self.assertEqual(t["subject"], "Facture impay\u00e9e")
        m = t["messages"][0]
        self.assertIn("Voir la pi\u00e8ce jointe.", m["text"])
        a, = m["attachments"]
        self.assertEqual(a["filename"], "facture.pdf")
        self.assertEqual(a["content_type"], "application/pdf")
        self.assertEqual(a["size"], 15)
        self.assertEqual(a["disposition"], "attachment")
        self.assertEqual(a["sha256"], hashlib.sha256(
            b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n").hexdigest())


if __name__ == "__main__":
    unittest.main(verbosity=2)
