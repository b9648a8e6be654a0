"""test_gdpr.py - retention, export and erasure of a person's data.

Through real IMAP, SMTP and PostgreSQL: closed tickets past their
retention ([gdpr] retention, or their queue's) are anonymised by the
scheduler (`sla tick` with --now past the period): one person is one
pseudonym across tickets, and a pg_dump of the database holds neither
their address, nor their name, nor their words, while the SLA rows stay
as they were; an open ticket, or one within the period, is untouched.
`gdpr export` hands over one JSON document of a person's tickets,
messages (with the raw mail), attachments (base64) and events; `gdpr
forget` anonymises all of it, open tickets too. Both are audit events
without the address in clear. Hostile input: addresses with % and _, an
empty or non-address argument, a person with no data, a second forget,
PostgreSQL stopped in the middle, bad [gdpr] settings.
"""

import base64
import datetime
import json
import os
import pwd
import re
import subprocess
import unittest

import guichet_harness as gh
from desk_case import T0, DeskCase, mail
from test_encryption import KEY1, key_file

CLAIRE = "Claire Dupont <Claire@Cust.Example>"
ATTACHMENT = b"ATTMARK-7731 the customer's scanned contract\x00\x01\xff"


def later(days):
    t = datetime.datetime.strptime(T0, "%Y-%m-%dT%H:%M:%SZ") + \
        datetime.timedelta(days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def with_attachment(subject, body, mid, sender=CLAIRE, cc=None):
    h = "From: %s\r\nTo: support@example.com\r\n" % sender
    if cc:
        h += "Cc: %s\r\n" % cc
    h += "Subject: %s\r\nMessage-ID: <%s>\r\n" % (subject, mid)
    h += ("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
          "boundary=\"B1\"\r\n\r\n--B1\r\nContent-Type: text/plain; "
          "charset=utf-8\r\n\r\n%s\r\n--B1\r\nContent-Type: "
          "application/octet-stream\r\nContent-Disposition: attachment; "
          "filename=\"contrat-claire.bin\"\r\n"
          "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--B1--\r\n"
          % (body, base64.b64encode(ATTACHMENT).decode()))
    return h.encode()


class Gdpr(DeskCase):

    def setUp(self):
        s = self.servers
        self.db = "gd_" + self._testMethodName[5:][:40].lower()
        self.user = ("g" + self._testMethodName[5:])[:30].lower()
        self.key = s.path("pseudonym-%s.key" % self.user)
        fd = os.open(self.key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, b"0123456789abcdef0123456789abcdef-test\n")
        os.close(fd)
        self.configure()
        s.guichet("migrate")
        s.smtp.clear()
        self.n = 0

    def configure(self, gdpr=None, queue=None, raw=None, extra=None):
        sections = {
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support"},
            "gdpr": dict({"retention": "365d",
                          "pseudonym_key_file": self.key}, **(gdpr or {})),
        }
        if queue:
            sections["queue support"] = queue
        sections.update(extra or {})
        return self.servers.write_config(dbname=self.db,
                                         mailbox_user=self.user,
                                         sections=sections, raw=raw)

    def sql(self, q):
        return self.servers.pg.psql(q, db=self.db)

    def one(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    def open_as(self, subject, body, sender=CLAIRE, cc=None, attach=False):
        self.n += 1
        mid = "m%d-%s@cust.example" % (self.n, self.user)
        raw = (with_attachment(subject, body, mid, sender, cc) if attach
               else mail(subject, body, mid, sender=sender))
        r = self.deliver(raw)
        return re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)

    def agent(self, number, body):
        self.n += 1
        n = self.notification("alice@example.com", number)
        raw = mail("Re: [%s] x" % number, body,
                   "agent-%d-%s@example.com" % (self.n, self.user),
                   sender="Alice Martin <alice@example.com>",
                   in_reply_to=n)
        self.deliver(raw)

    def dump(self):
        r = subprocess.run(
            [os.path.join(gh.PG_BIN, "pg_dump"), "--data-only",
             "-d", self.servers.pg.conninfo(self.db)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        return r.stdout.decode("utf-8", "replace")

    def ticket(self, number):
        return self.sql("SELECT requester, requester_name, subject, status, "
                        "anonymised_at FROM tickets WHERE number = '%s'"
                        % number)[0]

    def sla_rows(self, number):
        return self.sql(
            "SELECT s.kind, s.start_at, s.due_at, s.met_at, s.warned_at, "
            "s.breached_at, s.target_seconds FROM sla_timers s JOIN tickets "
            "t ON t.id = s.ticket_id WHERE t.number = '%s' ORDER BY s.kind"
            % number)

    def assert_gone(self, dump, *needles):
        low = dump.lower()
        for n in needles:
            i = low.find(n.lower())
            self.assertEqual(i, -1, "%r left in the database: ...%s..." % (
                n, dump[max(i - 200, 0):i + 200]))

    # -- retention ------------------------------------------------------

    def test_retention(self):
        a = self.open_as("Facture SUBJMARK-A", "BODYMARK-A1 my invoice is "
                         "wrong", cc="Bob Lemaire <bob@cust.example>",
                         attach=True)
        b = self.open_as("Second SUBJMARK-B", "BODYMARK-B1 another one")
        c = self.open_as("Open SUBJMARK-C", "BODYMARK-C1 still open",
                         sender="Denise Roux <denise@other.example>")
        self.agent(a, "#close\nDone, REPLYMARK-A.\n")
        self.agent(b, "#close\n")
        sla_a = self.sla_rows(a)
        self.assertTrue(sla_a)

        # within the period: nothing happens
        r = self.servers.guichet("sla", "tick", now=later(300))
        self.assertNotIn("anonymised", r.stdout)
        self.assertEqual(self.ticket(a)[2], "Facture SUBJMARK-A")

        r = self.servers.guichet("sla", "tick", now=later(400))
        self.assertIn("anonymised 2", r.stdout)
        ta, tb, tc = self.ticket(a), self.ticket(b), self.ticket(c)
        # one person, one pseudonym across tickets
        self.assertRegex(ta[0], r"^anon-[0-9a-f]{20}@invalid$")
        self.assertEqual(ta[0], tb[0])
        self.assertEqual((ta[1], ta[2], ta[3]),
                         (None, "[anonymised]", "closed"))
        self.assertIsNotNone(ta[4])
        # the open ticket is untouched
        self.assertEqual(tc[:4], ("denise@other.example", "Denise Roux",
                                  "Open SUBJMARK-C", "new"))
        self.assertIn("BODYMARK-C1", self.one(
            "SELECT string_agg(text, ' ') FROM messages m JOIN tickets t "
            "ON t.id = m.ticket_id WHERE t.number = '%s'" % c))
        # the SLA figures stay
        self.assertEqual(self.sla_rows(a), sla_a)
        # attachments keep their size and type only
        self.assertEqual(self.sql(
            "SELECT a.filename, a.content, a.sha256, a.size, a.content_type "
            "FROM attachments a JOIN messages m ON m.id = a.message_id "
            "JOIN tickets t ON t.id = m.ticket_id WHERE t.number = '%s'"
            % a), [(None, None, None, str(len(ATTACHMENT)),
                    "application/octet-stream")])
        # the participant got a pseudonym of their own
        parts = [p[0] for p in self.sql(
            "SELECT address FROM ticket_participants p JOIN tickets t ON "
            "t.id = p.ticket_id WHERE t.number = '%s'" % a)]
        self.assertEqual(len(parts), 2)
        self.assertIn(ta[0], parts)
        self.assertTrue(all(p.startswith("anon-") for p in parts))
        # search finds nothing of the words any more
        self.assertEqual(self.one(
            "SELECT count(*) FROM messages m JOIN tickets t ON t.id = "
            "m.ticket_id WHERE m.search_tsv @@ to_tsquery('simple', "
            "'bodymark') AND t.number IN ('%s', '%s')" % (a, b)), "0")
        self.assertEqual(self.one(
            "SELECT count(*) FROM messages m JOIN tickets t ON t.id = "
            "m.ticket_id WHERE m.search_tsv @@ to_tsquery('simple', "
            "'bodymark') AND t.number = '%s'" % c), "1")
        self.assertIn("anonymised", self.kinds(a))
        self.assert_gone(self.dump(), "claire@cust.example",
                         "Claire Dupont", "bob@cust.example",
                         "Bob Lemaire", "BODYMARK-A1", "BODYMARK-B1",
                         "SUBJMARK-A", "SUBJMARK-B", "REPLYMARK-A",
                         "contrat-claire", "ATTMARK-7731",
                         base64.b64encode(ATTACHMENT).decode()[:16])
        # a second pass finds nothing more to do
        r = self.servers.guichet("sla", "tick", now=later(401))
        self.assertNotIn("anonymised", r.stdout)
        self.assertEqual(self.kinds(a).count("anonymised"), 1)

    def test_retention_queue_override(self):
        self.configure(queue={"retention": "30d"})
        a = self.open_as("Short-lived", "BODYMARK-Q")
        self.agent(a, "#close\n")
        self.servers.guichet("sla", "tick", now=later(20))
        self.assertEqual(self.ticket(a)[2], "Short-lived")
        # the daemon's pass does it too
        self.servers.guichet("serve", "--once", now=later(40))
        self.assertEqual(self.ticket(a)[2], "[anonymised]")
        # retention = 0 in a queue: never
        self.configure(queue={"retention": "0"})
        b = self.open_as("Kept forever", "BODYMARK-K")
        self.agent(b, "#close\n")
        self.servers.guichet("sla", "tick", now=later(4000))
        self.assertEqual(self.ticket(b)[2], "Kept forever")

    def test_two_daemons(self):
        """Two passes at once each take a ticket of their own: the one a
        pass is on is skipped by the other (SKIP LOCKED), never done
        twice."""
        self.configure(gdpr={"batch": "1", "retention": "1d"})
        a = self.open_as("One", "BODYMARK-1")
        b = self.open_as("Two", "BODYMARK-2")
        self.agent(a, "#close\n")
        self.agent(b, "#close\n")
        # both passes stop at their batch's last statement, each holding
        # its ticket, until the lock goes
        self.hold_process("auto_reply_log")
        g1 = self.servers.spawn("sla", "tick", now=later(5))
        g2 = self.servers.spawn("sla", "tick", now=later(5))
        gh.wait_until(lambda: self.waiting() == 2, timeout=60,
                      what="both passes to wait, each on its ticket")
        self.release()
        g1.wait(timeout=60)
        g2.wait(timeout=60)
        self.assertIn("anonymised 1", g1.stdout())
        self.assertIn("anonymised 1", g2.stdout())
        for n in (a, b):
            self.assertEqual(self.kinds(n).count("anonymised"), 1)

    def test_retention_killed(self):
        """A pass killed in the middle of its batch leaves it untouched;
        the next pass does it whole, once."""
        self.configure(gdpr={"retention": "1d"})
        a = self.open_as("Killed", "BODYMARK-KILL")
        self.agent(a, "#close\n")
        self.hold_process("auto_reply_log")
        g = self.servers.spawn("sla", "tick", now=later(5))
        gh.wait_until(lambda: self.waiting() == 1, timeout=60,
                      what="the pass to wait")
        g.kill()
        self.release()
        gh.wait_until(lambda: self.one(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name "
            "= 'guichet'") == "0", timeout=60, what="its session to end")
        self.assertEqual(self.ticket(a)[2], "Killed")
        self.assertIn("BODYMARK-KILL", self.dump())
        r = self.servers.guichet("sla", "tick", now=later(6))
        self.assertIn("anonymised 1", r.stdout)
        self.assert_gone(self.dump(), "BODYMARK-KILL", "claire@cust.example")
        self.assertEqual(self.kinds(a).count("anonymised"), 1)

    def test_linked_rows(self):
        """A quarantined mail let into the ticket, a rating's comment, an
        SMTP refusal quoting the address: gone with the ticket."""
        a = self.open_as("Linked", "BODYMARK-L")
        self.sql(
            "INSERT INTO quarantine (mailbox, reason, detail, raw, raw_size, "
            "dedup_key, received_at, status, ticket_id) SELECT 'support', "
            "'parse', 'From: Claire Dupont', 'QUARMARK claire@cust.example', "
            "28, 'q-%s', now(), 'released', id FROM tickets; "
            "INSERT INTO ticket_ratings (ticket_id, score, comment, via, "
            "rated_at) SELECT id, 2, 'RATEMARK slow', 'mail', now() FROM "
            "tickets; INSERT INTO events (ticket_id, at, kind, data) SELECT "
            "id, now(), 'delivery_refused', jsonb_build_object('error', "
            "'550 <claire@cust.example> ERRMARK', 'recipients', "
            "jsonb_build_array('Claire Dupont <claire@cust.example>')) "
            "FROM tickets; INSERT INTO messages (ticket_id, direction, "
            "author, from_addr, cc_addrs, received_at, dedup_key) SELECT "
            "id, 'in', 'customer', 'claire@cust.example', ARRAY(SELECT "
            "'Crowd' || i || '@Cust.Example' FROM generate_series(1, 5000) "
            "AS i), now(), 'crowd' FROM tickets" % self.user)
        self.agent(a, "#close\n")
        self.sql("UPDATE outbox SET status = 'pending' WHERE purpose = 'ack'")
        self.servers.guichet("sla", "tick", now=later(400))
        self.assert_gone(self.dump(), "claire@cust.example", "QUARMARK",
                         "RATEMARK", "ERRMARK", "Claire Dupont", "crowd1@",
                         "crowd5000@")
        # a mail to a crowd: each address its own pseudonym, in order
        self.assertEqual(self.sql(
            "SELECT count(*), count(DISTINCT a), count(*) FILTER (WHERE a ~ "
            "'^anon-[0-9a-f]{20}@invalid$') FROM messages, unnest(cc_addrs) "
            "AS a WHERE dedup_key = 'crowd'"), [("5000", "5000", "5000")])
        self.assertEqual(self.sql(
            "SELECT length(raw), status FROM quarantine"), [("0", "released")])
        self.assertEqual(self.one("SELECT score FROM ticket_ratings"), "2")
        # our mail not sent yet is never sent
        self.assertEqual(self.sql(
            "SELECT status, last_error FROM outbox WHERE purpose = 'ack'"),
            [("dead", "anonymised")])
        refused = json.loads(self.one(
            "SELECT data::text FROM events WHERE kind = 'delivery_refused'"))
        self.assertNotIn("error", refused)
        self.assertRegex(refused["recipients"][0],
                         r"^anon-[0-9a-f]{20}@invalid$")

    def test_export_memory(self):
        """10,000 messages of 8 KB: the export holds a page, not all."""
        a = self.open_as("Big", "BODYMARK-BIG")
        self.sql(
            "INSERT INTO messages (ticket_id, direction, author, from_addr, "
            "subject, received_at, text, dedup_key) SELECT t.id, 'in', "
            "'customer', 'claire@cust.example', 'm' || i, now(), "
            "repeat('x', 8000) || i, 'big-' || i FROM tickets t, "
            "generate_series(1, 10000) AS i")
        out = self.servers.path("big-%s.json" % self.user)
        argv = self.servers._guichet_argv(
            ["gdpr", "export", "claire@cust.example", "--output", out],
            None, None)
        env = dict(os.environ)
        bound = 0.5
        if env.get("ASAN_OPTIONS"):
            # AddressSanitizer's shadow and allocator add their own
            env["ASAN_OPTIONS"] += ":quarantine_size_mb=4"
            bound = 0.75
        p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        err = p.stderr.read().decode()
        p.stderr.close()
        p.returncode = os.waitstatus_to_exitcode(status)
        self.assertEqual(p.returncode, 0, err)
        size = os.path.getsize(out)
        self.assertGreater(size, 80 * 1000 * 1000)
        with open(out) as f:
            doc = json.load(f)
        # the opening mail, its acknowledgement and the 10,000
        self.assertEqual(len(doc["tickets"][0]["messages"]), 10002)
        # ru_maxrss is in KiB: far below the 80 MB written
        self.assertLess(usage.ru_maxrss * 1024, size * bound,
                        "the export held %d KiB" % usage.ru_maxrss)
        print("export of %d bytes: max RSS %d KiB" % (size, usage.ru_maxrss))
        self.assertIn(a, doc["tickets"][0]["number"])

    def test_check_config(self):
        s = self.servers
        bad = s.path("open-%s.key" % self.user)
        with open(bad, "w") as f:
            f.write("0123456789abcdef0123456789abcdef\n")
        os.chmod(bad, 0o644)
        short = s.path("short-%s.key" % self.user)
        fd = os.open(short, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, b"tooshort\n")
        os.close(fd)
        for gd, why in (({"pseudonym_key_file": bad}, r"pseudonym_key_file"),
                        ({"pseudonym_key_file": short}, r"at least 32"),
                        ({"retention": "forever"}, r"not a duration"),
                        ({"retention": "-3d"}, r"not a duration"),
                        ({"batch": "0"}, r"batch: 0"),
                        ({"batch": "999999999"}, r"batch"),
                        ({"retention": "1d", "colour": "red"},
                         r"unknown key \"colour\"")):
            path = self.configure(gdpr=gd)
            r = s.guichet("check-config", expect=78)
            self.assertRegex(r.stdout + r.stderr, r"%s:\d+: .*%s" % (
                re.escape(os.path.basename(path)), why))
        path = self.configure(queue={"retention": "soon"})
        r = s.guichet("check-config", expect=78)
        self.assertRegex(r.stdout + r.stderr, r":\d+: retention")
        self.configure(raw="\n[gdpr]\nretention = 1d\n")
        r = s.guichet("check-config", expect=78)
        self.assertIn("[gdpr] given twice", r.stdout + r.stderr)
        # without a key file: OK, with a warning naming the line
        path = self.configure(gdpr={"pseudonym_key_file": None})
        r = s.guichet("check-config")
        self.assertRegex(r.stdout, r"%s:\d+: warning: \[gdpr\] has no "
                         r"pseudonym_key_file" % re.escape(path))
        path = self.configure()
        self.assertNotIn("warning", s.guichet("check-config").stdout)
        # the daemon refuses such a config too
        self.configure(gdpr={"pseudonym_key_file": bad})
        s.guichet("sla", "tick", expect=78)

    # -- export and erasure -----------------------------------------------

    def two_tickets(self):
        a = self.open_as("Contract SUBJMARK-E", "BODYMARK-E1 please help",
                         attach=True)
        self.agent(a, "#close\nHere you are, REPLYMARK-E.\n")
        b = self.open_as("Still open SUBJMARK-F", "BODYMARK-F1 and again")
        d = self.open_as("Someone else", "BODYMARK-D1 not claire's",
                         sender="Denise Roux <denise@other.example>")
        return a, b, d

    def test_export(self):
        a, b, d = self.two_tickets()
        # she also follows the status page, and Denise
        self.sql("INSERT INTO status_subscribers (address, token, "
                 "subscribed_at) VALUES ('Claire@Cust.example', 'tok-c', "
                 "'2026-11-20T10:00:00Z'), ('denise@other.example', "
                 "'tok-d', now())")
        out = self.servers.path("export-%s.json" % self.user)
        r = self.servers.guichet("gdpr", "export", "CLAIRE@cust.example",
                                 "--output", out, "--actor", "dpo-anne",
                                 now=later(1))
        self.assertIn("2 ticket(s)", r.stderr)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        with open(out) as f:
            doc = json.load(f)
        self.assertEqual(doc["address"], "CLAIRE@cust.example")
        self.assertEqual(sorted(t["number"] for t in doc["tickets"]),
                         sorted([a, b]))
        ta = [t for t in doc["tickets"] if t["number"] == a][0]
        self.assertEqual(ta["requester"], "Claire@cust.example")
        self.assertEqual(ta["requester_name"], "Claire Dupont")
        first = ta["messages"][0]
        self.assertEqual(first["from"], "Claire@cust.example")
        self.assertIn("BODYMARK-E1", first["text"])
        self.assertIn(b"BODYMARK-E1", base64.b64decode(first["raw_base64"]))
        att, = first["attachments"]
        self.assertEqual(att["filename"], "contrat-claire.bin")
        self.assertEqual(base64.b64decode(att["content_base64"]), ATTACHMENT)
        self.assertEqual(att["size"], len(ATTACHMENT))
        self.assertTrue(any("REPLYMARK-E" in m["text"]
                            for m in ta["messages"]))
        self.assertIn("created", [e["kind"] for e in ta["events"]])
        self.assertEqual(doc["status_subscriptions"], [{
            "address": "Claire@Cust.example",
            "subscribed_at": "2026-11-20T10:00:00Z",
            "unsubscribed_at": None}])
        # Denise's ticket is not Claire's
        with open(out) as f:
            self.assertNotIn("BODYMARK-D1", f.read())
        # the audit event: who, when, how many; no address in clear
        ev = self.sql("SELECT actor, iso_utc(at), data::text FROM events "
                      "WHERE kind = 'gdpr_export'")
        self.assertEqual(len(ev), 1)
        actor, at, data = ev[0]
        self.assertEqual((actor, at), ("dpo-anne", later(1)))
        data = json.loads(data)
        self.assertEqual(data["tickets"], 2)
        self.assertGreaterEqual(data["messages"], 4)
        self.assertEqual(data["attachments"], 1)
        self.assertRegex(data["subject"], r"^anon-[0-9a-f]{20}@invalid$")
        self.assertNotIn("claire", json.dumps(data).lower())
        # the name given never hides who ran it
        self.assertEqual(data["login"], pwd.getpwuid(os.getuid()).pw_name)
        # on stdout, the same document; the login name without --actor
        r = self.servers.guichet("gdpr", "export", "claire@cust.example")
        self.assertEqual(len(json.loads(r.stdout)["tickets"]), 2)
        self.assertEqual(self.one("SELECT count(*) FROM events WHERE kind "
                                  "= 'gdpr_export' AND actor IS NOT NULL "
                                  "AND actor <> ''"), "2")

    def test_export_hostile(self):
        self.two_tickets()
        s = self.servers
        # LIKE wildcards are plain characters: no match
        for addr in ("c_aire@cust.example", "%@cust.example",
                     "claire@cust.exampl_", "nobody@nowhere.example"):
            r = s.guichet("gdpr", "export", addr)
            self.assertEqual(json.loads(r.stdout)["tickets"], [])
            self.assertIn("nothing is stored about", r.stderr)
        for bad in ("", "claire", "@cust.example", "claire@", "a@b@c",
                    "claire @cust.example", "x" * 300 + "@cust.example",
                    "<claire@cust.example>", "claire@cust.example\n"):
            r = s.guichet("gdpr", "export", bad, expect=64)
            self.assertIn("not an address", r.stderr)
            s.guichet("gdpr", "forget", bad, expect=64)
        # bytes that are not UTF-8 (the harness passes str: go raw)
        for argv in ([b"gdpr", b"export", b"cl\xffire@cust.example"],
                     [b"gdpr", b"forget", b"a@b.example", b"--actor",
                      b"\xc3("]):
            r = subprocess.run(
                [os.fsencode(a) for a in
                 s._guichet_argv([], None, None)] + argv,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(r.returncode, 64, r.stderr)
        # an output that cannot be written: said, nothing audited
        audited = self.one("SELECT count(*) FROM events WHERE kind = "
                           "'gdpr_export'")
        r = s.guichet("gdpr", "export", "claire@cust.example", "--output",
                      s.path("no-such-dir", "x.json"), expect=74)
        self.assertIn("no-such-dir", r.stderr)
        self.assertEqual(self.one("SELECT count(*) FROM events WHERE kind = "
                                  "'gdpr_export'"), audited)
        s.guichet("gdpr", "export", expect=64)
        s.guichet("gdpr", "forget", "a@b.example", "--output", "x",
                  expect=64)
        s.guichet("gdpr", "forget", "a@b.example", "--actor", "",
                  expect=64)
        s.guichet("gdpr", "forget", "a@b.example", "--actor", "x\ny",
                  expect=64)
        # nothing was forgotten by any of it
        self.assertEqual(self.one("SELECT count(*) FROM tickets WHERE "
                                  "anonymised_at IS NOT NULL"), "0")

    def test_export_and_forget_with_encryption_at_rest(self):
        # with [storage] key_file the texts, raw mails and files are
        # sealed: the export opens them, the forget clears them
        kf = key_file(self.servers, self.user + ".keys",
                      "1 " + KEY1 + " current\n")
        self.configure(extra={"storage": {"key_file": kf}})
        a, b, d = self.two_tickets()
        self.assertEqual(self.one("SELECT count(*) FROM messages WHERE "
                                  "text <> '' AND author <> 'system'"), "0")
        self.assertNotIn("BODYMARK-E1", self.dump())
        r = self.servers.guichet("gdpr", "export", "claire@cust.example")
        ta = [t for t in json.loads(r.stdout)["tickets"]
              if t["number"] == a][0]
        first = ta["messages"][0]
        self.assertIn("BODYMARK-E1", first["text"])
        self.assertNotIn("sealed", first)
        self.assertIn(b"BODYMARK-E1", base64.b64decode(first["raw_base64"]))
        att, = first["attachments"]
        self.assertEqual(base64.b64decode(att["content_base64"]), ATTACHMENT)
        # a changed byte fails the export, with nothing of it served
        # (flipped: writing a fixed value left the sealed bytes as they
        # were whenever that byte already held it, one run in 256)
        self.sql("UPDATE attachments SET content = set_byte(content, 59, "
                 "get_byte(content, 59) # 255)")
        r = self.servers.guichet("gdpr", "export", "claire@cust.example",
                                 check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertNotIn(base64.b64encode(ATTACHMENT).decode(), r.stdout)
        self.servers.guichet("gdpr", "forget", "claire@cust.example",
                             now=later(2))
        self.assertEqual(self.one(
            "SELECT count(*) FROM messages m JOIN tickets t ON t.id = "
            "m.ticket_id WHERE t.number IN ('%s', '%s') AND (sealed_text "
            "IS NOT NULL OR sealed_new_text IS NOT NULL OR sealed_tsv IS "
            "NOT NULL OR raw IS NOT NULL)" % (a, b)), "0")

    def test_forget(self):
        a, b, d = self.two_tickets()
        self.sql("INSERT INTO organisations (name, plan, imported_at) "
                 "VALUES ('cust', 'Pro', now()); INSERT INTO "
                 "organisation_keys (key, organisation_id) SELECT "
                 "'claire@cust.example', id FROM organisations")
        # mails held in the quarantine without a ticket: one of hers,
        # one of somebody else
        self.sql("INSERT INTO quarantine (mailbox, reason, raw, raw_size, "
                 "dedup_key, received_at) VALUES ('support', 'parse', "
                 "'From: <CLAIRE@cust.example> HELDMARK', 40, "
                 "'h1', now()), ('support', 'parse', 'From: "
                 "<c_aire@cust.example> OTHERMARK', 40, 'h2', now())")
        self.sql("INSERT INTO status_subscribers (address, token, "
                 "subscribed_at) VALUES ('claire@cust.example', 'tok-c', "
                 "now()), ('denise@other.example', 'tok-d', now())")
        sla_b = self.sla_rows(b)
        r = self.servers.guichet("gdpr", "forget", "Claire@Cust.Example",
                                 "--actor", "dpo-anne", now=later(2))
        self.assertIn("2 ticket(s) anonymised", r.stderr)
        self.assertIn("1 status-page subscription(s) ended", r.stderr)
        # her subscription ends under her pseudonym; Denise's goes on
        self.assertEqual(self.one(
            "SELECT address = (SELECT requester FROM tickets WHERE "
            "number = '%s') AND unsubscribed_at IS NOT NULL FROM "
            "status_subscribers WHERE token = 'tok-c'" % a), "t")
        self.assertEqual(self.one(
            "SELECT address || coalesce(unsubscribed_at::text, '-') FROM "
            "status_subscribers WHERE token = 'tok-d'"),
            "denise@other.example-")
        self.assertNotIn("claire", r.stderr.lower())
        ta, tb, td = self.ticket(a), self.ticket(b), self.ticket(d)
        self.assertRegex(ta[0], r"^anon-[0-9a-f]{20}@invalid$")
        self.assertEqual(ta[0], tb[0])
        # the open ticket is closed, and says from what
        self.assertEqual(tb[3], "closed")
        ev = [e for e in self.show(b)["events"] if e["kind"] == "anonymised"]
        self.assertEqual(ev[0]["data"]["reason"], "forget")
        self.assertEqual(ev[0]["data"]["closed_from"], "new")
        self.assertEqual(self.one(
            "SELECT count(*) FROM sla_timers s JOIN tickets t ON t.id = "
            "s.ticket_id WHERE t.number = '%s' AND s.next_at IS NOT NULL"
            % b), "0")
        self.assertEqual([x[:4] + x[5:] for x in self.sla_rows(b)],
                         [x[:4] + x[5:] for x in sla_b])
        # someone else's ticket is untouched
        self.assertEqual(td[:3], ("denise@other.example", "Denise Roux",
                                  "Someone else"))
        self.assert_gone(self.dump(), "claire@cust.example", "Claire Dupont",
                         "BODYMARK-E1", "BODYMARK-F1", "SUBJMARK-E",
                         "SUBJMARK-F", "REPLYMARK-E", "ATTMARK-7731",
                         "contrat-claire")
        # (the dump writes bytea in hex: the held mail is read here)
        self.assertEqual(self.one("SELECT octet_length(raw) FROM quarantine "
                                  "WHERE dedup_key = 'h1'"), "0")
        self.assertIn("OTHERMARK", self.one(
            "SELECT encode(raw, 'escape') FROM quarantine "
            "WHERE dedup_key = 'h2'"))
        self.assertEqual(self.one("SELECT count(*) FROM organisation_keys"),
                         "0")
        # the same pseudonym as retention would give: one key, one name
        audit = self.sql("SELECT actor, ticket_id, data::text FROM events "
                         "WHERE kind = 'gdpr_forget'")
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit[0][:2], ("dpo-anne", None))
        data = json.loads(audit[0][2])
        self.assertEqual(data["subject"], ta[0])
        self.assertEqual(data["login"], pwd.getpwuid(os.getuid()).pw_name)
        self.assertEqual(data["tickets"], 2)
        self.assertGreater(data["rows"], 10)
        # a second forget: nothing left, said so, still audited
        r = self.servers.guichet("gdpr", "forget", "claire@cust.example",
                                 "--actor", "dpo-anne", now=later(3))
        self.assertIn("nothing is stored about", r.stderr)
        self.assertEqual(self.one("SELECT count(*) FROM events WHERE kind = "
                                  "'gdpr_forget'"), "2")
        self.assertEqual(self.kinds(a).count("anonymised"), 1)
        r = self.servers.guichet("gdpr", "export", "claire@cust.example")
        self.assertEqual(json.loads(r.stdout)["tickets"], [])

    def test_both_writings_of_her_domain(self):
        # Zoë writes from her domain in Unicode, then in its ASCII form
        # (A-label); she is a Cc of Denise's ticket in the ASCII form,
        # follows the status page in it, and a mail of hers is held in
        # Unicode. zoe@example.org is somebody else.
        u, x = "zoë@exämple.org", "zoë@xn--exmple-cua.org"
        a = self.open_as("SUBJMARK-U", "BODYMARK-U1",
                         sender="Zoë Roux <%s>" % u)
        b = self.open_as("SUBJMARK-X", "BODYMARK-X1",
                         sender="Zoë Roux <%s>" % x)
        d = self.open_as("Denise's", "BODYMARK-D1", attach=True,
                         sender="Denise Roux <denise@other.example>",
                         cc="Zoë <%s>" % x)
        z = self.open_as("Not hers", "BODYMARK-Z1",
                         sender="Zoe Other <zoe@example.org>")
        self.assertEqual(self.ticket(b)[0], x)
        self.sql("INSERT INTO status_subscribers (address, token, "
                 "subscribed_at) VALUES ('ZOË@XN--EXMPLE-CUA.ORG', 'tok-z', "
                 "'2026-11-20T10:00:00Z'), ('zoe@example.org', 'tok-o', "
                 "now())")
        self.sql("INSERT INTO quarantine (mailbox, reason, raw, raw_size, "
                 "dedup_key, received_at) VALUES ('support', 'parse', "
                 "convert_to('From: <%s> HELDMARK-U', 'UTF8'), 40, 'h1', "
                 "now()), ('support', 'parse', 'From: <zoe@example.org> "
                 "OTHERMARK', 40, 'h2', now())" % u)
        # asked in capitals past ASCII, in Unicode: both writings found
        r = self.servers.guichet("gdpr", "export", "ZOË@EXÄMPLE.ORG")
        doc = json.loads(r.stdout)
        self.assertEqual(doc["writings"], [u, x])
        self.assertEqual(sorted(t["number"] for t in doc["tickets"]),
                         sorted([a, b, d]))
        self.assertEqual([s["address"] for s in
                          doc["status_subscriptions"]],
                         ["ZOË@XN--EXMPLE-CUA.ORG"])
        # asked in the ASCII form: the same person, the same pseudonym
        r2 = self.servers.guichet("gdpr", "export", x)
        self.assertEqual(json.loads(r2.stdout)["writings"], [u, x])
        subjects = [json.loads(e)["subject"] for e, in self.sql(
            "SELECT data::text FROM events WHERE kind = 'gdpr_export' "
            "ORDER BY id")]
        self.assertEqual(len(subjects), 2)
        self.assertEqual(len(set(subjects)), 1)
        # forgotten, asked in the ASCII form: nothing of her is left
        r = self.servers.guichet("gdpr", "forget", "Zoë@XN--exmple-cua.org")
        self.assertIn("3 ticket(s) anonymised", r.stderr)
        self.assertIn("1 status-page subscription(s) ended", r.stderr)
        ta, tb = self.ticket(a), self.ticket(b)
        self.assertRegex(ta[0], r"^anon-[0-9a-f]{20}@invalid$")
        self.assertEqual(ta[0], tb[0])
        self.assertEqual(ta[0], subjects[0])
        self.assertEqual(self.one(
            "SELECT address FROM ticket_participants p JOIN tickets t ON "
            "t.id = p.ticket_id WHERE t.number = '%s' AND p.role = 'cc'"
            % d), ta[0])
        self.assert_gone(self.dump(), "exämple", "xn--exmple-cua",
                         "BODYMARK-U1", "BODYMARK-X1", "SUBJMARK-U",
                         "SUBJMARK-X", "HELDMARK-U")
        # (the dump writes bytea in hex: the held mail is read here)
        self.assertEqual(self.one("SELECT octet_length(raw) FROM quarantine "
                                  "WHERE dedup_key = 'h1'"), "0")
        self.assertEqual(self.ticket(z)[:3],
                         ("zoe@example.org", "Zoe Other", "Not hers"))
        self.assertIn("OTHERMARK", self.one(
            "SELECT encode(raw, 'escape') FROM quarantine "
            "WHERE dedup_key = 'h2'"))
        self.assertEqual(self.one("SELECT address FROM status_subscribers "
                                  "WHERE token = 'tok-o'"),
                         "zoe@example.org")

    # -- PostgreSQL going away in the middle ------------------------------

    def waiting(self):
        """How many guichet backends wait for a lock."""
        return int(self.one(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name "
            "= 'guichet' AND wait_event_type = 'Lock'"))

    def hold(self, table):
        """A psql session holding table locked, and a function that
        waits until a guichet backend waits for that lock."""
        self.hold_process(table)

        def waiting():
            gh.wait_until(lambda: self.waiting() == 1, timeout=60,
                          what="guichet to wait")
        return waiting

    def release(self):
        """End the session of hold_process() (its lock goes with it)."""
        self.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE query LIKE '%pg_sleep(300)%' AND pid <> "
                 "pg_backend_pid()")

    def hold_process(self, table):
        # the passes started against it wait for as long as it is held
        # (the scheduler's jobs wait 5 s only when the role sets no
        # lock_timeout)
        self.sql("ALTER DATABASE %s SET lock_timeout = '10min'" % self.db)
        p = subprocess.Popen(
            [os.path.join(gh.PG_BIN, "psql"), "-X", "-q", "-d",
             self.servers.pg.conninfo(self.db)], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p.stdin.write(b"BEGIN; LOCK TABLE %s IN ACCESS EXCLUSIVE MODE; "
                      b"SELECT pg_sleep(300);\n" % table.encode())
        p.stdin.flush()
        self.addCleanup(p.stdin.close)
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)
        # held before anything is started against it: on a loaded
        # machine psql may take longer to lock than guichet to pass by
        gh.wait_until(lambda: self.one(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = "
            "l.relation WHERE c.relname = '%s' AND l.mode = "
            "'AccessExclusiveLock' AND l.granted" % table) == "1",
            timeout=60, what="psql to hold %s" % table)
        return p

    def server_gone(self, table, *args):
        s = self.servers
        waiting = self.hold(table)
        g = s.spawn(*args, now=later(2))
        waiting()
        s.pg.stop(mode="immediate")
        g.wait(timeout=60, expect=75)
        s.pg.start()
        return g

    def test_forget_server_gone(self):
        a, b, d = self.two_tickets()
        g = self.server_gone("organisation_keys", "gdpr", "forget",
                             "claire@cust.example", "--actor", "dpo")
        self.assertIn("database", g.stderr())
        # nothing half-done: the batch and its audit event are one
        self.assertEqual(self.ticket(a)[0], "Claire@cust.example")
        self.assertEqual(self.ticket(a)[4], None)
        self.assertIn("BODYMARK-E1", self.dump())
        self.assertEqual(self.one("SELECT count(*) FROM events WHERE "
                                  "kind IN ('gdpr_forget', 'anonymised')"),
                         "0")
        # and done whole once the server is back
        self.servers.guichet("gdpr", "forget", "claire@cust.example")
        self.assert_gone(self.dump(), "claire@cust.example", "BODYMARK-E1")

    def test_export_server_gone(self):
        self.two_tickets()
        out = self.servers.path("gone-%s.json" % self.user)
        g = self.server_gone("attachments", "gdpr", "export",
                             "claire@cust.example", "--output", out)
        self.assertIn("incomplete", g.stderr())
        self.assertFalse(os.path.exists(out))
        self.assertEqual([f for f in os.listdir(os.path.dirname(out))
                          if f.startswith(os.path.basename(out))], [])
        self.assertEqual(self.one("SELECT count(*) FROM events WHERE kind = "
                                  "'gdpr_export'"), "0")


if __name__ == "__main__":
    unittest.main(verbosity=2)
