"""test_import.py - `guichet tickets import`: ticket history from RT,
Zammad, osTicket and the generic CSV layout.

One small export of each format, written by hand from the columns those
tools document (tests/fixtures/import/), is imported: tickets get our
numbers, keep their status, priority, requester, dates and messages of
then, and their old number; no acknowledgement is sent, closed tickets
get no SLA timer and open ones get timers from the import's clock. A
customer answering an old thread ("[example.com #1234]", "[Ticket#...]",
"[#123456]") lands on the imported ticket. A second import changes
nothing (counted), --dry-run changes nothing. Hostile files (not CSV,
semicolons, a line past the cap, Latin-1, a date in the future, an
unknown status, duplicates, quoted newlines before a bad row) are
reported as file:line and import nothing; --skip-bad imports the tickets
without a bad row; formula cells are stored as text.
"""

import json
import os
import unittest

import guichet_harness as gh

NOW = "2026-11-26T10:00:00Z"
DB = "import"
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "import")

ORGS = """
[organisation acme]
domains = acme.example
plan = Pro
language = en
"""

COUNTS = ("SELECT (SELECT count(*) FROM tickets) || ' ' || "
          "(SELECT count(*) FROM messages) || ' ' || "
          "(SELECT count(*) FROM events) || ' ' || "
          "(SELECT count(*) FROM sla_timers) || ' ' || "
          "(SELECT count(*) FROM outbox) || ' ' || "
          "(SELECT count(*) FROM ticket_refs)")


def reply(n, sender, subject, body):
    return ("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n"
            "Message-ID: <import-reply-%d@customer.example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n"
            % (sender, subject, n, body)).encode()


