"""test_spam.py - spam held, not answered: rules' `hold`.

Through real IMAP, SMTP and PostgreSQL. The spam filter in front of the
desk marks its verdict in a header (SpamAssassin's X-Spam-Flag and
X-Spam-Status, Rspamd's X-Spam); the shipped rule "spam" holds such a
mail in the quarantine instead of opening a ticket: no acknowledgement to
its (forged) sender, which would be backscatter, and no agent told,
unless the rules send it to the security queue: a proof of concept often
looks like spam, so that queue's agents are told, at most once an hour,
with nothing of the mail. The mail is kept whole (the quarantine entry,
the quarantine folder); the same spam fetched again is not held twice;
an operator's release makes it a ticket with what follows, and no rule
holds it again; a held mail nobody released is deleted after
held_retention (30 days). A "No" verdict opens its ticket as always; a
follow-up of the ticket's own customer is never held (a false positive
must not take her answer off her ticket), while a stranger's is. An
operator's own rule may hold with a word of its own, which `guichet
rules test` shows.
"""

import datetime
import json
import os
import re
import threading
import unittest

from desk_case import T0, DeskCase, mail

SPAM = "X-Spam-Flag: YES\r\nX-Spam-Status: Yes, score=12.3 required=5.0\r\n"


def later(seconds):
    t = datetime.datetime.strptime(T0, "%Y-%m-%dT%H:%M:%SZ")
    return t + datetime.timedelta(seconds=seconds)


def report(n, subject="XSS vulnerability in the login page"):
    """A vulnerability report with a proof of concept, marked spam."""
    return mail(subject, "<script>alert(1)</script> runs in the login "
                "form.\n", "sec-%d@research.example" % n,
                sender="Researcher <r@research.example>", extra=SPAM)


