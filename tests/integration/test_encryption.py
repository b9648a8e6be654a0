"""test_encryption.py - encryption at rest end to end.

With `[storage] key_file`, a customer mail with a marker in its body and
in its attachment goes through IMAP and `serve --once`: a `pg_dump` of
the whole database then holds the marker nowhere (clear, hex of the
bytea, or the attachment's base64 in the raw mail), while `ticket show`
reads the text and `ticket attachment` writes a file with the original
SHA-256; the same mail in a database without a key file does show the
marker in the dump (the control). Tampering with one byte of a stored
blob (an attachment, a text, a queued mail, a quarantined mail) is
refused on read with a clear error and exit 65, logged, never served;
the daemon keeps running and marks the queued mail dead instead of
sending it. Search covers the subject and addresses of a sealed mail,
not its body. Hostile operators: a key file open to others, bad lines,
no or two current keys, the wrong attachment numbers, an existing
output file.
"""

import base64
import hashlib
import json
import os
import re
import subprocess
import unittest

import guichet_harness as gh

NOW = "2026-11-26T10:00:00Z"
MARKER = "ZQX-marker-7f3a9c"
KEY1 = "11" * 32
KEY2 = "2f" * 32


def key_file(s, name, text, mode=0o600):
    path = s.path(name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def attachment_bytes():
    return (b"%PDF-1.4 attachment " + MARKER.encode() + b"\n" +
            bytes(range(256)) * 4)


def marked_mail(n, subject="Imprimante en panne"):
    att = attachment_bytes()
    b64 = base64.encodebytes(att).decode().replace("\n", "\r\n")
    raw = ("From: Claire <claire@cust.example>\r\n"
           "To: support@example.com\r\n"
           "Subject: %s\r\n"
           "Message-ID: <enc-%d@cust.example>\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
           "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Bonjour,\r\nle code %s revient sans cesse.\r\n\r\n"
           "--b1\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\n"
           "Content-Disposition: attachment; filename=\"r.pdf\"\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b1--\r\n"
           % (subject, n, MARKER, b64))
    return raw.encode(), b64.replace("\r\n", "")


def pg_dump(s, db):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    r = subprocess.run([s.pg._bin("pg_dump"), "-d", s.pg.conninfo(db)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=120, check=True)
    return r.stdout


def dump_holds(dump, needles):
    """Which needles (bytes) the dump holds, clear or as bytea hex."""
    low = dump.lower()
    return [n for n in needles if n in dump or n.hex().encode() in low]


class Encryption(gh.ServersTestCase):
    servers_options = dict(http=False)

    def conf(self, db, keys=KEY1 + " current\n", extra=None):
        s = self.servers
        sections = {}
        if keys is not None:
            kf = key_file(s, db + ".keys", "# test keys\n1 " + keys)
            sections["storage"] = {"key_file": kf}
        sections.update(extra or {})
        return s.write_config(path=s.path(db + ".conf"), dbname=db,
                              mailbox_user="u_" + db, sections=sections)

    def run_g(self, conf, *args, **kw):
        return self.servers.guichet(*args, config=conf, **kw)

    def deliver(self, conf, db, raw):
        self.servers.imap.append("u_" + db, "INBOX", raw)
        r = self.run_g(conf, "serve", "--once", now=NOW)
        return re.search(r"(SUP-\d+-\d+)", r.stderr).group(1)

    def test_marker_nowhere_in_a_dump(self):
        s = self.servers
        needles_for = lambda b64: [MARKER.encode(), b64[:48].encode(),
                                   base64.b64encode(MARKER.encode())[:12]]
        # the control: no key file, the marker is in the dump
        plain = self.conf("enc_plain", keys=None)
        self.run_g(plain, "migrate")
        raw, b64 = marked_mail(1)
        plain_number = self.deliver(plain, "enc_plain", raw)
        self.assertEqual(len(dump_holds(pg_dump(s, "enc_plain"),
                                        needles_for(b64)[:2])), 2)
        self.run_g(plain, "ticket", "attachment", plain_number, "1",
                   "--output", s.path("plain.pdf"))
        with open(s.path("plain.pdf"), "rb") as f:
            self.assertEqual(f.read(), attachment_bytes())

        conf = self.conf("enc_on")
        self.run_g(conf, "migrate")
        raw, b64 = marked_mail(2)
        before = s.smtp.count()
        number = self.deliver(conf, "enc_on", raw)
        # the ack and the agent's notification went out, in clear
        mails = s.smtp.wait_for(before + 2)
        self.assertTrue(any(MARKER in m.as_string() for m in mails[before:]))
        dump = pg_dump(s, "enc_on")
        self.assertIn(b"sealed_text", dump)
        self.assertEqual(dump_holds(dump, needles_for(b64)), [])
        # the columns hold blobs: magic, version 1, key 1
        row = s.pg.psql("SELECT encode(substring(raw FROM 1 FOR 9), 'hex'),"
                        " text, new_text IS NULL, sealed_text IS NOT NULL, "
                        "raw_size FROM messages WHERE direction = 'in'",
                        db="enc_on")[0]
        self.assertEqual(row[0], "ff4743530100000001")
        self.assertEqual(row[1:4], ("", "t", "t"))
        self.assertEqual(int(row[4]), len(raw))
        self.assertEqual(s.pg.scalar(
            "SELECT count(*) FROM outbox WHERE kind = 'mail' AND "
            "substring(data FROM 1 FOR 4) <> '\\xff474353'::bytea",
            db="enc_on"), "0")
        # read back through the one opening path
        t = json.loads(self.run_g(conf, "ticket", "show", number,
                                  "--json").stdout)
        self.assertIn(MARKER, t["messages"][0]["text"])
        self.assertNotIn("sealed", t["messages"][0])
        out = s.path("r.pdf")
        r = self.run_g(conf, "ticket", "attachment", number, "1",
                       "--output", out)
        self.assertIn("r.pdf", r.stdout)
        with open(out, "rb") as f:
            got = f.read()
        self.assertEqual(hashlib.sha256(got).hexdigest(),
                         hashlib.sha256(attachment_bytes()).hexdigest())
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        # search: the subject, and the sealed body through the blind
        # index (stems, a phrase, an exclusion, subject and body mixed)
        def found(q):
            return [x["number"] for x in json.loads(self.run_g(
                conf, "ticket", "search", q, "--json").stdout)]
        for q in ("imprimante", "revient", "RÉVIENT", "\"revient sans\"",
                  "imprimantes cesse", "revient -facture",
                  "claire@cust.example", "facture OR revient"):
            self.assertEqual((q, found(q)), (q, [number]))
        for q in ("\"sans revient\"", "revient -cesse", "facture",
                  "bonjour -imprimante"):
            self.assertEqual((q, found(q)), (q, []))
        self.assertIsNotNone(s.pg.scalar(
            "SELECT sealed_tsv FROM messages WHERE direction = 'in' "
            "ORDER BY id LIMIT 1", db="enc_on"))
        # mails stored in clear before the key (here by a config without
        # it) are matched with their word pairs beside the sealed ones:
        # "mot de passe" is not "mot clé passe"
        clear = s.write_config(path=s.path("enc_on_clear.conf"),
                               dbname="enc_on", mailbox_user="u_enc_on")
        s.config_path = s.path("guichet.conf")
        clear_n = []
        for n, body in ((3, "le mot de passe du copieur"),
                        (4, "le mot clé passe mal au copieur")):
            r = self.run_g(clear, "ingest", "--mailbox", "support", now=NOW,
                           input=("From: p%d@cust.example\r\nTo: "
                                  "support@example.com\r\nSubject: Copieur "
                                  "%d\r\nMessage-ID: <enc-%d@cust.example>"
                                  "\r\n\r\n%s\r\n" % (n, n, n, body)
                                  ).encode())
            clear_n.append(re.search(r"(SUP-\d+-\d+)", r.stderr).group(1))
        self.assertEqual(found('"mot de passe"'), clear_n[:1])
        self.assertEqual(sorted(found("copieur")), sorted(clear_n))

        # hostile operators of `ticket attachment`
        for args, code in [(("1", "--output", out), 73),       # exists
                           (("0", "--output", s.path("x")), 64),
                           (("-1", "--output", s.path("x")), 64),
                           (("abc", "--output", s.path("x")), 64),
                           (("99999999999", "--output", s.path("x")), 64),
                           (("2", "--output", s.path("x")), 66),
                           (("1",), 64),
                           (("1", "--output", s.path("no", "dir")), 73)]:
            r = self.run_g(conf, "ticket", "attachment", number, *args,
                           expect=code)
            self.assertRegex(r.stderr, r"^guichet|^usage: ")
        self.run_g(conf, "ticket", "attachment", "SUP-1999-000001", "1",
                   "--output", s.path("y"), expect=66)
        self.assertFalse(os.path.exists(s.path("x")))

    def test_tampering_is_refused(self):
        s = self.servers
        conf = self.conf("enc_tamper")
        self.run_g(conf, "migrate")
        number = self.deliver(conf, "enc_tamper", marked_mail(3)[0])
        flip = ("UPDATE %s SET %s = set_byte(%s, 40, get_byte(%s, 40) # 1)"
                " WHERE %s")
        # an attachment
        s.pg.psql(flip % (("attachments",) + ("content",) * 3 + ("true",)),
                  db="enc_tamper")
        out = s.path("tampered.pdf")
        r = self.run_g(conf, "ticket", "attachment", number, "1",
                       "--output", out, expect=65)
        self.assertIn("does not authenticate", r.stderr)
        self.assertFalse(os.path.exists(out))
        # a text: shown null with the reason, exit 65
        for col in ("sealed_text", "sealed_new_text"):
            s.pg.psql(flip % (("messages",) + (col,) * 3 +
                              ("direction = 'in'",)), db="enc_tamper")
        r = self.run_g(conf, "ticket", "show", number, "--json", expect=65)
        m = json.loads(r.stdout)["messages"][0]
        self.assertIsNone(m["text"])
        self.assertIsNone(m["new_text"])
        self.assertIn("does not authenticate", m["text_error"])
        self.assertNotIn(MARKER, r.stdout)
        self.assertIn("does not authenticate", r.stderr)
        # a blob moved to another row fails too
        number4 = self.deliver(conf, "enc_tamper", marked_mail(4)[0])
        number7 = self.deliver(conf, "enc_tamper", marked_mail(7)[0])
        self.run_g(conf, "ticket", "show", number7)
        s.pg.psql("UPDATE messages SET sealed_text = (SELECT sealed_text "
                  "FROM messages WHERE message_id = 'enc-4@cust.example') "
                  "WHERE message_id = 'enc-7@cust.example'", db="enc_tamper")
        self.run_g(conf, "ticket", "show", number7, expect=65)
        self.run_g(conf, "ticket", "show", number4)

        # a queued mail: the running daemon never sends it, marks it dead
        s.smtp.refuse("*", 451, "4.2.0 later")
        self.deliver(conf, "enc_tamper", marked_mail(5)[0])
        s.smtp.accept_all()
        oid = s.pg.scalar("SELECT max(id) FROM outbox WHERE kind = 'mail'",
                          db="enc_tamper")
        s.pg.psql("UPDATE outbox SET next_attempt_at = '2026-01-01', "
                  "data = set_byte(data, 60, get_byte(data, 60) # 1) "
                  "WHERE id = %s" % oid, db="enc_tamper")
        before = s.smtp.count()
        d = s.spawn("serve", config=conf)
        try:
            gh.wait_until(lambda: s.pg.scalar(
                "SELECT status FROM outbox WHERE id = %s" % oid,
                db="enc_tamper") == "dead", timeout=60,
                what="the tampered mail marked dead")
            d.wait_for_output(r"stored data refused: outbox %s" % oid)
            self.assertIn("does not authenticate", s.pg.scalar(
                "SELECT last_error FROM outbox WHERE id = %s" % oid,
                db="enc_tamper"))
            # still running: the next mail is taken and answered
            s.imap.append("u_enc_tamper", "INBOX", marked_mail(6)[0])
            gh.wait_until(lambda: s.pg.scalar(
                "SELECT count(*) FROM messages WHERE message_id = "
                "'enc-6@cust.example'", db="enc_tamper") == "1",
                timeout=60, what="the next mail stored")
            self.assertIsNone(d.poll())
        finally:
            d.stop()
        mid = s.pg.scalar("SELECT message_id FROM outbox WHERE id = %s"
                          % oid, db="enc_tamper")
        for m in s.smtp.messages()[before:]:
            self.assertNotIn(mid, m.get("Message-ID", ""))

    def test_big_attachment(self):
        s = self.servers
        conf = self.conf("enc_big")
        self.run_g(conf, "migrate")
        big = os.urandom(6 << 20)
        b64 = base64.encodebytes(big).decode().replace("\n", "\r\n")
        raw = ("From: big@cust.example\r\nTo: support@example.com\r\n"
               "Subject: logs\r\nMessage-ID: <enc-big@cust.example>\r\n"
               "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
               "boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain"
               "\r\n\r\nthe logs\r\n--b\r\nContent-Type: "
               "application/octet-stream\r\nContent-Disposition: "
               "attachment; filename=\"logs.bin\"\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n"
               % b64).encode()
        r = self.run_g(conf, "ingest", "--mailbox", "support", input=raw,
                       now=NOW)
        number = re.search(r"(SUP-\d+-\d+)", r.stderr).group(1)
        self.assertEqual(s.pg.scalar(
            "SELECT length(content) - size FROM attachments",
            db="enc_big"), "37")
        out = s.path("logs.bin")
        self.run_g(conf, "ticket", "attachment", number, "1", "--output",
                   out)
        with open(out, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).digest(),
                             hashlib.sha256(big).digest())

    def test_quarantine_sealed_and_tampered(self):
        s = self.servers
        conf = self.conf("enc_quar", extra={
            "guichet": {"max_header_size": "1KB"}})
        self.run_g(conf, "migrate")
        raw = (b"From: x@cust.example\r\nSubject: " + MARKER.encode() +
               b"\r\nX-Long: " + b"a" * 3000 + b"\r\n\r\nbody\r\n")
        self.run_g(conf, "ingest", "--mailbox", "support", input=raw,
                   expect=[0, 65])
        qid = s.pg.scalar("SELECT max(id) FROM quarantine", db="enc_quar")
        self.assertIsNotNone(qid)
        self.assertEqual(s.pg.scalar(
            "SELECT encode(substring(raw FROM 1 FOR 4), 'hex') FROM "
            "quarantine WHERE id = %s" % qid, db="enc_quar"), "ff474353")
        self.assertEqual(dump_holds(pg_dump(s, "enc_quar"),
                                    [MARKER.encode()]), [])
        # retried (and held again as a new entry), the old entry's key
        # changes; its blob still opens when a new key rotates it
        self.run_g(conf, "quarantine", "retry", qid, expect=[0, 65])
        qid = s.pg.scalar("SELECT max(id) FROM quarantine", db="enc_quar")
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM quarantine "
                                     "WHERE status = 'retried'",
                                     db="enc_quar"), "1")
        conf = self.conf("enc_quar", keys="%s\n2 %s current\n" % (KEY1, KEY2),
                         extra={"guichet": {"max_header_size": "1KB"}})
        r = self.run_g(conf, "keys", "rotate")
        self.assertIn("0 refused", r.stdout)
        s.pg.psql("UPDATE quarantine SET raw = set_byte(raw, 30, "
                  "get_byte(raw, 30) # 1) WHERE id = %s" % qid,
                  db="enc_quar")
        r = self.run_g(conf, "quarantine", "release", qid, expect=65)
        self.assertIn("does not authenticate", r.stderr)
        self.assertEqual(s.pg.scalar("SELECT status FROM quarantine WHERE "
                                     "id = %s" % qid, db="enc_quar"),
                         "held")