class Import(gh.ServersTestCase):
    servers_options = dict(http=False, imap=False)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.servers
        s.write_config(dbname=DB, raw=ORGS)
        s.guichet("migrate")

    def q(self, sql):
        return self.servers.pg.scalar(sql, db=DB)

    def counts(self):
        return self.q(COUNTS)

    def write(self, name, data):
        path = self.servers.path(name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def run_import(self, path, fmt, *opts, expect=0):
        return self.servers.guichet("tickets", "import", path, "--format",
                                    fmt, *opts, now=NOW, expect=expect)

    def ticket(self, source, ref):
        return json.loads(self.servers.guichet(
            "ticket", "show", self.q(
                "SELECT t.number FROM tickets t JOIN ticket_refs r ON "
                "r.ticket_id = t.id WHERE r.source = '%s' AND "
                "r.external_id = '%s'" % (source, ref)), "--json").stdout)

    def import_fixture(self, fmt):
        path = os.path.join(FIXTURES, fmt + ".csv")
        dry = self.run_import(path, fmt, "--dry-run")
        before = self.counts()
        outbox = self.q("SELECT count(*) FROM outbox")
        r = self.run_import(path, fmt)
        after = self.counts()
        # nothing sent: no acknowledgement of the past
        self.assertEqual(self.q("SELECT count(*) FROM outbox"), outbox)
        self.assertIn("dry run: ", dry.stdout)
        self.assertEqual(dry.stdout.replace("dry run: ", ""), r.stdout)
        again = self.run_import(path, fmt)
        self.assertEqual(self.counts(), after)          # idempotent
        self.assertNotEqual(before, after)
        self.assertRegex(again.stdout, r"^0 ticket\(s\) imported, \d+ "
                         r"already there, 0 left out \(bad rows\); 0 "
                         r"message\(s\) imported")
        return r.stdout

    def test_rt(self):
        out = self.import_fixture("rt")
        self.assertIn("2 ticket(s) imported", out)
        self.assertIn("5 message(s) imported", out)   # a Status row is none
        t = self.ticket("rt", "1234")
        self.assertEqual(t["status"], "resolved")
        self.assertEqual(t["priority"], "P2")
        self.assertEqual(t["requester"], "jean@client.fr")
        self.assertEqual(t["requester_name"], "Jean Dupont")
        self.assertEqual(t["created_at"], "2024-03-01T09:00:00Z")
        self.assertEqual(t["resolved_at"], "2024-03-02T10:00:00Z")
        self.assertEqual(t["sla"], {})                  # no timers
        self.assertTrue(t["number"].startswith("SUP-2026-"))
        self.assertEqual([(m["author"], m["direction"], m["date"])
                          for m in t["messages"]], [
            ("customer", "in", "2024-03-01T09:00:00Z"),
            ("agent", "out", "2024-03-01T11:00:00Z"),
            ("customer", "in", "2024-03-02T09:00:00Z")])
        self.assertEqual(t["messages"][0]["text"], "Bonjour,\n"
                         "Le VPN ne fonctionne plus depuis ce matin.")
        o = self.ticket("rt", "1235")
        self.assertEqual((o["status"], o["priority"], o["language"]),
                         ("open", "P1", "en"))
        # open: timers from the import's clock, never from 2024
        self.assertTrue(o["sla"])
        self.assertEqual({s["start_at"] for s in o["sla"].values()}, {NOW})
        self.assertEqual(self.q(
            "SELECT internal FROM messages WHERE text LIKE 'Order a new "
            "roller%'"), "t")
        # the customer answers the old thread: the imported ticket
        n = self.q("SELECT count(*) FROM tickets")
        self.servers.guichet(
            "ingest", "--mailbox", "support", now=NOW,
            input=reply(1, "jean@client.fr",
                        "Re: [example.com #1234] VPN ne fonctionne plus",
                        "Le VPN est de nouveau en panne."))
        self.assertEqual(self.q("SELECT count(*) FROM tickets"), n)
        t = self.ticket("rt", "1234")
        self.assertIn("Le VPN est de nouveau en panne.",
                      [m["text"].strip() for m in t["messages"]
                       if m["author"] == "customer"])
        self.assertEqual(t["status"], "open")          # reopened
        # its timers computed again from the import, never from 2024:
        # nothing to escalate (before: three breaches of 2024 at once)
        self.assertEqual({s["start_at"] for s in t["sla"].values()}, {NOW})
        r = self.servers.guichet("sla", "tick", "--now", NOW)
        self.assertIn("breaches 0", r.stdout)
        # its agent answered in 2024: acknowledged then, never escalated
        # for want of an acknowledgement (its other targets run)
        self.assertEqual(t["sla"]["acknowledge"]["met_at"],
                         "2024-03-01T11:00:00Z")
        self.servers.guichet("sla", "tick", "--now", "2026-11-30T10:00:00Z")
        t = self.ticket("rt", "1234")
        self.assertNotIn("acknowledge", [e["data"].get("timer") for e in
                                         t["events"]
                                         if e["kind"] == "sla_breach"])
        # and search finds imported mails
        r = self.servers.guichet("ticket", "search", "redémarrer", "--json")
        self.assertEqual([h["number"] for h in json.loads(r.stdout)],
                         [t["number"]])

    def test_zammad(self):
        out = self.import_fixture("zammad")
        self.assertIn("2 ticket(s) imported", out)
        self.assertIn("3 message(s) imported", out)   # a System article
        t = self.ticket("zammad", "20240115100012")
        self.assertEqual((t["status"], t["priority"]), ("closed", "P2"))
        self.assertEqual(t["closed_at"], "2024-01-16T08:00:00Z")
        self.assertEqual(t["messages"][0]["from_name"], "Marie Curie")
        p = self.ticket("zammad", "20240115100013")
        self.assertEqual((p["status"], p["priority"]), ("pending", "P1"))
        self.assertEqual(p["created_at"], "2024-01-15T10:00:00Z")
        # it waits on its customer since its last change, as one made
        # pending here would
        self.assertEqual(self.q(
            "SELECT count(*) || ' ' || bool_and(p.start_at = t.updated_at) "
            "FROM ticket_pauses p JOIN tickets t ON t.id = p.ticket_id "
            "WHERE t.number = '%s' AND p.end_at IS NULL" % p["number"]),
            "1 true")
        # its SLA clock stopped from the import on: a month later,
        # nothing escalated
        self.assertTrue(all(v["paused"] for v in p["sla"].values()), p["sla"])
        r = self.servers.guichet("sla", "tick", "--now",
                                 "2026-12-26T10:00:00Z")
        self.assertNotIn(p["number"], r.stderr)
        p = self.ticket("zammad", "20240115100013")
        self.assertNotIn("sla_breach", [e["kind"] for e in p["events"]])
        n = self.q("SELECT count(*) FROM tickets")
        self.servers.guichet(
            "ingest", "--mailbox", "support", now=NOW,
            input=reply(2, "marie@client.fr",
                        "Re: [Ticket#20240115100012] Facture en double",
                        "Encore une facture en double."))
        # the old tag names the imported ticket, closed two years ago: the
        # mail opens a new ticket related to it ([sla] reopen_within)
        self.assertEqual(self.q("SELECT count(*) FROM tickets"),
                         str(int(n) + 1))
        old = self.ticket("zammad", "20240115100012")
        self.assertEqual(old["status"], "closed")
        ev = [e for e in old["events"] if e["kind"] == "followed_up"]
        self.assertEqual(len(ev), 1)
        new = json.loads(self.servers.guichet(
            "ticket", "show", ev[0]["data"]["new_ticket"], "--json").stdout)
        self.assertEqual([e["data"] for e in new["events"]
                          if e["kind"] == "related"],
                         [{"ticket": old["number"]}])
        self.assertIn("Encore une facture en double.",
                      [m["text"].strip() for m in new["messages"]])

    def test_osticket(self):
        out = self.import_fixture("osticket")
        self.assertIn("2 ticket(s) imported", out)
        self.assertIn("4 message(s) imported", out)
        t = self.ticket("osticket", "123456")
        self.assertEqual((t["status"], t["priority"]), ("open", "P1"))
        self.assertEqual(t["created_at"], "2024-01-15T09:30:00Z")
        self.assertEqual(t["messages"][1]["date"], "2024-01-15T10:00:00Z")
        c = self.ticket("osticket", "123457")
        self.assertEqual((c["status"], c["priority"]), ("closed", "P3"))
        self.assertEqual(c["created_at"], "2024-01-16T14:00:00Z")
        n = self.q("SELECT count(*) FROM tickets")
        self.servers.guichet(
            "ingest", "--mailbox", "support", now=NOW,
            input=reply(3, "carol@acme.example", "Re: [#123456] Cannot print",
                        "Still blank."))
        self.assertEqual(self.q("SELECT count(*) FROM tickets"), n)
        self.assertIn("Still blank.", [
            m["text"].strip() for m in
            self.ticket("osticket", "123456")["messages"]
            if m["author"] == "customer"])

    def test_generic_bom_crlf_and_formulas_as_text(self):
        out = self.import_fixture("generic")
        self.assertIn("2 ticket(s) imported", out)
        t = self.ticket("generic", "G-1")
        self.assertEqual(t["language"], "en")
        self.assertEqual([m["text"] for m in t["messages"]], [
            "=cmd|' /C calc'!A0",
            "+SUM(A1:A2)\r\n@HYPERLINK(\"http://x\")"])
        self.assertEqual(self.ticket("generic", "G-2")["subject"], "Fermé")

    def test_language_of_the_first_customer_message(self):
        # no language column value: the first customer message says it,
        # as a new mail's does; the column, when given, decides
        data = (self.HEADER +
                self.row("L-1", "Hello, the invoices export is empty "
                         "since this morning, could you help?",
                         subject="Export") +
                self.row("L-2", "Bonjour, la facture de novembre est "
                         "introuvable dans votre espace.",
                         subject="Facture").replace(",,,2024", ",,en,2024") +
                self.row("L-3", "See attached.", subject="Invoice"))
        out = self.run_import(self.write("lang.csv", data), "generic").stdout
        self.assertIn("3 ticket(s) imported", out)
        self.assertEqual(self.ticket("generic", "L-1")["language"], "en")
        self.assertEqual(self.ticket("generic", "L-2")["language"], "en")
        # too little to tell: the mailbox's (French)
        self.assertEqual(self.ticket("generic", "L-3")["language"], "fr")

    # -- hostile files ------------------------------------------------------

    HEADER = ("ref,subject,status,priority,requester,requester_name,"
              "language,created_at,closed_at,message_id,message_date,"
              "message_from,message_author,message_text\n")

    def row(self, ref, text="hello", status="open", created="2024-01-01 "
            "10:00:00", mid="", subject="S", requester="h@example.org"):
        return ('%s,%s,%s,P3,%s,,,%s,,%s,,,customer,"%s"\n'
                % (ref, subject, status, requester, created, mid, text))

    def refused(self, name, data, *words, fmt="generic"):
        path = self.write(name, data)
        before = self.counts()
        r = self.run_import(path, fmt, expect=65)
        self.assertEqual(self.counts(), before)
        for w in words:
            self.assertIn(w, r.stdout + r.stderr)
        self.assertNotIn("ERROR", r.stdout + r.stderr)
        return r

    def test_not_csv_and_wrong_separator(self):
        self.refused("png.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
                     "png.csv:1:", "nothing imported")
        self.refused("semi.csv", self.HEADER.replace(",", ";") +
                     self.row("H-1").replace(",", ";"),
                     "semi.csv:1: no column", "semicolons")
        self.refused("rt-as-generic.csv",
                     open(os.path.join(FIXTURES, "rt.csv")).read(),
                     "rt-as-generic.csv:1: no column \"ref\"")
        self.servers.guichet("tickets", "import", self.servers.path("no"),
                             "--format", "rt", expect=66)
        self.servers.guichet("tickets", "import", self.servers.path("no"),
                             "--format", "jira", expect=64)

    def test_bad_rows_reported_by_line(self):
        body = (self.HEADER +
                self.row("H-1", text="two\nlines\nhere") +        # 2-4
                self.row("H-2", status="archived") +             # 5
                self.row("H-3", created="2031-01-01 00:00:00") +  # 6
                self.row("H-4", created="yesterday") +           # 7
                self.row("H-5", mid="x1") +                      # 8
                self.row("H-5", mid="x1") +                      # 9
                self.row("H-6", subject="one") +                 # 10
                self.row("H-6", subject="two") +                 # 11
                self.row("H-7", requester="not an address") +    # 12
                self.row("=cmd|' /C calc'!A0") +                 # 13
                self.row("H-8", requester='"h@example.org\r\n'
                         'Bcc:x@example.org"') +                  # 14-15
                self.row("H-9", subject='"Hi\r\nBcc: x@example.org"'))
        #                                                           16-17
        r = self.refused("bad.csv", body, "nothing imported")
        lines = r.stdout.splitlines()
        self.assertEqual([os.path.basename(l.split(": ")[0]) for l in lines], [
            "bad.csv:5", "bad.csv:6", "bad.csv:7", "bad.csv:9",
            "bad.csv:11", "bad.csv:12", "bad.csv:13", "bad.csv:14"])
        self.assertIn('"archived" is not a status of generic', lines[0])
        self.assertIn("in the future", lines[1])
        self.assertIn("is not a date", lines[2])
        self.assertIn("the same message as on line 8", lines[3])
        self.assertIn("differs", lines[4])
        self.assertIn("not an e-mail address", lines[5])
        self.assertIn("not a ticket number", lines[6])
        self.assertIn("not an e-mail address", lines[7])
        # --skip-bad: the tickets without a bad row, never half a ticket
        r = self.run_import(self.servers.path("bad.csv"), "generic",
                            "--skip-bad")
        self.assertIn("2 ticket(s) imported", r.stdout)
        self.assertIn("7 left out", r.stdout)
        self.assertEqual(self.q("SELECT string_agg(external_id, ',' ORDER "
                                "BY external_id) FROM ticket_refs WHERE "
                                "external_id LIKE 'H-%'"), "H-1,H-9")
        # a subject on several lines is one line: no header smuggled
        self.assertEqual(self.ticket("generic", "H-9")["subject"],
                         "Hi  Bcc: x@example.org")

    def test_escape_sequences_stay_off_the_terminal(self):
        path = self.write("esc.csv", self.HEADER + self.row(
            "E-1", subject="Terminal \x1b]0;owned\x07",
            text="clear \x1b[2J\x1b]0;owned\x07 zebrascreen"))
        self.run_import(path, "generic")
        self.assertEqual(self.q("SELECT strpos(text, chr(27)) > 0 FROM "
                                "messages WHERE text LIKE '%zebrascreen'"),
                         "t")
        text = self.servers.guichet("ticket", "search", "zebrascreen").stdout
        self.assertIn("zebrascreen", text)
        self.assertNotIn("\x1b", text)
        self.assertNotIn("\x07", text)

    def test_latin1_and_line_cap(self):
        self.refused("latin1.csv", (self.HEADER + self.row("L-1", text="r"
                     "\xe9seau")).encode("latin-1"),
                     "latin1.csv:2: field 14 is not UTF-8", "Latin-1")
        big = self.HEADER + self.row("B-1", text="x" * (5 << 20))
        self.refused("big.csv", big, "big.csv:2: field 14 is longer than 1048576 bytes")
        big = (self.HEADER + self.row("B-2").rstrip("\n") +
               ("," + "y" * 900000) * 5 + "\n")
        self.refused("big2.csv", big, "big2.csv:2: a record longer than")
        # a quoted field never closed: the line where it starts
        self.refused("open.csv", self.HEADER + self.row("O-1") +
                     'O-2,S,open,P3,o@example.org,,,2024-01-01 10:00:00,,,'
                     ',,customer,"never\nclosed\n',
                     "open.csv:3: a quoted field is never closed")


if __name__ == "__main__":
    unittest.main()
