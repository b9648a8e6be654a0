"""test_intake_edges.py - intake at its edges, against real servers.

- A failing mail at the start, the middle or the end of a batch is
  quarantined alone, and queues nothing.
- Different broken mails with one body are as many quarantine entries;
  the same one fetched twice is one.
- A mail with a text of 20 MB under max_mail_size is a ticket whose text
  is cut with a note; the raw mail is kept whole.
- A batch stops at fetch_budget bytes: 40 mails of 8 MB keep the
  daemon's peak RSS under the budget plus a fixed overhead.
- A mail leaves INBOX only after its commit: a batch held before its
  COMMIT and killed leaves every mail in INBOX, nothing queued; after a
  restart each is taken once.
- Ticket numbers never skip (a counter row per year, in the storing
  transaction).
- `serve --once` exits 75 when IMAP or the database failed in the pass.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import unittest

import guichet_harness as gh

NOW = "2026-11-26T10:00:00Z"
NO_AGENT = {"agent alice": None}
# an AddressSanitizer build (its memory figures mean nothing)
with open(os.environ["GUICHET_BIN"], "rb") as _f:
    SANITIZED = b"__asan_init" in _f.read()
# what the daemon holds besides the fetched batch: the mail in hand (8 MB
# here) parsed and sent to PostgreSQL, about 7 times its size, and the
# libraries; about 60 MB measured, whatever the number of mails
OVERHEAD = 80 * 1048576


def mail(subject, body="Hello,\n\nThe export gives an empty file.\n",
         mid="<m-1@customer.example.org>",
         sender="Claire Dupont <claire@customer.example.org>", extra=""):
    head = ("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n"
            "Date: Thu, 26 Nov 2026 09:58:00 +0100\r\n" % (sender, subject))
    if mid:
        head += "Message-ID: %s\r\n" % mid
    head += extra
    head += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (head + "\r\n" + body.replace("\n", "\r\n")).encode()


POISON = ("CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ "
          "BEGIN IF NEW.subject = 'poison' THEN RAISE EXCEPTION 'poisoned'; "
          "END IF; RETURN NEW; END $$; "
          "CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW "
          "EXECUTE FUNCTION poison()")


class IntakeEdges(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "ie_" + self._testMethodName[5:][:40].lower()
        self.user = ("u" + self._testMethodName[5:])[:30].lower()
        self.configure()
        s.guichet("migrate")
        s.smtp.clear()

    def configure(self, **general):
        sections = dict(NO_AGENT)
        if general:
            sections["guichet"] = general
        self.servers.write_config(dbname=self.db, mailbox_user=self.user,
                                  sections=sections)

    def sql(self, q):
        return self.servers.pg.psql(q, db=self.db)

    def scalar(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    def serve_once(self, now=NOW, expect=0):
        return self.servers.guichet("serve", "--once", now=now,
                                    expect=expect)

    def folder(self, name):
        return self.servers.imap.messages(self.user, name)

    def numbers(self):
        return sorted(r[0] for r in self.sql("SELECT number FROM tickets"))

    # --- a failing mail anywhere in a batch ---------------------------

    def check_failing_mail_at(self, where):
        s = self.servers
        self.sql(POISON)
        good = [mail("Good %d" % i, mid="<good-%d@c.example.org>" % i)
                for i in range(4)]
        bad = mail("poison", mid="<poison@c.example.org>")
        order = {"start": [bad] + good, "middle": good[:2] + [bad] + good[2:],
                 "end": good + [bad]}[where]
        for raw in order:
            s.imap.append(self.user, "INBOX", raw)
        r = self.serve_once()
        self.assertEqual(r.stderr.count("new ticket"), 4, r.stderr)
        self.assertIn("quarantined - <poison@c.example.org>: store failed",
                      r.stderr)
        self.assertIn("poisoned", self.scalar("SELECT detail FROM quarantine"))
        self.assertEqual(self.folder("INBOX"), [])
        self.assertEqual(self.folder("Quarantine"), [bad])
        self.assertEqual(sorted(self.folder("Processed")), sorted(good))
        # the batch was redone mail by mail: no number was lost with it
        self.assertEqual(self.numbers(), ["SUP-2026-%06d" % i
                                          for i in range(1, 5)])
        # the failed mail queued nothing: one acknowledgement per ticket
        self.assertEqual(self.scalar("SELECT count(*) FROM outbox"), "4")
        self.assertEqual(self.scalar(
            "SELECT count(*) FROM outbox WHERE convert_from(data, 'UTF8') "
            "LIKE '%poison@c.example.org%'"), "0")
        got = s.smtp.wait_for(4)
        self.assertFalse([m for m in got if "poison" in m["Subject"]])

    def test_failing_mail_first_in_batch(self):
        self.check_failing_mail_at("start")

    def test_failing_mail_in_the_middle_of_batch(self):
        self.check_failing_mail_at("middle")

    def test_failing_mail_last_in_batch(self):
        self.check_failing_mail_at("end")

    # --- quarantined mails keep their identity -----------------------

    def test_different_broken_mails_with_one_body_are_all_kept(self):
        s = self.servers
        self.configure(max_mail_size="64KB", max_header_size="16KB")
        body = "The same body in every one of them.\n"
        junk = "X-Junk: " + "j" * 20000 + "\r\n"    # over max_header_size
        big = "\n" + "b" * 100000 + "\n"           # over max_mail_size
        broken = [
            mail("Header %d" % i, body=body, extra=junk,
                 mid="<h-%d@c.example.org>" % i,
                 sender="S%d <s%d@c.example.org>" % (i, i))
            for i in range(3)] + [
            mail("Header, no id %d" % i, body=body, extra=junk, mid=None,
                 sender="N%d <n%d@c.example.org>" % (i, i))
            for i in range(2)] + [
            mail("Big %d" % i, body=body + big, mid="<b-%d@c.example.org>" % i,
                 sender="B%d <b%d@c.example.org>" % (i, i))
            for i in range(3)]
        for raw in broken:
            s.imap.append(self.user, "INBOX", raw)
        r = self.serve_once()
        self.assertEqual(r.stderr.count("quarantined"), len(broken), r.stderr)
        self.assertNotIn("duplicate", r.stderr)
        # the log names each by the Message-ID read from its header block
        self.assertIn("quarantined - <h-2@c.example.org>: limit", r.stderr)
        self.assertIn("quarantined - <b-0@c.example.org>: size", r.stderr)
        self.assertEqual(self.scalar("SELECT count(*) FROM quarantine"),
                         str(len(broken)))
        self.assertEqual(sorted(self.folder("Quarantine")), sorted(broken))
        self.assertEqual(self.folder("Processed"), [])
        # each one of the big senders is told
        told = {m["X-RcptTo"] for m in s.smtp.wait_for(3)}
        self.assertEqual(told, {"b%d@c.example.org" % i for i in range(3)})

        # the same broken mails fetched again: copies, quarantined once
        for raw in broken:
            s.imap.append(self.user, "INBOX", raw)
        r = self.serve_once()
        self.assertEqual(r.stderr.count("duplicate"), len(broken), r.stderr)
        self.assertEqual(self.scalar("SELECT count(*) FROM quarantine"),
                         str(len(broken)))
        self.assertEqual(self.folder("INBOX"), [])

    # --- large text ------------------------------------------------------

    def test_large_text_makes_a_ticket_with_its_text_cut(self):
        s = self.servers
        line = "Le journal d\u2019erreurs complet, ligne apr\u00e8s ligne.\n"
        body = line * (20 * 1048576 // len(line.encode()))
        big = mail("Journal complet", body=body, mid="<big-text@c.example.org>")
        self.assertGreater(len(big), 20 * 1048576)
        # 8 MB of a single-byte charset, each byte 3 bytes in UTF-8
        euros = (b"From: Eve <eve@c.example.org>\r\nTo: support@example.com"
                 b"\r\nSubject: Euros\r\nMessage-ID: <euros@c.example.org>"
                 b"\r\nContent-Type: text/plain; charset=windows-1252\r\n"
                 b"\r\n" + (b"\x80" * 76 + b"\r\n") * (8 * 1048576 // 78))
        s.imap.append(self.user, "INBOX", big)
        s.imap.append(self.user, "INBOX", euros)
        r = self.serve_once()
        self.assertIn("new ticket SUP-2026-000001 <big-text@c.example.org>",
                      r.stderr)
        self.assertIn("new ticket SUP-2026-000002 <euros@c.example.org>",
                      r.stderr)
        self.assertEqual(self.scalar("SELECT count(*) FROM quarantine"), "0")
        for mid, raw in (("big-text@c.example.org", big),
                         ("euros@c.example.org", euros)):
            size, sha, text_len, tail, valid = self.sql(
                "SELECT raw_size, encode(raw_sha256, 'hex'), "
                "octet_length(text), right(text, 200), "
                "octet_length(new_text) <= 1048576 + 300 FROM messages "
                "WHERE message_id = '%s'" % mid)[0]
            # the raw mail whole, the text cut with a note
            self.assertEqual(int(size), len(raw))
            self.assertEqual(sha, hashlib.sha256(raw).hexdigest())
            self.assertLessEqual(int(text_len), 1048576 + 300)
            self.assertGreater(int(text_len), 1048576 - 4)
            self.assertIn("The text of this mail is cut here", tail)
            self.assertIn("The whole mail is kept as received.", tail)
            self.assertEqual(valid, "t")
        t = json.loads(s.guichet("ticket", "show", "SUP-2026-000001",
                                 "--json").stdout)
        self.assertTrue(t["messages"][0]["text"].startswith(line))
        self.assertIn("the ticket shows the first", t["messages"][0]["text"])
        # and the senders hear of their tickets
        acks = s.smtp.wait_for(2)
        self.assertEqual(sorted(m["X-RcptTo"] for m in acks),
                         ["claire@customer.example.org", "eve@c.example.org"])

    def test_text_and_fetch_limits_are_checked(self):
        s = self.servers
        for key, bad in (("max_text_size", "10"), ("max_text_size", "0"),
                         ("fetch_budget", "0"), ("fetch_budget", "100KB"),
                         ("fetch_budget", "-1MB")):
            s.write_config(dbname=self.db, mailbox_user=self.user,
                           sections={"guichet": {key: bad}})
            r = s.guichet("check-config", expect=78)
            self.assertIn(key, r.stdout + r.stderr)
        self.configure(max_text_size="2KB")
        # the limit falls inside a two-byte character: cut before it
        s.imap.append(self.user, "INBOX", mail(
            "Small cut", body="x" + "\u00e9" * 5000,
            mid="<cut2k@c.example.org>"))
        self.serve_once()
        text = self.scalar("SELECT text FROM messages")
        self.assertTrue(text.startswith("x" + "\u00e9" * 1023 + "\n\n[The "
                                        "text of this mail is cut here"))
        self.assertRegex(text, r"it has 1000\d bytes, the ticket shows the "
                         r"first 2047\.")

    # --- memory bounded by fetch_budget ----------------------------------

    def peak_rss_of_serve(self, count, size, **general):
        """VmHWM (bytes) of a daemon that took `count` mails of `size`
        bytes each, and the mails' raw sizes as stored."""
        s = self.servers
        self.configure(**general)
        c = s.imap.client(self.user)
        line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,;:!?\r\n"
        for i in range(count):
            head = ("From: C%d <c%d@customer.example.org>\r\nTo: support@"
                    "example.com\r\nSubject: Log %d\r\nMessage-ID: <log-%d@"
                    "c.example.org>\r\n\r\n" % (i, i, i, i)).encode()
            raw = head + line * ((size - len(head)) // len(line))
            c.append("INBOX", None, None, raw)
        c.logout()
        d = s.spawn("serve", now=NOW)
        try:
            gh.wait_until(lambda: self.scalar(
                "SELECT count(*) FROM tickets") == str(count), 300,
                "every mail processed")
            with open("/proc/%d/status" % d.pid) as f:
                hwm = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))
        finally:
            d.stop()
        self.assertEqual(self.scalar("SELECT count(*) FROM tickets"),
                         str(count))
        return hwm * 1024

    def test_mails_bigger_than_fetch_budget_are_taken_one_by_one(self):
        s = self.servers
        self.configure(fetch_budget="1MB")
        raws = []
        for i in range(6):
            body = ("z" * 76 + "\n") * ((3 if i % 2 else 0) * 13500 + 1)
            raws.append(mail("Mixed %d" % i, body=body,
                             mid="<mixed-%d@c.example.org>" % i))
            s.imap.append(self.user, "INBOX", raws[-1])
        r = self.serve_once()
        self.assertEqual(r.stderr.count("new ticket"), 6, r.stderr)
        self.assertEqual(self.folder("INBOX"), [])
        self.assertEqual(self.folder("Processed"), raws)
        self.assertEqual(self.numbers(), ["SUP-2026-%06d" % i
                                          for i in range(1, 7)])

    def test_memory_is_bounded_by_fetch_budget(self):
        mb = 1048576
        budget = 64 * mb
        hwm = self.peak_rss_of_serve(40, 8 * mb)
        print("peak RSS %.1f MB for 40 mails of 8 MB, fetch_budget 64MB"
              % (hwm / mb))
        if SANITIZED:
            self.skipTest("AddressSanitizer keeps freed memory: no figure")
        # the budget plus a fixed overhead (320 MB of mail in all)
        self.assertLess(hwm, budget + OVERHEAD)

    # --- a mail leaves its folder only after its commit ----------------

    def test_mail_stays_in_inbox_until_commit_and_is_taken_once_after_kill(self):
        s = self.servers
        first = mail("Warm-up", mid="<warm@c.example.org>")
        s.imap.append(self.user, "INBOX", first)
        self.serve_once()                # the mailbox's state row exists now
        s.smtp.wait_for(1)
        # a session of ours holds that row: the batch's last write before
        # COMMIT (the mailbox's state) waits for it
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("PG")}
        holder = subprocess.Popen(
            [s.pg._bin("psql"), "-X", "-q", "-t", "-A", "-d",
             s.pg.conninfo(self.db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=env)
        try:
            holder.stdin.write(b"BEGIN;\nSELECT 'held' FROM imap_state "
                               b"FOR UPDATE;\n")
            holder.stdin.flush()
            self.assertEqual(holder.stdout.readline(), b"held\n")
            raws = [mail("Held %d" % i, mid="<held-%d@c.example.org>" % i,
                         sender="H%d <h%d@c.example.org>" % (i, i))
                    for i in range(3)]
            for raw in raws:
                s.imap.append(self.user, "INBOX", raw)
            d = s.spawn("serve", now=NOW)
            gh.wait_until(lambda: self.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE "
                "application_name = 'guichet' AND wait_event_type = 'Lock'")
                == "1", 60, "the batch waiting before its COMMIT")
            # written, not committed: every mail is still in INBOX, no
            # ticket and no acknowledgement can be seen
            self.assertEqual(self.folder("INBOX"), raws)
            self.assertEqual(self.folder("Processed"), [first])
            self.assertEqual(self.numbers(), ["SUP-2026-000001"])
            self.assertEqual(self.scalar("SELECT count(*) FROM outbox"), "1")
            d.kill()                     # SIGKILL, before the COMMIT
            self.assertEqual(d.proc.returncode, -signal.SIGKILL)
            holder.stdin.write(b"ROLLBACK;\n")
            holder.stdin.close()
            holder.wait(30)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
            holder.stdout.close()
        # the batch died with the daemon: nothing of it, nothing sent
        gh.wait_until(lambda: self.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name "
            "= 'guichet'") == "0", 30, "the killed daemon's session gone")
        self.assertEqual(self.scalar("SELECT count(*) FROM outbox"), "1")
        self.assertEqual(self.scalar("SELECT count(*) FROM messages"), "2")
        self.assertEqual(s.smtp.count(), 1)
        self.assertEqual(self.folder("INBOX"), raws)
        # after a restart, each mail is taken exactly once
        r = self.serve_once()
        self.assertEqual(r.stderr.count("new ticket"), 3, r.stderr)
        self.serve_once()
        self.assertEqual(self.folder("INBOX"), [])
        self.assertEqual(self.folder("Processed"), [first] + raws)
        self.assertEqual(self.numbers(), ["SUP-2026-%06d" % i
                                          for i in range(1, 5)])
        self.assertEqual(self.scalar("SELECT count(*) FROM messages WHERE "
                                     "direction = 'in'"), "4")
        acks = s.smtp.wait_for(4)
        self.assertEqual(sorted(m["X-RcptTo"] for m in acks)[1:],
                         ["h%d@c.example.org" % i for i in range(3)])

    # --- ticket numbers --------------------------------------------------

    def test_numbers_per_year_without_gaps_even_in_parallel(self):
        s = self.servers
        # ten mails piped at once by ten processes: ten numbers in a row
        procs = []
        for i in range(10):
            argv = s._guichet_argv(("ingest", "--mailbox", "support"), NOW,
                                   None)
            p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            p.stdin.write(mail("Parallel %d" % i, mid="<par-%d@c.org>" % i))
            p.stdin.close()
            procs.append(p)
        self.assertEqual([p.wait(60) for p in procs], [0] * 10)
        self.assertEqual(self.numbers(), ["SUP-2026-%06d" % i
                                          for i in range(1, 11)])
        # a new year starts at 1 again
        s.guichet("ingest", "--mailbox", "support", now="2027-01-04T09:00:00Z",
                  input=mail("New year", mid="<ny@c.org>"))
        self.assertIn("SUP-2027-000001", self.numbers())

    def test_numbers_go_on_after_the_old_sequence(self):
        s = self.servers
        # a database numbered by the sequence before migration 009
        self.sql("SELECT setval('ticket_number_seq', 41)")
        s.guichet("ingest", "--mailbox", "support", now=NOW,
                  input=mail("After upgrade", mid="<up@c.org>"))
        s.guichet("ingest", "--mailbox", "support", now=NOW,
                  input=mail("After upgrade 2", mid="<up2@c.org>"))
        self.assertEqual(self.numbers(), ["SUP-2026-000042",
                                          "SUP-2026-000043"])

    def test_failing_notice_of_a_big_mail_last_in_batch(self):
        s = self.servers
        self.configure(max_mail_size="64KB")
        # the notice to the sender of a big mail cannot be queued
        self.sql("CREATE FUNCTION nonotice() RETURNS trigger LANGUAGE "
                 "plpgsql AS $$ BEGIN IF NEW.purpose = 'size_limit' THEN "
                 "RAISE EXCEPTION 'no notice'; END IF; RETURN NEW; END $$; "
                 "CREATE TRIGGER nonotice BEFORE INSERT ON outbox FOR EACH "
                 "ROW EXECUTE FUNCTION nonotice()")
        good = [mail("Good %d" % i, mid="<good-%d@c.example.org>" % i)
                for i in range(2)]
        big = mail("Big", body="x" * 100000 + "\n", mid="<big@c.example.org>")
        for raw in good + [big]:
            s.imap.append(self.user, "INBOX", raw)
        r = self.serve_once()
        self.assertEqual(r.stderr.count("new ticket"), 2, r.stderr)
        self.assertIn("quarantined", r.stderr)
        self.assertEqual(self.folder("INBOX"), [])
        self.assertEqual(self.folder("Quarantine"), [big])
        self.assertIn("no notice", self.scalar("SELECT detail FROM quarantine"))
        self.assertEqual(self.numbers(), ["SUP-2026-000001", "SUP-2026-000002"])

    def test_mail_too_big_to_download_is_held_and_its_sender_told(self):
        # over 4 x max_mail_size a mail is not downloaded: only its header
        # block is read, to tell its sender (never a robot), and the IMAP
        # quarantine folder keeps it whole
        s = self.servers
        self.configure(max_mail_size="16KB")
        huge = mail("Huge logs", body="l" * 80000 + "\n",
                    mid="<huge@c.example.org>")
        robot = mail("Huge report", body="r" * 80000 + "\n",
                     mid="<robot@c.example.org>",
                     sender="Monitor <monitor@c.example.org>",
                     extra="Auto-Submitted: auto-generated\r\n")
        for raw in (huge, robot):
            s.imap.append(self.user, "INBOX", raw)
        self.serve_once()
        self.assertEqual(self.folder("INBOX"), [])
        self.assertEqual(sorted(self.folder("Quarantine")),
                         sorted([huge, robot]))
        self.assertEqual(self.scalar(
            "SELECT string_agg(reason || ':' || raw_size, ',') FROM "
            "quarantine"), "size:0,size:0")
        notice, = s.smtp.wait_for(1)
        self.assertIn("claire@customer.example.org", notice["To"])
        self.assertEqual(notice["In-Reply-To"], "<huge@c.example.org>")
        # the sizes as people write them in the mailbox's language
        # (French): 80,000 bytes of text and the header, 16 KB
        self.assertRegex(notice.get_body(("plain",)).get_content(),
                         r"sa taille \(79 Ko\) dépasse notre limite de\s+"
                         r"16 Ko\.")
        self.assertEqual(self.numbers(), [])
        self.assertEqual(self.scalar("SELECT count(*) FROM outbox WHERE "
                                     "purpose = 'size_limit'"), "1")

    # --- serve --once tells when the pass failed --------------------

    def test_once_exits_75_when_imap_fails(self):
        s = self.servers
        s.imap.append(self.user, "INBOX", mail("Kept", mid="<kept@c.org>"))
        s.imap.stop()
        try:
            r = self.serve_once(expect=75)
            self.assertIn("the pass did not complete", r.stderr)
        finally:
            s.imap.start()
            # its port taken meanwhile (a test beside this one), Dovecot
            # comes back on another: the configuration follows it
            self.configure()
        self.assertEqual(self.scalar("SELECT count(*) FROM tickets"), "0")
        r = self.serve_once()
        self.assertIn("new ticket SUP-2026-000001 <kept@c.org>", r.stderr)

    def test_once_exits_75_when_the_database_goes_away_mid_pass(self):
        s = self.servers
        # the database session ends while the third mail is stored
        self.sql("CREATE FUNCTION cut() RETURNS trigger LANGUAGE plpgsql "
                 "AS $$ BEGIN IF NEW.subject = 'cut' THEN PERFORM "
                 "pg_terminate_backend(pg_backend_pid()); END IF; "
                 "RETURN NEW; END $$; CREATE TRIGGER cut BEFORE INSERT ON "
                 "messages FOR EACH ROW EXECUTE FUNCTION cut()")
        raws = [mail("Before %d" % i, mid="<before-%d@c.org>" % i,
                     sender="B%d <b%d@c.example.org>" % (i, i))
                for i in range(2)] + [mail("cut", mid="<cut@c.org>")]
        for raw in raws:
            s.imap.append(self.user, "INBOX", raw)
        self.serve_once(expect=75)
        # the batch rolled back whole: every mail still in INBOX, and the
        # acknowledgements of the mails before the cut one went with it
        self.assertEqual(self.folder("INBOX"), raws)
        self.assertEqual(self.scalar("SELECT count(*) FROM tickets"), "0")
        self.assertEqual(self.scalar("SELECT count(*) FROM outbox"), "0")
        self.assertEqual(s.smtp.count(), 0)
        self.sql("DROP TRIGGER cut ON messages")
        self.serve_once()
        self.assertEqual(self.folder("INBOX"), [])
        self.assertEqual(self.numbers(), ["SUP-2026-%06d" % i
                                          for i in range(1, 4)])
        self.assertEqual(len(s.smtp.wait_for(3)), 3)

    def test_once_exits_0_when_smtp_is_down_or_another_daemon_polls(self):
        s = self.servers
        # SMTP away: the mails are stored, their acknowledgements wait in
        # the outbox; the pass did its work
        s.imap.append(self.user, "INBOX", mail("No SMTP", mid="<nosmtp@c.org>"))
        s.smtp.stop()
        try:
            r = self.serve_once()
        finally:
            s.smtp.start()
        self.assertIn("new ticket SUP-2026-000001", r.stderr)
        self.assertEqual(self.scalar("SELECT status FROM outbox"), "pending")
        # the mailbox is another daemon's: nothing to do here is no failure
        d = s.spawn("serve", now=NOW)
        try:
            d.wait_for_output("this daemon polls it now")
            r = self.serve_once()
            self.assertNotIn("did not complete", r.stderr)
        finally:
            d.stop()

    def test_once_exits_75_when_the_database_is_down(self):
        s = self.servers
        s.pg.stop()
        try:
            self.serve_once(expect=75)
        finally:
            s.pg.start()
        self.serve_once()


if __name__ == "__main__":
    unittest.main(verbosity=2)
