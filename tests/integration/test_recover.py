"""test_recover.py - `guichet recover`: the tickets a restore lost, taken
in again from the processed folder.

A mail leaves INBOX for the processed folder once its ticket is
committed. Restoring the database from a dump older than the last mails
(or failing over to a standby that had not received the last commits)
loses those tickets while their mails sit in the processed folder:

- a mail stored before the dump (A), then, after it, a new ticket (B) and
  a follow-up of A's ticket (C); the database restored from the dump: B
  and C are gone;
- `recover --dry-run` names B (a new ticket) and C (a follow-up of A's
  ticket) and stores nothing: no ticket, message, outbox row or claim
  more;
- `recover` takes B and C in (B's acknowledgement queued, C on A's
  ticket), recognises A; run again, it takes nothing; the IMAP folders
  are as they were;
- the mailboxes share the numbering: the mails of two mailboxes that
  came in turn come back under the numbers their acknowledgements named
  (recover takes them in the order they reached their folders, by
  INTERNALDATE, not one mailbox after the other);
- a mail that reached the folder before the day before --since is not
  looked at; a mail in the folder that cannot be stored goes to the
  quarantine table (the IMAP mail stays where it is);
- mail the MTA delivered is in no folder of ours: a copy the MTA keeps
  in a folder of the mailbox is read with --folder, and so is the
  quarantine folder, whose entries come back;
- a mail whose ticket `gdpr forget` anonymised is recognised, not taken
  in again with the person's data;
- bad arguments (no --since, a date that does not parse, one in the
  future, an unknown mailbox, an option twice, --folder without
  --mailbox, empty, with control bytes or too long): 64 and nothing
  reached; a wrong IMAP password: the failure named, the password not,
  nothing stored; an IMAP server that is not there: 75; a mailbox whose
  processed folder does not exist yet: said, not a failure.
"""

import datetime
import os
import re
import subprocess
import unittest

import guichet_harness as gh


def mail(tag, subject=None, extra="", sender=None):
    return ("From: Customer <%s@customer.example.org>\r\n"
            "To: support@example.com\r\n"
            "Subject: %s\r\n"
            "Date: Mon, 07 Dec 2026 09:00:00 +0000\r\n"
            "Message-ID: <recover-%s@customer.example.org>\r\n%s"
            "\r\nThe export of %s fails.\r\n"
            % (sender or tag, subject or "Export fails for " + tag, tag,
               extra, tag)).encode()


def day(offset=0):
    """Today (UTC), or offset days from it, as --since takes it."""
    return (datetime.datetime.now(datetime.timezone.utc) +
            datetime.timedelta(days=offset)).strftime("%Y-%m-%d")


