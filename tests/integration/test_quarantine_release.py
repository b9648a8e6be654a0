"""test_quarantine_release.py - `guichet quarantine release ID [--to N]`.

Through real IMAP, SMTP and PostgreSQL: a stranger's follow-up held in
the quarantine (stranger_followup = hold) is let into a new ticket, or
into the ticket ops name, with a "quarantine_released" event naming the
operator; the entry is marked released and a second release is refused
with who did it. A mail that cannot be parsed is released as a new
ticket with what can be read, its raw bytes kept whole. Hostile cases:
bad and unknown ids, an unknown ticket (nothing changes), releasing
twice, two operators at once (one wins, the other is told), a forged
operator name (cleaned), #commands in a released mail (not applied), an
entry without the mail's bytes (refused), the database away (75).
"""

import json
import os
import re
import subprocess
import unittest

import guichet_harness as gh

T0 = "2026-11-26T10:00:00Z"
T1 = "2026-11-26T10:10:00Z"


def mail(subject, body, mid, sender="Claire Dupont <claire@cust.example>"):
    h = "From: %s\r\nTo: support@example.com\r\n" % sender
    h += "Subject: %s\r\nMessage-ID: <%s>\r\n" % (subject, mid)
    h += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (h + "\r\n" + body.replace("\n", "\r\n")).encode()


def operator(name, sudo=""):
    return {"USER": name, "SUDO_USER": sudo}


