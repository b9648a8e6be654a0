"""test_encryption_rotate.py - turning encryption on over a clear
database, and `guichet keys rotate`.

Mails stored without a key file (messages, attachments, acknowledgements
waiting in the outbox, a quarantined mail) stay readable once a key file
is configured, beside new sealed rows. `keys rotate --batch 3` is killed
with SIGKILL while it waits on a row another transaction holds: the
batches it committed are sealed, the rest still clear; run again, it
seals what is left and nothing else, and every row opens to what it was
(texts, the attachment's SHA-256, the queued acknowledgements delivered
whole). A second key made current, rotate moves every row to it, and
the old key can then leave the key file. A row changed by hand is
refused by rotate (exit 65) without stopping the others. Hostile
operators: bad --batch values, rotate without a key file.
"""

import hashlib
import json
import os
import signal
import subprocess
import unittest

import guichet_harness as gh
from test_encryption import (KEY1, KEY2, MARKER, attachment_bytes,
                             dump_holds, key_file, marked_mail, pg_dump)

NOW = "2026-11-26T10:00:00Z"
DB = "rot"
N = 12
MAGIC = "ff47435301"


class Rotate(gh.ServersTestCase):
    servers_options = dict(http=False, imap=False)

    def conf(self, keys):
        s = self.servers
        sections = {}
        if keys is not None:
            sections["storage"] = {"key_file": key_file(s, "rot.keys", keys)}
        return s.write_config(path=s.path("rot.conf"), dbname=DB,
                              sections=sections)

    def g(self, *args, **kw):
        return self.servers.guichet(*args, config=self.servers.path(
            "rot.conf"), **kw)

    def q(self, sql):
        return self.servers.pg.scalar(sql, db=DB)

    def found(self, q):
        return json.loads(self.g("ticket", "search", q, "--json",
                                 "--limit", "100").stdout)

    def stale(self, key):
        """Rows whose bytes do not start with the header of key."""
        h = "'\\x%s%08x'::bytea" % (MAGIC, key)
        return int(self.q(
            "SELECT (SELECT count(*) FROM messages WHERE text <> '' OR "
            "substring(raw FROM 1 FOR 9) <> %s OR "
            "substring(sealed_text FROM 1 FOR 9) <> %s) + "
            "(SELECT count(*) FROM attachments WHERE "
            "substring(content FROM 1 FOR 9) <> %s) + "
            "(SELECT count(*) FROM quarantine WHERE length(raw) > 0 AND "
            "substring(raw FROM 1 FOR 9) <> %s) + "
            "(SELECT count(*) FROM outbox WHERE kind = 'mail' AND "
            "substring(data FROM 1 FOR 9) <> %s)" % ((h,) * 5)))

    def test_rotate(self):
        s = self.servers
        self.conf(None)
        self.g("migrate")
        for i in range(N):
            self.g("ingest", "--mailbox", "support",
                   input=marked_mail(100 + i, "Panne %d" % i)[0], now=NOW)
        self.g("ingest", "--mailbox", "support", expect=[0, 65], input=(
            b"From: x@cust.example\r\nSubject: " + MARKER.encode() +
            b"\r\n" + b"X-Long: " + b"a" * 300000 + b"\r\n\r\nb\r\n"))
        self.assertEqual(self.q("SELECT count(*) FROM quarantine"), "1")
        total = self.stale(1)
        self.assertGreater(total, 3 * N)

        # keys on: the clear rows of before stay readable
        self.conf("1 %s current\n" % KEY1)
        first = self.q("SELECT number FROM tickets ORDER BY id LIMIT 1")
        self.assertIn(MARKER, self.g("ticket", "show", first).stdout)

        # hostile operators
        for bad in ("0", "-5", "abc", "100001", "", "3x"):
            self.g("keys", "rotate", "--batch", bad, expect=64)
        self.g("keys", "rotate", "--batch", expect=64)
        self.g("keys", "rotate", "now", expect=64)
        self.g("keys", expect=64)

        # a transaction holds a message row in the middle; rotate waits
        # on it after committing the batches before; SIGKILL then
        held = self.q("SELECT id FROM messages ORDER BY id OFFSET %d "
                      "LIMIT 1" % N)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        lock = subprocess.Popen(
            [s.pg._bin("psql"), "-X", "-q", "-t", "-A", "-d",
             s.pg.conninfo(DB)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env=env)
        try:
            lock.stdin.write(b"BEGIN;\nSELECT id FROM messages WHERE id = %s "
                             b"FOR UPDATE;\n" % held.encode())
            lock.stdin.flush()
            self.assertEqual(lock.stdout.readline().strip(), held.encode())
            rot = s.spawn("keys", "rotate", "--batch", "3",
                          config=s.path("rot.conf"))
            rot.wait_for_output(r"messages: 3 rows", stream="stdout")
            gh.wait_until(lambda: self.q(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' "
                "AND wait_event_type = 'Lock'" % DB) == "1", timeout=60,
                what="rotate waiting on the held row")
            rot.send_signal(signal.SIGKILL)
            rot.wait(expect=-9)
        finally:
            lock.stdin.close()
            lock.wait(timeout=30)
            lock.stdout.close()
        left = self.stale(1)
        self.assertGreater(left, 0)
        self.assertLess(left, total)
        self.assertIn(MARKER, self.g("ticket", "show", first).stdout)

        r = self.g("keys", "rotate", "--batch", "3")
        self.assertIn("%d rows sealed with key 1, 0 refused" % left,
                      r.stdout)
        self.assertEqual(self.stale(1), 0)
        self.assertEqual(dump_holds(pg_dump(s, DB), [MARKER.encode()]), [])
        # the blind index was made for the rows sealed by rotate
        self.assertEqual(len(self.found("revient")), N)
        # nothing left: a run again seals nothing
        self.assertIn("0 rows sealed", self.g("keys", "rotate").stdout)

        # every row opens to what it was
        for number in [x[0] for x in s.pg.psql(
                "SELECT number FROM tickets", db=DB)]:
            self.assertIn(MARKER, self.g("ticket", "show", number).stdout)
        out = s.path("a1.pdf")
        self.g("ticket", "attachment", first, "1", "--output", out)
        with open(out, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).digest(),
                             hashlib.sha256(attachment_bytes()).digest())
        # the acknowledgements queued in clear go out whole
        self.g("serve", "--once", now=NOW, expect=[0, 75])   # no IMAP
        queued = int(self.q("SELECT count(*) FROM outbox WHERE "
                            "kind = 'mail'"))
        self.assertGreater(queued, N)
        mails = s.smtp.wait_for(queued)
        self.assertEqual(self.q("SELECT count(*) FROM outbox WHERE "
                                "status <> 'sent'"), "0")
        self.assertTrue(all("[SUP-" in m["Subject"] for m in mails))
        self.assertEqual(len([m for m in mails if MARKER in
                              m.as_string()]), N)   # the notifications

        # a new current key: everything moves to it, then key 1 may go
        self.conf("1 %s\n2 %s current\n" % (KEY1, KEY2))
        self.assertEqual(self.stale(2), total)
        self.g("keys", "rotate", "--batch", "500")
        self.assertEqual(self.stale(2), 0)
        self.conf("2 %s current\n" % KEY2)
        self.assertIn(MARKER, self.g("ticket", "show", first).stdout)
        self.assertEqual(len(self.found("revient -absent")), N)
        os.unlink(out)
        self.g("ticket", "attachment", first, "1", "--output", out)

        # without key 2, rows sealed with it are refused, named
        self.conf("3 %s current\n" % KEY1)
        r = self.g("ticket", "show", first, expect=66)
        self.assertIn("sealed with key 2", r.stderr)

        # a row changed by hand: refused, the others still rotated
        self.conf("2 %s\n3 %s current\n" % (KEY2, KEY1))
        self.q("UPDATE attachments SET content = set_byte(content, 50, "
               "get_byte(content, 50) # 1) WHERE id = (SELECT min(id) FROM "
               "attachments)")
        r = self.g("keys", "rotate", expect=65)
        self.assertIn("1 refused", r.stdout)
        self.assertIn("do not open", r.stderr)
        self.assertEqual(self.stale(3), 1)

        # the database going away: a temporary failure, run it again
        s.pg.stop()
        try:
            r = self.g("keys", "rotate", expect=75)
            self.assertIn("guichet:", r.stderr)
        finally:
            s.pg.start()

        # no key file: rotate says so
        self.conf(None)
        r = self.g("keys", "rotate", expect=78)
        self.assertIn("key_file", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
