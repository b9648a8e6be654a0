"""test_corpus.py - every mail of the real-world corpus through intake.

The corpus lives beside the project (../shared/corpus from the source
tree, or $GUICHET_CORPUS_DIR); where it is absent this test says so and
exits 77, which ctest reports as skipped (the project's own fixtures
always run in the unit tests). Every message is
APPENDed to a real Dovecot mailbox and taken by one `guichet serve
--once`: each must end as a ticket message (new ticket, follow-up, a copy
recognised as a duplicate, our own mail dropped) or in the quarantine,
with nothing left in INBOX, no crash and nothing lost. Per folder: the
bounce collections are recognised as delivery reports (quarantined as
reports about no mail of ours: they never open tickets), the
auto-replies never get an acknowledgement, and the mail written by
people has its text extracted.
"""

import collections
import email
import email.policy
import glob
import os
import re
import sys
import unittest

import guichet_harness as gh

CORPUS = os.environ.get("GUICHET_CORPUS_DIR") or os.path.normpath(
    os.path.join(os.environ["GUICHET_SOURCE_DIR"], "..", "shared", "corpus"))
EXIT_SKIP = 77      # SKIP_RETURN_CODE of this test in tests/CMakeLists.txt

# Delivery reports a folder must at least yield (the others in those
# folders are spam, abuse reports or newsletters kept by their projects as
# controls; tests/unit/parsers/test_bounce.c lists them one by one).
BOUNCES_AT_LEAST = {
    "sisimai": 195,
    "flufl-bounce": 99,
    "perl-bounceparser": 78,
    "ruby-bounce-email": 35,
    "php-bounce-handler": 22,
}
# Where Python's email package sees text that is not there to read.
NO_TEXT = {
    # one empty part then the close delimiter: Python takes the epilogue
    # for a part
    "mime4j/multipartemptypart.eml",
    # the forwarded message is S/MIME-encrypted; Python reads its source
    # as text because it misses the ">From" line before it
    "mimekit/content-length.mbox-016.eml",
}


def has_text(path):
    if "/".join(path.split("/")[-2:]) in NO_TEXT:
        return False
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_maintype() != "text" or \
                part.get_content_disposition() == "attachment":
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:
            continue
        # what a reader sees: no <head>, <title>, <style>, <script>
        payload = re.sub(rb"(?is)<(head|title|style|script)\b.*?</\1\s*>",
                         b"", payload)
        text = re.sub(rb"<[^>]*>|&nbsp;|\s", b"", payload)
        if text:
            return True
    return False


@unittest.skipUnless(os.path.isdir(CORPUS),
                     "no corpus at %s: skipped (the project's own fixtures "
                     "run in the unit tests)" % CORPUS)
class Corpus(gh.ServersTestCase):
    servers_options = dict(http=False, smtp=False)

    def test_every_mail_ends_somewhere(self):
        s = self.servers
        files = sorted(glob.glob(os.path.join(CORPUS, "*", "*.eml")))
        self.assertGreater(len(files), 1000)
        s.write_config(dbname="corpus", mailbox_user="corpus",
                       sections={"agent alice": None})
        s.guichet("migrate")
        c = s.imap.client("corpus")
        uid_file = {}
        piped = []
        for f in files:
            with open(f, "rb") as fh:
                raw = fh.read()
            try:
                typ, data = c.append("INBOX", None, None, raw)
            except Exception:
                typ, data = "NO", [b""]
            m = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            if typ == "OK" and m:
                uid_file[int(m.group(1))] = f
            else:
                piped.append((f, raw))    # IMAP refused it: the MTA path
        c.logout()
        r = s.guichet("serve", "--once", timeout=900)
        outcome = {}
        for line in r.stderr.splitlines():
            m = re.search(r"mailbox support uid (\d+): (new ticket|follow-up|"
                          r"duplicate|quarantined|dropped) (\S+) .*?(?:: "
                          r"([a-z ]+):|$)", line)
            if m:
                outcome[uid_file[int(m.group(1))]] = (m.group(2),
                                                      m.group(4))
        for f, raw in piped:
            p = s.guichet("ingest", "--mailbox", "support", input=raw,
                          config=s.config_path)
            m = re.search(r"(new ticket|follow-up|duplicate|quarantined|"
                          r"dropped)", p.stderr)
            outcome[f] = (m.group(1), None)

        # every message ended somewhere, and nothing is left behind
        missing = [f for f in files if f not in outcome]
        self.assertEqual(missing, [])
        self.assertEqual(s.imap.messages("corpus", "INBOX"), [])
        kept = (len(s.imap.messages("corpus", "Processed")) +
                len(s.imap.messages("corpus", "Quarantine")))
        self.assertEqual(kept, len(uid_file))
        db = lambda q: s.pg.psql(q, db="corpus")
        stored = int(db("SELECT count(*) FROM messages WHERE direction = "
                        "'in'")[0][0])
        quarantined = int(db("SELECT count(*) FROM quarantine")[0][0])
        counts = collections.Counter(o for o, _ in outcome.values())
        self.assertEqual(stored + quarantined,
                         len(files) - counts["duplicate"] -
                         counts["dropped"])
        print("\ncorpus: %d mails: %s" % (len(files), dict(counts)),
              file=sys.stderr)

        per = collections.defaultdict(collections.Counter)
        for f, (o, reason) in outcome.items():
            folder = os.path.basename(os.path.dirname(f))
            per[folder][(o, reason) if o == "quarantined" else o] += 1
        for folder, least in BOUNCES_AT_LEAST.items():
            n = per[folder][("quarantined", "bounce")]
            self.assertGreaterEqual(n, least, "%s: %s" % (folder,
                                                          per[folder]))
        # auto-replies: tickets maybe, acknowledgements never
        acks = db("SELECT count(*) FROM outbox o JOIN tickets t ON "
                  "t.id = o.ticket_id JOIN messages m ON m.ticket_id = t.id "
                  "AND m.direction = 'in' WHERE o.purpose = 'ack' AND "
                  "'automatic' = ANY (m.text_flags)")[0][0]
        self.assertEqual(acks, "0")
        suppressed = int(db("SELECT count(*) FROM events WHERE kind = "
                            "'ack_suppressed'")[0][0])
        self.assertGreaterEqual(suppressed, per["autoreplies"]["new ticket"])
        # text extracted wherever the mail has text (a text/plain or
        # text/html part that is not an attachment and holds more than
        # blanks, as Python's email package sees it)
        empty = {int(u) for (u,) in db(
            "SELECT imap_uid FROM messages WHERE direction = 'in' AND "
            "text = '' AND imap_uid IS NOT NULL")}
        lost = [uid_file[u] for u in sorted(empty)
                if has_text(uid_file[u])]
        self.maxDiff = None
        self.assertEqual(lost, [])


if __name__ == "__main__":
    if not os.path.isdir(CORPUS):
        print("no corpus at %s: skipped (the project's own fixtures run in "
              "the unit tests)" % CORPUS)
        sys.exit(EXIT_SKIP)
    unittest.main(verbosity=2)