class Release(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "rel_" + self._testMethodName[5:][:40].lower()
        self.user = ("r" + self._testMethodName[5:])[:30].lower()
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"stranger_followup": "hold"},
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support"},
        })
        s.guichet("migrate")
        s.smtp.clear()
        err = self.deliver(mail("Export broken", "Empty file.\n",
                                "open@cust.example"))
        self.number = re.search(r"new ticket (SUP-\d+-\d+)", err).group(1)

    def deliver(self, raw, now=T0):
        self.servers.imap.append(self.user, "INBOX", raw)
        return self.servers.guichet("serve", "--once", now=now).stderr

    def hold(self, sender, body, mid):
        err = self.deliver(mail("Re: [%s] Export broken" % self.number,
                                body, mid, sender=sender))
        self.assertIn("quarantined", err)
        return self.entries()[-1]["id"]

    def release(self, *args, expect=0, who=operator("opbob"), now=T1):
        return self.servers.guichet("quarantine", "release",
                                    *[str(a) for a in args], expect=expect,
                                    env=who, now=now)

    def entries(self):
        return json.loads(self.servers.guichet("quarantine", "list",
                                               "--json").stdout)

    def entry(self, qid):
        return json.loads(self.servers.guichet("quarantine", "show",
                                               str(qid)).stdout)

    def show(self, number):
        return json.loads(self.servers.guichet("ticket", "show", number,
                                               "--json").stdout)

    def sql(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    def released_events(self):
        return [json.loads(r[0]) for r in self.servers.pg.psql(
            "SELECT json_build_object('ticket', t.number, 'actor', e.actor, "
            "'data', e.data) FROM events e JOIN tickets t ON "
            "t.id = e.ticket_id WHERE e.kind = 'quarantine_released' "
            "ORDER BY e.id", db=self.db)]

    # ------------------------------------------------------------------

    def test_release_as_new_ticket(self):
        qid = self.hold("Eve <eve@other.example>", "Same problem here.\n",
                        "eve-1@other.example")
        self.servers.smtp.clear()
        r = self.release(qid)
        new = re.search(r"released %d into (SUP-\d+-\d+) \(new ticket\)"
                        % qid, r.stdout).group(1)
        self.assertNotEqual(new, self.number)
        t = self.show(new)
        self.assertEqual(t["requester"], "eve@other.example")
        self.assertNotIn("[%s]" % self.number, t["subject"])
        kinds = [e["kind"] for e in t["events"]]
        self.assertIn("related", kinds)
        ev, = [e for e in t["events"] if e["kind"] == "quarantine_released"]
        self.assertEqual(ev["actor"], "opbob")
        self.assertEqual(ev["data"]["by"], "opbob")
        self.assertEqual(ev["data"]["uid"], os.getuid())
        self.assertEqual(ev["data"]["quarantine_id"], qid)
        self.assertEqual(ev["data"]["reason"], "stranger")
        self.assertIsNone(ev["data"]["into"])
        self.assertIn("Same problem here.", t["messages"][0]["text"])
        e = self.entry(qid)
        self.assertEqual((e["status"], e["released_by"], e["ticket"],
                          e["released_at"]), ("released", "opbob", new, T1))
        # the sender is acknowledged, the agents told
        self.servers.guichet("serve", "--once", now=T1)
        rcpts = [m["X-RcptTo"] for m in self.servers.smtp.messages()]
        self.assertIn("eve@other.example", rcpts)
        self.assertIn("alice@example.com", rcpts)
        # the original ticket did not get the mail, it points at the new
        orig = self.show(self.number)
        self.assertEqual(len([m for m in orig["messages"]
                              if m["direction"] == "in"]), 1)
        self.assertIn({"new_ticket": new}, [e["data"] for e in orig["events"]
                                            if e["kind"] ==
                                            "stranger_followup"])

        # a second release is refused, saying who did it; nothing changes
        r = self.release(qid, expect=65, who=operator("other"))
        self.assertIn("already released by opbob at %s into %s"
                      % (T1, new), r.stderr)
        self.assertEqual(len(self.released_events()), 1)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "2")
        # nor can it be retried into a third ticket
        r = self.servers.guichet("quarantine", "retry", str(qid), expect=65)
        self.assertIn("already released", r.stderr)

    def test_release_into_a_ticket(self):
        qid = self.hold("Mallory <mallory@other.example>",
                        "#priority P1\n#close\nI am the customer's "
                        "colleague: the log is attached.\n",
                        "mal-1@other.example")
        self.servers.smtp.clear()
        r = self.release(qid, "--to", self.number,
                         who=operator("root", sudo="opsue"))
        self.assertIn("released %d into %s (follow-up)" % (qid, self.number),
                      r.stdout)
        t = self.show(self.number)
        ins = [m for m in t["messages"] if m["direction"] == "in"]
        self.assertEqual([m["from"] for m in ins],
                         ["claire@cust.example", "mallory@other.example"])
        self.assertEqual(ins[1]["author"], "customer")
        ev, = [e for e in t["events"] if e["kind"] == "quarantine_released"]
        self.assertEqual(ev["actor"], "opsue")       # the user behind sudo
        self.assertEqual(ev["data"]["into"], self.number)
        # no command of the mail applied, the sender not made a participant
        self.assertEqual((t["priority"], t["status"]), ("P3", "new"))
        self.assertEqual(self.sql(
            "SELECT count(*) FROM ticket_participants WHERE address = "
            "'mallory@other.example'"), "0")
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "1")
        # the agents hear of it
        self.servers.guichet("serve", "--once", now=T1)
        n = [m for m in self.servers.smtp.messages()
             if "alice@example.com" in m["X-RcptTo"]]
        self.assertTrue(n)
        self.assertIn("the log is attached",
                      n[-1].get_body(("plain",)).get_content())
        self.assertEqual(self.entry(qid)["ticket"], self.number)

    def test_hostile_arguments(self):
        qid = self.hold("eve@other.example", "x\n", "eve-2@other.example")
        for args in (["abc"], ["0"], ["-1"], ["%dabc" % qid],
                     ["99999999999999999999"], [], ["--to"],
                     [qid, "--to"], [qid, "--to", ""],
                     [qid, "--to", self.number, "--to", self.number],
                     [qid, qid], [qid, "--json"],
                     [qid, "--to", "SUP-\udcff"]):
            with self.subTest(args=args):
                self.release(*args, expect=64)
        r = self.release(987654, expect=66)
        self.assertIn("no quarantine entry 987654", r.stderr)
        # an unknown ticket: refused, and nothing changes
        r = self.release(qid, "--to", "SUP-1999-000001", expect=66)
        self.assertIn("no ticket SUP-1999-000001", r.stderr)
        r = self.release(qid, "--to", "x'; DROP TABLE tickets; --",
                         expect=66)
        e = self.entry(qid)
        self.assertEqual((e["status"], e["released_by"], e["ticket"]),
                         ("held", None, None))
        self.assertEqual(self.released_events(), [])
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "1")
        # an entry that holds no bytes (a mail too big to download, kept
        # in the IMAP folder only): nothing to release, it stays held
        big = self.sql(
            "INSERT INTO quarantine (mailbox, reason, detail, raw, raw_size, "
            "dedup_key, received_at) VALUES ('support', 'size', '90000000 "
            "bytes; kept in IMAP folder Quarantine', '', 0, 'oversize:x', "
            "'%s') RETURNING id" % T0)
        r = self.release(big, expect=65)
        self.assertIn("holds no bytes", r.stderr)
        self.assertIn("kept in IMAP folder Quarantine", r.stderr)
        self.assertEqual(self.entry(big)["status"], "held")
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "1")
        # the database going away: a temporary failure, nothing changes
        self.servers.pg.stop()
        try:
            self.release(qid, expect=75)
        finally:
            self.servers.pg.start()
        self.assertEqual(self.entry(qid)["status"], "held")
        # a name that is not one is cleaned before it reaches the event
        self.release(qid, who=operator("op\r\nX-Evil: 1\t" + "z" * 200))
        ev, = self.released_events()
        self.assertEqual(ev["actor"], ("opX-Evil:1" + "z" * 200)[:64])

    def test_unparseable_mail(self):
        # no header at all: no sender either
        raw = (b"this is no mail at all\r\n\xff\xfe broken \x00 bytes\r\n"
               b"and a second line\r\n")
        r = self.servers.guichet("ingest", "--mailbox", "support",
                                 input=raw, now=T0)
        self.assertIn("quarantined", r.stderr)
        qid = self.entries()[-1]["id"]
        self.assertEqual(self.entries()[-1]["reason"], "no sender")
        r = self.release(qid)
        new = re.search(r"into (SUP-\d+-\d+)", r.stdout).group(1)
        t = self.show(new)
        self.assertEqual(t["requester"], "")
        text = t["messages"][0]["text"]
        self.assertIn("this is no mail at all", text)
        self.assertIn("and a second line", text)
        # the raw mail is kept whole
        self.assertEqual(self.sql(
            "SELECT encode(m.raw, 'hex') FROM messages m JOIN tickets t ON "
            "t.id = m.ticket_id WHERE t.number = '%s'" % new), raw.hex())
        # nobody to write to: recorded, not sent
        self.assertIn("mail_not_sent", [e["kind"] for e in t["events"]])

        # blanks only: nothing the parser can take
        blank = b"\r\n \r\n\t\r\n"
        r = self.servers.guichet("ingest", "--mailbox", "support",
                                 input=blank, now=T0)
        self.assertIn("quarantined", r.stderr)
        qid = self.entries()[-1]["id"]
        self.assertEqual(self.entries()[-1]["reason"], "parse")
        r = self.release(qid)
        self.assertIn("with what could be read", r.stdout)
        new = re.search(r"into (SUP-\d+-\d+)", r.stdout).group(1)
        t = self.show(new)
        self.assertIn("could not be read", t["subject"])
        ev, = [e for e in t["events"] if e["kind"] == "quarantine_released"]
        self.assertEqual(ev["data"]["parsed"], "partly")
        self.assertEqual(self.sql(
            "SELECT encode(m.raw, 'hex') FROM messages m JOIN tickets t ON "
            "t.id = m.ticket_id WHERE t.number = '%s'" % new), blank.hex())

        # a nesting bomb past any limit: its From: and Subject: still read
        depth = 150
        body = b""
        for i in range(depth):
            body += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d" \
                    b"\r\n\r\n" % (i, i + 1)
        body += b"deep text\r\n"
        for i in reversed(range(depth)):
            body += b"--b%d--\r\n" % i
        bomb = (b"From: Zoe <zoe@deep.example>\r\nSubject: Nested\r\n"
                b"Message-ID: <bomb@deep.example>\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n" + body)
        r = self.servers.guichet("ingest", "--mailbox", "support",
                                 input=bomb, now=T0)
        self.assertIn("quarantined", r.stderr)
        qid = self.entries()[-1]["id"]
        r = self.release(qid)
        self.assertIn("with what could be read", r.stdout)
        new = re.search(r"into (SUP-\d+-\d+)", r.stdout).group(1)
        t = self.show(new)
        self.assertEqual(t["requester"], "zoe@deep.example")
        self.assertEqual(t["subject"], "Nested")
        self.assertEqual(self.sql(
            "SELECT length(m.raw) FROM messages m JOIN tickets t ON "
            "t.id = m.ticket_id WHERE t.number = '%s'" % new), str(len(bomb)))

    def test_two_operators_at_once(self):
        qid = self.hold("eve@other.example", "Let me in.\n",
                        "eve-3@other.example")
        pg = self.servers.pg
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        # a third session holds the entry, so that both operators are
        # waiting on it when it lets go
        holder = subprocess.Popen(
            [pg._bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
             pg.conninfo(self.db)], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            holder.stdin.write(b"BEGIN;\nSELECT id FROM quarantine WHERE "
                               b"id = %d FOR UPDATE;\n" % qid)
            holder.stdin.flush()
            gh.wait_until(lambda: self.sql(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON "
                "c.oid = l.relation WHERE c.relname = 'quarantine' AND "
                "l.granted AND l.mode = 'RowShareLock'") == "1",
                timeout=30, what="the holder's lock")
            procs = [self.servers.spawn("quarantine", "release", str(qid),
                                        now=T1, env=operator(name))
                     for name in ("opann", "opben")]
            gh.wait_until(lambda: self.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE "
                "wait_event_type = 'Lock' AND query LIKE '%quarantine%'")
                == "2", timeout=30, what="both operators waiting")
            holder.stdin.write(b"COMMIT;\n")
            holder.stdin.close()
            holder.wait(timeout=30)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
        results = [p.wait(expect=(0, 65)) for p in procs]
        codes = sorted(r.returncode for r in results)
        self.assertEqual(codes, [0, 65])
        winner = ("opann", "opben")[[r.returncode for r in results].index(0)]
        loser = [r for r in results if r.returncode == 65][0]
        self.assertIn("already released by %s" % winner, loser.stderr)
        ev, = self.released_events()
        self.assertEqual(ev["actor"], winner)
        self.assertEqual(self.sql("SELECT count(*) FROM tickets"), "2")
        self.assertEqual(self.entry(qid)["released_by"], winner)


if __name__ == "__main__":
    unittest.main(verbosity=2)