class Recover(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "rc_" + self._testMethodName[5:][:40].lower()
        self.user = ("rc" + self._testMethodName[5:])[:30].lower()
        self.conf = s.write_config(dbname=self.db, mailbox_user=self.user)
        s.guichet("migrate")

    def count(self, table):
        return int(self.servers.pg.scalar("SELECT count(*) FROM %s" % table,
                                          db=self.db))

    def counts(self):
        return {t: self.count(t) for t in ("tickets", "messages", "outbox",
                                           "events", "quarantine")}

    def dump(self):
        r = subprocess.run(
            [self.servers.pg._bin("pg_dump"), "-Fc", "-d",
             self.servers.pg.conninfo(self.db)], stdout=subprocess.PIPE,
            check=True)
        return r.stdout

    def restore(self, dump):
        pg = self.servers.pg
        pg.psql("DROP DATABASE %s WITH (FORCE)" % self.db)
        pg.psql("CREATE DATABASE %s" % self.db)
        subprocess.run([pg._bin("pg_restore"), "--no-owner", "-d",
                        pg.conninfo(self.db)], input=dump, check=True)

    def test_a_restore_from_an_older_dump(self):
        s = self.servers
        today = day()
        s.imap.append(self.user, "INBOX", mail("a"))
        s.guichet("serve", "--once")
        number = s.pg.scalar("SELECT number FROM tickets", db=self.db)
        dump = self.dump()
        s.imap.append(self.user, "INBOX", mail("b"))
        s.imap.append(self.user, "INBOX", mail(
            "c", "Re: [%s] Export fails for a" % number, sender="a"))
        s.guichet("serve", "--once")
        self.assertEqual(self.count("tickets"), 2)
        self.assertEqual(self.count("messages WHERE author = 'customer'"),
                         3)
        number_b = s.pg.scalar("SELECT number FROM tickets WHERE subject "
                               "= 'Export fails for b'", db=self.db)
        processed = s.imap.messages(self.user, "Processed")
        self.assertEqual(len(processed), 3)

        self.restore(dump)
        before = self.counts()
        self.assertEqual(before["tickets"], 1)

        r = s.guichet("recover", "--since", today, "--dry-run")
        lines = r.stdout.splitlines()
        self.assertTrue(any("recover-b@" in ln and "would be new ticket"
                            in ln for ln in lines), r.stdout)
        self.assertTrue(any("recover-c@" in ln and "would be follow-up "
                            "%s" % number in ln for ln in lines), r.stdout)
        self.assertFalse(any("recover-a@" in ln for ln in lines), r.stdout)
        self.assertIn("mailbox support: 3 mail(s) in Processed: 1 stored "
                      "already, 2 would be taken in", r.stdout)
        self.assertEqual(self.counts(), before)

        r = s.guichet("recover", "--since", today)
        self.assertIn("3 mail(s) in Processed: 1 stored already, 2 taken "
                      "in, 0 quarantined", r.stdout)
        # run before the daemons, B comes back under the number its
        # acknowledgement named: the counter went back with the dump, and
        # the mails are taken in the order they were numbered
        self.assertTrue(any("recover-b@" in ln and "is new ticket %s"
                            % number_b in ln for ln in
                            r.stdout.splitlines()), r.stdout)
        self.assertEqual(self.count("tickets"), 2)
        # C on A's ticket, B on a ticket of its own, acknowledged
        self.assertEqual(s.pg.scalar(
            "SELECT count(*) FROM messages m JOIN tickets t ON t.id = "
            "m.ticket_id WHERE t.number = '%s' AND m.author = 'customer'"
            % number, db=self.db), "2")
        self.assertEqual(s.pg.scalar(
            "SELECT count(*) FROM outbox o JOIN tickets t ON t.id = "
            "o.ticket_id WHERE t.subject = 'Export fails for b' AND "
            "o.purpose = 'ack'", db=self.db), "1")

        after = self.counts()
        r = s.guichet("recover", "--since", today)
        self.assertIn("3 mail(s) in Processed: 3 stored already, 0 taken "
                      "in", r.stdout)
        self.assertEqual(self.counts(), after)
        # nothing moved on the IMAP server
        self.assertEqual(s.imap.messages(self.user, "Processed"), processed)
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])

    def test_several_mailboxes_keep_their_numbers(self):
        s = self.servers
        other = self.user + "b"
        s.imap.add_user(other)
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "mailbox sales": {
                "url": s.imap.imaps_url, "user": other,
                "password_file": s.imap.password_file(other),
                "address": "sales@example.com", "queue": "support",
                "tls_ca_file": s.ca_file}})
        dump = self.dump()          # before any ticket
        t0 = datetime.datetime.now(datetime.timezone.utc) - \
            datetime.timedelta(minutes=10)
        numbers = {}
        # sales, support, sales, support: numbered 1, 2, 3, 4
        for k, (user, tag) in enumerate(((other, "x"), (self.user, "y"),
                                         (other, "z"), (self.user, "w"))):
            s.imap.append(user, "INBOX", mail(tag),
                          date=t0 + datetime.timedelta(seconds=k))
            r = s.guichet("serve", "--once")
            numbers[tag] = re.search(r"new ticket (SUP-\d+-\d+)",
                                     r.stderr).group(1)
        self.assertEqual(len(set(numbers.values())), 4)
        self.restore(dump)
        r = s.guichet("recover", "--since", day())
        for tag, number in numbers.items():
            self.assertTrue(any("recover-%s@" % tag in ln and
                                "is new ticket %s" % number in ln
                                for ln in r.stdout.splitlines()),
                            (tag, number, r.stdout))
        for box in ("support", "sales"):
            self.assertIn("mailbox %s: 2 mail(s) in Processed: 0 stored "
                          "already, 2 taken in" % box, r.stdout)
        self.assertEqual(self.count("tickets"), 4)

    def test_what_it_looks_at(self):
        s = self.servers
        now = datetime.datetime.now(datetime.timezone.utc)
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections={"guichet": {"max_mail_size": "4KB"}})
        s.imap.create_folder(self.user, "Processed")
        # reached the folder three days before --since: not looked at
        s.imap.append(self.user, "Processed", mail("old"),
                      date=now - datetime.timedelta(days=5))
        s.imap.append(self.user, "Processed", mail("new"))
        # a mail over max_mail_size (which a smaller limit since made
        # so): the quarantine table, and the mail left where it is
        s.imap.append(self.user, "Processed", mail(
            "big", extra="X-Padding: %s\r\n" % ("x" * 6000)))
        since = day(-2)
        r = s.guichet("recover", "--since", since, "--mailbox", "support")
        self.assertIn("2 mail(s) in Processed: 0 stored already, 1 taken "
                      "in, 1 quarantined", r.stdout)
        self.assertEqual(self.count("tickets"), 1)
        self.assertEqual(self.count("quarantine"), 1)
        self.assertEqual(len(s.imap.messages(self.user, "Processed")), 3)

    def test_the_mtas_copies(self):
        """Mail the MTA delivered (ingest, LMTP) is in no folder of ours;
        a copy the MTA keeps in a folder of the mailbox (Postfix's
        recipient_bcc_maps) is read with --folder."""
        s = self.servers
        today = day()
        s.guichet("ingest", "--mailbox", "support", input=mail("mta1"))
        dump = self.dump()
        s.guichet("ingest", "--mailbox", "support", input=mail("mta2"))
        s.imap.create_folder(self.user, "Archive")
        for tag in ("mta1", "mta2"):
            s.imap.append(self.user, "Archive", mail(tag))
        self.restore(dump)
        self.assertEqual(self.count("tickets"), 1)
        r = s.guichet("recover", "--since", today)
        self.assertIn("no folder Processed: nothing to recover", r.stdout)
        r = s.guichet("recover", "--since", today, "--mailbox", "support",
                      "--folder", "Archive")
        self.assertIn("mailbox support: 2 mail(s) in Archive: 1 stored "
                      "already, 1 taken in", r.stdout)
        self.assertEqual(self.count("tickets"), 2)
        r = s.guichet("recover", "--since", today, "--mailbox", "support",
                      "--folder", "Nowhere")
        self.assertIn("no folder Nowhere: nothing to recover", r.stdout)

    def test_the_quarantine_folder(self):
        """The quarantine's entries a restore lost come back the same way:
        --folder the mailbox's quarantine folder."""
        s = self.servers
        today = day()
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections={"guichet": {"max_mail_size": "4KB"}})
        dump = self.dump()
        s.imap.append(self.user, "INBOX", mail(
            "big", extra="X-Padding: %s\r\n" % ("x" * 6000)))
        s.guichet("serve", "--once")
        self.assertEqual(self.count("quarantine"), 1)
        self.assertEqual(len(s.imap.messages(self.user, "Quarantine")), 1)
        self.restore(dump)
        self.assertEqual(self.count("quarantine"), 0)
        r = s.guichet("recover", "--since", today, "--mailbox", "support",
                      "--folder", "Quarantine")
        self.assertIn("1 mail(s) in Quarantine: 0 stored already, 0 taken "
                      "in, 1 quarantined", r.stdout)
        self.assertEqual(self.count("quarantine"), 1)
        r = s.guichet("recover", "--since", today, "--mailbox", "support",
                      "--folder", "Quarantine")
        self.assertIn("1 stored already", r.stdout)
        self.assertEqual(self.count("quarantine"), 1)

    def test_a_forgotten_person_stays_forgotten(self):
        """A mail whose ticket `gdpr forget` anonymised (as retention
        does) is recognised by the key its message keeps: recover does
        not bring the person's data back."""
        s = self.servers
        today = day()
        s.imap.append(self.user, "INBOX", mail("gone"))
        s.guichet("serve", "--once")
        s.guichet("gdpr", "forget", "gone@customer.example.org")
        before = self.counts()
        r = s.guichet("recover", "--since", today)
        self.assertIn("1 mail(s) in Processed: 1 stored already, 0 taken "
                      "in", r.stdout)
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.count(
            "messages WHERE from_addr ILIKE '%gone@customer%'"), 0)

    def test_bad_arguments_and_servers(self):
        s = self.servers
        before = self.counts()
        tomorrow = day(2)
        for args in ((), ("--since",), ("--since", "yesterday"),
                     ("--since", "2026-13-40"), ("--since", tomorrow),
                     ("--since", "2026-12-01", "--mailbox", "nope"),
                     ("--since", "2026-12-01", "--since", "2026-12-02"),
                     ("--since", "2026-12-01", "--dry-run", "--dry-run"),
                     ("--since", "2026-12-01", "extra"),
                     # --folder: with --mailbox, a name of printable bytes
                     ("--since", "2026-12-01", "--folder", "Archive"),
                     ("--since", "2026-12-01", "--mailbox", "support",
                      "--folder", ""),
                     ("--since", "2026-12-01", "--mailbox", "support",
                      "--folder", "A\r\nB"),
                     ("--since", "2026-12-01", "--mailbox", "support",
                      "--folder", "x" * 1001)):
            r = s.guichet("recover", *args, expect=64)
            self.assertTrue(r.stderr.strip(), args)
            self.assertNotIn("mailbox support:", r.stdout, args)
        r = s.guichet("recover", "--since", tomorrow, expect=64)
        self.assertIn("in the future", r.stderr)

        # no processed folder yet: said, not a failure
        r = s.guichet("recover", "--since", "2026-12-01")
        self.assertIn("mailbox support: no folder Processed: nothing to "
                      "recover", r.stdout)

        # a wrong IMAP password: named, not printed; nothing stored
        secret = "not-the-password-%s" % self.user
        wrong = s.path("%s.wrong" % self.user)
        with open(wrong, "w") as f:
            f.write(secret + "\n")
        os.chmod(wrong, 0o600)
        conf = s.write_config(
            path=s.path("bad-%s.conf" % self.user), dbname=self.db,
            mailbox_user=self.user,
            sections={"mailbox support": {"password_file": wrong}})
        r = s.guichet("recover", "--since", "2026-12-01", config=conf,
                      expect=77)
        self.assertRegex(r.stderr, r"guichet: recover: .*"
                         r"(?i:login|authentication)")
        self.assertNotIn(secret, r.stderr + r.stdout)
        # an IMAP server that is not there: 75, run it again later
        conf = s.write_config(
            path=s.path("gone-%s.conf" % self.user), dbname=self.db,
            mailbox_user=self.user, sections={"mailbox support": {
                "url": "imaps://%s:1" % gh.LOCALHOST}})
        r = s.guichet("recover", "--since", "2026-12-01", config=conf,
                      expect=75)
        self.assertIn("run it again", r.stderr)
        self.assertEqual(self.counts(), before)


if __name__ == "__main__":
    unittest.main()