class Spam(DeskCase):

    def setUp(self):
        self.start_desk("spam")

    def sql(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    def entries(self):
        return json.loads(self.servers.guichet("quarantine", "list",
                                               "--json").stdout)

    def test_spam_held_not_answered(self):
        s = self.servers
        raw = mail("You won!", "Claim your prize.\n", "spam-1@bulk.example",
                   sender="Prize <claire@cust.example>", extra=SPAM)
        r = self.deliver(raw)
        self.assertRegex(r.stderr, r"held: spam: rule spam \(rules\.conf "
                                   r"\(built-in\):\d+\)")
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "0")
        self.servers.guichet("serve", "--once", now=T0)
        self.assertEqual(self.sent(), [])       # nobody written to
        self.assertEqual(self.sql("SELECT count(*) FROM outbox"), "0")
        e, = self.entries()
        self.assertEqual(e["reason"], "held")
        self.assertRegex(e["detail"], r"^spam: rule spam \(rules\.conf "
                                      r"\(built-in\):\d+\)$")
        # kept whole, out of INBOX
        self.assertEqual(s.imap.messages(self.user), [])
        self.assertEqual(len(s.imap.messages(self.user, "Quarantine")), 1)
        # the same spam again: one entry
        r = self.deliver(raw)
        self.assertEqual(len(self.entries()), 1)
        # released: a ticket, acknowledged, Alice told; not held again
        rel = s.guichet("quarantine", "release", str(e["id"]),
                        env={"USER": "opbob", "SUDO_USER": ""}, now=T0)
        number = re.search(r"into (SUP-\d+-\d+)", rel.stdout).group(1)
        s.guichet("serve", "--once", now=T0)
        self.assertEqual(len(self.sent("claire@cust.example")), 1)
        self.assertEqual(len(self.sent("alice@example.com")), 1)
        self.assertIn("quarantine_released", self.kinds(number))

    def test_security_report_marked_spam_is_said(self):
        """A proof of concept often looks like spam to a filter: the
        report is held like any spam (no acknowledgement to a sender who
        may be forged), but its entry says the rules send it to the
        security queue, and the daemon warns, naming the entry: held
        unseen, it would miss its 24 business hours. (The agents are
        told too: the tests below.)"""
        raw = mail("XSS vulnerability in the login page",
                   "<script>alert(1)</script> runs in the login form.\n",
                   "sec-1@research.example",
                   sender="Researcher <r@research.example>", extra=SPAM)
        r = self.deliver(raw)
        e, = self.entries()
        self.assertEqual(e["reason"], "held")
        self.assertRegex(e["detail"], r"^spam: rule spam \(rules\.conf "
                                      r"\(built-in\):\d+\); rule security "
                                      r"sends it to queue security$")
        self.assertIn("quarantine %d: held (spam), and rule security sends "
                      "it to the security queue" % e["id"], r.stderr)
        # nothing to the sender; Alice told (test below)
        self.assertEqual(self.sql("SELECT string_agg(purpose || ' ' || "
                                  "array_to_string(rcpts, ','), ';') FROM "
                                  "outbox"),
                         "held_notice alice@example.com")
        # plain spam says no queue and warns of nothing
        r = self.deliver(mail("You won!", "Claim your prize.\n",
                              "spam-2@bulk.example",
                              sender="Prize <p@bulk.example>", extra=SPAM))
        self.assertNotIn("security queue", r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM outbox"), "1")
        self.assertEqual(sorted(x["detail"].endswith("to queue security")
                                for x in self.entries()), [False, True])

    def held_notices(self, to="alice@example.com"):
        return [m for m in self.sent(to)
                if m["Subject"].startswith("Held as spam")]

    def test_security_report_held_is_told_to_its_agents(self):
        """Held, a security report is told to the agents of the security
        queue, and to them only: at once, then at most once an hour
        (those held meanwhile in one mail after the hour), with nothing
        of the mail in it (its sender may be forged, its text is a proof
        of concept). A flood makes one mail an hour, listing 20."""
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": {"address": "alice@example.com",
                            "queues": "support, security",
                            "language": "en"},
            "agent bruno": {"address": "bruno@example.com",
                            "queues": "support", "language": "en"}})
        r = self.deliver(report(1))
        e1, = self.entries()
        self.assertIn("quarantine %d: held (spam)" % e1["id"], r.stderr)
        note, = self.held_notices()
        self.assertEqual(note["Subject"],
                         "Held as spam: 1 mail(s) for the security queue")
        self.assertEqual(note["Auto-Submitted"], "auto-generated")
        self.assertEqual(note["Importance"], "high")
        body = self.body(note)
        self.assertRegex(body, r"\n  %d  2026-11-26T10:00:00Z  spam: rule "
                               r"spam \(rules\.conf \(built-in\):\d+\); "
                               r"rule security sends it to queue "
                               r"security\n" % e1["id"])
        self.assertIn("guichet quarantine show %d" % e1["id"], body)
        raw = note.as_string()
        for leak in ("XSS", "script", "research.example", "login"):
            self.assertNotIn(leak, raw)
        # nobody else: not the support-only agent, not the sender
        self.assertEqual(self.sent("bruno@example.com"), [])
        self.assertEqual(self.sent("r@research.example"), [])
        self.assertEqual(self.sql("SELECT purpose || ' ' || send_rank FROM "
                                  "outbox"), "held_notice 0")
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "0")

        # two more within the hour: held, warned, not mailed yet
        s.imap.append(self.user, "INBOX", report(2))
        r = self.deliver(report(3), now=later(600))
        self.assertEqual(r.stderr.count("to the security queue: a security "
                                        "report?"), 2)
        s.guichet("serve", "--once", now=later(3000))
        self.assertEqual(len(self.held_notices()), 1)
        # after the hour, the scheduler tells both in one mail
        s.guichet("serve", "--once", now=later(3601))
        notes = self.held_notices()
        self.assertEqual(len(notes), 2)
        self.assertEqual(notes[1]["Subject"],
                         "Held as spam: 2 mail(s) for the security queue")
        ids = sorted(x["id"] for x in self.entries())[1:]
        for i in ids:
            self.assertRegex(self.body(notes[1]), r"\n  %d  2026-11-26T10:"
                                                  r"10:00Z  spam: " % i)
        s.guichet("serve", "--once", now=later(9000))
        self.assertEqual(len(self.held_notices()), 2)   # nothing new

        # released before it was told: not told
        s.imap.append(self.user, "INBOX", report(4, "Vulnerability: CSRF"))
        s.guichet("serve", "--once", now=later(4000))
        e4 = max(self.entries(), key=lambda x: x["id"])
        s.guichet("quarantine", "release", str(e4["id"]),
                  env={"USER": "opbob", "SUDO_USER": ""}, now=later(4100))
        s.guichet("serve", "--once", now=later(9000))
        self.assertEqual(len(self.held_notices()), 2)

        # a flood: the first at once, the 29 others in one mail an hour
        # later, 20 listed and the rest counted
        for n in range(100, 130):
            s.imap.append(self.user, "INBOX", report(n))
        s.guichet("serve", "--once", now=later(20000))
        self.assertEqual(len(self.held_notices()), 3)
        s.guichet("serve", "--once", now=later(20000 + 3601))
        notes = self.held_notices()
        self.assertEqual(len(notes), 4)
        self.assertEqual(notes[3]["Subject"],
                         "Held as spam: 29 mail(s) for the security queue")
        body = self.body(notes[3])
        self.assertEqual(len(re.findall(r"\n  \d+  2026-", body)), 20)
        self.assertIn("  ... and 9 more: guichet quarantine list --queue "
                      "security\n", body)
        self.assertEqual(self.sent("bruno@example.com"), [])
        # every held report was told once
        self.assertEqual(self.sql("SELECT count(*) FROM quarantine WHERE "
                                  "notice_queue = 'security' AND noticed_at "
                                  "IS NULL AND status = 'held'"), "0")

    def test_security_reports_held_by_two_daemons_at_once(self):
        """Daemons (here the MTA's ingest, eight at once) hold a report
        each in the same instant, and two scheduler passes run at once
        after the hour: still one notice at once and one after the hour,
        each report told once."""
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": {"address": "alice@example.com",
                            "queues": "support, security",
                            "language": "en"}})

        def together(*calls):
            out = []
            threads = [threading.Thread(target=lambda c=c: out.append(c()))
                       for c in calls]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return out

        n = 0
        for rnd in range(3):
            start = later(rnd * 10000)
            together(*[lambda i=i: s.guichet(
                "ingest", "--mailbox", "support", input=report(200 + i),
                now=start) for i in range(n, n + 8)])
            n += 8
            s.guichet("serve", "--once", now=start)
            self.assertEqual(len(self.held_notices()), 2 * rnd + 1)
            together(*[lambda: s.guichet("sla", "tick",
                                         now=later(rnd * 10000 + 3601))
                       for _ in range(2)])
            s.guichet("serve", "--once", now=later(rnd * 10000 + 3601))
            notes = self.held_notices()
            self.assertEqual(len(notes), 2 * rnd + 2)
            self.assertEqual(notes[-1]["Subject"],
                             "Held as spam: 7 mail(s) for the security "
                             "queue")
        self.assertEqual(self.sql("SELECT count(*) FROM quarantine WHERE "
                                  "noticed_at IS NOT NULL"), "24")

    def test_security_report_held_told_in_french_and_by_mailbox(self):
        """A French agent gets the French notice; with nobody on the
        security queue the report would stay in its mailbox's queue, so
        that queue's agents are told; plain spam tells nobody."""
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent chloe": {"address": "chloe@example.com",
                            "queues": "support", "language": "fr"}})
        self.deliver(mail("You won!", "Claim your prize.\n",
                          "spam-9@bulk.example",
                          sender="Prize <p@bulk.example>", extra=SPAM))
        self.assertEqual(self.sent(), [])
        self.deliver(report(1))
        note, = self.sent("chloe@example.com")
        self.assertEqual(note["Subject"], "Retenus comme spam : 1 mail(s) "
                                          "pour la file support")
        e = max(self.entries(), key=lambda x: x["id"])
        self.assertIn("guichet quarantine release %d" % e["id"],
                      self.body(note))
        self.assertEqual(self.sql("SELECT notice_queue FROM quarantine "
                                  "WHERE id = %d" % e["id"]), "support")

    def test_security_report_held_when_the_notice_cannot_be_written(self):
        """An operator's held_notice template that does not render: the
        report is held all the same (nothing lost, the intake goes on),
        the log says the agents are not told yet, and the scheduler
        tells them once the template is mended."""
        s = self.servers
        tpl = s.path("tpl_" + self.db)
        os.makedirs(os.path.join(tpl, "en"), exist_ok=True)
        bad = os.path.join(tpl, "en", "held_notice.txt")
        with open(bad, "w") as f:
            f.write("Subject: held\n\n{{no_such_variable}}\n")
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"templates_dir": tpl},
            "agent alice": {"address": "alice@example.com",
                            "queues": "support, security",
                            "language": "en"}})
        s.imap.append(self.user, "INBOX", report(1))
        r = self.deliver(mail("Printer", "It jams.\n", "pr-1@cust.example"))
        self.assertIn("quarantine: the security queue's agents are not told "
                      "yet", r.stderr)
        e, = self.entries()
        self.assertEqual((e["status"], e["notice_queue"], e["noticed_at"]),
                         ("held", "security", None))
        # the mail after it went on: a ticket, acknowledged
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "1")
        self.assertEqual(self.held_notices(), [])
        self.assertEqual(len(self.sent("claire@cust.example")), 1)
        # the scheduler tries again at every pass, and says why
        r = s.guichet("serve", "--once", now=later(60))
        self.assertIn("not told yet", r.stderr)
        os.unlink(bad)
        s.guichet("serve", "--once", now=later(120))
        note, = self.held_notices()
        self.assertIn("\n  %d  2026-11-26T10:00:00Z  spam: " % e["id"],
                      self.body(note))

    def test_quarantine_list_filters(self):
        """`quarantine list` shows the newest 1000 (or --limit N), oldest
        of them first, and says when older ones were left out; filters by
        reason, status, the queue told of a held report, and time; bad
        values are refused with the usage, nothing run."""
        s = self.servers

        def ids(*args, expect=0):
            r = s.guichet("quarantine", "list", "--json", *args)
            return [e["id"] for e in json.loads(r.stdout)], r.stderr

        self.deliver(mail("You won!", "Claim it.\n", "spam-1@bulk.example",
                          sender="Prize <p@bulk.example>", extra=SPAM))
        self.deliver(report(1), now=later(600))
        for n in range(2, 5):
            s.imap.append(self.user, "INBOX", mail(
                "Prize %d" % n, "Claim it.\n", "spam-%d@bulk.example" % n,
                sender="Prize <p@bulk.example>", extra=SPAM))
        s.guichet("serve", "--once", now=later(1200))
        every, err = ids()
        self.assertEqual(len(every), 5)
        self.assertEqual(every, sorted(every))
        self.assertEqual(err, "")
        # the newest 2, oldest first, and a word about the others
        got, err = ids("--limit", "2")
        self.assertEqual(got, every[-2:])
        self.assertIn("the newest 2 entries shown, older ones left out",
                      err)
        self.assertEqual(ids("--limit", "5")[1], "")
        # the held report: told to the support queue (nobody on security)
        e, = json.loads(s.guichet("quarantine", "list", "--json", "--queue",
                                  "support").stdout)
        self.assertEqual(e["id"], every[1])
        self.assertEqual(e["notice_queue"], "support")
        self.assertEqual(e["noticed_at"], "2026-11-26T10:10:00Z")
        self.assertIsNone(json.loads(s.guichet(
            "quarantine", "show", str(every[0])).stdout)["notice_queue"])
        self.assertEqual(ids("--since", "2026-11-26T10:15:00Z")[0],
                         every[2:])
        self.assertEqual(ids("--reason", "held", "--status", "held")[0],
                         every)
        self.assertEqual(ids("--reason", "parse")[0], [])
        s.guichet("quarantine", "release", str(every[3]),
                  env={"USER": "opbob", "SUDO_USER": ""}, now=later(1300))
        self.assertEqual(ids("--status", "released")[0], [every[3]])
        self.assertEqual(ids("--status", "held", "--limit", "1")[0],
                         [every[4]])
        # the text form: one line per entry
        text = s.guichet("quarantine", "list", "--reason", "held").stdout
        self.assertEqual(len(text.splitlines()), 5)
        # careless or hostile values: the usage, exit 64, nothing listed
        for bad in (["--limit", "0"], ["--limit", "-3"], ["--limit", "abc"],
                    ["--limit", "99999999999999999999"], ["--limit"],
                    ["--status", "gone"], ["--since", "yesterday"],
                    ["--reason", "x" * 65], ["--queue"], ["--since", ""]):
            r = s.guichet("quarantine", "list", *bad, expect=64)
            self.assertIn("guichet quarantine list [--reason R]", r.stderr)
            self.assertEqual(r.stdout, "")
        for bad in ("5x", "0", "-1", "", "1 2"):
            r = s.guichet("quarantine", "show", bad, expect=64)
            self.assertEqual(r.stdout, "")
        r = s.guichet("quarantine", "show", "999999", expect=66)
        self.assertIn("no quarantine entry 999999", r.stderr)

    def test_held_mail_deleted_after_held_retention(self):
        s = self.servers
        for i, when in enumerate((T0, "2026-12-16T10:00:00Z", T0)):
            self.deliver(mail("Prize %d" % i, "Claim it.\n",
                              "spam-%d@bulk.example" % i,
                              sender="P <p%d@bulk.example>" % i,
                              extra=SPAM), now=when)
        old, newer, released = [e["id"] for e in self.entries()]
        s.guichet("quarantine", "release", str(released), now=T0,
                  env={"USER": "opbob", "SUDO_USER": ""})
        # 29 days on: nothing goes
        r = s.guichet("sla", "tick", now="2026-12-25T09:00:00Z")
        self.assertNotIn("held deleted", r.stdout)
        self.assertEqual(len(self.entries()), 3)
        # 31 days on: the first held one goes, the newer and the
        # released one stay
        r = s.guichet("sla", "tick", now="2026-12-27T10:00:00Z")
        self.assertIn("held deleted 1", r.stdout)
        self.assertEqual(sorted(e["id"] for e in self.entries()),
                         sorted([newer, released]))
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "1")
        # held_retention = 0: kept for ever
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=dict(ALICE_AND_RULES,
                                     guichet={"held_retention": "0"}))
        r = s.guichet("sla", "tick", now="2027-06-01T10:00:00Z")
        self.assertNotIn("held deleted", r.stdout)
        self.assertEqual(len(self.entries()), 2)

    def test_what_is_not_held(self):
        # the filter's "No", and headers that are no verdict
        for i, extra in enumerate((
                "X-Spam-Flag: NO\r\nX-Spam-Status: No, score=0.2\r\n",
                "X-Spam-Level: ***\r\nX-Spam: no\r\n")):
            r = self.deliver(mail("Export vide", "Bonjour,\n",
                                  "ok-%d@cust.example" % i, extra=extra))
            self.assertIn("new ticket", r.stderr)
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        # the customer's own follow-up, marked spam by mistake: still
        # hers, on her ticket
        last = "<%s>" % self.sql("SELECT message_id FROM outbox WHERE "
                                 "purpose = 'ack' ORDER BY id DESC LIMIT 1")
        r = self.deliver(mail("Re: [%s] Export vide" % number,
                              "Toujours vide.\n", "ok-9@cust.example",
                              in_reply_to=last, extra=SPAM))
        self.assertIn("follow-up %s" % number, r.stderr)
        # a stranger's follow-up marked spam is held (it would open a
        # ticket of its own)
        r = self.deliver(mail("Re: [%s] Export vide" % number,
                              "Buy now.\n", "st-1@bulk.example",
                              sender="Eve <eve@bulk.example>",
                              in_reply_to=last, extra=SPAM))
        self.assertIn("held: spam", r.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "2")
        self.assertIn("stranger_held", self.kinds(number))
        self.assertEqual([e["reason"] for e in self.entries()], ["held"])

    def test_rule_of_ones_own(self):
        s = self.servers
        rules = s.path("junk-rules.conf")
        with open(rules, "w") as f:
            f.write("[rule newsletters]\n"
                    "match = header:List-Unsubscribe: .\n"
                    "unless = from: @cust\\.example$\n"
                    "hold = newsletter\n")
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=dict(ALICE_AND_RULES, rules={"file": rules}))
        raw = mail("Weekly digest", "News.\n", "nl-1@news.example",
                   sender="News <news@news.example>",
                   extra="List-Unsubscribe: <mailto:u@news.example>\r\n")
        path = s.path("nl.eml")
        with open(path, "wb") as f:
            f.write(raw)
        out = s.guichet("rules", "test", path).stdout
        self.assertRegex(out, r"held: +newsletter, by rule newsletters "
                              r"\(.*junk-rules\.conf:1\)")
        j = json.loads(s.guichet("rules", "test", "--json", path).stdout)
        self.assertEqual(j["hold"], "newsletter")
        self.assertEqual(j["hold_rule"]["name"], "newsletters")
        r = self.deliver(raw)
        self.assertIn("held: newsletter: rule newsletters", r.stderr)
        # a customer's mail with the header is not
        r = self.deliver(mail("Export vide", "Bonjour,\n", "c-1@cust.example",
                              extra="List-Unsubscribe: <mailto:x@y>\r\n"))
        self.assertIn("new ticket", r.stderr)
        # a bad hold is the operator's to mend: check-config says where
        with open(rules, "a") as f:
            f.write("\n[rule bad]\nmatch = subject: x\nhold = two words\n")
        r = s.guichet("check-config", expect=78)
        self.assertIn('junk-rules.conf:8: rule bad: hold: bad value "two '
                      'words"', r.stdout + r.stderr)


ALICE_AND_RULES = {"agent alice": {"address": "alice@example.com",
                                   "name": "Alice Martin",
                                   "queues": "support",
                                   "language": "en"}}


if __name__ == "__main__":
    unittest.main()