class KeyFile(gh.ServersTestCase):
    servers_options = dict(http=False, imap=False, smtp=False)

    def check(self, text, mode=0o600, want=None):
        s = self.servers
        kf = key_file(s, "k.keys", text, mode)
        conf = s.write_config(path=s.path("k.conf"), dbname="enc_keys",
                              sections={"storage": {"key_file": kf}})
        r = s.guichet("check-config", config=conf, check=False)
        if want is None:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        else:
            self.assertNotEqual(r.returncode, 0)
            self.assertRegex(r.stdout + r.stderr, want)
        return r

    def test_key_files(self):
        self.check("1 %s\n2 %s current\n" % (KEY1, KEY2))
        self.check("# c\n\n  7 %s   current  \r\n" % KEY1)
        self.check("1 %s current\n" % KEY1, mode=0o640,
                   want=r"k\.conf:\d+: key_file: .*too open")
        self.check("1 %s current\n" % KEY1, mode=0o604,
                   want=r"too open")
        self.check("1 %s\n" % KEY1, want=r"k\.keys: no key is marked")
        self.check("1 %s current\n2 %s current\n" % (KEY1, KEY2),
                   want=r"k\.keys:2: a second current key")
        self.check("1 %s current\n1 %s\n" % (KEY1, KEY2),
                   want=r"k\.keys:2: key 1 given twice")
        self.check("1 %s current\n" % KEY1[:-2],
                   want=r"k\.keys:1: the key is 64 hexadecimal")
        self.check("1 %szz current\n" % KEY1[:-2],
                   want=r"k\.keys:1: the key is 64 hexadecimal")
        self.check("0 %s current\n" % KEY1, want=r"k\.keys:1: the key id")
        self.check("4294967296 %s current\n" % KEY1,
                   want=r"k\.keys:1: the key id")
        self.check("-1 %s current\n" % KEY1, want=r"k\.keys:1: the key id")
        self.check("1 %s currently\n" % KEY1, want=r"k\.keys:1: only")
        self.check("1 %s current extra\n" % KEY1, want=r"k\.keys:1: a key")
        self.check("", want=r"k\.keys: no key in the file")
        self.check("1 %s current\n\0" % KEY1, want=r"NUL byte")
        self.check("# x\n" * 20000, want=r"cannot read")
        s = self.servers
        conf = s.write_config(path=s.path("m.conf"), dbname="enc_keys",
                              sections={"storage": {
                                  "key_file": s.path("missing.keys")}})
        r = s.guichet("check-config", config=conf, check=False)
        self.assertRegex(r.stdout + r.stderr,
                         r"m\.conf:\d+: key_file: cannot read")
        # no key ever reaches the output
        r = self.check("1 %s current\n2 %s\n3 bad\n" % (KEY1, KEY2),
                       want=r"k\.keys:3:")
        self.assertNotIn(KEY1, r.stdout + r.stderr)
        self.assertNotIn(KEY2, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
